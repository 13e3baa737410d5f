//! Findings grouped for humans: one defect, one entry. A group is one check id and one pointer
//! pattern (array indices folded to `*`: `/resultDatas/*/agentRelease`), whatever the values:
//! how many cases, answers and agents it touched, the values it saw, and one example case (the
//! first in suite order) for its request, answer and reproduction. The Markdown and HTML
//! reports and the console summary render these; this module only arranges data.

use std::collections::BTreeSet;

use super::model::{CaseRecord, RunRecord, Verdict};
use crate::checks::{Severity, Violation};

/// Every finding of one check at one pointer pattern across the run.
#[derive(Debug)]
pub struct CheckGroup<'a> {
    pub check: &'a str,
    /// The pointer with every all-digit segment folded to `*` (see [`fold_pointer`]).
    pub pattern: String,
    /// The clauses its findings cited (one, unless the check serves several).
    pub clauses: Vec<&'a str>,
    /// The check's one-line title from the catalogue (its rule), when it is there.
    pub title: Option<&'static str>,
    /// The cases whose kept findings showed it, in suite order (a case whose findings of it
    /// were all past the cap is counted in [`CheckGroup::case_total`] only).
    pub cases: Vec<&'a CaseRecord>,
    /// Distinct cases that showed it, every finding counted ([`super::tally`]).
    pub case_total: usize,
    /// Which of [`CheckGroup::cases`] is the example: the smallest request that showed the
    /// defect (the first in suite order among equals), so that a reader replays a one-agent
    /// request rather than a 6000-agent batch when both show it.
    pub example_at: usize,
    /// Cases among [`CheckGroup::cases`] whose answer was recorded.
    pub answers: usize,
    /// Distinct agents (`agentId`) its findings landed in; 0 when they name none.
    pub agents: usize,
    /// Findings in all (one case may show several, one per array item), those not kept as
    /// examples included.
    pub findings: usize,
    /// Of [`CheckGroup::findings`], those kept as examples in the cases' records.
    pub kept: usize,
    pub values: ValueSummary,
    /// The example case's first finding of this group.
    pub example_finding: &'a Violation,
    /// Distinct (pointer, value, message) findings with their cases, for renderers that list
    /// them one by one (report.json keeps every finding anyway).
    pub rows: Vec<Row<'a>>,
}

/// One distinct finding and the cases that showed it.
#[derive(Debug)]
pub struct Row<'a> {
    pub pointer: &'a str,
    pub value: Option<&'a str>,
    pub message: &'a str,
    pub cases: Vec<&'a CaseRecord>,
}

/// The values a group's findings reported.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSummary {
    /// No finding carried a value.
    None,
    /// Every value is a JSON number: the smallest and largest as rendered, and how many
    /// distinct values lie between (inclusive).
    Numbers {
        min: String,
        max: String,
        distinct: usize,
    },
    /// The first distinct values in suite order, and how many more there are.
    Listed { shown: Vec<String>, more: usize },
}

/// Distinct values listed before the rest is only counted.
pub const MAX_SHOWN_VALUES: usize = 5;

impl<'a> CheckGroup<'a> {
    /// Distinct cases that showed the group.
    pub fn case_count(&self) -> usize {
        self.case_total
    }

    /// `120044 finding(s) (1367 kept of 120044 as examples)`, or `2 finding(s)` when every
    /// one was kept ([`super::tally::findings_phrase`]).
    pub fn findings_phrase(&self) -> String {
        super::tally::findings_phrase(self.kept as u64, self.findings as u64)
    }

    /// Takes the exact counts from the run's tally of the group's key, when it has one (a
    /// report older than format 3 has none: its counts are of the kept findings).
    fn count_from(&mut self, tallies: &[super::tally::DefectTally], severity: Severity) {
        let found = tallies
            .iter()
            .find(|t| t.check == self.check && t.pattern == self.pattern && t.severity == severity);
        if let Some(tally) = found {
            let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
            self.case_total = size(tally.cases).max(self.cases.len());
            self.answers = size(tally.answers).max(self.answers);
            self.agents = size(tally.agents).max(self.agents);
            self.findings = size(tally.findings).max(self.kept);
        }
    }

    /// The group's example (see [`CheckGroup::example_at`]).
    pub fn example(&self) -> Option<&'a CaseRecord> {
        self.cases.get(self.example_at).copied()
    }
}

impl std::fmt::Display for ValueSummary {
    /// `34..61 (28 distinct)`, `"0100001", "x" and 3 more`, or nothing.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueSummary::None => Ok(()),
            ValueSummary::Numbers { min, max, distinct } if *distinct == 1 => {
                debug_assert_eq!(min, max);
                write!(f, "{min}")
            }
            ValueSummary::Numbers { min, max, distinct } => {
                write!(f, "{min}..{max} ({distinct} distinct)")
            }
            ValueSummary::Listed { shown, more } => {
                write!(f, "{}", shown.join(", "))?;
                if *more > 0 {
                    write!(f, " and {more} more")?;
                }
                Ok(())
            }
        }
    }
}

