//! Reports of a run: `report.json`, `junit.xml`, `report.md`, `report.html`, one module per
//! format, all rendered from [`model::RunRecord`]; plus the baseline ([`baseline`]), clause
//! coverage and reproduction lines ([`reproduce`]). Reports never see a secret: requests and
//! answers are redacted when they become records ([`RequestRecord::from_sent`],
//! [`ResponseRecord::from_received`], [`RunRecord::scrub`]). This module writes files only under
//! the report directory it is given and never runs cases.

pub mod agents;
pub mod baseline;
pub mod excerpt;
pub mod format;
pub mod group;
pub mod html;
pub mod identity;
pub mod json;
pub mod junit;
pub mod limits;
pub mod markdown;
pub mod model;
pub mod recording;
pub mod relation_defects;
pub mod relation_shape;
pub mod reproduce;
pub mod stop;
pub mod tally;

pub use agents::{AgentCoverage, FleetSource, HostedCoverage, HostedPair};
pub use format::{FORMAT_VERSION, check_format_version};
pub use model::*;
pub use recording::{MAX_EXCERPT_BYTES, excerpt, excerpt_text, lay_out_excerpt, redactor_for};
pub use stop::RunStop;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The files of one run, in the order they are written.
pub const REPORT_FILES: [&str; 4] = ["report.json", "junit.xml", "report.md", "report.html"];

/// Writes report.json, junit.xml, report.md and report.html into `dir` (created if needed),
/// after moving a previous run found there (its `report.json`) to the sibling `previous/`,
/// replacing an older `previous/`.
pub fn write_all(record: &RunRecord, dir: &Path) -> Result<()> {
    write_all_with(record, dir, junit::JunitOutput::default())
}

/// [`write_all`] with the testcases `junit_output` says carry `system-out`.
pub fn write_all_with(
    record: &RunRecord,
    dir: &Path,
    junit_output: junit::JunitOutput,
) -> Result<()> {
    // Render everything first: a rendering failure must not cost the previous run.
    let rendered = [
        json::render(record)?,
        junit::render_with(record, junit_output)?,
        markdown::render(record),
        html::render(record)?,
    ];
    if dir.join("report.json").exists() {
        keep_previous(dir)?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    for (name, text) in REPORT_FILES.iter().zip(rendered) {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| Error::io(path.display(), e))?;
    }
    Ok(())
}

/// The sibling directory a previous run moves to: `reports/latest` → `reports/previous`.
pub fn previous_dir(dir: &Path) -> PathBuf {
    match dir.parent() {
        Some(parent) => parent.join("previous"),
        None => PathBuf::from("previous"),
    }
}

fn keep_previous(dir: &Path) -> Result<()> {
    let previous = previous_dir(dir);
    if previous == dir {
        return Ok(());
    }
    if previous.exists() {
        std::fs::remove_dir_all(&previous).map_err(|e| Error::io(previous.display(), e))?;
    }
    std::fs::create_dir_all(&previous).map_err(|e| Error::io(previous.display(), e))?;
    for name in REPORT_FILES {
        let from = dir.join(name);
        if from.exists() {
            let to = previous.join(name);
            std::fs::rename(&from, &to).map_err(|e| Error::io(from.display(), e))?;
        }
    }
    Ok(())
}

/// Marks failing cases listed in the baseline `file` as accepted and records stale entries.
/// The file formats are described in [`baseline`]. An unreadable file is a usage error (exit 2).
pub fn apply_baseline(record: &mut RunRecord, file: &Path) -> Result<()> {
    baseline::apply_baseline(record, file)
}

