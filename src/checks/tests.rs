//! Unit tests of `classify` and `judge` on small hand-built exchanges.

use serde_json::{Value, json};

use super::*;
use crate::checks::captured::captured_exchange;
use crate::exchange::TransportFailure;

const NOW: i64 = 1_780_000_000_000;

fn seed() -> Contract {
    Contract::embedded("2023-12").unwrap()
}

fn options() -> CheckOptions {
    CheckOptions {
        now_ms: Some(NOW),
        clock_skew_ms: 300_000,
        home: None,
    }
}

fn exchange(request: Value, status: u16, body: &[u8]) -> Exchange {
    captured_exchange(
        &seed(),
        request.to_string().into_bytes(),
        status,
        "application/json;charset=UTF-8",
        body.to_vec(),
        NOW,
    )
}

fn ids(found: &[Violation]) -> Vec<&str> {
    found.iter().map(|v| v.check.as_str()).collect()
}

fn failures(found: &[Violation]) -> Vec<&str> {
    found
        .iter()
        .filter(|v| v.is_failure())
        .map(|v| v.check.as_str())
        .collect()
}

fn seed_request() -> Value {
    json!({"ccId": 1, "vdn": 170, "agentIds": [1031, 1099]})
}

fn seed_response() -> Vec<u8> {
    include_bytes!("../../cases/fixtures/seed_example.response.json").to_vec()
}

const ACCEPTED: Expectation = Expectation::One(Outcome::Accepted);
const REJECTED: Expectation = Expectation::One(Outcome::Rejected);

#[test]
fn catalogue_ids_are_unique_and_clauses_known() {
    let contract = seed();
    let mut seen = std::collections::HashSet::new();
    for def in CATALOGUE {
        assert!(seen.insert(def.id), "duplicate id {}", def.id);
        assert!(
            contract.clauses().contains(def.clause),
            "{} cites unknown {}",
            def.id,
            def.clause
        );
        assert_eq!(check_def(def.id), Some(*def));
    }
}

#[test]
fn the_seed_example_is_conformant() {
    let ex = exchange(seed_request(), 200, &seed_response());
    assert_eq!(classify(&seed(), &ex), Some(Outcome::Accepted));
    assert_eq!(judge(&seed(), &ex, &ACCEPTED, &options()), vec![]);
}

