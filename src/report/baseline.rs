//! `run --baseline FILE`: known, accepted failures. Reads the baseline file and marks the run's
//! failing cases it accepts; it never changes a verdict, only whether a failure fails the gate.
//!
//! A baseline file is either
//! - a previous run's `report.json`: its failed cases (verdict `failed`, baselined or not) are
//!   the accepted ones, so "accept everything that fails today" is `--baseline
//!   reports/latest/report.json`; or
//! - a hand-kept list: `{"accepted": ["hand::empty_body", "boundary::ccId::max+1"]}`, optionally
//!   with a `"comment"` string.
//!
//! A listed id accepts the case of that id whatever it fails on. A report.json that records
//! request hashes (format 2) accepts by request and finding group instead (check id + pointer
//! pattern, [`super::identity::finding_group`]), so the ids a seed generates do not matter:
//! - a failing case whose request the baseline also sent is accepted when every group it fails
//!   on failed that request in the baseline (a new defect in the same request is not accepted);
//! - under another seed than the baseline's, a request the baseline never sent (a generated
//!   case) is accepted when every group it fails on was accepted in its family. So a baseline
//!   made without `--seed` settles: the next run's new property cases showing the same defects
//!   are accepted, another defect is not.
//!
//! Accepted cases are `baselined` (listed in the reports, not failing the gate); baseline cases
//! none of whose failures was met again (they pass, are skipped, or are gone) are stale.

use std::path::Path;

use serde::Deserialize;

use super::identity::finding_group;
use super::model::{BaselineSummary, CaseRecord, RunRecord, Totals, Verdict};
use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptedList {
    accepted: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    comment: Option<String>,
}

/// One accepted failing case of a baseline file.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    id: String,
    family: String,
    /// `None`: accepted by id (a hand-kept list, a report without request hashes).
    request_hash: Option<String>,
    /// The finding groups it failed on.
    groups: Vec<String>,
}

/// What a baseline file accepts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accepted {
    entries: Vec<Entry>,
    /// The seed of the baseline's run (a report.json's), when known.
    seed: Option<u64>,
}

impl Accepted {
    /// A hand-kept list of case ids.
    pub fn ids(ids: &[String]) -> Self {
        Accepted {
            entries: ids
                .iter()
                .map(|id| Entry {
                    id: id.clone(),
                    family: String::new(),
                    request_hash: None,
                    groups: Vec::new(),
                })
                .collect(),
            seed: None,
        }
    }

    /// The failed cases of a previous run.
    pub fn of_report(report: &RunRecord) -> Self {
        let entries = report
            .cases
            .iter()
            .filter(|c| c.verdict == Verdict::Failed)
            .map(|c| Entry {
                id: c.id.clone(),
                family: c.family.clone(),
                request_hash: c.request_hash.clone(),
                groups: groups_of(c),
            })
            .collect();
        Accepted {
            entries,
            seed: Some(report.meta.seed),
        }
    }

    /// How many cases the baseline lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The finding groups a failing case fails on; one without a finding (no answer) is its own.
fn groups_of(case: &CaseRecord) -> Vec<String> {
    let mut groups: Vec<String> = case.failures().map(finding_group).collect();
    if groups.is_empty() {
        groups.push("(no answer judged)".to_owned());
    }
    groups.sort();
    groups.dedup();
    groups
}

/// What a baseline file accepts.
pub fn read_accepted(file: &Path) -> Result<Accepted> {
    let bytes = std::fs::read(file)
        .map_err(|e| Error::Usage(format!("--baseline {}: {e}", file.display())))?;
    parse_accepted(&bytes)
        .map_err(|why| Error::Usage(format!("--baseline {}: {why}", file.display())))
}

fn parse_accepted(bytes: &[u8]) -> std::result::Result<Accepted, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    if value.get("accepted").is_some() {
        let list: AcceptedList = serde_json::from_value(value)
            .map_err(|e| format!("not a baseline list {{\"accepted\": [case ids]}}: {e}"))?;
        return Ok(Accepted::ids(&list.accepted));
    }
    if value.get("meta").is_some() && value.get("cases").is_some() {
        super::format::check_format_version(value.get("formatVersion"))?;
        let report: RunRecord = serde_json::from_value(value)
            .map_err(|e| format!("not a cmsconform report.json: {e}"))?;
        return Ok(Accepted::of_report(&report));
    }
    Err("neither a report.json nor a baseline list {\"accepted\": [case ids]}".into())
}