impl ValueSummary {
    /// The numbers of a time field (epoch milliseconds) written with their UTC time too:
    /// `1796774819176 (2026-12-09T00:06:59.176Z)..` (issue 24: a reader checks times at sight).
    pub fn as_instants(self) -> ValueSummary {
        let instant = |rendered: String| match rendered.parse::<i64>() {
            Ok(ms) => crate::units::epoch_ms(ms),
            Err(_) => rendered,
        };
        match self {
            ValueSummary::Numbers { min, max, distinct } => ValueSummary::Numbers {
                min: instant(min),
                max: instant(max),
                distinct,
            },
            other => other,
        }
    }
}

/// A pointer pattern whose value is an instant in epoch ms (`/resultDesc/*/logonTime`,
/// `.../currentStateTime`): the agent object's `...Time` fields (seed Table 4).
fn is_instant_field(pattern: &str) -> bool {
    pattern
        .rsplit('/')
        .next()
        .is_some_and(|field| field.ends_with("Time"))
}

/// `, agent 101` when the finding names the agent it landed in, else nothing.
pub fn agent_note(finding: &Violation) -> String {
    finding
        .agent
        .map(|id| format!(", agent {id}"))
        .unwrap_or_default()
}

/// `/resultDatas/3/agentRelease` → `/resultDatas/*/agentRelease`; `#1/resultDesc/0` →
/// `#1/resultDesc/*` (the exchange prefix names which request, not an array item).
pub fn fold_pointer(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The distinct values in first-seen order, summarized.
pub fn summarize_values<'v>(values: impl IntoIterator<Item = &'v str>) -> ValueSummary {
    let mut distinct: Vec<&str> = Vec::new();
    let mut seen = BTreeSet::new();
    for value in values {
        if seen.insert(value) {
            distinct.push(value);
        }
    }
    if distinct.is_empty() {
        return ValueSummary::None;
    }
    let numbers: Option<Vec<(f64, &str)>> = distinct
        .iter()
        .map(|v| as_number(v).map(|n| (n, *v)))
        .collect();
    if let Some(numbers) = numbers {
        let min = numbers.iter().min_by(|a, b| a.0.total_cmp(&b.0));
        let max = numbers.iter().max_by(|a, b| a.0.total_cmp(&b.0));
        if let (Some(min), Some(max)) = (min, max) {
            return ValueSummary::Numbers {
                min: min.1.to_owned(),
                max: max.1.to_owned(),
                distinct: distinct.len(),
            };
        }
    }
    ValueSummary::Listed {
        shown: distinct
            .iter()
            .take(MAX_SHOWN_VALUES)
            .map(|v| (*v).to_owned())
            .collect(),
        more: distinct.len().saturating_sub(MAX_SHOWN_VALUES),
    }
}

/// A value rendered as a JSON number (`35`, `-1.5e3`), not a string holding digits.
fn as_number(value: &str) -> Option<f64> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Number(n)) => n.as_f64(),
        _ => None,
    }
}

/// The findings of `severity` in failed cases (failures) or in any case (information), one
/// group per check id and pointer pattern, in (check id, pattern) order.
pub fn by_check(record: &RunRecord, severity: Severity) -> Vec<CheckGroup<'_>> {
    let mut builders: Vec<Builder<'_>> = Vec::new();
    let mut index: std::collections::HashMap<(&str, String), usize> =
        std::collections::HashMap::new();
    for case in &record.cases {
        if severity == Severity::Failure && case.verdict != Verdict::Failed {
            continue;
        }
        for violation in case.violations.iter().filter(|v| v.severity == severity) {
            let key = (violation.check.as_str(), fold_pointer(&violation.pointer));
            let at = match index.get(&key) {
                Some(&at) => at,
                None => {
                    builders.push(Builder::new(key.1.clone(), violation));
                    index.insert(key, builders.len() - 1);
                    builders.len() - 1
                }
            };
            builders[at].add(case, violation);
        }
    }
    let mut groups: Vec<CheckGroup<'_>> = builders.into_iter().map(Builder::finish).collect();
    for group in &mut groups {
        group.count_from(&record.tallies, severity);
    }
    groups.sort_by(|a, b| (a.check, &a.pattern).cmp(&(b.check, &b.pattern)));
    groups
}

/// A group while findings are added.
struct Builder<'a> {
    group: CheckGroup<'a>,
    agents: BTreeSet<i64>,
    values: Vec<&'a str>,
    /// Each case's first finding of the group, beside [`CheckGroup::cases`].
    first_findings: Vec<&'a Violation>,
    /// Where each distinct (pointer, value, message) sits in the rows.
    rows_at: std::collections::HashMap<RowKey<'a>, usize>,
}

type RowKey<'a> = (&'a str, Option<&'a str>, &'a str);

impl<'a> Builder<'a> {
    fn new(pattern: String, violation: &'a Violation) -> Self {
        Builder {
            group: CheckGroup {
                check: &violation.check,
                pattern,
                clauses: Vec::new(),
                title: check_title(&violation.check),
                cases: Vec::new(),
                case_total: 0,
                example_at: 0,
                answers: 0,
                agents: 0,
                findings: 0,
                kept: 0,
                values: ValueSummary::None,
                example_finding: violation,
                rows: Vec::new(),
            },
            agents: BTreeSet::new(),
            values: Vec::new(),
            first_findings: Vec::new(),
            rows_at: std::collections::HashMap::new(),
        }
    }

