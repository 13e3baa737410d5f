//! `cmsconform diff OLD/report.json NEW/report.json`: what changed between two runs, for a
//! regression review. New failures, fixes, cases still failing, cases added or removed; for
//! cases passing in both runs, changes in the answer's shape ([`signature`]); the median latency per
//! family. Reads two report files and prints; it never runs a case.
//!
//! Cases are paired by their request hash, not their generated id ([`pairing`]): under another
//! seed `property::0033` is another request. The output says at the top when the seeds differ,
//! and shapes are compared only between the same requests. Reports without hashes (format 1)
//! are paired by id; a report of a newer `formatVersion` is a usage error naming the file.
//!
//! Exit codes: 1 when the new run has failures the old one did not (baselined ones excepted),
//! 0 otherwise, 2 when a report cannot be read or is not a cmsconform report.
//!
//! `--format md` prints a warning when the runs had different targets, profiles, case sets or
//! schemas ([`context`]), a note when the seeds differ or ids were paired, a header table
//! (report, start, target, profile/seed, totals of each run) and the sections `New failures`,
//! `Fixed`, `Still failing` (a line per defect: a check at a pointer pattern with its case count
//! and one example, a failed relation once with its checks each once: [`defects`]), `Cases
//! added`, `Cases removed`,
//! `Shape changes in cases passing in both runs` (per case: `appeared`/`disappeared` pointers
//! with their types, `type changed`, `resultCode`), `Latency per family (median ms)` with the
//! new/old ratio, and a last line with the exit status. `--format json` prints [`RunDiff`] with
//! the same content (the per-case lists as well as the groups). Relations take part as
//! `relation:NAME`.

pub mod context;
pub mod defects;
pub mod pairing;
pub mod render;
pub mod signature;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::report::{CaseRecord, RunRecord, Totals, Verdict};
pub use defects::{DefectGroup, Defects};
pub use pairing::Matching;
pub use render::{render_json, render_markdown};
pub use signature::{ShapeChange, TypeChange};

/// The comparison of two runs; `--format json` prints it as is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDiff {
    pub old: RunSummary,
    pub new: RunSummary,
    /// What makes the runs hard to compare: another target, profile, case set or schemas.
    pub warnings: Vec<String>,
    /// How cases were paired: by request hash, or by id (a report without hashes).
    pub matched_by: Matching,
    /// The runs have different seeds: generated ids name other requests.
    pub seeds_differ: bool,
    /// Failing now, not failing before (or not there before), and not baselined.
    pub new_failures: Vec<Failing>,
    /// Failed before, pass now.
    pub fixed: Vec<String>,
    pub still_failing: Vec<Failing>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Cases passing in both runs whose answer changed shape.
    pub shape_changes: Vec<ShapeChange>,
    pub latency: Vec<FamilyLatency>,
    /// The new, fixed and still failing cases and relations, grouped by defect.
    pub defects: Defects,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub file: String,
    pub target: String,
    pub profile: String,
    pub seed: u64,
    pub started_at: String,
    pub totals: Totals,
}

/// A failing case (or relation, as `relation:NAME`) and the checks that failed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failing {
    /// Its id in the new run.
    pub id: String,
    /// Its id in the old run, when the same request had another one there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    pub checks: Vec<String>,
    /// Its verdict in the old run; `None` when it was not there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<Verdict>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub baselined: bool,
}

/// Median case duration of one family in each run (judged cases only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyLatency {
    pub family: String,
    pub old_median_ms: Option<f64>,
    pub new_median_ms: Option<f64>,
    /// new / old.
    pub ratio: Option<f64>,
}

impl RunDiff {
    /// New failures that fail the gate.
    pub fn gate_failures(&self) -> usize {
        self.new_failures.iter().filter(|f| !f.baselined).count()
    }
}

