//! Findings deduplicated for humans: one group per check id, one row per distinct (pointer,
//! value, message) with every case that showed it. The Markdown and HTML reports render these;
//! this module only arranges data.

use super::model::{CaseRecord, RunRecord, Verdict};
use crate::checks::{Severity, Violation};

/// Every finding of one check across the run.
#[derive(Debug)]
pub struct CheckGroup<'a> {
    pub check: &'a str,
    /// The clauses its findings cited (one, unless the check serves several).
    pub clauses: Vec<&'a str>,
    /// The check's one-line title from the catalogue, when it is there.
    pub title: Option<&'static str>,
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

impl CheckGroup<'_> {
    pub fn case_count(&self) -> usize {
        let mut ids: Vec<&str> = self
            .rows
            .iter()
            .flat_map(|r| r.cases.iter().map(|c| c.id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }
}

/// The findings of `severity` in failed cases (failures) or in any case (information), grouped
/// by check id in id order.
pub fn by_check(record: &RunRecord, severity: Severity) -> Vec<CheckGroup<'_>> {
    let mut groups: Vec<CheckGroup<'_>> = Vec::new();
    for case in &record.cases {
        if severity == Severity::Failure && case.verdict != Verdict::Failed {
            continue;
        }
        for violation in case.violations.iter().filter(|v| v.severity == severity) {
            let group = match groups.iter().position(|g| g.check == violation.check) {
                Some(i) => &mut groups[i],
                None => {
                    groups.push(CheckGroup {
                        check: &violation.check,
                        clauses: Vec::new(),
                        title: check_title(&violation.check),
                        rows: Vec::new(),
                    });
                    let last = groups.len() - 1;
                    &mut groups[last]
                }
            };
            if !group.clauses.contains(&violation.clause.as_str()) {
                group.clauses.push(&violation.clause);
            }
            add_row(group, case, violation);
        }
    }
    groups.sort_by(|a, b| a.check.cmp(b.check));
    groups
}

fn add_row<'a>(group: &mut CheckGroup<'a>, case: &'a CaseRecord, violation: &'a Violation) {
    let same = |r: &Row<'_>| {
        r.pointer == violation.pointer
            && r.value == violation.value.as_deref()
            && r.message == violation.message
    };
    match group.rows.iter_mut().find(|r| same(r)) {
        Some(row) => {
            if !row.cases.iter().any(|c| c.id == case.id) {
                row.cases.push(case);
            }
        }
        None => group.rows.push(Row {
            pointer: &violation.pointer,
            value: violation.value.as_deref(),
            message: &violation.message,
            cases: vec![case],
        }),
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

/// The run's verdict for a human.
pub fn gate_label(record: &RunRecord) -> &'static str {
    if record.conformant() {
        "CONFORMANT"
    } else {
        "NOT CONFORMANT"
    }
}
