use super::*;
use crate::report::{CaseRecord, RequestRecord, ResponseRecord, RunMeta};
use serde_json::json;

fn violation(check: &str, index: usize) -> serde_json::Value {
    json!({"check": check, "clause": "notes:6.14", "severity": "failure",
           "pointer": format!("#0/resultDesc/{index} vs #1/resultDesc"),
           "message": format!("agent {} is answered in #0 but missing from #1, though both asked for it", 101 + index)})
}

fn request(body: &str) -> RequestRecord {
    RequestRecord {
        method: "POST".into(),
        url: "http://cms.example/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids"
            .into(),
        headers: vec![(
            "authorization".into(),
            "auth-v2/ak/2026-12-07T23:00:00Z/content-type;host/***".into(),
        )],
        body: body.into(),
        body_bytes: body.len(),
    }
}

fn answer() -> Option<ResponseRecord> {
    Some(ResponseRecord {
        status: 200,
        body_bytes: 900,
        ..ResponseRecord::default()
    })
}

fn shape(distinct: usize, answered: usize, after: usize, ids: &str) -> ExchangeShape {
    ExchangeShape {
        ids_asked: distinct,
        distinct_ids: distinct,
        ids: ids.into(),
        answered: Some(answered),
        missing_within: 0,
        missing_after: after,
        // A dense fleet cut after the 100th ID.
        last_answered_at: Some(answered),
        first_left_out_at: Some(answered + 1),
    }
}

