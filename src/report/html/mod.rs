//! `report.html`: one self-contained page (CSS, inline SVG pictures and the outcome filter script
//! inline, no external resource) for a person: the verdict and the grouped failures first, then
//! the pictures ([`charts`]), the run details, the per-clause coverage table, and each case,
//! a failed case with its answer excerpt and the offending value highlighted ([`highlight`]). The template
//! (`report.html`, next to this file) is rendered by minijinja with HTML auto-escaping, so
//! nothing a server sent can become markup. This module only prepares the view data.

use serde::Serialize;

use super::group::{self, CheckGroup};
use super::model::{CaseRecord, RunRecord, Verdict};
use crate::cases::{Expectation, Outcome};
use crate::checks::Severity;
use crate::error::{Error, Result};

pub mod charts;
pub mod highlight;
mod relations;

use highlight::Highlighted;

const TEMPLATE: &str = include_str!("report.html");

pub fn render(record: &RunRecord) -> Result<String> {
    let mut env = minijinja::Environment::new();
    // The `.html` name turns auto-escaping on.
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| Error::Runtime(format!("report.html template: {e}")))?;
    let template = env
        .get_template("report.html")
        .map_err(|e| Error::Runtime(format!("report.html template: {e}")))?;
    template
        .render(page(record))
        .map_err(|e| Error::Runtime(format!("report.html: {e}")))
}

#[derive(Serialize)]
struct Page<'a> {
    gate: &'static str,
    conformant: bool,
    meta: &'a super::model::RunMeta,
    /// The rate-limit line, when the server refused any request for rate.
    rate_limits: Option<String>,
    /// The re-send line, when a server closed a reused connection under a request.
    resent: Option<String>,
    /// The agents the agent rules judged, and the warning when they are too few.
    agents: String,
    agents_warning: Option<&'a str>,
    /// The verdict with what it leaves out, and those limits line by line
    /// ([`super::limits`]); the fleet-share warning.
    verdict_line: String,
    limits: Vec<String>,
    fleet_warning: Option<&'a str>,
    /// What a stopped run sent and got ([`super::stop`]), when it stopped.
    stop_exchange: Option<String>,
    duration: String,
    coverage: Vec<CoverageRow>,
    gaps: usize,
    groups: Vec<GroupView>,
    /// Failed relations, under Failures after the groups of failing cases.
    relation_defects: Vec<relations::DefectView>,
    /// Failed cases no finding explains (no answer came), under Failures too.
    unexplained: Vec<relations::UnexplainedView>,
    relations: Vec<RelationView>,
    /// `10 passed, 0 failed`, or `not run (why)`: the console's words.
    relations_summary: String,
    /// The other call centres and VDNs seen accepted, a line each, with their judged agents.
    hosted: Vec<String>,
    baseline: Option<&'a super::model::BaselineSummary>,
    outcomes: Vec<OutcomeCount>,
    cases: Vec<CaseView<'a>>,
    charts: charts::Charts,
}

#[derive(Serialize)]
struct CoverageRow {
    clause: String,
    title: String,
    cases: String,
    failed: usize,
    checks: String,
    gap: bool,
}

/// One defect: a check at a pointer pattern, with what it touched and one example case.
#[derive(Serialize)]
struct GroupView {
    check: String,
    /// The pointer with array indices folded to `*` (`/resultDatas/*/agentRelease`).
    pattern: String,
    clause: String,
    title: Option<&'static str>,
    /// `195 cases, 195 answers, 178 agents, 195 findings`.
    touched: String,
    /// `34..61 (28 distinct)`, or a few values; empty when no finding carried one.
    values: String,
    /// The example case (first in suite order): its id, its section's anchor, its rerun line.
    example: Option<ExampleView>,
    rows: Vec<RowView>,
    /// Distinct rows past [`MAX_GROUP_ROWS`], left to report.json.
    more_rows: usize,
}

#[derive(Serialize)]
struct ExampleView {
    id: String,
    anchor: String,
    rerun: String,
}

/// Distinct findings listed per group, folded under the group's summary.
const MAX_GROUP_ROWS: usize = 10;

#[derive(Serialize)]
struct RowView {
    pointer: String,
    value: String,
    message: String,
    cases: String,
}

