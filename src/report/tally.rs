//! Every finding counted, however few are kept as examples. An answer keeps at most
//! [`crate::checks::MAX_PER_CHECK`] findings of a check; the rest are counted per case here
//! ([`NotKept`], with the agents they landed in while the run holds them), and the run's
//! [`DefectTally`]s add up both: the exact cases, answers, distinct agents and findings of each
//! check at each pointer pattern. [`super::group`] reads its counts from them, so that
//! report.md, report.html, junit.xml, report.json and the console say the same numbers.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::group::fold_pointer;
use super::model::{CaseRecord, Verdict};
use crate::checks::{Severity, Violation};

/// Distinct (check, pattern, severity) keys counted per case; the findings of further keys go
/// to [`OTHER_PATTERNS`]. Only a server making up pointers (field names) reaches it.
pub const MAX_KEYS_PER_CASE: usize = 256;

/// Distinct keys a run tallies; findings of further keys go to [`OTHER_PATTERNS`] of their
/// check (report.json stays bounded whatever the server sends).
pub const MAX_TALLIES: usize = 2000;

/// The pattern the findings past [`MAX_KEYS_PER_CASE`] or [`MAX_TALLIES`] are counted under.
pub const OTHER_PATTERNS: &str = "(other pointer patterns)";

/// Findings of one check at one pointer pattern in one answer that were not kept as examples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotKept {
    pub check: String,
    /// The pointer with array indices folded (see [`fold_pointer`]).
    pub pattern: String,
    pub severity: Severity,
    pub findings: u64,
    /// The distinct agents they landed in, ascending. Held while the run counts them, never
    /// written: the run's [`DefectTally::agents`] is their count.
    #[serde(skip)]
    pub agents: Vec<i64>,
}

/// The run's count of one check at one pointer pattern and severity, every finding included.
/// Failures count in failed cases (baselined ones too), information in any case, as
/// [`super::group::by_check`] groups them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefectTally {
    pub check: String,
    pub pattern: String,
    pub severity: Severity,
    /// Cases with at least one such finding.
    pub cases: u64,
    /// Of those, cases whose answer was recorded.
    pub answers: u64,
    /// Distinct agents the findings landed in; 0 when they name none. An agent is an
    /// `agentId` at the call centre and VDN its request named: the same number at two pairs is
    /// two agents.
    pub agents: u64,
    /// Findings in all.
    pub findings: u64,
    /// Of those, the findings kept as examples in the cases' `violations`.
    pub kept: u64,
}

/// `2 finding(s)`, or `120044 finding(s) (1367 kept of 120044 as examples)` when fewer were
/// kept: the words every report and the console use for a group's findings.
pub fn findings_phrase(kept: u64, findings: u64) -> String {
    if kept < findings {
        format!("{findings} finding(s) ({kept} kept of {findings} as examples)")
    } else {
        format!("{findings} finding(s)")
    }
}

/// The failures of `case`, those not kept as examples included.
pub fn failures_in_all(case: &CaseRecord) -> u64 {
    let kept = case.failures().count() as u64;
    let not_kept: u64 = (case.not_kept.iter())
        .filter(|n| n.severity == Severity::Failure)
        .map(|n| n.findings)
        .sum();
    kept + not_kept
}

/// One line per check and pattern of `case` with findings not kept:
/// `not kept: 5392 more finding(s) of CMS-AGENT-013 at /resultDatas/*/logonTime`.
pub fn not_kept_lines(case: &CaseRecord) -> Vec<String> {
    case.not_kept
        .iter()
        .map(|n| {
            let at = if n.pattern.is_empty() {
                "<body>"
            } else {
                &n.pattern
            };
            let info = if n.severity == Severity::Info {
                " (information)"
            } else {
                ""
            };
            format!(
                "not kept: {} more finding(s) of {} at {at}{info}",
                n.findings, n.check
            )
        })
        .collect()
}