/// `permutation` against a server that answers at most 100 agents: the batch and its shuffle,
/// each asked twice.
fn truncated_permutation() -> RelationRecord {
    let violations: Vec<serde_json::Value> = (0..20).map(|i| violation("CMS-REL-002", i)).collect();
    let (batch, shuffled) = (r#"{"agentIds":[101,102]}"#, r#"{"agentIds":[102,101]}"#);
    RelationRecord {
        relation: "permutation".into(),
        verdict: Verdict::Failed,
        violations: serde_json::from_value(json!(violations)).unwrap(),
        exchanges: vec![
            (request(batch), answer()),
            (request(shuffled), answer()),
            (request(batch), answer()),
            (request(shuffled), answer()),
        ],
        findings: vec!["182 agents compared".into()],
        violations_total: 178,
        requests: vec![
            shape(6000, 100, 80, "101-102, … 59999"),
            shape(6000, 100, 82, "5012, … 4170 (not ascending)"),
            shape(6000, 100, 80, "101-102, … 59999"),
            shape(6000, 100, 82, "5012, … 4170 (not ascending)"),
        ],
    }
}

fn meta() -> RunMeta {
    RunMeta {
        profile: "2023-12".into(),
        seed: 7,
        target: "http://cms.example".into(),
        command: "cmsconform run --profile 2023-12 --seed 7 --target http://cms.example".into(),
        ..RunMeta::default()
    }
}

fn record(cases: Vec<CaseRecord>, relations: Vec<RelationRecord>) -> RunRecord {
    RunRecord {
        format_version: crate::report::FORMAT_VERSION,
        meta: RunMeta {
            totals: crate::report::Totals::of(&cases),
            ..meta()
        },
        cases,
        relations,
        tallies: Vec::new(),
        coverage: Vec::new(),
        baseline: None,
    }
}

#[test]
fn a_failed_relation_is_a_defect_with_rule_sizes_counts_curls_and_rerun() {
    let relation = truncated_permutation();
    let d = defect(&meta(), &relation);
    assert_eq!(d.name, "relation::permutation");
    assert_eq!(d.checks(), "CMS-REL-002");
    assert_eq!(d.rules[0].clause, "notes:6.14");
    assert!(
        d.rules[0].title.is_some_and(|t| t.starts_with("Shuffling")),
        "{:?}",
        d.rules
    );
    assert_eq!(d.counts(), "178 violations (20 kept of 178)");
    assert!(
        d.explanation
            .starts_with("answers to batches of more than 100 IDs stop after the 100th ID"),
        "{}",
        d.explanation
    );
    // The re-asks asked and got the same: they share their line.
    assert_eq!(d.requests.len(), 2, "{:#?}", d.requests);
    assert_eq!(
        d.requests[1],
        "#1, #3: 6000 IDs (5012, … 4170 (not ascending)), 22 bytes → HTTP 200, 100 agents; left out 82 agents another answer held"
    );
    // A re-ask is the same request: one curl line for both.
    let sent_as: Vec<&str> = d.curls.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(sent_as, ["#0, #2", "#1, #3"]);
    assert!(d.curls[0].1.contains("\"Authorization: $CMSCONFORM_AUTH\""));
    assert_eq!(
        d.rerun,
        "cmsconform run --profile 2023-12 --seed 7 --target http://cms.example --exact relation::permutation"
    );
    let console = d.console_lines();
    assert!(
        console[0].starts_with("error[CMS-REL-002] notes:6.14 in relation::permutation: Shuffling"),
        "{console:#?}"
    );
    assert!(console.iter().any(|l| l.starts_with("    rerun: ")));
    assert!(
        console
            .iter()
            .any(|l| l.starts_with("    curl #0, #2: curl "))
    );
}

#[test]
fn a_discovery_reruns_under_its_own_name() {
    let mut relation = truncated_permutation();
    relation.relation = "discovery::vdn".into();
    assert!(
        defect(&meta(), &relation)
            .rerun
            .ends_with(" --exact discovery::vdn")
    );
}

fn case(id: &str, verdict: &str, baselined: bool, failure: bool) -> CaseRecord {
    let violations = if failure {
        json!([{"check": "CMS-RESP-003", "clause": "notes:6.5", "severity": "failure",
                "pointer": "/resultDesc/0/agentRelease", "message": "m"}])
    } else {
        json!([])
    };
    serde_json::from_value(json!({
        "id": id, "title": id, "family": "hand", "clause": "notes:6.5", "verdict": verdict,
        "expected": "accepted", "violations": violations, "duration_ms": 1.0,
        "baselined": baselined, "error": if failure { None } else { Some("timed out") },
    }))
    .unwrap()
}

/// The Failures section of report.md, up to the next section.
fn failures_section(md: &str) -> &str {
    let start = md.find("## Failures").unwrap_or(0);
    let rest = &md[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}

#[test]
fn the_verdict_and_the_failures_section_never_disagree() {
    let mut relation_skipped = truncated_permutation();
    relation_skipped.verdict = Verdict::Skipped;
    let mut relation_passed = truncated_permutation();
    relation_passed.verdict = Verdict::Passed;
    relation_passed.violations.clear();
    let mut relation_without_finding = truncated_permutation();
    relation_without_finding.violations.clear();
    let case_sets: Vec<Vec<CaseRecord>> = vec![
        vec![],
        vec![case("hand::a", "passed", false, false)],
        vec![case("hand::a", "failed", false, true)],
        vec![case("hand::a", "failed", false, false)],
        vec![case("hand::a", "failed", true, true)],
        vec![case("hand::a", "skipped", false, false)],
    ];
    let relation_sets: Vec<Vec<RelationRecord>> = vec![
        vec![],
        vec![truncated_permutation()],
        vec![relation_passed.clone()],
        vec![relation_skipped],
        vec![relation_without_finding],
        vec![relation_passed, truncated_permutation()],
    ];
    for cases in &case_sets {
        for relations in &relation_sets {
            let record = record(cases.clone(), relations.clone());
            let md = crate::report::markdown::render(&record);
            let section = failures_section(&md);
            let none = section.contains("None.");
            let context = format!("{section}\n(cases {cases:?}, relations {relations:?})");
            if !record.conformant() {
                assert!(!none, "NOT CONFORMANT with no failure listed:\n{context}");
            }
            let failed_relations = relations.iter().filter(|r| r.verdict == Verdict::Failed);
            for relation in failed_relations {
                let heading = format!("### Relation `relation::{}` failed", relation.relation);
                assert!(section.contains(&heading), "{context}");
            }
            let html = crate::report::html::render(&record).unwrap();
            let html_none = html
                .split("<h2 id=\"failures\">")
                .nth(1)
                .and_then(|rest| rest.split("<h2").next())
                .is_some_and(|s| s.contains("<p>None.</p>"));
            assert_eq!(html_none, none, "html and md disagree:\n{context}");
            // The console's defect blocks and junit.xml's failures say the same.
            let console = crate::runner::run_record::failure_summary(&record);
            assert_eq!(
                console.is_empty(),
                none,
                "console and md disagree:\n{context}"
            );
            let junit = crate::report::junit::render(&record).unwrap();
            let junit_failures =
                junit.matches("<failure ").count() + junit.matches("<error ").count();
            assert_eq!(
                junit_failures == 0,
                record.conformant(),
                "junit.xml and the verdict disagree:\n{junit}\n{context}"
            );
        }
    }
}

#[test]
fn report_md_keeps_one_short_row_per_relation() {
    let record = record(Vec::new(), vec![truncated_permutation()]);
    let md = crate::report::markdown::render(&record);
    let row = md
        .lines()
        .find(|l| l.starts_with("| `permutation` |"))
        .unwrap_or_default();
    assert!(!row.contains("<br>"), "{row}");
    assert!(row.contains("178 violations (20 kept of 178)"), "{row}");
    assert!(row.ends_with("see Failures |"), "{row}");
}