/// Every clause of the contract with the cases that exercised it: a case reaches a clause when
/// it cites it or when one of its findings does. A clause no case reached appears with no cases
/// (a visible gap); clauses cited but missing from the catalogue are appended at the end.
pub fn coverage(clauses: &crate::contract::Clauses, cases: &[CaseRecord]) -> Vec<ClauseCoverage> {
    let mut rows: Vec<ClauseCoverage> = clauses
        .clauses
        .iter()
        .map(|clause| ClauseCoverage {
            clause: clause.id.clone(),
            title: clause.title.clone(),
            cases: Vec::new(),
            failed: 0,
            checks: Vec::new(),
        })
        .collect();
    let mut row_of: std::collections::HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| (row.clause.clone(), i))
        .collect();
    // What each outcome exercises is the same for every case: its rows are looked up once
    // (`None`: a clause outside the catalogue, looked up case by case like any other).
    let mut exercised_rows: Vec<(Option<crate::cases::Outcome>, Option<Vec<usize>>)> = Vec::new();
    let mut cited: Vec<usize> = Vec::new();
    let mut uncatalogued: Vec<&str> = Vec::new();
    for case in cases {
        cited.clear();
        uncatalogued.clear();
        let mut cite = |clause| match row_of.get(clause) {
            Some(&row) => cited.push(row),
            None => uncatalogued.push(clause),
        };
        cite(case.clause.as_str());
        for violation in &case.violations {
            cite(violation.clause.as_str());
        }
        if case.verdict != Verdict::Skipped {
            let exercised = crate::checks::clauses_exercised(case.observed);
            let slot = match exercised_rows.iter().position(|(o, _)| *o == case.observed) {
                Some(slot) => slot,
                None => {
                    let known = exercised.iter().map(|c| row_of.get(*c).copied()).collect();
                    exercised_rows.push((case.observed, known));
                    exercised_rows.len() - 1
                }
            };
            match &exercised_rows[slot].1 {
                Some(known) => known.iter().for_each(|&row| cited.push(row)),
                None => exercised.iter().for_each(|c| cite(c)),
            }
        }
        // Rows for clauses outside the catalogue are added in the order first cited.
        uncatalogued.sort_unstable();
        uncatalogued.dedup();
        for clause in uncatalogued.drain(..) {
            let row = *row_of.entry(clause.to_owned()).or_insert_with(|| {
                rows.push(ClauseCoverage {
                    clause: clause.to_owned(),
                    title: "(not in the clause catalogue)".to_owned(),
                    cases: Vec::new(),
                    failed: 0,
                    checks: Vec::new(),
                });
                rows.len() - 1
            });
            cited.push(row);
        }
        cited.sort_unstable();
        cited.dedup();
        let id: std::sync::Arc<str> = std::sync::Arc::from(case.id.as_str());
        for &index in &cited {
            let ClauseCoverage {
                clause,
                cases: reached,
                failed,
                checks,
                ..
            } = &mut rows[index];
            if case.verdict != Verdict::Skipped {
                reached.push(std::sync::Arc::clone(&id));
            }
            // A failure counts under the clause its violation cites; a case that failed with no
            // finding (no answer came) under its own clause.
            let failed_here = case.verdict == Verdict::Failed
                && match case.failures().next() {
                    Some(_) => case.failures().any(|v| v.clause == *clause),
                    None => case.clause == *clause,
                };
            if failed_here {
                *failed += 1;
            }
            for v in case.violations.iter().filter(|v| v.clause == *clause) {
                if !checks.contains(&v.check) {
                    checks.push(v.check.clone());
                }
            }
        }
    }
    rows
}

/// Adds what the relations reached to a coverage table (from [`coverage`]): a relation that ran
/// reaches the clauses of the checks it applies ([`crate::consistency::checks_of`]) and those its findings cite, and is
/// listed there as `relation:NAME`. It counts as failed only under the clauses its failures
/// cite. A skipped relation reaches nothing.
pub fn add_relation_coverage(coverage: &mut Vec<ClauseCoverage>, relations: &[RelationRecord]) {
    for relation in relations {
        let name = format!("relation:{}", relation.relation);
        let family = relation.relation.split("::").next().unwrap_or_default();
        let exercised = crate::consistency::checks_of(family)
            .iter()
            .map(|check| check.clause)
            .filter(|_| relation.verdict != Verdict::Skipped);
        let cited = relation.violations.iter().map(|v| v.clause.as_str());
        let mut reached: Vec<&str> = Vec::new();
        for clause in exercised.chain(cited) {
            if !reached.contains(&clause) {
                reached.push(clause);
            }
        }
        let explained = relation.violations.iter().any(|v| v.is_failure());
        for clause in reached {
            let index = match coverage.iter().position(|r| r.clause == clause) {
                Some(i) => i,
                None => {
                    coverage.push(ClauseCoverage {
                        clause: clause.to_owned(),
                        title: "(not in the clause catalogue)".to_owned(),
                        cases: Vec::new(),
                        failed: 0,
                        checks: Vec::new(),
                    });
                    coverage.len() - 1
                }
            };
            let row = &mut coverage[index];
            if !row.cases.iter().any(|c| **c == *name) {
                row.cases.push(std::sync::Arc::from(name.as_str()));
                // Under the clauses its failures cite; with none (no answer), where it ran.
                let failed_here = !explained
                    || relation
                        .violations
                        .iter()
                        .any(|v| v.is_failure() && v.clause == clause);
                if relation.verdict == Verdict::Failed && failed_here {
                    row.failed += 1;
                }
            }
            for violation in relation.violations.iter().filter(|v| v.clause == clause) {
                if !row.checks.contains(&violation.check) {
                    row.checks.push(violation.check.clone());
                }
            }
        }
    }
}