/// The findings of `beyond` (those past the cap, agents attributed), counted per key.
pub fn not_kept(beyond: &[Violation]) -> Vec<NotKept> {
    let mut counted: Vec<NotKept> = Vec::new();
    let mut at: HashMap<(&str, String, Severity), usize> = HashMap::new();
    let mut agents: Vec<BTreeSet<i64>> = Vec::new();
    for violation in beyond {
        let mut pattern = fold_pointer(&violation.pointer);
        let known = at.contains_key(&(
            violation.check.as_str(),
            pattern.clone(),
            violation.severity,
        ));
        if !known && counted.len() >= MAX_KEYS_PER_CASE {
            pattern = OTHER_PATTERNS.to_owned();
        }
        let key = (violation.check.as_str(), pattern, violation.severity);
        let index = *at.entry(key.clone()).or_insert_with(|| {
            counted.push(NotKept {
                check: violation.check.clone(),
                pattern: key.1.clone(),
                severity: violation.severity,
                findings: 0,
                agents: Vec::new(),
            });
            agents.push(BTreeSet::new());
            counted.len() - 1
        });
        counted[index].findings += 1;
        agents[index].extend(violation.agent);
    }
    for (entry, agents) in counted.iter_mut().zip(agents) {
        entry.agents = agents.into_iter().collect();
    }
    counted
}

/// A key while the run's findings are added.
#[derive(Default)]
struct Counter {
    cases: u64,
    answers: u64,
    agents: BTreeSet<(Option<i64>, Option<i64>, i64)>,
    findings: u64,
    kept: u64,
    /// The last case counted (cases arrive one at a time, each with all its findings).
    last_case: Option<usize>,
}

impl Counter {
    fn add(&mut self, position: usize, case: &CaseRecord, findings: u64, kept: u64) {
        if self.last_case != Some(position) {
            self.last_case = Some(position);
            self.cases += 1;
            if case.response.is_some() {
                self.answers += 1;
            }
        }
        self.findings += findings;
        self.kept += kept;
    }
}

type Key = (String, String, Severity);

/// The key findings of `check` at `pattern` are counted under: their own, or
/// [`OTHER_PATTERNS`] once the run holds [`MAX_TALLIES`] keys.
fn key_in(
    counters: &HashMap<Key, Counter>,
    check: &str,
    pattern: String,
    severity: Severity,
) -> Key {
    let key = (check.to_owned(), pattern, severity);
    if counters.len() >= MAX_TALLIES && !counters.contains_key(&key) {
        (check.to_owned(), OTHER_PATTERNS.to_owned(), severity)
    } else {
        key
    }
}

/// The run's tallies from its case records, in (check, pattern, severity) order.
pub fn tally(cases: &[CaseRecord]) -> Vec<DefectTally> {
    let mut counters: HashMap<Key, Counter> = HashMap::new();
    for (position, case) in cases.iter().enumerate() {
        let counts =
            |severity: Severity| severity == Severity::Info || case.verdict == Verdict::Failed;
        for violation in case.violations.iter().filter(|v| counts(v.severity)) {
            let pattern = fold_pointer(&violation.pointer);
            let key = key_in(&counters, &violation.check, pattern, violation.severity);
            let counter = counters.entry(key).or_default();
            counter.add(position, case, 1, 1);
            let (cc_id, vdn) = case.asked_at;
            counter
                .agents
                .extend(violation.agent.map(|id| (cc_id, vdn, id)));
        }
        for entry in case.not_kept.iter().filter(|n| counts(n.severity)) {
            let key = key_in(
                &counters,
                &entry.check,
                entry.pattern.clone(),
                entry.severity,
            );
            let counter = counters.entry(key).or_default();
            counter.add(position, case, entry.findings, 0);
            let (cc_id, vdn) = case.asked_at;
            counter
                .agents
                .extend(entry.agents.iter().map(|&id| (cc_id, vdn, id)));
        }
    }
    let mut tallies: Vec<DefectTally> = counters
        .into_iter()
        .map(|((check, pattern, severity), c)| DefectTally {
            check,
            pattern,
            severity,
            cases: c.cases,
            answers: c.answers,
            agents: u64::try_from(c.agents.len()).unwrap_or(u64::MAX),
            findings: c.findings,
            kept: c.kept,
        })
        .collect();
    tallies.sort_by(|a, b| {
        (&a.check, &a.pattern, a.severity).cmp(&(&b.check, &b.pattern, b.severity))
    });
    tallies
}

#[cfg(test)]
mod tests;
