//! Unit tests of the property generator: reproducibility, coverage of the request space, the
//! home pair's share of the draws and shrinking.

use super::*;
use crate::cases::{Expectation, Outcome};

#[test]
fn a_seed_reproduces_its_cases() {
    let contract = Contract::embedded("2025-11").unwrap();
    let a = property_cases(&contract, 7, 64, HomePair::SEED, &[]);
    let b = property_cases(&contract, 7, 64, HomePair::SEED, &[]);
    assert_eq!(a, b);
    assert_ne!(a, property_cases(&contract, 8, 64, HomePair::SEED, &[]));
    assert_eq!(a[3].id, "property::0003");
}

#[test]
fn draws_cover_valid_and_invalid_and_both_ranges() {
    let contract = Contract::embedded("2025-11").unwrap();
    let cases = property_cases(&contract, 1, 256, HomePair::SEED, &[]);
    let accepted = Expectation::One(Outcome::Accepted);
    let rejected = Expectation::One(Outcome::Rejected);
    assert!(cases.iter().any(|c| c.expect == accepted));
    assert!(cases.iter().any(|c| c.expect == rejected));
    let ids: Vec<i64> = cases
        .iter()
        .filter(|c| c.expect == accepted)
        .filter_map(|c| {
            c.request
                .body
                .as_ref()?
                .value()
                .get("agentIds")?
                .as_array()
                .cloned()
        })
        .flatten()
        .filter_map(|v| v.as_i64())
        .collect();
    assert!(ids.iter().any(|id| *id < 60000) && ids.iter().any(|id| *id >= 70000));
    // Every valid draw honours the schema, every broken one breaks it.
    for case in &cases {
        let broken = case.title.starts_with("random request with");
        assert_eq!(
            broken,
            case.expect == rejected,
            "{}: {}",
            case.id,
            case.title
        );
    }
}

#[test]
fn shrinking_finds_a_minimal_failure() {
    let contract = Contract::embedded("2023-12").unwrap();
    let cases = property_cases(&contract, 3, 64, HomePair::SEED, &[]);
    let index = cases
        .iter()
        .position(|c| {
            c.request
                .body
                .as_ref()
                .and_then(|b| b.value().get("agentIds")?.as_array().map(Vec::len))
                > Some(3)
        })
        .unwrap();
    // A pretend server that fails whenever more than 2 IDs are asked for.
    let fails = |d: &Drawn| {
        d.body
            .get("agentIds")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
            > 2
    };
    let smallest = shrink(&contract, 3, index, 500, HomePair::SEED, &[], fails).unwrap();
    assert_eq!(smallest.body["agentIds"].as_array().unwrap().len(), 3);
    // A failure that needs one particular agent shrinks to that agent alone.
    let wanted = cases[index].request.body.as_ref().unwrap().value()["agentIds"][2].clone();
    let needs_it = |d: &Drawn| {
        d.body
            .get("agentIds")
            .and_then(Value::as_array)
            .is_some_and(|ids| ids.contains(&wanted))
    };
    let smallest = shrink(&contract, 3, index, 200, HomePair::SEED, &[], needs_it).unwrap();
    assert_eq!(smallest.body["agentIds"], serde_json::json!([wanted]));
}

#[test]
fn most_draws_are_at_the_home_pair_and_the_rest_span_the_ranges() {
    let contract = Contract::embedded("2025-11").unwrap();
    let home = HomePair { cc_id: 9, vdn: 99 };
    let cases = property_cases(&contract, 4, 512, home, &[]);
    let pairs: Vec<(i64, i64)> = cases
        .iter()
        .filter(|c| c.expect == Expectation::One(Outcome::Accepted))
        .map(|c| {
            let body = c.request.body.as_ref().unwrap().value();
            (
                body["ccId"].as_i64().unwrap(),
                body["vdn"].as_i64().unwrap(),
            )
        })
        .collect();
    let at_home = pairs.iter().filter(|p| **p == (9, 99)).count();
    // 7 in 8 expected: well above three quarters, well below all.
    assert!(
        at_home * 4 > pairs.len() * 3 && at_home < pairs.len(),
        "{at_home} of {} at home",
        pairs.len()
    );
    assert!(pairs.iter().any(|(cc, _)| *cc > 30000));
    assert!(pairs.iter().any(|(_, vdn)| *vdn > 2500));
    // Schema order is kept whatever is drawn.
    let body = cases[0].request.body.as_ref().unwrap().text().to_owned();
    assert!(body.find("ccId") < body.find("vdn"), "{body}");
}

#[test]
fn most_agent_ids_come_from_the_fleet_and_some_from_the_rest_of_the_range() {
    let contract = Contract::embedded("2023-12").unwrap();
    let fleet: Vec<i64> = (31200..31400).collect();
    let cases = property_cases(&contract, 5, 256, HomePair::SEED, &fleet);
    let ids: Vec<i64> = cases
        .iter()
        .filter(|c| c.expect == Expectation::One(Outcome::Accepted))
        .filter_map(|c| c.request.body.as_ref().map(|b| b.value()))
        .filter_map(|body| body["agentIds"].as_array().cloned())
        .flatten()
        .filter_map(|id| id.as_i64())
        .collect();
    let in_fleet = ids.iter().filter(|id| fleet.contains(id)).count();
    // 3 in 4 expected; an unaimed draw would hit 200 of 59899 IDs almost never.
    assert!(
        in_fleet * 2 > ids.len() && in_fleet < ids.len(),
        "{in_fleet} of {} in the fleet",
        ids.len()
    );
    // Ids stay the same, so `--list` (before any scan) names the cases that run.
    let unaimed = property_cases(&contract, 5, 256, HomePair::SEED, &[]);
    let names =
        |cases: &[crate::cases::Case]| cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(names(&cases), names(&unaimed));
}
