//! Unit tests of the relation comparisons and their catalogue.

use serde_json::json;

use super::*;
use crate::exchange::{Received, SentRequest};

/// An agent record like the seed's, signed in (logonTime in the past).
fn agent(id: i64, state: i64, state_time: i64) -> Value {
    json!({"agentId": id, "locationId": 1, "currentStateReason": 65535, "prevState": 0,
           "prevStateTime": 30, "currentState": state, "currentStateTime": state_time,
           "logonTime": 1_700_000_000_000i64, "agentRelease": 2, "currentPrivateCallNum": 0})
}

fn exchange(ids: &[i64], agents: Vec<Value>, sent_at_ms: i64, received_at_ms: i64) -> Exchange {
    let request = json!({"ccId": 1, "vdn": 170, "agentIds": ids});
    let body = json!({"result": "0", "resultCode": "0100000",
                      "resultDatas": agents.clone(), "resultDesc": agents});
    Exchange::new(
        SentRequest::post("/x", request.to_string()),
        Ok(Received::new(200, body.to_string())),
        sent_at_ms,
        received_at_ms,
    )
}

fn run(a: &Exchange, b: &Exchange) -> Comparison {
    let contract = Contract::embedded("2023-12").unwrap();
    compare(
        &contract,
        &REPETITION,
        Side {
            exchange: a,
            index: 0,
        },
        Side {
            exchange: b,
            index: 1,
        },
        DEFAULT_TOLERANCE_MS,
    )
    .unwrap()
}

#[test]
fn every_relation_name_maps_to_catalogued_checks() {
    for name in [
        "repetition",
        "permutation",
        "sub-batch::tail",
        "duplication",
        "discovery::ccId",
    ] {
        let checks = checks_of(name);
        assert!(!checks.is_empty(), "{name}");
        assert!(checks.iter().all(|c| RELATION_CATALOGUE.contains(c)));
    }
    let clauses = Contract::embedded("2023-12").unwrap();
    for def in RELATION_CATALOGUE {
        assert!(def.id.starts_with("CMS-REL-"));
        assert!(
            clauses.clauses().get(def.clause).is_some(),
            "{} cites {}",
            def.id,
            def.clause
        );
    }
}

#[test]
fn durations_ticking_with_time_are_consistent() {
    let a = exchange(
        &[101, 102],
        vec![agent(101, 1, 100), agent(102, 5, 7)],
        0,
        100,
    );
    // 3 s later, both durations grew by 3 s; the batch order differs.
    let b = exchange(
        &[102, 101],
        vec![agent(102, 5, 10), agent(101, 1, 103)],
        3_000,
        3_100,
    );
    let c = run(&a, &b);
    assert_eq!((c.compared, c.suspects.len(), c.confirmed.len()), (2, 0, 0));
}

#[test]
fn growth_beyond_the_clock_and_shrinking_are_implausible() {
    let a = exchange(
        &[101, 102],
        vec![agent(101, 1, 100), agent(102, 1, 100)],
        0,
        100,
    );
    let b = exchange(
        &[101, 102],
        vec![agent(101, 1, 160), agent(102, 1, 50)],
        200,
        300,
    );
    let c = run(&a, &b);
    assert_eq!(c.suspect_ids(), vec![101, 102]);
    assert!(
        c.suspects
            .iter()
            .all(|s| s.kind == SuspectKind::Implausible)
    );
    assert_eq!(
        c.suspects[0].violation.pointer,
        "#0/resultDesc/0 vs #1/resultDesc/0"
    );
    assert_eq!(c.suspects[0].violation.check, "CMS-REL-005");
}

#[test]
fn a_state_change_needs_a_reset() {
    let a = exchange(
        &[101, 102],
        vec![agent(101, 1, 100), agent(102, 1, 100)],
        0,
        100,
    );
    let b = exchange(
        &[101, 102],
        vec![agent(101, 3, 0), agent(102, 3, 100)],
        200,
        300,
    );
    let c = run(&a, &b);
    assert_eq!(c.suspects[0].kind, SuspectKind::Transition);
    assert_eq!(c.suspects[1].kind, SuspectKind::Implausible);
    assert!(c.confirmed.is_empty(), "a single flip is never confirmed");
}

#[test]
fn fields_moving_without_a_state_change_are_suspect_but_counters_may_grow() {
    let mut moved = agent(101, 1, 100);
    moved["logonTime"] = json!(1_700_000_100_000i64);
    let mut counted = agent(102, 1, 100);
    counted["agentRelease"] = json!(3);
    let a = exchange(
        &[101, 102],
        vec![agent(101, 1, 100), agent(102, 1, 100)],
        0,
        100,
    );
    let b = exchange(&[101, 102], vec![moved, counted], 200, 300);
    let c = run(&a, &b);
    assert_eq!(c.suspect_ids(), vec![101]);
    assert!(c.suspects[0].violation.message.contains("logonTime"));
}

/// `agent` with its logonTime moved by `by_ms` (another node's clock).
fn logged_on(id: i64, state: i64, state_time: i64, by_ms: i64) -> Value {
    let mut record = agent(id, state, state_time);
    record["logonTime"] = json!(1_700_000_000_000i64 + by_ms);
    record
}