pub fn apply_baseline(record: &mut RunRecord, file: &Path) -> Result<()> {
    let accepted = read_accepted(file)?;
    apply(record, &file.display().to_string(), &accepted);
    Ok(())
}

/// Marks the failing cases with these ids; the rest of `accepted` is stale.
pub fn apply_accepted(record: &mut RunRecord, file: &str, accepted: &[String]) {
    apply(record, file, &Accepted::ids(accepted));
}

/// Marks the failing cases `accepted` accepts (see the module doc); entries none of whose
/// failures was met are stale.
pub fn apply(record: &mut RunRecord, file: &str, accepted: &Accepted) {
    let mut summary = BaselineSummary {
        file: file.to_owned(),
        ..BaselineSummary::default()
    };
    let entries = &accepted.entries;
    let mut used = vec![false; entries.len()];
    let other_seed = accepted.seed.is_some_and(|seed| seed != record.meta.seed);
    for case in record
        .cases
        .iter_mut()
        .filter(|c| c.verdict == Verdict::Failed)
    {
        let groups = groups_of(case);
        let by_id = entries
            .iter()
            .position(|e| e.request_hash.is_none() && e.id == case.id);
        let matched: Vec<usize> = match (by_id, &case.request_hash) {
            (Some(at), _) => vec![at],
            (None, None) => Vec::new(),
            (None, Some(hash)) => {
                let same_request = |e: &Entry| e.request_hash.as_ref() == Some(hash);
                let chosen: Vec<usize> = if entries.iter().any(same_request) {
                    indices(entries, same_request)
                } else if other_seed {
                    indices(entries, |e| {
                        e.request_hash.is_some()
                            && e.family == case.family
                            && e.groups.iter().any(|g| groups.contains(g))
                    })
                } else {
                    Vec::new()
                };
                let covered =
                    |group: &String| chosen.iter().any(|&i| entries[i].groups.contains(group));
                if groups.iter().all(covered) {
                    chosen
                } else {
                    Vec::new()
                }
            }
        };
        if matched.is_empty() {
            continue;
        }
        for at in matched {
            used[at] = true;
        }
        case.baselined = true;
        if !summary.accepted.contains(&case.id) {
            summary.accepted.push(case.id.clone());
        }
    }
    for (entry, used) in entries.iter().zip(used) {
        if !used && !summary.stale.contains(&entry.id) {
            summary.stale.push(entry.id.clone());
        }
    }
    record.meta.totals.baselined = Totals::of(&record.cases).baselined;
    record.baseline = Some(summary);
}