    fn add(&mut self, case: &'a CaseRecord, violation: &'a Violation) {
        let group = &mut self.group;
        group.findings += 1;
        group.kept += 1;
        if !group.clauses.contains(&violation.clause.as_str()) {
            group.clauses.push(&violation.clause);
        }
        // Cases arrive in suite order, each with all its findings at once.
        if group.cases.last().is_none_or(|last| last.id != case.id) {
            group.cases.push(case);
            self.first_findings.push(violation);
            if case.response.is_some() {
                group.answers += 1;
            }
        }
        self.agents.extend(violation.agent);
        self.values.extend(violation.value.as_deref());
        let key = (
            violation.pointer.as_str(),
            violation.value.as_deref(),
            violation.message.as_str(),
        );
        match self.rows_at.get(&key) {
            Some(&at) => {
                let row = &mut group.rows[at];
                if row.cases.last().is_none_or(|last| last.id != case.id) {
                    row.cases.push(case);
                }
            }
            None => {
                self.rows_at.insert(key, group.rows.len());
                group.rows.push(Row {
                    pointer: key.0,
                    value: key.1,
                    message: key.2,
                    cases: vec![case],
                });
            }
        }
    }

    fn finish(mut self) -> CheckGroup<'a> {
        self.group.agents = self.agents.len();
        self.group.case_total = self.group.cases.len();
        self.group.values = summarize_values(self.values);
        if is_instant_field(&self.group.pattern) {
            self.group.values = self.group.values.as_instants();
        }
        let request_size =
            |case: &CaseRecord| case.request.as_ref().map_or(usize::MAX, |r| r.body_bytes);
        // `min_by_key` keeps the first of equal keys: suite order among equals.
        if let Some((at, _)) =
            (self.group.cases.iter().enumerate()).min_by_key(|(_, case)| request_size(case))
        {
            self.group.example_at = at;
            if let Some(finding) = self.first_findings.get(at) {
                self.group.example_finding = finding;
            }
        }
        self.group
    }
}

/// Failed cases no check explains: no answer came (transport failure) or nothing was judged.
pub fn unexplained_failures(record: &RunRecord) -> Vec<&CaseRecord> {
    record
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Failed && c.failures().next().is_none())
        .collect()
}

/// The catalogue title of a check id.
pub fn check_title(id: &str) -> Option<&'static str> {
    crate::checks::CATALOGUE
        .iter()
        .find(|def| def.id == id)
        .map(|def| def.title)
}

/// `passed`, `failed`, `skipped` or `baselined` (a failed case the baseline accepts).
pub fn outcome_label(case: &CaseRecord) -> &'static str {
    match case.verdict {
        Verdict::Passed => "passed",
        Verdict::Failed if case.baselined => "baselined",
        Verdict::Failed => "failed",
        Verdict::Skipped => "skipped",
    }
}

/// The cases' totals in the words of the console's last line (`cases: ...`): `161 passed, 195
/// failed, 5 skipped`, the failed count as libtest counts it, with the baselined ones named.
pub fn cases_summary(totals: &super::model::Totals) -> String {
    let mut line = format!("{} passed, {} failed", totals.passed, totals.failed);
    if totals.baselined > 0 {
        line.push_str(&format!(" ({} accepted by the baseline)", totals.baselined));
    }
    if totals.skipped > 0 {
        line.push_str(&format!(", {} skipped", totals.skipped));
    }
    line
}

/// The relations' totals in the words of the console's last line (`relations: ...`):
/// `10 passed, 0 failed`, with `, N skipped` when any were and `, N not run (why)` when some
/// were left out; `not run (why)` when none was sent, never "0 passed, 0 failed".
pub fn relations_summary(record: &RunRecord) -> String {
    let relations = &record.relations;
    let not_run = &record.meta.relations_not_run;
    let reasons = not_run
        .iter()
        .map(|n| n.reason.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    if relations.is_empty() && !not_run.is_empty() {
        return format!("not run ({reasons})");
    }
    let count = |verdict: Verdict| relations.iter().filter(|r| r.verdict == verdict).count();
    let mut line = format!(
        "{} passed, {} failed",
        count(Verdict::Passed),
        count(Verdict::Failed)
    );
    let skipped = count(Verdict::Skipped);
    if skipped > 0 {
        line.push_str(&format!(", {skipped} skipped"));
    }
    let left_out: usize = not_run.iter().map(|n| n.names.len()).sum();
    if left_out > 0 {
        line.push_str(&format!(", {left_out} not run ({reasons})"));
    }
    line
}

/// The run's verdict for a human.
pub fn gate_label(record: &RunRecord) -> &'static str {
    if record.meta.stopped.is_some() {
        "STOPPED, NO VERDICT"
    } else if record.conformant() {
        "CONFORMANT"
    } else {
        "NOT CONFORMANT"
    }
}

#[cfg(test)]
mod tests;