#[derive(Serialize)]
struct RelationView {
    name: String,
    verdict: &'static str,
    lines: Vec<String>,
}

#[derive(Serialize)]
struct OutcomeCount {
    name: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct CaseView<'a> {
    id: &'a str,
    title: &'a str,
    clause: &'a str,
    outcome: &'static str,
    expected: String,
    observed: String,
    duration: String,
    /// Has a detail section (failed, baselined, or carrying findings).
    detailed: bool,
    findings: Vec<FindingView>,
    error: Option<&'a str>,
    status: Option<u16>,
    /// The answer's size when the excerpt holds only part of it.
    cut_from: Option<usize>,
    excerpt: Option<Highlighted>,
    request: Option<String>,
    reproduce: Option<&'a super::model::Reproduction>,
}

#[derive(Serialize)]
struct FindingView {
    text: String,
    failure: bool,
}

fn page(record: &RunRecord) -> Page<'_> {
    let coverage: Vec<CoverageRow> = record
        .coverage
        .iter()
        .map(|c| CoverageRow {
            clause: c.clause.clone(),
            title: c.title.clone(),
            cases: summarize_ids(&c.cases, 12),
            failed: c.failed,
            checks: c.checks.join(", "),
            gap: c.cases.is_empty(),
        })
        .collect();
    let outcomes = ["failed", "baselined", "passed", "skipped"]
        .into_iter()
        .map(|name| OutcomeCount {
            name,
            count: record
                .cases
                .iter()
                .filter(|c| group::outcome_label(c) == name)
                .count(),
        })
        .collect();
    Page {
        gate: group::gate_label(record),
        conformant: record.conformant(),
        meta: &record.meta,
        rate_limits: record.meta.rate_limits.summary(),
        resent: record.meta.resend_summary(),
        agents: record.meta.agents.summary(),
        agents_warning: record.meta.agents.warning.as_deref(),
        verdict_line: super::limits::verdict_line(record),
        limits: super::limits::first_screen(record),
        fleet_warning: (record.meta.fleet_range.as_ref()).and_then(|f| f.warning.as_deref()),
        stop_exchange: (record.meta.stopped.as_ref()).map(super::stop::RunStop::exchange_text),
        duration: format!("{:.1} s", record.meta.duration_ms / 1000.0),
        gaps: coverage.iter().filter(|c| c.gap).count(),
        coverage,
        groups: failure_groups(record),
        relation_defects: relations::defect_views(record),
        unexplained: relations::unexplained_views(record),
        relations: record
            .relations
            .iter()
            .map(|r| RelationView {
                name: r.relation.clone(),
                verdict: verdict_label(r.verdict),
                lines: relations::row_lines(&record.meta, r),
            })
            .collect(),
        relations_summary: group::relations_summary(record),
        hosted: hosted_lines(&record.meta.hosted),
        baseline: record.baseline.as_ref(),
        outcomes,
        cases: record.cases.iter().map(case_view).collect(),
        charts: charts::charts(&record.cases, &record.coverage),
    }
}

/// A line per pair: its judged agents, or why it was not scanned.
fn hosted_lines(hosted: &super::agents::HostedCoverage) -> Vec<String> {
    hosted
        .pairs
        .iter()
        .map(|pair| match &pair.not_scanned {
            None => pair.describe(),
            Some(why) => format!(
                "ccId {}, vdn {}: seen accepted in {}, not scanned ({why})",
                pair.cc_id, pair.vdn, pair.seen_in
            ),
        })
        .collect()
}

/// The failures as the page shows them, first after the verdict: the one function that
/// decides how findings are grouped for `report.html` (the template draws whatever it returns).
fn failure_groups(record: &RunRecord) -> Vec<GroupView> {
    group::by_check(record, Severity::Failure)
        .iter()
        .map(|g| group_view(record, g))
        .collect()
}

