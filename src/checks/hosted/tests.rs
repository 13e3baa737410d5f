//! Unit tests of the notes:6.15 rules: probes, business failures, the cross-case rule, and
//! `judge` on refusals as unknown.

use super::*;
use crate::contract::Contract;
use serde_json::json;

fn observe(case: &str, field: Field, value: i64, answer: HostedAnswer) -> Observation<'_> {
    Observation {
        case,
        probe: Probe { field, value },
        answer,
    }
}

#[test]
fn probes_are_in_range_values_away_from_home() {
    let contract = Contract::embedded("2025-11").unwrap();
    let profile = contract.profile();
    let home = HomePair::SEED;
    let at = |body: Value| away_from_home(&body, home, profile);
    assert!(at(json!({"ccId": 1, "vdn": 170, "agentIds": [1]})).is_empty());
    assert!(
        at(json!({"ccId": 0, "vdn": 5001})).is_empty(),
        "out of range"
    );
    assert!(
        at(json!({"ccId": "2", "vdn": 170})).is_empty(),
        "wrong type"
    );
    assert_eq!(
        at(json!({"ccId": 65535, "vdn": 2})),
        vec![
            Probe {
                field: Field::CcId,
                value: 65535
            },
            Probe {
                field: Field::Vdn,
                value: 2
            }
        ]
    );
    let single = |body: Value| single_probe(&body, home, profile);
    assert_eq!(single(json!({"ccId": 65535, "vdn": 2})), None);
    assert_eq!(single(json!({"ccId": 65535, "vdn": 0})), None);
    assert_eq!(
        single(json!({"ccId": 1, "vdn": 5000})),
        Some(Probe {
            field: Field::Vdn,
            value: 5000
        })
    );
}

#[test]
fn a_business_failure_has_a_failure_code_and_no_agents() {
    let contract = Contract::embedded("2023-12").unwrap();
    let profile = contract.profile();
    let failure = json!({"resultCode": "0100001", "resultDesc": "failed"});
    assert!(is_business_failure(profile, 200, Some(&failure)));
    assert!(!is_business_failure(profile, 400, Some(&failure)));
    assert!(!is_business_failure(profile, 200, None));
    let success = json!({"resultCode": "0100000", "resultDesc": []});
    assert!(!is_business_failure(profile, 200, Some(&success)));
    let with_agents = json!({"resultCode": "0100002", "resultDesc": [{"agentId": 1}]});
    assert!(!is_business_failure(profile, 200, Some(&with_agents)));
}

#[test]
fn a_refusal_next_to_an_accepted_neighbour_is_a_boundary_fault() {
    use HostedAnswer::{Accepted, RefusedAsUnknown};
    let observations = [
        observe("boundary::ccId::max_minus_1", Field::CcId, 65534, Accepted),
        observe("boundary::ccId::max", Field::CcId, 65535, RefusedAsUnknown),
        // The neighbour of another member does not count.
        observe("boundary::vdn::max", Field::Vdn, 65533, RefusedAsUnknown),
        // Refused next to refused: a server that hosts neither.
        observe("boundary::vdn::min", Field::Vdn, 1, RefusedAsUnknown),
        observe("boundary::vdn::min_plus_1", Field::Vdn, 2, RefusedAsUnknown),
        // An acceptance two away is no neighbour.
        observe("property::0001", Field::Vdn, 4, Accepted),
        // A neighbour below counts as well as one above.
        observe("property::0002", Field::Vdn, 4999, Accepted),
        observe("boundary::vdn::max", Field::Vdn, 5000, RefusedAsUnknown),
    ];
    let faults = boundary_faults(&observations);
    let indices: Vec<usize> = faults.iter().map(|(i, _)| *i).collect();
    assert_eq!(indices, vec![1, 7]);
    let (_, fault) = &faults[0];
    assert_eq!(fault.check, BOUNDARY_FAULT.id);
    assert!(fault.is_failure());
    assert!(
        fault.message.contains("ccId 65534") && fault.message.contains("max_minus_1"),
        "{}",
        fault.message
    );
    assert!(boundary_faults(&observations[2..5]).is_empty());
    assert!(boundary_faults(&[]).is_empty());
}

/// Judges `answer` to a request at `request`, expected to succeed, with `home` known.
fn judged(request: Value, answer: &str, home: Option<HomePair>) -> Vec<Violation> {
    let contract = Contract::embedded("2023-12").unwrap();
    let now = 1_780_000_000_000;
    let exchange = crate::checks::captured::captured_exchange(
        &contract,
        request.to_string().into_bytes(),
        200,
        "application/json",
        answer.as_bytes().to_vec(),
        now,
    );
    let options = crate::checks::CheckOptions {
        now_ms: Some(now),
        clock_skew_ms: 300_000,
        home,
    };
    let expect = crate::cases::Expectation::One(crate::cases::Outcome::Accepted);
    crate::checks::judge(&contract, &exchange, &expect, &options)
}

fn checks_of(found: &[Violation]) -> Vec<(&str, bool)> {
    found
        .iter()
        .map(|v| (v.check.as_str(), v.is_failure()))
        .collect()
}

#[test]
fn a_valid_request_away_from_home_may_be_refused_as_unknown() {
    let home = Some(HomePair::SEED);
    let away = json!({"ccId": 65535, "vdn": 170, "agentIds": [1031]});
    let unknown = r#"{"resultCode":"0100001","resultDesc":"call failed"}"#;
    let invalid = r#"{"resultCode":"0100002","resultDesc":"Invalid parameter"}"#;
    let empty = r#"{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[]}"#;
    let found = judged(away.clone(), invalid, home);
    assert_eq!(checks_of(&found), vec![(UNHOSTED.id, false)], "{found:?}");
    assert!(
        found[0].message.contains("ccId 65535"),
        "{}",
        found[0].message
    );
    let found = judged(away.clone(), unknown, home);
    assert!(!found.iter().any(Violation::is_failure), "{found:?}");
    assert!(found.iter().any(|v| v.check == UNHOSTED.id));
    let found = judged(away.clone(), empty, home);
    assert!(
        checks_of(&found).contains(&(UNHOSTED.id, false)),
        "{found:?}"
    );
    assert!(!found.iter().any(Violation::is_failure), "{found:?}");
    // Without a home pair, or at the home pair, a valid request must succeed.
    let found = judged(away.clone(), invalid, None);
    assert!(found.iter().any(|v| v.check == "CMS-OUT-001"), "{found:?}");
    let at_home = json!({"ccId": 1, "vdn": 170, "agentIds": [1031]});
    let found = judged(at_home.clone(), invalid, home);
    assert!(found.iter().any(|v| v.check == "CMS-OUT-001"), "{found:?}");
    let found = judged(at_home, empty, home);
    assert!(!found.iter().any(|v| v.check == UNHOSTED.id), "{found:?}");
    // A refusal that carries agent data is no refusal as unknown.
    let with_agents = r#"{"resultCode":"0100001","resultDesc":[{"agentId":1031}]}"#;
    let found = judged(away, with_agents, home);
    assert!(found.iter().any(|v| v.check == "CMS-OUT-001"), "{found:?}");
}
