//! Folding, value summaries, agent counts and the grouping of one defect (`datas-differ`).

use super::*;
use serde_json::json;

fn case(id: &str, verdict: &str, violations: serde_json::Value) -> CaseRecord {
    let record = json!({
        "id": id, "title": id, "family": "property", "clause": "notes:6.5",
        "verdict": verdict, "expected": "accepted", "violations": violations,
        "response": {"status": 200, "headers": [], "body_excerpt": "{}", "body_bytes": 2,
                     "truncated": false},
        "duration_ms": 1.0,
    });
    serde_json::from_value(record).unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// What `datas-differ` leaves: resultDatas[i].agentRelease = resultDesc[i].agentRelease + 1.
fn datas_differ(index: usize, agent: i64, release: i64) -> serde_json::Value {
    json!({"check": "CMS-RESP-003", "clause": "notes:6.5", "severity": "failure",
           "pointer": format!("/resultDatas/{index}/agentRelease"),
           "value": (release + 1).to_string(),
           "message": format!("differs from /resultDesc/{index}/agentRelease, which is {release}"),
           "agent": agent})
}

fn run(cases: Vec<CaseRecord>) -> RunRecord {
    RunRecord {
        meta: Default::default(),
        cases,
        relations: Vec::new(),
        coverage: Vec::new(),
        baseline: None,
        tallies: Vec::new(),
        format_version: crate::report::format::FORMAT_VERSION,
    }
}

#[test]
fn pointers_fold_array_indices_only() {
    assert_eq!(
        fold_pointer("/resultDatas/3/agentRelease"),
        "/resultDatas/*/agentRelease"
    );
    assert_eq!(fold_pointer("#1/resultDesc/0"), "#1/resultDesc/*");
    assert_eq!(fold_pointer("/a/12/b/0"), "/a/*/b/*");
    assert_eq!(fold_pointer("/agent1/x0"), "/agent1/x0");
    assert_eq!(fold_pointer(""), "");
    assert_eq!(fold_pointer("header:content-type"), "header:content-type");
    assert_eq!(fold_pointer("status"), "status");
}

#[test]
fn numbers_summarize_as_a_range_and_others_as_a_short_list() {
    assert_eq!(
        summarize_values(["35", "7", "35", "-2", "1e2"]),
        ValueSummary::Numbers {
            min: "-2".into(),
            max: "1e2".into(),
            distinct: 4
        }
    );
    assert_eq!(summarize_values(["35", "35"]).to_string(), "35");
    assert_eq!(
        summarize_values(["7", "40"]).to_string(),
        "7..40 (2 distinct)"
    );
    // A string of digits is not a number: the list keeps first-seen order.
    let listed = summarize_values(["\"a\"", "\"0100001\"", "3", "\"a\"", "4", "5", "6"]);
    assert_eq!(
        listed,
        ValueSummary::Listed {
            shown: ["\"a\"", "\"0100001\"", "3", "4", "5"]
                .map(str::to_owned)
                .to_vec(),
            more: 1
        }
    );
    assert_eq!(listed.to_string(), "\"a\", \"0100001\", 3, 4, 5 and 1 more");
    assert_eq!(summarize_values([]), ValueSummary::None);
    assert_eq!(ValueSummary::None.to_string(), "");
}

#[test]
fn one_defect_across_cases_and_items_is_one_group() {
    let record = run(vec![
        case("fleet::0001", "failed", json!([datas_differ(0, 101, 34)])),
        case("hand::ok", "passed", json!([])),
        case(
            "property::0001",
            "failed",
            json!([
                datas_differ(0, 101, 34),
                datas_differ(1, 102, 30),
                datas_differ(2, 103, 14),
                {"check": "CMS-AGENT-008", "clause": "notes:6.6", "severity": "failure",
                 "pointer": "/resultDesc/2/currentState", "value": "11", "message": "m",
                 "agent": 103}
            ]),
        ),
        // Information in a passing case is not a failure group.
        case(
            "property::0002",
            "passed",
            json!([{"check": "CMS-INFO-1", "clause": "notes:6.6", "severity": "info",
                    "pointer": "/resultDesc/0/x", "message": "i"}]),
        ),
    ]);
    let groups = by_check(&record, Severity::Failure);
    let keys: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g.check, g.pattern.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("CMS-AGENT-008", "/resultDesc/*/currentState"),
            ("CMS-RESP-003", "/resultDatas/*/agentRelease")
        ]
    );
    let g = &groups[1];
    assert_eq!(g.clauses, ["notes:6.5"]);
    let ids: Vec<&str> = g.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["fleet::0001", "property::0001"]);
    assert_eq!((g.case_count(), g.answers, g.findings), (2, 2, 4));
    // Agent 101 was found twice, in two cases: three distinct agents.
    assert_eq!(g.agents, 3);
    assert_eq!(g.values.to_string(), "15..35 (3 distinct)");
    assert_eq!(g.example().map(|c| c.id.as_str()), Some("fleet::0001"));
    assert_eq!(g.example_finding.pointer, "/resultDatas/0/agentRelease");
    // With requests recorded, the smallest one is the example (a reader replays it by hand).
    let mut sized = record.clone();
    for case in &mut sized.cases {
        let bytes = if case.id == "property::0001" {
            40
        } else {
            29_000
        };
        case.request = Some(crate::report::RequestRecord {
            body_bytes: bytes,
            ..Default::default()
        });
    }
    let groups = by_check(&sized, Severity::Failure);
    assert_eq!(
        groups[1].example().map(|c| c.id.as_str()),
        Some("property::0001")
    );
    assert!(
        groups[1]
            .example_finding
            .pointer
            .starts_with("/resultDatas/")
    );
    // Two cases showed the very same finding: one row, both cases.
    assert_eq!(g.rows.len(), 3);
    assert_eq!(g.rows[0].cases.len(), 2);
    let info = by_check(&record, Severity::Info);
    assert_eq!(info.len(), 1);
    assert_eq!(
        (info[0].agents, info[0].values.clone()),
        (0, ValueSummary::None)
    );
}

#[test]
fn the_values_of_a_time_field_carry_their_utc_time() {
    let times = summarize_values(["1796746457428", "1796746457000"]).as_instants();
    assert_eq!(
        times.to_string(),
        "1796746457000 (2026-12-08T16:14:17.000Z)..1796746457428 (2026-12-08T16:14:17.428Z) (2 distinct)"
    );
    // Only numbers are instants; listed values stay as they were.
    let listed = summarize_values(["\"x\""]).as_instants();
    assert_eq!(listed.to_string(), "\"x\"");
    assert!(super::is_instant_field("/resultDesc/*/logonTime"));
    assert!(!super::is_instant_field("/resultDesc/*/agentRelease"));
}