fn indices(entries: &[Entry], keep: impl Fn(&Entry) -> bool) -> Vec<usize> {
    (0..entries.len()).filter(|&i| keep(&entries[i])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_parse_and_others_are_refused() {
        assert_eq!(
            parse_accepted(br#"{"accepted":["a","b"],"comment":"x"}"#).unwrap(),
            Accepted::ids(&["a".to_owned(), "b".to_owned()])
        );
        assert!(parse_accepted(b"[1]").unwrap_err().contains("neither"));
        assert!(parse_accepted(br#"{"accepted":"a"}"#).is_err());
        assert!(parse_accepted(b"{").unwrap_err().contains("not valid JSON"));
    }

    fn case(id: &str, hash: &str, failures: &[(&str, &str)]) -> CaseRecord {
        let violations: Vec<serde_json::Value> = failures
            .iter()
            .map(|(check, pointer)| {
                serde_json::json!({"check": check, "clause": "seed:x", "severity": "failure",
                    "pointer": pointer, "message": "m"})
            })
            .collect();
        let json = serde_json::json!({
            "id": id, "title": id, "family": id.split("::").next(), "clause": "seed:url",
            "verdict": if failures.is_empty() { "passed" } else { "failed" },
            "expected": "accepted", "duration_ms": 1.0, "request_hash": hash,
            "violations": violations,
        });
        serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"))
    }

    fn run(seed: u64, cases: Vec<CaseRecord>) -> RunRecord {
        let json = serde_json::json!({
            "meta": {"harness_version": "0", "profile": "2023-12", "target": "t", "seed": seed,
                "property_cases": 4, "schema_hash": "", "case_set_hash": "", "started_at": "",
                "finished_at": "", "duration_ms": 0.0, "command": "",
                "totals": {"total": 0, "passed": 0, "failed": 0, "skipped": 0}},
            "cases": [],
        });
        let mut record: RunRecord = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        record.cases = cases;
        record
    }

    fn baselined(record: &RunRecord) -> Vec<&str> {
        record
            .cases
            .iter()
            .filter(|c| c.baselined)
            .map(|c| c.id.as_str())
            .collect()
    }

    #[test]
    fn a_report_accepts_by_request_and_finding_group_under_another_seed() {
        let release = "CMS-RESP-003";
        let first = run(
            1,
            vec![
                case("hand::a", "h1", &[("CMS-A", "")]),
                case("hand::w", "h2", &[("CMS-A", "/x")]),
                case(
                    "property::0001",
                    "p1",
                    &[(release, "/resultDatas/3/agentRelease")],
                ),
                case("property::0002", "p2", &[]),
            ],
        );
        let accepted = Accepted::of_report(&first);
        assert_eq!(accepted.len(), 3, "only failures are accepted");
        let mut second = run(
            2,
            vec![
                // The same request and defect, under another id.
                case("hand::renamed", "h1", &[("CMS-A", "")]),
                // The same request with one more defect: not accepted.
                case("hand::w", "h2", &[("CMS-A", "/x"), ("CMS-B", "/y")]),
                // Another seed's request, with a defect its family showed: accepted.
                case(
                    "property::0001",
                    "p9",
                    &[(release, "/resultDatas/0/agentRelease")],
                ),
                // Another defect: not accepted.
                case("property::0002", "p8", &[("CMS-NEW", "/resultCode")]),
            ],
        );
        apply(&mut second, "b.json", &accepted);
        assert_eq!(baselined(&second), ["hand::renamed", "property::0001"]);
        let summary = second.baseline.clone().unwrap_or_default();
        assert_eq!(summary.stale, ["hand::w"]);
        assert_eq!(second.meta.totals.baselined, 2);

        // Under the baseline's own seed a request it never sent is a new case: not accepted.
        let mut same_seed = second.clone();
        same_seed.meta.seed = 1;
        for case in &mut same_seed.cases {
            case.baselined = false;
        }
        apply(&mut same_seed, "b.json", &accepted);
        assert_eq!(baselined(&same_seed), ["hand::renamed"]);
    }

    #[test]
    fn a_report_without_hashes_accepts_by_id() {
        let mut old = run(1, vec![case("hand::a", "h1", &[("CMS-A", "")])]);
        old.cases[0].request_hash = None;
        let mut new = run(2, vec![case("hand::a", "other", &[("CMS-B", "/z")])]);
        apply(&mut new, "b.json", &Accepted::of_report(&old));
        assert_eq!(baselined(&new), ["hand::a"]);
    }

    #[test]
    fn a_newer_report_format_is_refused() {
        let err = parse_accepted(br#"{"formatVersion": 99, "meta": {}, "cases": []}"#).unwrap_err();
        assert!(err.contains("formatVersion 99"), "{err}");
    }
}
