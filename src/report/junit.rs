//! `junit.xml` for CI (Jenkins, GitLab): one testsuite per case family, one testcase per case,
//! and a `relations` suite for the multi-exchange findings. A failure's message carries the check
//! id, clause and pointer; its text lists every finding; `system-out` holds the reproduction
//! (a relation's: its findings). Only a case that did not pass carries `system-out`, unless
//! `--junit-output all`: a clean run's file is its testcases, not thousands of curl lines.
//! The counts of the file agree with report.json: its cases plus its relations, plus a skipped
//! testcase (type `not-run`, the reason its message) per relation in `meta.relations_not_run`.
//! A baselined failure is written as `skipped` (type `baselined`): CI tools count `failure`
//! elements to fail a build, and an accepted failure must not fail the gate.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite, XmlString};

use super::model::{CaseRecord, RelationRecord, RunRecord, Verdict};
use crate::error::{Error, Result};

/// Which testcases carry `system-out` (`--junit-output`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum JunitOutput {
    /// Failed (baselined included) and skipped cases only.
    #[default]
    Failures,
    /// Every case, passing ones too.
    All,
}

impl JunitOutput {
    fn shows(self, verdict: Verdict) -> bool {
        self == JunitOutput::All || verdict != Verdict::Passed
    }
}

/// junit.xml as `--junit-output failures` writes it.
pub fn render(record: &RunRecord) -> Result<String> {
    render_with(record, JunitOutput::Failures)
}

