//! The checks end to end: the `check` command and its exit codes, the catalogue of broken
//! exchanges (`cases/fixtures/broken`), the allowed choices (`cases/fixtures/allowed`), and a
//! property test of generated conformant answers and their single-field breakages.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use cmsconform::cases::{Expectation, Outcome};
use cmsconform::checks::captured::{captured_exchange, expectation_for};
use cmsconform::checks::{CheckOptions, Violation, judge, sample};
use cmsconform::contract::Contract;
use cmsconform::exchange::{Exchange, TransportFailure};
use proptest::prelude::*;
use serde_json::{Value, json};

const NOW: i64 = 1_780_000_000_000;

fn fixtures(dir: &str) -> Vec<(PathBuf, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("cases/fixtures")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let v = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            (p, v)
        })
        .collect()
}

fn bytes_of(fixture: &Value, json_key: &str, raw_key: &str) -> Vec<u8> {
    if let Some(raw) = fixture.get(raw_key).and_then(Value::as_str) {
        return raw.as_bytes().to_vec();
    }
    if let Some(b64) = fixture
        .get("responseBase64")
        .and_then(Value::as_str)
        .filter(|_| raw_key == "responseRaw")
    {
        return base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
    }
    fixture
        .get(json_key)
        .map(|v| v.to_string().into_bytes())
        .unwrap_or_default()
}

/// Builds the exchange and expectation a fixture describes, and judges it.
fn judge_fixture(fixture: &Value) -> Vec<Violation> {
    let profile = fixture
        .get("profile")
        .and_then(Value::as_str)
        .unwrap_or("2023-12");
    let contract = Contract::embedded(profile).unwrap();
    let request = bytes_of(fixture, "request", "requestRaw");
    let response = bytes_of(fixture, "response", "responseRaw");
    let status = fixture.get("status").and_then(Value::as_u64).unwrap_or(200) as u16;
    let content_type = match fixture.get("contentType") {
        Some(Value::Null) => None,
        Some(v) => Some(v.as_str().unwrap().to_owned()),
        None => Some("application/json;charset=UTF-8".to_owned()),
    };
    let expect: Expectation = match fixture.get("expect") {
        Some(e) => serde_json::from_value(e.clone()).unwrap(),
        None => expectation_for(&contract, &request),
    };
    let mut exchange: Exchange = captured_exchange(
        &contract,
        request,
        status,
        content_type.as_deref().unwrap_or(""),
        response,
        NOW,
    );
    if let Some(method) = fixture.get("method").and_then(Value::as_str) {
        exchange.request.method = method.to_owned();
    }
    if let Ok(received) = &mut exchange.response {
        if content_type.is_none() {
            received.headers.clear();
        }
        if let Some(headers) = fixture.get("headers").and_then(Value::as_object) {
            for (k, v) in headers {
                received
                    .headers
                    .push((k.clone(), v.as_str().unwrap().to_owned()));
            }
        }
        received.truncated = fixture
            .get("truncated")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    }
    if let Some(t) = fixture.get("transport") {
        exchange.response = Err(serde_json::from_value::<TransportFailure>(t.clone()).unwrap());
    }
    let options = CheckOptions {
        now_ms: Some(NOW),
        clock_skew_ms: contract.profile().logon_time.default_clock_skew_ms,
        home: None,
    };
    judge(&contract, &exchange, &expect, &options)
}

fn failing_ids(found: &[Violation]) -> BTreeSet<String> {
    found
        .iter()
        .filter(|v| v.is_failure())
        .map(|v| v.check.clone())
        .collect()
}

#[test]
fn every_broken_exchange_fails_with_its_check() {
    let all = fixtures("broken");
    assert!(all.len() >= 40, "only {} broken fixtures", all.len());
    let mut wrong = Vec::new();
    let mut covered = BTreeSet::new();
    for (path, fixture) in &all {
        let expected = fixture["expectCheck"].as_str().unwrap().to_owned();
        let found = judge_fixture(fixture);
        let failing = failing_ids(&found);
        if failing != BTreeSet::from([expected.clone()]) {
            wrong.push(format!(
                "{}: expected only {expected}, got {found:#?}",
                path.display()
            ));
        }
        assert!(
            cmsconform::checks::check_def(&expected).is_some(),
            "{expected} not in CATALOGUE"
        );
        covered.insert(expected);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        covered.len() >= 40,
        "only {} distinct checks covered",
        covered.len()
    );
}