fn group_view(record: &RunRecord, g: &CheckGroup<'_>) -> GroupView {
    let example = g.example().map(|case| ExampleView {
        id: case.id.clone(),
        // The case sections are numbered in record order from 1 (`case-N` in the template).
        anchor: record
            .cases
            .iter()
            .position(|c| c.id == case.id)
            .map(|i| format!("case-{}", i + 1))
            .unwrap_or_default(),
        rerun: case
            .reproduce
            .as_ref()
            .map(|r| r.command.clone())
            .unwrap_or_default(),
    });
    GroupView {
        check: g.check.to_owned(),
        pattern: if g.pattern.is_empty() {
            "<body>".to_owned()
        } else {
            g.pattern.clone()
        },
        clause: g.clauses.join(", "),
        title: g.title,
        touched: format!(
            "{} cases, {} answers, {} agents, {}",
            g.case_count(),
            g.answers,
            g.agents,
            g.findings_phrase()
        ),
        values: g.values.to_string(),
        example,
        more_rows: g.rows.len().saturating_sub(MAX_GROUP_ROWS),
        rows: g
            .rows
            .iter()
            .take(MAX_GROUP_ROWS)
            .map(|r| RowView {
                pointer: if r.pointer.is_empty() {
                    "<body>"
                } else {
                    r.pointer
                }
                .to_owned(),
                value: r.value.unwrap_or_default().to_owned(),
                message: r.message.to_owned(),
                cases: r
                    .cases
                    .iter()
                    .map(|c| {
                        if c.baselined {
                            format!("{} (baselined)", c.id)
                        } else {
                            c.id.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
    }
}

fn case_view(case: &CaseRecord) -> CaseView<'_> {
    let detailed = case.verdict == Verdict::Failed || !case.violations.is_empty();
    CaseView {
        id: &case.id,
        title: &case.title,
        clause: &case.clause,
        outcome: group::outcome_label(case),
        expected: expectation_label(&case.expected),
        observed: case.observed.map_or_else(|| "-".to_owned(), outcome_name),
        duration: format!("{:.1}", case.duration_ms),
        detailed,
        findings: case
            .violations
            .iter()
            .map(|v| FindingView {
                text: v.to_string(),
                failure: v.is_failure(),
            })
            .chain(
                case.not_kept
                    .iter()
                    .zip(super::tally::not_kept_lines(case))
                    .map(|(n, text)| FindingView {
                        text,
                        failure: n.severity == Severity::Failure,
                    }),
            )
            .collect(),
        error: case.error.as_deref(),
        status: case.response.as_ref().map(|r| r.status),
        cut_from: case
            .response
            .as_ref()
            .filter(|r| r.body_bytes > super::recording::MAX_EXCERPT_BYTES)
            .map(|r| r.body_bytes),
        excerpt: if detailed { excerpt_view(case) } else { None },
        request: case.request.as_ref().map(|r| {
            let headers: Vec<String> = r.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
            format!(
                "{} {}\n{}\n\n{}",
                r.method,
                r.url,
                headers.join("\n"),
                r.body
            )
        }),
        reproduce: case.reproduce.as_ref(),
    }
}

/// The answer excerpt with every offending value marked (failures first).
fn excerpt_view(case: &CaseRecord) -> Option<Highlighted> {
    let body = &case.response.as_ref()?.body_excerpt;
    if body.is_empty() {
        return None;
    }
    let findings: Vec<(&str, Option<&str>)> = case
        .failures()
        .chain(case.violations.iter().filter(|v| !v.is_failure()))
        .map(|v| (v.pointer.as_str(), v.value.as_deref()))
        .collect();
    let mut shown = highlight::highlight(body, &findings);
    // Only a failing value missing from the excerpt is worth a word; information findings
    // often point at a whole array.
    shown
        .missing
        .retain(|pointer| case.failures().any(|v| v.pointer == *pointer));
    Some(shown)
}

fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "passed",
        Verdict::Failed => "failed",
        Verdict::Skipped => "skipped",
    }
}

fn outcome_name(outcome: Outcome) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn expectation_label(expectation: &Expectation) -> String {
    expectation
        .outcomes()
        .into_iter()
        .map(outcome_name)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The first `keep` ids, then how many more (report.json lists them all).
fn summarize_ids(ids: &[std::sync::Arc<str>], keep: usize) -> String {
    let shown = ids[..ids.len().min(keep)].join(", ");
    if ids.len() > keep {
        format!("{shown} … and {} more", ids.len() - keep)
    } else {
        shown
    }
}