pub fn render_with(record: &RunRecord, output: JunitOutput) -> Result<String> {
    let mut report = Report::new("cmsconform");
    report.set_time(seconds(record.meta.duration_ms));
    let mut families: Vec<&str> = Vec::new();
    for case in &record.cases {
        if !families.contains(&case.family.as_str()) {
            families.push(&case.family);
        }
    }
    for family in families {
        let cases: Vec<&CaseRecord> = record.cases.iter().filter(|c| c.family == family).collect();
        let mut suite = suite(record, family);
        for case in &cases {
            suite.add_test_case(test_case(case, output));
        }
        let skipped = skipped(&suite);
        set_counts(&mut suite, cases.iter().map(|c| c.duration_ms), skipped);
        report.add_test_suite(suite);
    }
    if !record.relations.is_empty() || !record.meta.relations_not_run.is_empty() {
        let mut suite = suite(record, "relations");
        for relation in &record.relations {
            suite.add_test_case(relation_case(&record.meta, relation, output));
        }
        // A CI view must not show a run that sent no relation as one whose relations passed.
        for group in &record.meta.relations_not_run {
            for name in &group.names {
                let mut status = TestCaseStatus::skipped();
                status
                    .set_type("not-run")
                    .set_message(format!("not run: {}", group.reason));
                let mut test_case = TestCase::new(name.as_str(), status);
                test_case
                    .set_classname("cmsconform.relations")
                    .set_time(Duration::ZERO);
                suite.add_test_case(test_case);
            }
        }
        let skipped = skipped(&suite);
        set_counts(&mut suite, std::iter::empty(), skipped);
        report.add_test_suite(suite);
    }
    if let Some(stop) = &record.meta.stopped {
        // An `<error>`: the harness could not finish, which a CI gate must not read as a pass.
        let mut suite = suite(record, "stopped");
        suite.add_test_case(super::stop::junit_case(stop));
        set_counts(&mut suite, std::iter::empty(), 0);
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .map_err(|e| Error::Runtime(format!("junit.xml: cannot serialize the run: {e}")))
}

fn suite(record: &RunRecord, name: &str) -> TestSuite {
    let mut suite = TestSuite::new(name);
    // quick-junit takes a chrono timestamp; the record already holds RFC 3339 text.
    if !record.meta.started_at.is_empty() {
        suite.extra.insert(
            XmlString::new("timestamp"),
            XmlString::new(&record.meta.started_at),
        );
    }
    suite
}

fn skipped(suite: &TestSuite) -> usize {
    suite
        .test_cases
        .iter()
        .filter(|c| matches!(c.status, TestCaseStatus::Skipped { .. }))
        .count()
}

fn set_counts(suite: &mut TestSuite, durations: impl Iterator<Item = f64>, skipped: usize) {
    suite.set_time(seconds(durations.sum()));
    suite.extra.insert(
        XmlString::new("skipped"),
        XmlString::new(skipped.to_string()),
    );
}

fn seconds(ms: f64) -> Duration {
    if ms.is_finite() && ms > 0.0 {
        Duration::from_secs_f64(ms / 1000.0)
    } else {
        Duration::ZERO
    }
}

fn test_case(case: &CaseRecord, output: JunitOutput) -> TestCase {
    let status = match case.verdict {
        Verdict::Passed => TestCaseStatus::success(),
        Verdict::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(case.error.as_deref().unwrap_or("not run"));
            status
        }
        Verdict::Failed if case.baselined => {
            let mut status = TestCaseStatus::skipped();
            status
                .set_type("baselined")
                .set_message(format!("baselined: {}", headline(case)))
                .set_description(details(case));
            status
        }
        Verdict::Failed => {
            let first = case.failures().next();
            let kind = if first.is_none() && case.error.is_some() {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut status = TestCaseStatus::non_success(kind);
            status
                .set_type(first.map_or("no-answer", |v| v.check.as_str()))
                .set_message(headline(case))
                .set_description(details(case));
            status
        }
    };
    let mut test_case = TestCase::new(case.id.as_str(), status);
    test_case
        .set_classname(format!("cmsconform.{}", case.family))
        .set_time(seconds(case.duration_ms));
    if let Some(reproduce) = case
        .reproduce
        .as_ref()
        .filter(|_| output.shows(case.verdict))
    {
        test_case.set_system_out(format!(
            "case: {}\nrerun: {}\ncurl: {}\nauth: {}\n",
            case.id, reproduce.command, reproduce.curl, reproduce.auth_note
        ));
    }
    test_case
}

/// `CHECK clause at pointer: message (+N more)`.
fn headline(case: &CaseRecord) -> String {
    let failures: Vec<_> = case.failures().collect();
    match failures.first() {
        Some(first) => {
            let mut line = format!(
                "{} {} at {}: {}",
                first.check,
                first.clause,
                if first.pointer.is_empty() {
                    "<body>"
                } else {
                    &first.pointer
                },
                first.message
            );
            // Every finding counted, those past the per-answer cap too (report::tally).
            let all = super::tally::failures_in_all(case);
            let kept = failures.len() as u64;
            if all > kept {
                line.push_str(&format!(
                    " (+{} more finding(s); {kept} kept of {all})",
                    all - 1
                ));
            } else if all > 1 {
                line.push_str(&format!(" (+{} more)", all - 1));
            }
            line
        }
        None => format!(
            "{}: {}",
            case.clause,
            case.error.as_deref().unwrap_or("failed without a finding")
        ),
    }
}

fn details(case: &CaseRecord) -> String {
    let mut lines: Vec<String> = case.violations.iter().map(ToString::to_string).collect();
    lines.extend(super::tally::not_kept_lines(case));
    if let Some(error) = &case.error {
        lines.push(format!("error: {error}"));
    }
    if let Some(response) = &case.response {
        lines.push(format!("answer: HTTP {}", response.status));
    }
    lines.join("\n")
}

fn relation_case(
    meta: &super::model::RunMeta,
    relation: &RelationRecord,
    output: JunitOutput,
) -> TestCase {
    let findings = || {
        relation
            .violations
            .iter()
            .map(ToString::to_string)
            .chain(relation.findings.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let status = match relation.verdict {
        Verdict::Passed => TestCaseStatus::success(),
        Verdict::Skipped => TestCaseStatus::skipped(),
        Verdict::Failed => relation_failure(meta, relation),
    };
    let mut test_case = TestCase::new(relation.relation.as_str(), status);
    if relation.verdict == Verdict::Failed {
        let defect = super::relation_defects::defect(meta, relation);
        let mut lines: Vec<String> = (defect.curls.iter())
            .map(|(sent_as, curl)| format!("curl {sent_as}: {curl}"))
            .collect();
        lines.extend(defect.auth_note.clone());
        lines.push(format!("rerun: {}", defect.rerun));
        test_case.set_system_out(lines.join("\n"));
    }
    // The record keeps no duration for a relation; CI parsers want the attribute.
    test_case
        .set_classname("cmsconform.relations")
        .set_time(Duration::ZERO);
    if relation.verdict == Verdict::Passed
        && output.shows(relation.verdict)
        && !relation.findings.is_empty()
    {
        test_case.set_system_out(findings());
    }
    test_case
}

/// A failed relation as CI shows a failure: the type is its first check, the message its rule
/// and what differed, the text its counts, requests and findings.
fn relation_failure(meta: &super::model::RunMeta, relation: &RelationRecord) -> TestCaseStatus {
    let defect = super::relation_defects::defect(meta, relation);
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    let at = defect
        .example
        .map(|v| format!(" at {}", super::group::fold_pointer(&v.pointer)))
        .unwrap_or_default();
    let rule = defect
        .rules
        .first()
        .map(|r| format!("{} {}{at}", r.check, r.clause))
        .unwrap_or_else(|| "relation".to_owned());
    let mut text = vec![defect.explanation.clone(), defect.counts()];
    text.extend(defect.requests.iter().cloned());
    text.extend(relation.violations.iter().map(ToString::to_string));
    text.extend(relation.findings.iter().cloned());
    status
        .set_type(defect.checks())
        .set_message(format!(
            "{rule} in {}: {} ({})",
            defect.name,
            defect.explanation,
            defect.counts()
        ))
        .set_description(text.join("\n"));
    status
}