#[test]
fn every_allowed_choice_passes() {
    let mut wrong = Vec::new();
    for (path, fixture) in fixtures("allowed") {
        let found = judge_fixture(&fixture);
        if !failing_ids(&found).is_empty() {
            wrong.push(format!("{}: {found:#?}", path.display()));
        }
        if let Some(info) = fixture.get("expectInfo").and_then(Value::as_str) {
            if !found.iter().any(|v| v.check == info) {
                wrong.push(format!("{}: no {info} in {found:#?}", path.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---- the `check` command ----

fn cmd() -> assert_cmd::Command {
    assert_cmd::cargo::cargo_bin_cmd!("cmsconform")
}

fn fixture_path(name: &str) -> String {
    format!("{}/cases/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_passes_the_seed_example() {
    cmd()
        .args([
            "check",
            "--request",
            &fixture_path("seed_example.request.json"),
        ])
        .args(["--response", &fixture_path("seed_example.response.json")])
        .args(["--now-ms", "1767225600000"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("conformant: 0 failure(s)"));
}

#[test]
fn check_reports_findings_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let response = dir.path().join("resp.json");
    std::fs::write(&response, b"<html>oops</html>").unwrap();
    let out = cmd()
        .args([
            "check",
            "--request",
            &fixture_path("seed_example.request.json"),
        ])
        .args(["--response", response.to_str().unwrap(), "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let found: Vec<Violation> = serde_json::from_slice(&out).unwrap();
    assert_eq!(found[0].check, "CMS-JSON-003");

    std::fs::write(
        &response,
        br#"{"resultCode":"0100002","resultDesc":"Invalid parameter"}"#,
    )
    .unwrap();
    cmd()
        .args([
            "check",
            "--request",
            &fixture_path("seed_example.request.json"),
        ])
        .args(["--response", response.to_str().unwrap(), "--status", "200"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "error[CMS-OUT-001] seed:table3 at status",
        ));
}

#[test]
fn check_information_alone_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let request = dir.path().join("req.json");
    let response = dir.path().join("resp.json");
    std::fs::write(&request, br#"{"ccId":0,"vdn":170,"agentIds":[1031]}"#).unwrap();
    std::fs::write(
        &response,
        br#"{"timestamp":"t","status":400,"error":"Bad Request","path":"/"}"#,
    )
    .unwrap();
    cmd()
        .args(["check", "--request", request.to_str().unwrap()])
        .args(["--response", response.to_str().unwrap(), "--status", "400"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("info[CMS-REJ-004]"));
}

#[test]
fn check_names_an_unreadable_file_with_exit_2() {
    cmd()
        .args(["check", "--request", "/nonexistent/req.json"])
        .args(["--response", &fixture_path("seed_example.response.json")])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("/nonexistent/req.json"));
    cmd()
        .args([
            "check",
            "--request",
            &fixture_path("seed_example.request.json"),
        ])
        .args(["--response", "/nonexistent/resp.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("/nonexistent/resp.json"));
}

// ---- property: conformant answers pass, single breakages fail ----

/// One way to break one field, and the check that must catch it.
#[derive(Debug, Clone, Copy)]
enum Break {
    Member(usize),
    Remove(usize),
    Result,
    DatasDiffer,
}

/// Profile, ccId, vdn, (range, offset) per asked ID, a variant per agent, reversed order, break.
type Drawn = (String, i64, i64, Vec<(usize, u32)>, Vec<u64>, bool, Break);

fn strategy() -> impl Strategy<Value = Drawn> {
    (
        prop::sample::select(vec!["2023-12".to_owned(), "2025-11".to_owned()]),
        1i64..=65535,
        1i64..=5000,
        prop::collection::vec((0usize..2, any::<u32>()), 0..40),
        prop::collection::vec(any::<u64>(), 40),
        any::<bool>(),
        prop_oneof![
            (0usize..10).prop_map(Break::Member),
            (0usize..10).prop_map(Break::Remove),
            Just(Break::Result),
            Just(Break::DatasDiffer),
        ],
    )
}

/// Breaks `field` of every copy of agent `index`; returns the check that must fire.
fn break_member(
    profile: &cmsconform::contract::Profile,
    agent: &mut Value,
    field: usize,
) -> &'static str {
    let name = cmsconform::checks::agents::MEMBERS[field];
    let state_max = profile.state_range().max;
    let (value, check) = match name {
        "agentId" => (
            json!(profile.limits.agent_ids.ranges.last().unwrap().max + 1),
            "CMS-AGENT-007",
        ),
        "locationId" => (json!(profile.location_id.max + 1), "CMS-AGENT-014"),
        "currentStateReason" => (json!(profile.reasons.max + 1), "CMS-AGENT-015"),
        "prevState" | "currentState" => (json!(state_max + 1), "CMS-AGENT-008"),
        "prevStateTime" => (json!(profile.durations.max + 1), "CMS-AGENT-009"),
        "currentStateTime" => (json!(-1), "CMS-AGENT-009"),
        "logonTime" if agent["currentState"] == json!(profile.not_signed_in_state) => {
            (json!(NOW - 3_600_000), "CMS-AGENT-010")
        }
        "logonTime" => (
            json!(profile.logon_time.not_signed_in_sentinel_ms),
            "CMS-AGENT-011",
        ),
        "agentRelease" => (json!(-1), "CMS-AGENT-016"),
        _ => (json!(-1), "CMS-AGENT-017"),
    };
    agent[name] = value;
    check
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn conformant_answers_pass_and_single_breaks_fail(
        (profile_name, cc_id, vdn, picks, variants, shuffle, breakage) in strategy()
    ) {
        let contract = Contract::embedded(&profile_name).unwrap();
        let profile = contract.profile();
        let ranges = &profile.limits.agent_ids.ranges;
        let ids: Vec<i64> = picks.iter().map(|(r, n)| {
            let range = ranges[r % ranges.len()];
            range.min + i64::from(*n) % (range.max - range.min + 1)
        }).collect();
        let mut distinct = Vec::new();
        for id in &ids { if !distinct.contains(id) { distinct.push(*id); } }
        // Unknown agents left out (every third variant), optionally in another order.
        let mut agents: Vec<Value> = distinct.iter().zip(&variants)
            .filter(|(_, v)| *v % 3 != 0 || distinct.len() == 1)
            .map(|(id, v)| sample::agent(profile, *id, *v, NOW)).collect();
        if shuffle { agents.reverse(); }
        let body = sample::success_of(profile, agents);
        let request = json!({"ccId": cc_id, "vdn": vdn, "agentIds": ids});
        let request_bytes = request.to_string().into_bytes();
        let expect = expectation_for(&contract, &request_bytes);
        let options = CheckOptions { now_ms: Some(NOW), clock_skew_ms: profile.logon_time.default_clock_skew_ms, home: None };
        let run = |body: &Value| {
            let ex = captured_exchange(&contract, request_bytes.clone(), 200, "application/json", body.to_string().into_bytes(), NOW);
            judge(&contract, &ex, &expect, &options)
        };
        let found = run(&body);
        prop_assert!(failing_ids(&found).is_empty(), "conformant answer failed: {:#?}", found);
        prop_assert!(expect.allows(Outcome::Accepted));

        let mut broken = body.clone();
        let has_agents = !body["resultDesc"].as_array().unwrap().is_empty();
        let check = match breakage {
            Break::Member(field) if has_agents => {
                let mut check = "";
                for list in ["resultDesc", "resultDatas"] {
                    check = break_member(profile, &mut broken[list][0], field);
                }
                check
            }
            Break::Remove(field) if has_agents => {
                for list in ["resultDesc", "resultDatas"] {
                    broken[list][0].as_object_mut().unwrap().remove(cmsconform::checks::agents::MEMBERS[field]);
                }
                "CMS-AGENT-002"
            }
            Break::DatasDiffer if has_agents => {
                broken["resultDatas"][0]["agentRelease"] = json!(body["resultDatas"][0]["agentRelease"].as_i64().unwrap() + 1);
                "CMS-RESP-003"
            }
            _ => {
                broken["result"] = json!("1");
                "CMS-RESP-002"
            }
        };
        let found = run(&broken);
        prop_assert!(failing_ids(&found).contains(check), "expected {} in {:#?}", check, found);
    }
}

// ---- answers at and past the limits, and hostile bodies ----

fn judge_success(contract: &Contract, request: &Value, body: &Value) -> Vec<Violation> {
    let request = request.to_string().into_bytes();
    let expect = expectation_for(contract, &request);
    let exchange = captured_exchange(
        contract,
        request,
        200,
        "application/json",
        body.to_string().into_bytes(),
        NOW,
    );
    let options = CheckOptions {
        now_ms: Some(NOW),
        clock_skew_ms: contract.profile().logon_time.default_clock_skew_ms,
        home: None,
    };
    judge(contract, &exchange, &expect, &options)
}

#[test]
fn one_agent_more_than_a_full_request_asked_for_fails() {
    let contract = Contract::embedded("2023-12").unwrap();
    let profile = contract.profile();
    let max = profile.limits.agent_ids.max_items;
    let ids = sample::agent_ids(profile, max);
    let request = json!({"ccId": 1, "vdn": 170, "agentIds": ids});
    let full = sample::success_body(profile, &ids, NOW);
    assert!(failing_ids(&judge_success(&contract, &request, &full)).is_empty());

    let asked: BTreeSet<i64> = ids.iter().copied().collect();
    let stranger = (profile.limits.agent_ids.ranges[0].min..)
        .find(|id| !asked.contains(id))
        .unwrap();
    for (extra, check) in [(ids[0], "CMS-AGENT-006"), (stranger, "CMS-AGENT-005")] {
        let mut agents = full["resultDesc"].as_array().unwrap().clone();
        agents.push(sample::agent(profile, extra, 7, NOW));
        assert_eq!(agents.len(), max + 1);
        let body = sample::success_of(profile, agents);
        let found = judge_success(&contract, &request, &body);
        assert_eq!(
            failing_ids(&found),
            BTreeSet::from([check.to_owned()]),
            "{found:#?}"
        );
        let at = format!("/resultDesc/{max}/agentId");
        assert!(
            found.iter().any(|v| v.check == check && v.pointer == at),
            "{found:#?}"
        );
    }
}

#[test]
fn hostile_bodies_give_bounded_findings() {
    let contract = Contract::embedded("2023-12").unwrap();
    let profile = contract.profile();
    let ids = sample::agent_ids(profile, profile.limits.agent_ids.max_items);
    let request = json!({"ccId": 1, "vdn": 170, "agentIds": ids});

    // Thousands of repeated names: the first ones by pointer, the rest counted.
    let mut text = String::from("{");
    for _ in 0..100_000 {
        text.push_str("\"a\":1,");
    }
    text.push_str("\"a\":1}");
    let exchange = captured_exchange(
        &contract,
        request.to_string().into_bytes(),
        200,
        "application/json",
        text.into_bytes(),
        NOW,
    );
    let options = CheckOptions {
        now_ms: Some(NOW),
        clock_skew_ms: 0,
        home: None,
    };
    let expect = Expectation::One(Outcome::Accepted);
    let found = judge(&contract, &exchange, &expect, &options);
    let duplicates: Vec<&Violation> = found.iter().filter(|v| v.check == "CMS-JSON-007").collect();
    assert_eq!(duplicates.len(), cmsconform::checks::MAX_PER_CHECK);
    assert!(
        duplicates
            .last()
            .is_some_and(|v| v.message.contains("more finding(s) of CMS-JSON-007")),
        "{duplicates:#?}"
    );

    // Every agent with its own unknown names and wrong-typed members: the findings of each
    // check are capped per answer, the rest counted.
    let agents: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut agent = sample::agent(profile, *id, 1, NOW);
            agent["locationId"] = json!("65535");
            agent[format!("x{id}")] = json!(1);
            agent
        })
        .collect();
    let body = sample::success_of(profile, agents);
    let found = judge_success(&contract, &request, &body);
    assert_eq!(
        failing_ids(&found),
        BTreeSet::from(["CMS-AGENT-003".to_owned()])
    );
    let max = cmsconform::checks::MAX_PER_CHECK;
    let not_integer: Vec<&Violation> = found
        .iter()
        .filter(|v| v.check == "CMS-AGENT-003")
        .collect();
    assert_eq!(not_integer.len(), max);
    let more = format!("and {} more finding(s) of CMS-AGENT-003", ids.len() - max);
    assert!(
        not_integer[max - 1].message.contains(&more),
        "{}",
        not_integer[max - 1].message
    );
    let extra = found.iter().filter(|v| v.check == "CMS-AGENT-020").count();
    assert!(extra <= max, "{extra}");
}
