//! `compare` and the Markdown of a diff: failures grouped by defect, a relation once with its
//! checks each once, and the warning when the runs are not of one target, profile, case set.

use super::*;
use serde_json::json;

fn failed_case(id: &str, index: usize) -> serde_json::Value {
    json!({
        "id": id, "title": id, "family": "property", "clause": "notes:6.6",
        "verdict": "failed", "expected": "accepted", "duration_ms": 1.0,
        "request_hash": format!("h-{id}"),
        "violations": [{"check": "CMS-AGENT-008", "clause": "notes:6.6", "severity": "failure",
            "pointer": format!("/resultDesc/{index}/logonTime"), "message": "later than now"}],
    })
}

fn passed_case(id: &str) -> serde_json::Value {
    json!({"id": id, "title": id, "family": "property", "clause": "notes:6.6",
           "verdict": "passed", "expected": "accepted", "duration_ms": 1.0,
           "request_hash": format!("h-{id}")})
}

fn run(target: &str, cases: Vec<serde_json::Value>, relation_verdict: &str) -> RunRecord {
    let violations: Vec<serde_json::Value> = match relation_verdict {
        "failed" => (0..20)
            .map(|i| {
                json!({"check": "CMS-REL-002", "clause": "notes:6.14", "severity": "failure",
                       "pointer": format!("#0/resultDesc/{i} vs #1/resultDesc"), "message": "m"})
            })
            .collect(),
        _ => Vec::new(),
    };
    serde_json::from_value(json!({
        "formatVersion": 2,
        "meta": {"harness_version": "0", "profile": "2023-12", "target": target, "seed": 1,
            "property_cases": 4, "schema_hash": "s", "case_set_hash": format!("cs-{}", cases.len()),
            "started_at": "", "finished_at": "", "duration_ms": 0.0, "command": "",
            "totals": {"total": 0, "passed": 0, "failed": 0, "skipped": 0}},
        "cases": cases,
        "relations": [{"relation": "permutation", "verdict": relation_verdict,
                       "violations": violations, "violations_total": 178}],
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn new_failures_are_grouped_by_defect_and_a_relation_is_listed_once() {
    let old = run(
        "https://a.example",
        vec![
            passed_case("property::0001"),
            passed_case("property::0002"),
            passed_case("property::0003"),
        ],
        "passed",
    );
    let new = run(
        "https://a.example",
        vec![
            failed_case("property::0001", 3),
            failed_case("property::0002", 0),
            failed_case("property::0003", 41),
        ],
        "failed",
    );
    let diff = compare(&old, "old.json", &new, "new.json");
    assert!(diff.warnings.is_empty(), "{:?}", diff.warnings);
    assert_eq!(diff.new_failures.len(), 4);
    let relation = diff
        .new_failures
        .iter()
        .find(|f| f.id == "relation:permutation");
    assert_eq!(
        relation.map(|f| f.checks.clone()),
        Some(vec!["CMS-REL-002".to_owned()])
    );
    let md = render_markdown(&diff);
    assert!(md.contains("## New failures (4, 2 defects)\n"), "{md}");
    assert!(
        md.contains(
            "- `CMS-AGENT-008` at `/resultDesc/*/logonTime` (notes:6.6): 3 cases, e.g. \
             `property::0001` (was passed)\n"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "- relation `relation::permutation` (was passed): CMS-REL-002 (notes:6.14): 178 \
             findings of CMS-REL-002, the first: m\n"
        ),
        "{md}"
    );
    // One line for the relation, its check not repeated per violation.
    let lines: Vec<&str> = md.lines().filter(|l| l.contains("CMS-REL-002")).collect();
    assert_eq!(lines.len(), 1, "{md}");
    assert!(!lines[0].contains("CMS-REL-002, CMS-REL-002"), "{md}");
    // And back: the same defects fixed.
    let back = compare(&new, "new.json", &old, "old.json");
    let md = render_markdown(&back);
    assert!(md.contains("## Fixed (4, 2 defects)\n"), "{md}");
    assert!(md.contains("3 cases, e.g. `property::0001`\n"), "{md}");
}

#[test]
fn runs_against_other_targets_or_case_sets_are_flagged_at_the_top() {
    let old = run(
        "https://a.example",
        vec![passed_case("property::0001")],
        "passed",
    );
    let new = run(
        "https://b.example",
        vec![passed_case("property::0001"), passed_case("property::0002")],
        "passed",
    );
    let diff = compare(&old, "old.json", &new, "new.json");
    assert_eq!(diff.warnings.len(), 2, "{:?}", diff.warnings);
    let md = render_markdown(&diff);
    let top: Vec<&str> = md.lines().skip(2).take(3).collect();
    assert!(
        top[0].starts_with("> **warning:** The runs were against different targets"),
        "{md}"
    );
    assert!(
        top[2].starts_with("> **warning:** The runs had different case sets"),
        "{md}"
    );
}