#[test]
fn classify_sorts_answers() {
    let c = seed();
    let with =
        |status, body: &str| classify(&c, &exchange(seed_request(), status, body.as_bytes()));
    assert_eq!(
        with(200, r#"{"resultCode":"0100002","resultDesc":"x"}"#),
        Some(Outcome::Rejected)
    );
    assert_eq!(with(400, "<html>"), Some(Outcome::Rejected));
    assert_eq!(with(401, ""), Some(Outcome::Unauthenticated));
    assert_eq!(with(405, ""), Some(Outcome::NotAllowedMethod));
    assert_eq!(with(501, ""), Some(Outcome::NotAllowedMethod));
    assert_eq!(with(500, "{}"), None);
    assert_eq!(with(200, "not json"), None);
    assert_eq!(with(302, ""), None);
    let mut ex = exchange(seed_request(), 200, b"");
    ex.response = Err(TransportFailure::Timeout("30s".into()));
    assert_eq!(classify(&c, &ex), None);
}

#[test]
fn a_success_for_an_invalid_request_names_the_request() {
    let request = json!({"ccId": 0, "vdn": 170, "agentIds": [1031, 1099]});
    let found = judge(
        &seed(),
        &exchange(request, 200, &seed_response()),
        &REJECTED,
        &options(),
    );
    assert_eq!(failures(&found), ["CMS-OUT-002"]);
    assert!(
        found[0].message.contains("/ccId = 0"),
        "{}",
        found[0].message
    );
}

#[test]
fn rejections_200_and_400_both_pass() {
    let request = json!({"ccId": 0, "vdn": 170, "agentIds": [1031]});
    let body = br#"{"resultCode":"0100002","resultDesc":"Invalid parameter"}"#;
    assert_eq!(
        judge(
            &seed(),
            &exchange(request.clone(), 200, body),
            &REJECTED,
            &options()
        ),
        vec![]
    );
    let spring =
        br#"{"timestamp":"x","status":400,"error":"Bad Request","message":"m","path":"/p"}"#;
    let found = judge(
        &seed(),
        &exchange(request.clone(), 400, spring),
        &REJECTED,
        &options(),
    );
    assert_eq!(ids(&found), ["CMS-REJ-004"]);
    assert!(failures(&found).is_empty());
    let other = br#"{"result":"1","resultCode":"0100999","resultDesc":"x"}"#;
    let found = judge(
        &seed(),
        &exchange(request, 200, other),
        &REJECTED,
        &options(),
    );
    assert_eq!(ids(&found), ["CMS-REJ-003"]);
}

#[test]
fn a_rejection_with_agent_data_fails_once() {
    let request = json!({"ccId": 0, "vdn": 170, "agentIds": [1031]});
    let body = br#"{"resultCode":"0100002","resultDesc":[{"agentId":1031}]}"#;
    let found = judge(
        &seed(),
        &exchange(request, 200, body),
        &REJECTED,
        &options(),
    );
    assert_eq!(failures(&found), ["CMS-REJ-001"], "{found:#?}");
}

#[test]
fn server_errors_and_transport_failures_fail() {
    let found = judge(
        &seed(),
        &exchange(seed_request(), 503, b"busy"),
        &REJECTED,
        &options(),
    );
    assert_eq!(failures(&found), ["CMS-HTTP-004"]);
    let mut ex = exchange(seed_request(), 200, b"");
    ex.response = Err(TransportFailure::Timeout("30s".into()));
    let found = judge(&seed(), &ex, &ACCEPTED, &options());
    assert_eq!(failures(&found), ["CMS-HTTP-002"]);
    assert_eq!(found[0].clause, "notes:6.1");
}

#[test]
fn method_refusals() {
    let method = Expectation::One(Outcome::NotAllowedMethod);
    let mut ex = exchange(Value::Null, 405, b"");
    let judge_it = |ex: &Exchange| judge(&seed(), ex, &method, &options());
    assert_eq!(failures(&judge_it(&ex)), ["CMS-OUT-007"]);
    if let Ok(r) = &mut ex.response {
        r.headers.push(("allow".into(), "POST".into()));
    }
    assert_eq!(judge_it(&ex), vec![]);
    if let Ok(r) = &mut ex.response {
        r.headers.pop();
        r.headers.push(("allow".into(), "GET, PUT".into()));
    }
    assert_eq!(failures(&judge_it(&ex)), ["CMS-OUT-008"]);
    assert_eq!(
        ids(&judge_it(&exchange(Value::Null, 404, b""))),
        ["CMS-OUT-006"]
    );
    let found = judge_it(&exchange(seed_request(), 200, &seed_response()));
    assert_eq!(failures(&found), ["CMS-OUT-005"]);
}

#[test]
fn authentication() {
    let unauth = Expectation::One(Outcome::Unauthenticated);
    assert_eq!(
        judge(
            &seed(),
            &exchange(seed_request(), 401, b""),
            &unauth,
            &options()
        ),
        vec![]
    );
    let found = judge(
        &seed(),
        &exchange(seed_request(), 403, b""),
        &unauth,
        &options(),
    );
    assert_eq!(ids(&found), ["CMS-OUT-004"]);
    let found = judge(
        &seed(),
        &exchange(seed_request(), 200, &seed_response()),
        &unauth,
        &options(),
    );
    assert_eq!(failures(&found), ["CMS-OUT-003"]);
    // The replay probe says the same under its own id; a 401 or a lock-out stays as it was.
    let replayed = status::replay_findings(found);
    assert_eq!(failures(&replayed), ["CMS-AUTH-001"]);
    assert!(
        replayed[0]
            .message
            .starts_with("expected HTTP 401, got a success")
    );
    assert!(replayed[0].message.contains("caches verified signatures"));
    let locked = judge(
        &seed(),
        &exchange(seed_request(), 403, b""),
        &unauth,
        &options(),
    );
    assert_eq!(ids(&status::replay_findings(locked)), ["CMS-OUT-004"]);
}

#[test]
fn empty_agent_ids_either_way_is_information() {
    let request = json!({"ccId": 1, "vdn": 170, "agentIds": []});
    let either = captured::expectation_for(&seed(), request.to_string().as_bytes());
    let empty = br#"{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[]}"#;
    let found = judge(
        &seed(),
        &exchange(request.clone(), 200, empty),
        &either,
        &options(),
    );
    assert_eq!(ids(&found), ["CMS-OUT-009"]);
    let rejection = br#"{"resultCode":"0100002","resultDesc":"Invalid parameter"}"#;
    let found = judge(
        &seed(),
        &exchange(request, 200, rejection),
        &either,
        &options(),
    );
    assert_eq!(ids(&found), ["CMS-OUT-009"]);
}

#[test]
fn specific_rules_replace_the_generic_schema_finding() {
    let mut body: Value = serde_json::from_slice(&seed_response()).unwrap();
    for list in ["resultDesc", "resultDatas"] {
        body[list][0]["currentState"] = json!(11);
        body[list][1]["locationId"] = json!(1.5);
    }
    let found = judge(
        &seed(),
        &exchange(seed_request(), 200, body.to_string().as_bytes()),
        &ACCEPTED,
        &options(),
    );
    assert_eq!(
        failures(&found),
        ["CMS-AGENT-008", "CMS-JSON-008"],
        "{found:#?}"
    );
    assert_eq!(found[0].pointer, "/resultDesc/0/currentState");
}

#[test]
fn expectations_of_the_check_command() {
    let c = seed();
    let expect = |body: &str| captured::expectation_for(&c, body.as_bytes());
    assert_eq!(
        expect(r#"{"ccId":1,"vdn":170,"agentIds":[1031]}"#),
        ACCEPTED
    );
    assert_eq!(expect(r#"{"ccId":1,"vdn":170,"agentIds":[100]}"#), REJECTED);
    assert_eq!(expect("{"), REJECTED);
    assert!(expect(r#"{"ccId":1,"ccId":2,"vdn":170,"agentIds":[1031]}"#).allows(Outcome::Accepted));
}

#[test]
fn a_spring_error_answered_200_is_a_rejection() {
    let request = json!({"ccId": 0, "vdn": 170, "agentIds": [1031]});
    let body = br#"{"timestamp":"t","status":400,"error":"Bad Request","message":"m","path":"/p"}"#;
    let ex = exchange(request, 200, body);
    assert_eq!(classify(&seed(), &ex), Some(Outcome::Rejected));
    assert_eq!(judge(&seed(), &ex, &REJECTED, &options()), vec![]);
}

#[test]
fn an_integer_written_otherwise_in_the_request_may_go_either_way() {
    let expect = captured::expectation_for(&seed(), br#"{"ccId":1.0,"vdn":170,"agentIds":[1031]}"#);
    assert!(expect.allows(Outcome::Accepted) && expect.allows(Outcome::Rejected));
    let expect = captured::expectation_for(&seed(), br#"{"ccId":1,"vdn":170,"agentIds":[1e3]}"#);
    assert!(expect.allows(Outcome::Accepted) && expect.allows(Outcome::Rejected));
    // Not an integer at all, or out of range however it is read: a request to reject.
    for body in [
        r#"{"ccId":1.5,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":0.0,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":[1031.5]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":[1e2]}"#,
        r#"{"ccId":18446744073709551615,"vdn":170,"agentIds":[1031]}"#,
    ] {
        assert_eq!(
            captured::expectation_for(&seed(), body.as_bytes()),
            REJECTED,
            "{body}"
        );
    }
}

#[test]
fn a_request_with_a_bom_may_go_either_way_when_valid() {
    let valid = b"\xEF\xBB\xBF{\"ccId\":1,\"vdn\":170,\"agentIds\":[1031]}";
    let expect = captured::expectation_for(&seed(), valid);
    assert!(expect.allows(Outcome::Accepted) && expect.allows(Outcome::Rejected));
    let invalid = b"\xEF\xBB\xBF{\"ccId\":0,\"vdn\":170,\"agentIds\":[1031]}";
    assert_eq!(captured::expectation_for(&seed(), invalid), REJECTED);
}

#[test]
fn a_missing_envelope_member_is_not_hidden_by_an_agent_finding() {
    let mut body: Value = serde_json::from_slice(&seed_response()).unwrap();
    body.as_object_mut().unwrap().remove("resultDatas");
    body["resultDesc"][0]["currentState"] = json!(11);
    let found = judge(
        &seed(),
        &exchange(seed_request(), 200, body.to_string().as_bytes()),
        &ACCEPTED,
        &options(),
    );
    assert_eq!(
        failures(&found),
        ["CMS-AGENT-008", "CMS-RESP-001"],
        "{found:#?}"
    );
}

#[test]
fn a_rule_broken_on_every_agent_is_reported_a_bounded_number_of_times() {
    let contract = seed();
    let ids: Vec<i64> = (1000..1050).collect();
    let agents: Vec<Value> = ids
        .iter()
        .map(|id| {
            serde_json::json!({"agentId": id, "locationId": 1, "currentStateReason": 65535,
                "prevState": 1, "prevStateTime": 5, "currentState": 11, "currentStateTime": 5,
                "logonTime": 1_700_000_000_000_i64, "agentRelease": 0, "currentPrivateCallNum": 0})
        })
        .collect();
    let body = serde_json::json!({"result": "0", "resultCode": "0100000",
        "resultDatas": agents, "resultDesc": agents});
    let request = serde_json::json!({"ccId": 1, "vdn": 170, "agentIds": ids});
    let ex = exchange(request, 200, body.to_string().as_bytes());
    let found = judge(&contract, &ex, &ACCEPTED, &options());
    let states: Vec<&Violation> = found
        .iter()
        .filter(|v| v.check == "CMS-AGENT-008")
        .collect();
    assert_eq!(states.len(), MAX_PER_CHECK, "{found:#?}");
    assert!(
        states[MAX_PER_CHECK - 1]
            .message
            .contains("more finding(s) of CMS-AGENT-008"),
        "{}",
        states[MAX_PER_CHECK - 1].message
    );
    // The rest are not lost: they come apart, to be counted.
    let assessed = assess(&contract, &ex, &ACCEPTED, &options());
    let beyond = assessed
        .beyond_cap
        .iter()
        .filter(|v| v.check == "CMS-AGENT-008")
        .count();
    assert_eq!(beyond, ids.len() - MAX_PER_CHECK);
    assert!(
        states[MAX_PER_CHECK - 1].message.contains("50 in all"),
        "{}",
        states[MAX_PER_CHECK - 1].message
    );
}

#[test]
fn assess_observes_what_classify_observes() {
    let contract = seed();
    let request = json!({"ccId": 1, "vdn": 170, "agentIds": [1031]});
    let success = br#"{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[]}"#;
    let rejection = br#"{"result":"1","resultCode":"0100002","resultDesc":"bad vdn"}"#;
    let mut answers: Vec<Exchange> = [
        (200, &success[..]),
        (200, &rejection[..]),
        (200, &b"not json"[..]),
        (200, &b""[..]),
        (400, &rejection[..]),
        (401, &b"{}"[..]),
        (405, &b""[..]),
        (500, &b"oops"[..]),
        (302, &b""[..]),
    ]
    .into_iter()
    .map(|(status, body)| exchange(request.clone(), status, body))
    .collect();
    let mut cut = exchange(request.clone(), 200, success);
    if let Ok(received) = cut.response.as_mut() {
        received.truncated = true;
    }
    answers.push(cut);
    for expect in [ACCEPTED, REJECTED] {
        for answer in &answers {
            let assessed = assess(&contract, answer, &expect, &options());
            assert_eq!(assessed.observed, classify(&contract, answer), "{answer:?}");
            assert_eq!(
                assessed.violations,
                judge(&contract, answer, &expect, &options())
            );
        }
    }
}

#[test]
fn a_compressed_answer_is_information_only() {
    let contract = seed();
    let mut answer = exchange(seed_request(), 200, &seed_response());
    if let Ok(received) = answer.response.as_mut() {
        received
            .headers
            .push(("content-encoding".into(), "identity, gzip".into()));
    }
    let found = judge(&contract, &answer, &ACCEPTED, &options());
    assert!(failures(&found).is_empty(), "{found:?}");
    let info: Vec<&Violation> = found.iter().filter(|v| v.check == "CMS-HTTP-009").collect();
    assert_eq!(info.len(), 1, "{found:?}");
    assert_eq!(
        info[0].message,
        "answer compressed with gzip, decoded before judging"
    );
    assert_eq!(info[0].clause, "notes:6.18");
    let plain = exchange(seed_request(), 200, &seed_response());
    assert!(judge(&contract, &plain, &ACCEPTED, &options()).is_empty());
}

#[test]
fn only_an_answer_that_does_not_read_as_json_is_unjudgeable() {
    let contract = seed();
    let unjudgeable = |answer: &Exchange| {
        assess(&contract, answer, &ACCEPTED, &options())
            .unjudgeable
            .unwrap_or_default()
    };
    let judged = [
        (200, seed_response()),
        // Well-formed JSON that breaks the contract: judged, and failed.
        (
            200,
            br#"{"result":"0","resultCode":"0100000","resultDatas":"x"}"#.to_vec(),
        ),
        (500, b"oops".to_vec()),
        (405, Vec::new()),
        (401, b"{}".to_vec()),
    ];
    for (status, body) in judged {
        let answer = exchange(seed_request(), status, &body);
        assert_eq!(unjudgeable(&answer), "", "HTTP {status}");
    }
    let mut deep = vec![b'['; json::MAX_DEPTH + 2];
    deep.extend(vec![b']'; json::MAX_DEPTH + 2]);
    for (body, check) in [
        (b"not json".to_vec(), "CMS-JSON-003"),
        (b"{\"result\":\"\xff\"}".to_vec(), "CMS-JSON-001"),
        (deep, "CMS-JSON-006"),
    ] {
        let found = unjudgeable(&exchange(seed_request(), 200, &body));
        assert!(
            found.starts_with("HTTP 200: the body is not one JSON value (")
                && found.contains(check),
            "{found}"
        );
    }
    let mut cut = exchange(seed_request(), 200, &seed_response());
    if let Ok(received) = cut.response.as_mut() {
        received.truncated = true;
    }
    assert!(unjudgeable(&cut).contains("body cut at the size cap"));
    let mut lost = exchange(seed_request(), 200, b"");
    lost.response = Err(TransportFailure::Timeout("30s".into()));
    assert!(unjudgeable(&lost).contains("30s"));
}
