//! Exact counts past the cap: several answers, each with more findings than it keeps.

use serde_json::json;

use super::*;
use crate::checks::MAX_PER_CHECK;
use crate::report::group::by_check;
use crate::report::model::RunRecord;

/// A logon-time finding on the agent at `index` of an answer.
fn logon(index: usize, agent: i64) -> Violation {
    serde_json::from_value(json!({
        "check": "CMS-AGENT-013", "clause": "notes:6.8", "severity": "failure",
        "pointer": format!("/resultDatas/{index}/logonTime"), "value": "1796770558697",
        "message": "later than now", "agent": agent}))
    .expect("violation")
}

/// A case as the runner records it: the first [`MAX_PER_CHECK`] findings kept, the rest
/// counted in `not_kept`.
fn case(id: &str, verdict: &str, found: Vec<Violation>, answered: bool) -> CaseRecord {
    let mut record: CaseRecord = serde_json::from_value(json!({
        "id": id, "title": id, "family": "property", "clause": "notes:6.8",
        "verdict": verdict, "expected": "accepted", "duration_ms": 1.0,
    }))
    .expect("case");
    if answered {
        record.response = Some(Default::default());
    }
    let mut found = found;
    let beyond = found.split_off(found.len().min(MAX_PER_CHECK));
    record.violations = found;
    record.not_kept = not_kept(&beyond);
    record
}

fn run(cases: Vec<CaseRecord>) -> RunRecord {
    RunRecord {
        format_version: crate::report::FORMAT_VERSION,
        meta: Default::default(),
        tallies: tally(&cases),
        cases,
        relations: Vec::new(),
        coverage: Vec::new(),
        baseline: None,
    }
}

#[test]
fn every_finding_past_the_cap_is_counted_with_its_agent() {
    // Three answers of 25, 40 and 5 agents, overlapping on agents 100..105; one case failed
    // without an answer kept.
    let answer = |agents: std::ops::Range<i64>| -> Vec<Violation> {
        agents.enumerate().map(|(i, a)| logon(i, a)).collect()
    };
    let record = run(vec![
        case("property::0001", "failed", answer(100..125), true),
        case("property::0002", "failed", answer(100..140), true),
        case("property::0003", "failed", answer(200..205), false),
        case("property::0004", "passed", Vec::new(), true),
    ]);
    assert_eq!(record.cases[0].not_kept.len(), 1);
    assert_eq!(record.cases[0].not_kept[0].findings, 15);
    assert_eq!(record.cases[0].not_kept[0].agents.len(), 15);
    assert_eq!(
        record.tallies,
        vec![DefectTally {
            check: "CMS-AGENT-013".into(),
            pattern: "/resultDatas/*/logonTime".into(),
            severity: Severity::Failure,
            cases: 3,
            answers: 2,
            agents: 45,
            findings: 70,
            kept: 25,
        }]
    );
    let groups = by_check(&record, Severity::Failure);
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(
        (g.case_count(), g.answers, g.agents, g.findings, g.kept),
        (3, 2, 45, 70, 25)
    );
    assert_eq!(
        g.findings_phrase(),
        "70 finding(s) (25 kept of 70 as examples)"
    );
}

#[test]
fn failures_count_in_failed_cases_only_and_information_everywhere() {
    let info = |i: usize| -> Violation {
        let mut v = logon(i, i as i64);
        v.check = "CMS-INFO-001".into();
        v.severity = Severity::Info;
        v
    };
    // A passed case cannot hold a failure, but a record read back may: it is not counted, as
    // by_check does not group it.
    let mut passed = case("hand::a", "passed", (0..12).map(info).collect(), true);
    passed.violations.push(logon(0, 1));
    let record = run(vec![passed]);
    assert_eq!(record.tallies.len(), 1, "{:#?}", record.tallies);
    assert_eq!(record.tallies[0].severity, Severity::Info);
    assert_eq!(record.tallies[0].findings, 12);
    assert_eq!(record.tallies[0].kept, 10);
    assert!(by_check(&record, Severity::Failure).is_empty());
    let info = by_check(&record, Severity::Info);
    assert_eq!(
        (info[0].findings, info[0].kept, info[0].agents),
        (12, 10, 12)
    );
}

#[test]
fn a_baselined_failure_is_counted_as_by_check_groups_it() {
    let mut accepted = case(
        "hand::b",
        "failed",
        (0..30).map(|i| logon(i, i as i64)).collect(),
        true,
    );
    accepted.baselined = true;
    let record = run(vec![accepted]);
    let g = &by_check(&record, Severity::Failure)[0];
    assert_eq!(
        (g.case_count(), g.findings, g.kept, g.agents),
        (1, 30, 10, 30)
    );
}

#[test]
fn a_report_without_tallies_counts_its_kept_findings() {
    let mut record = run(vec![case(
        "hand::c",
        "failed",
        (0..30).map(|i| logon(i, i as i64)).collect(),
        true,
    )]);
    record.tallies.clear();
    let g = &by_check(&record, Severity::Failure)[0];
    assert_eq!((g.findings, g.kept, g.agents), (10, 10, 10));
    assert_eq!(g.findings_phrase(), "10 finding(s)");
}

#[test]
fn a_server_making_up_pointers_cannot_grow_the_counts_without_bound() {
    let found: Vec<Violation> = (0..MAX_KEYS_PER_CASE + 50)
        .map(|i| {
            let mut v = logon(0, 1);
            v.pointer = format!("/resultDatas/0/made_up_{i}");
            v
        })
        .collect();
    let counted = not_kept(&found);
    assert_eq!(counted.len(), MAX_KEYS_PER_CASE + 1);
    let other = counted.last().expect("the other patterns");
    assert_eq!(
        (other.pattern.as_str(), other.findings),
        (OTHER_PATTERNS, 50)
    );
    let total: u64 = counted.iter().map(|n| n.findings).sum();
    assert_eq!(total, (MAX_KEYS_PER_CASE + 50) as u64);
}

#[test]
fn not_kept_is_written_without_its_agents_and_read_back() {
    let record = case(
        "hand::d",
        "failed",
        (0..12).map(|i| logon(i, i as i64)).collect(),
        true,
    );
    let text = serde_json::to_string(&record).expect("json");
    assert!(
        text.contains(r#""not_kept":[{"check":"CMS-AGENT-013""#),
        "{text}"
    );
    assert!(!text.contains("agents"), "{text}");
    let back: CaseRecord = serde_json::from_str(&text).expect("read back");
    assert_eq!(back.not_kept[0].findings, 2);
    assert!(back.not_kept[0].agents.is_empty());
    assert_eq!(failures_in_all(&back), 12);
    assert_eq!(
        not_kept_lines(&back),
        ["not kept: 2 more finding(s) of CMS-AGENT-013 at /resultDatas/*/logonTime"]
    );
}

#[test]
fn the_same_agent_id_at_two_call_centres_is_two_agents() {
    let found = || {
        (0..12)
            .map(|i| logon(i, 100 + i as i64))
            .collect::<Vec<_>>()
    };
    let mut home = case("fleet::0001", "failed", found(), true);
    home.asked_at = (Some(1), Some(170));
    let mut again = case("property::0001", "failed", found(), true);
    again.asked_at = (Some(1), Some(170));
    let mut other = case("hosted::cc2_vdn170::0001", "failed", found(), true);
    other.asked_at = (Some(2), Some(170));
    let record = run(vec![home, again, other]);
    assert_eq!(record.tallies[0].agents, 24);
    assert_eq!(record.tallies[0].findings, 36);
}