/// The clause of rate limits (notes:6.17): a run reaches it by meeting one, whichever case
/// the refused request was (the retried case passes or fails on its later answer).
pub const RATE_LIMIT_CLAUSE: &str = "notes:6.17";

/// Marks [`RATE_LIMIT_CLAUSE`] reached, as `run:rate-limits`, when the run met an answer 429 (or
/// 503 with `Retry-After`) and handled it: a verdict that met and survived rate limits must not
/// say the clause was never reached.
pub fn add_rate_limit_coverage(coverage: &mut [ClauseCoverage], limits: &RateLimits) {
    const REACHED_BY: &str = "run:rate-limits";
    if limits.refusals == 0 {
        return;
    }
    if let Some(row) = coverage.iter_mut().find(|r| r.clause == RATE_LIMIT_CLAUSE)
        && !row.cases.iter().any(|c| &**c == REACHED_BY)
    {
        row.cases.push(std::sync::Arc::from(REACHED_BY));
    }
}

/// How to replay one case: a curl line (signature as `$CMSCONFORM_AUTH`) and the rerun command.
pub fn reproduction(meta: &RunMeta, case_id: &str, request: &RequestRecord) -> Reproduction {
    reproduce::reproduction(meta, case_id, request)
}

/// Completes `record` for reports: every sent case gets its reproduction, and every answer
/// excerpt is laid out. The runner does neither while it sends (a reproduction only for a
/// failure, which it prints): most records are never shown one by one.
pub fn complete(record: &mut RunRecord) {
    let meta = &record.meta;
    for case in &mut record.cases {
        if let (None, Some(request)) = (&case.reproduce, &case.request) {
            case.reproduce = Some(reproduce::reproduction(meta, &case.id, request));
        }
        if let Some(response) = &mut case.response {
            if let Some(laid_out) = recording::lay_out_excerpt(&response.body_excerpt) {
                response.body_excerpt = laid_out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(id: &str, clause: &str, verdict: &str, violations: serde_json::Value) -> CaseRecord {
        let record = json!({
            "id": id, "title": id, "family": "hand", "clause": clause, "verdict": verdict,
            "expected": "accepted", "observed": "accepted", "violations": violations,
            "duration_ms": 1.0,
        });
        serde_json::from_value(record).unwrap_or_else(|e| panic!("{id}: {e}"))
    }

    fn violation(check: &str, clause: &str) -> serde_json::Value {
        json!({"check": check, "clause": clause, "severity": "failure", "pointer": "",
               "message": "m"})
    }

    #[test]
    fn coverage_counts_cited_exercised_and_uncatalogued_clauses() {
        let contract = crate::contract::Contract::embedded("2023-12").unwrap();
        let cases = [
            case("hand::a", "seed:example", "passed", json!([])),
            case(
                "hand::b",
                "x:zeta",
                "failed",
                json!([
                    violation("X-1", "x:alpha"),
                    violation("CMS-AGENT-008", "notes:6.6")
                ]),
            ),
        ];
        let rows = coverage(contract.clauses(), &cases);
        let row = |clause: &str| rows.iter().find(|r| r.clause == clause);
        let reached = |clause: &str| {
            row(clause).map(|r| r.cases.iter().map(|c| c.to_string()).collect::<Vec<_>>())
        };
        let both = Some(vec!["hand::a".to_owned(), "hand::b".to_owned()]);
        // Exercised by every accepted answer, whether or not it was cited.
        assert_eq!(reached("notes:6.6"), both);
        assert_eq!(
            row("notes:6.6").map(|r| (r.failed, r.checks.clone())),
            Some((1, vec!["CMS-AGENT-008".to_owned()]))
        );
        assert_eq!(row("seed:example").map(|r| r.failed), Some(0));
        // Clauses outside the catalogue come last, in sorted order within the case citing them.
        let tail: Vec<&str> = rows[rows.len() - 2..]
            .iter()
            .map(|r| r.clause.as_str())
            .collect();
        assert_eq!(tail, ["x:alpha", "x:zeta"]);
        // The case's own clause is reached; its failures count where they cite.
        assert_eq!(
            row("x:zeta").map(|r| (r.failed, r.title.as_str())),
            Some((0, "(not in the clause catalogue)"))
        );
        assert_eq!(row("x:alpha").map(|r| r.failed), Some(1));
        assert_eq!(
            row("x:alpha").map(|r| r.checks.clone()),
            Some(vec!["X-1".to_owned()])
        );
    }

    fn relation(name: &str, verdict: &str, violations: serde_json::Value) -> RelationRecord {
        serde_json::from_value(json!({"relation": name, "verdict": verdict,
                                      "violations": violations}))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn failures_count_under_the_cited_clause_and_relations_reach_6_14_when_they_pass() {
        let contract = crate::contract::Contract::embedded("2023-12").unwrap();
        let cases = [case(
            "fleet::0001",
            "seed:table2:agentIds",
            "failed",
            json!([violation("CMS-RESP-003", "notes:6.5")]),
        )];
        let mut rows = coverage(contract.clauses(), &cases);
        let relations = [
            relation("permutation", "passed", json!([])),
            relation("sub-batch::head", "passed", json!([])),
            relation(
                "duplication",
                "failed",
                json!([violation("CMS-REL-004", "notes:6.3")]),
            ),
            relation("repetition", "skipped", json!([])),
        ];
        add_relation_coverage(&mut rows, &relations);
        let row = |clause: &str| rows.iter().find(|r| r.clause == clause).unwrap();
        assert_eq!(row("notes:6.5").failed, 1);
        // Reached by the case, but not what it broke.
        assert_eq!(row("seed:table2:agentIds").failed, 0);
        assert_eq!(row("seed:table2:agentIds").cases.len(), 1);
        let reached: Vec<&str> = row("notes:6.14").cases.iter().map(|c| &**c).collect();
        assert_eq!(
            reached,
            [
                "relation:permutation",
                "relation:sub-batch::head",
                "relation:duplication"
            ]
        );
        // The duplication relation failed notes:6.3, not notes:6.14.
        assert_eq!(row("notes:6.14").failed, 0);
        assert_eq!(row("notes:6.3").failed, 1);
        assert_eq!(row("notes:6.3").checks, ["CMS-REL-004"]);
        // A skipped relation reaches nothing.
        assert!(row("notes:6.16").cases.is_empty());
    }

    #[test]
    fn a_run_that_met_a_rate_limit_reached_its_clause_and_one_that_did_not_did_not() {
        let contract = crate::contract::Contract::embedded("2023-12").unwrap();
        let mut rows = coverage(contract.clauses(), &[]);
        let reached = |rows: &[ClauseCoverage]| {
            rows.iter()
                .find(|r| r.clause == RATE_LIMIT_CLAUSE)
                .map(|r| r.cases.len())
        };
        assert_eq!(reached(&rows), Some(0), "notes:6.17 is in the catalogue");
        add_rate_limit_coverage(&mut rows, &RateLimits::default());
        assert_eq!(reached(&rows), Some(0));
        let met = RateLimits {
            refusals: 10,
            retries: 10,
            lowered_pace: Some(4.0),
        };
        add_rate_limit_coverage(&mut rows, &met);
        add_rate_limit_coverage(&mut rows, &met);
        assert_eq!(reached(&rows), Some(1), "listed once, as run:rate-limits");
    }
}