#[test]
fn nodes_whose_clocks_differ_within_the_tolerance_are_information() {
    let a = exchange(
        &[101, 102],
        vec![agent(101, 1, 100), agent(102, 1, 100)],
        0,
        100,
    );
    // Either direction: 101 a node 900 ms ahead, 102 one 400 ms behind.
    let b = exchange(
        &[101, 102],
        vec![logged_on(101, 1, 100, 900), logged_on(102, 1, 100, -400)],
        200,
        300,
    );
    let c = run(&a, &b);
    assert_eq!((c.compared, c.suspects.len(), c.confirmed.len()), (2, 0, 0));
    assert_eq!(c.informational.len(), 1);
    let info = &c.informational[0];
    assert_eq!(
        (info.check.as_str(), info.clause.as_str()),
        ("CMS-REL-007", "notes:6.16")
    );
    assert!(!info.is_failure());
    assert!(
        info.message
            .starts_with("nodes disagree by 900 ms: the logonTime of 2 signed-in agents"),
        "{}",
        info.message
    );
    assert_eq!(info.pointer, "#0/resultDesc/0 vs #1/resultDesc/0");
    assert_eq!(info.value.as_deref(), Some("900 ms"));
    // The information is reported with or without a re-ask.
    assert_eq!(c.reported(), c.informational);
    assert_eq!(settle(&c, &Comparison::default(), (2, 3)), c.informational);
}

#[test]
fn a_duration_going_back_within_the_tolerance_is_information() {
    let a = exchange(&[101], vec![agent(101, 1, 100)], 0, 100);
    let b = exchange(&[101], vec![agent(101, 1, 99)], 200, 300);
    let c = run(&a, &b);
    assert!(c.suspects.is_empty());
    assert!(
        c.informational[0]
            .message
            .starts_with("nodes disagree: currentStateTime went back by up to 1 s for 1 agent"),
        "{}",
        c.informational[0].message
    );
    // One node answering twice: nothing to say.
    let same = exchange(&[101], vec![agent(101, 1, 100)], 200, 300);
    assert!(run(&a, &same).informational.is_empty());
}

#[test]
fn beyond_the_tolerance_or_a_signed_out_sentinel_still_fails() {
    let sentinel = |by_ms: i64| {
        let mut record = agent(102, 0, 100);
        record["logonTime"] = json!(4_294_967_295_000i64 + by_ms);
        record
    };
    let a = exchange(&[101, 102], vec![agent(101, 1, 100), sentinel(0)], 0, 100);
    let b = exchange(
        &[101, 102],
        vec![logged_on(101, 1, 100, -2_001), sentinel(1)],
        200,
        300,
    );
    let c = run(&a, &b);
    assert_eq!(c.suspect_ids(), vec![101, 102]);
    assert!(
        c.suspects
            .iter()
            .all(|s| s.kind == SuspectKind::Implausible)
    );
    assert!(
        c.suspects
            .iter()
            .all(|s| s.violation.message.contains("logonTime"))
    );
    assert!(c.informational.is_empty());
    // Exactly the tolerance is still allowed.
    let edge = exchange(&[101], vec![logged_on(101, 1, 100, 2_000)], 200, 300);
    assert!(run(&a, &edge).suspects.is_empty());
}

#[test]
fn presence_and_repeats() {
    let a = exchange(
        &[101, 102, 103],
        vec![agent(101, 1, 1), agent(102, 1, 1)],
        0,
        10,
    );
    let b = exchange(
        &[101, 102, 103, 101],
        vec![agent(101, 1, 1), agent(101, 1, 1)],
        20,
        30,
    );
    let c = run(&a, &b);
    assert_eq!(c.suspect_ids(), vec![102]);
    assert_eq!(c.suspects[0].kind, SuspectKind::Presence);
    assert_eq!(c.confirmed.len(), 1);
    assert_eq!(c.confirmed[0].check, "CMS-REL-004");
    assert_eq!(c.confirmed[0].pointer, "#1/resultDesc/1 vs #1/resultDesc/0");
}

#[test]
fn settle_reports_only_what_the_reask_confirms() {
    let a = exchange(
        &[101, 102],
        vec![agent(101, 1, 100), agent(102, 1, 100)],
        0,
        100,
    );
    let flipped = exchange(
        &[101, 102],
        vec![agent(101, 3, 0), agent(102, 1, 999)],
        200,
        300,
    );
    let first = run(&a, &flipped);
    assert_eq!(first.suspects.len(), 2);
    // Re-asked: 101 settled in its new state; 102 still far off.
    let a2 = exchange(
        &[101, 102],
        vec![agent(101, 3, 1), agent(102, 1, 101)],
        1_000,
        1_100,
    );
    let b2 = exchange(
        &[101, 102],
        vec![agent(101, 3, 1), agent(102, 1, 999)],
        1_200,
        1_300,
    );
    let violations = settle(&first, &run(&a2, &b2), (2, 3));
    assert_eq!(violations.len(), 1);
    assert!(violations[0].message.contains("agent 102"));
    assert!(violations[0].message.ends_with("(#2 vs #3)"));
    // Nothing differs on the re-ask: nothing is reported.
    let quiet = run(&a2, &a2.clone());
    assert!(settle(&first, &quiet, (2, 3)).is_empty());
}

#[test]
fn unusable_sides_are_named() {
    let contract = Contract::embedded("2023-12").unwrap();
    let a = exchange(&[101], vec![agent(101, 1, 1)], 0, 10);
    let mut b = a.clone();
    b.response = Err(crate::exchange::TransportFailure::Timeout("1s".into()));
    let err = compare(
        &contract,
        &PERMUTATION,
        Side {
            exchange: &a,
            index: 0,
        },
        Side {
            exchange: &b,
            index: 1,
        },
        0,
    )
    .unwrap_err();
    assert_eq!(err.0, 1);
}