/// Reads a report.json; a missing or foreign file, or one of a newer format than this harness
/// knows, is a usage error naming it (exit 2).
pub fn read_report(path: &Path) -> Result<RunRecord> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    let not_a_report = |e: serde_json::Error| {
        Error::Usage(format!(
            "{}: not a cmsconform report.json: {e}",
            path.display()
        ))
    };
    // The version first: a newer format may not even parse as this one.
    let version: FormatProbe = serde_json::from_slice(&bytes).map_err(not_a_report)?;
    crate::report::check_format_version(version.format_version.as_ref())
        .map_err(|why| Error::Usage(format!("{}: {why}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(not_a_report)
}

/// Only the `formatVersion` of a report (anything else is skipped unread).
#[derive(serde::Deserialize)]
struct FormatProbe {
    #[serde(rename = "formatVersion", default)]
    format_version: Option<serde_json::Value>,
}

/// The checks that failed a case, each once.
fn failing_checks(case: &CaseRecord) -> Vec<String> {
    let mut checks: Vec<String> = Vec::new();
    for v in case.failures() {
        if !checks.contains(&v.check) {
            checks.push(v.check.clone());
        }
    }
    checks
}

pub fn compare(old: &RunRecord, old_file: &str, new: &RunRecord, new_file: &str) -> RunDiff {
    let seeds_differ = old.meta.seed != new.meta.seed;
    let (matching, pairs) = pairing::pair(&old.cases, &new.cases, !seeds_differ);
    let mut diff = RunDiff {
        old: summary(old, old_file),
        new: summary(new, new_file),
        warnings: context::warnings(&old.meta, &new.meta),
        matched_by: matching,
        seeds_differ,
        new_failures: Vec::new(),
        fixed: Vec::new(),
        still_failing: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        shape_changes: Vec::new(),
        latency: latency(old, new),
        defects: Defects::default(),
    };
    // The records behind each list, for grouping: fixed cases by their old record.
    let (mut new_cases, mut fixed_cases, mut still_cases) = (Vec::new(), Vec::new(), Vec::new());
    for pair in &pairs {
        let (before, now) = match (pair.old, pair.new) {
            (Some(before), None) => {
                diff.removed.push(before.id.clone());
                continue;
            }
            (None, Some(now)) => {
                diff.added.push(now.id.clone());
                (None, now)
            }
            (Some(before), Some(now)) => (Some(before), now),
            (None, None) => continue,
        };
        let old_id = before.map(|b| b.id.clone()).filter(|id| *id != now.id);
        let failing = |was: Option<Verdict>| Failing {
            id: now.id.clone(),
            old_id: old_id.clone(),
            checks: failing_checks(now),
            was,
            baselined: now.baselined,
        };
        match (before.map(|b| b.verdict), now.verdict) {
            (Some(Verdict::Failed), Verdict::Failed) => {
                diff.still_failing.push(failing(Some(Verdict::Failed)));
                still_cases.push(now);
            }
            (was, Verdict::Failed) => {
                diff.new_failures.push(failing(was));
                new_cases.push(now);
            }
            (Some(Verdict::Failed), Verdict::Passed) => {
                fixed_cases.extend(before);
                diff.fixed.push(match &old_id {
                    Some(old_id) => format!("{} (old id {old_id})", now.id),
                    None => now.id.clone(),
                });
            }
            (Some(Verdict::Passed), Verdict::Passed) if pair.same_request => {
                if let Some(change) = before.and_then(|b| shape_change(&now.id, b, now)) {
                    diff.shape_changes.push(change);
                }
            }
            _ => {}
        }
    }
    compare_relations(old, new, &mut diff);
    let ids = |list: &[Failing]| list.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    let relations = defects::named_relations;
    diff.defects = Defects {
        new_failures: defects::group(&new_cases, &relations(new, ids(&diff.new_failures))),
        fixed: defects::group(&fixed_cases, &relations(old, diff.fixed.clone())),
        still_failing: defects::group(&still_cases, &relations(new, ids(&diff.still_failing))),
    };
    diff.new_failures.sort_by(|a, b| a.id.cmp(&b.id));
    diff.still_failing.sort_by(|a, b| a.id.cmp(&b.id));
    diff.fixed.sort();
    diff.added.sort();
    diff.removed.sort();
    diff.shape_changes.sort_by(|a, b| a.case.cmp(&b.case));
    diff
}

/// Relations are named, not generated: they pair by name, as `relation:NAME`.
fn compare_relations(old: &RunRecord, new: &RunRecord, diff: &mut RunDiff) {
    for relation in &new.relations {
        let id = format!("relation:{}", relation.relation);
        let was = old
            .relations
            .iter()
            .find(|r| r.relation == relation.relation)
            .map(|r| r.verdict);
        let checks = defects::relation_checks(relation);
        let failing = |was| Failing {
            id: id.clone(),
            old_id: None,
            checks,
            was,
            baselined: false,
        };
        match (was, relation.verdict) {
            (Some(Verdict::Failed), Verdict::Failed) => {
                diff.still_failing.push(failing(Some(Verdict::Failed)));
            }
            (was, Verdict::Failed) => diff.new_failures.push(failing(was)),
            (Some(Verdict::Failed), Verdict::Passed) => diff.fixed.push(id),
            _ => {}
        }
    }
}

fn shape_change(id: &str, old: &CaseRecord, new: &CaseRecord) -> Option<ShapeChange> {
    let body = |case: &CaseRecord| {
        case.response
            .as_ref()
            .and_then(|r| signature::signature(&r.body_excerpt))
    };
    signature::compare(id, &body(old)?, &body(new)?)
}

fn summary(record: &RunRecord, file: &str) -> RunSummary {
    RunSummary {
        file: file.to_owned(),
        target: record.meta.target.clone(),
        profile: record.meta.profile.clone(),
        seed: record.meta.seed,
        started_at: record.meta.started_at.clone(),
        totals: record.meta.totals.clone(),
    }
}

fn latency(old: &RunRecord, new: &RunRecord) -> Vec<FamilyLatency> {
    let durations = |record: &RunRecord| {
        let mut by_family: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for case in record
            .cases
            .iter()
            .filter(|c| c.verdict != Verdict::Skipped)
        {
            if case.duration_ms.is_finite() {
                by_family
                    .entry(case.family.clone())
                    .or_default()
                    .push(case.duration_ms);
            }
        }
        by_family
    };
    let (old, new) = (durations(old), durations(new));
    let mut families: Vec<&String> = old.keys().chain(new.keys()).collect();
    families.sort();
    families.dedup();
    families
        .into_iter()
        .map(|family| {
            let old_median = old.get(family).and_then(|d| median(d));
            let new_median = new.get(family).and_then(|d| median(d));
            let ratio = match (old_median, new_median) {
                (Some(o), Some(n)) if o > 0.0 => Some(n / o),
                _ => None,
            };
            FamilyLatency {
                family: family.clone(),
                old_median_ms: old_median,
                new_median_ms: new_median,
                ratio,
            }
        })
        .collect()
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod grouping_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    fn run(seed: u64, cases: &[(&str, &str, &str)]) -> RunRecord {
        let cases: Vec<serde_json::Value> = cases
            .iter()
            .map(|(id, verdict, hash)| {
                serde_json::json!({
                    "id": id, "title": id, "family": id.split("::").next(), "clause": "c",
                    "verdict": verdict, "expected": "accepted", "duration_ms": 1.0,
                    "request_hash": hash,
                    "violations": if *verdict == "failed" { serde_json::json!([{"check": "CMS-X",
                        "clause": "c", "severity": "failure", "pointer": "", "message": "m"}]) }
                        else { serde_json::json!([]) },
                })
            })
            .collect();
        let json = serde_json::json!({
            "formatVersion": 2,
            "meta": {"harness_version": "0", "profile": "2023-12", "target": "t", "seed": seed,
                "property_cases": 4, "schema_hash": "", "case_set_hash": "", "started_at": "",
                "finished_at": "", "duration_ms": 0.0, "command": "",
                "totals": {"total": 0, "passed": 0, "failed": 0, "skipped": 0}},
            "cases": cases,
        });
        serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn another_seed_pairs_by_request_and_says_so() {
        let old = run(
            1,
            &[
                ("hand::a", "failed", "h1"),
                ("property::0001", "passed", "p1"),
                ("property::0002", "failed", "p2"),
            ],
        );
        let new = run(
            2,
            &[
                ("hand::a", "failed", "h1"),
                ("property::0001", "passed", "p9"),
                ("property::0002", "passed", "p1"),
            ],
        );
        let diff = compare(&old, "old.json", &new, "new.json");
        assert!(diff.seeds_differ);
        assert_eq!(diff.matched_by, Matching::Request);
        let ids = |list: &[Failing]| list.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&diff.still_failing), ["hand::a"]);
        assert!(diff.new_failures.is_empty() && diff.fixed.is_empty());
        assert_eq!(diff.added, ["property::0001"]);
        assert_eq!(diff.removed, ["property::0002"]);
        let md = render_markdown(&diff);
        assert!(md.contains("**The seeds differ (old 1, new 2).**"), "{md}");
        assert!(md.contains("- 1 `property::` cases (another seed draws other requests)"));
        assert!(!md.contains("`property::0001`"), "{md}");
    }
}
