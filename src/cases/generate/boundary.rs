//! The exact boundary set of the request schema: every integer bound at min−1, min, min+1,
//! max−1, max, max+1 plus far values; every array at lengths 0, 1, max, max+1 and with its item
//! bounds at both ends of a full-length array; every property with each wrong JSON type, missing;
//! and one unknown extra member. Ids name what is probed (`boundary::ccId::max_plus_1`,
//! `types::vdn::string`, `missing::agentIds`, `extra::unknown_member`).

use serde_json::{Map, Value, json};

use super::{
    EXTRA_MEMBER_CLAUSE, PREFERRED_AGENTS, REJECTION_CLAUSE, base_body, filler_integers,
    filler_value, generated_case,
};
use crate::cases::Case;
use crate::cases::{Expectation, HomePair, Outcome};
use crate::contract::{Contract, Range, Shape};

/// A name no contract uses, for the extra-member case.
const UNKNOWN_MEMBER: &str = "cmsconformUnknownMember";

/// Every generated (non-random) case of `contract`, in a stable order; every member a case does
/// not probe is at its filler value, `ccId` and `vdn` at the run's `home` pair.
pub fn boundary_cases(contract: &Contract, home: HomePair) -> Vec<Case> {
    let shape = contract.request_shape();
    let mut out = Vec::new();
    for (name, prop, _required) in &shape.properties {
        let clause = prop.clause.as_deref().unwrap_or(REJECTION_CLAUSE);
        let with = |value: Value| {
            let mut body = base_body(shape, home);
            body.insert(name.clone(), value);
            Value::Object(body)
        };
        if prop.is_integer() {
            for (label, value) in integer_probes(prop) {
                out.push(generated_case(
                    contract,
                    format!("boundary::{name}::{label}"),
                    format!("{name} = {value}"),
                    clause,
                    &["generated", "boundary"],
                    with(value),
                ));
            }
        }
        if prop.is_array() {
            array_cases(contract, name, prop, clause, &with, &mut out);
        }
        for (label, value) in wrong_types(prop, &filler_value(name, prop, home)) {
            out.push(generated_case(
                contract,
                format!("types::{name}::{label}"),
                format!("{name} of the wrong type: {value}"),
                clause,
                &["generated", "types"],
                with(value),
            ));
        }
        let mut body = base_body(shape, home);
        body.remove(name);
        out.push(generated_case(
            contract,
            format!("missing::{name}"),
            format!("{name} left out"),
            clause,
            &["generated", "missing"],
            Value::Object(body),
        ));
    }
    out.push(extra_member_case(contract, shape, home));
    out
}

fn array_cases(
    contract: &Contract,
    name: &str,
    prop: &Shape,
    clause: &str,
    with: &dyn Fn(Value) -> Value,
    out: &mut Vec<Case>,
) {
    let Some(items) = prop.items.as_deref() else {
        return;
    };
    let item_clause = items.clause.as_deref().unwrap_or(clause);
    let fill = |count: usize| -> Vec<Value> {
        filler_integers(items, PREFERRED_AGENTS, count)
            .into_iter()
            .map(Value::from)
            .collect()
    };
    for (label, len) in lengths(prop) {
        out.push(generated_case(
            contract,
            format!("boundary::{name}::{label}"),
            format!("{name} with {len} items"),
            clause,
            &["generated", "boundary"],
            with(Value::Array(fill(len))),
        ));
    }
    if !items.is_integer() {
        return;
    }
    for (label, value) in integer_probes(items) {
        out.push(generated_case(
            contract,
            format!("boundary::{name}::item::{label}"),
            format!("{name} = [{value}]"),
            item_clause,
            &["generated", "boundary"],
            with(json!([value])),
        ));
    }
    if let Some(max) = prop.max_items.filter(|max| *max > 0) {
        for (range_label, range) in labelled_ranges(items) {
            for (bound_label, value) in end_bounds(range) {
                for (end, index) in [("first", 0), ("last", max - 1)] {
                    let mut array = fill(max);
                    array[index] = value.clone();
                    out.push(generated_case(
                        contract,
                        format!("boundary::{name}::full::{range_label}{end}_{bound_label}"),
                        format!("{name} of {max} items, the {end} one {value}"),
                        item_clause,
                        &["generated", "boundary", "full-length"],
                        with(Value::Array(array)),
                    ));
                }
            }
        }
    }
    for (label, value) in wrong_types(items, &fill(1)[0]) {
        out.push(generated_case(
            contract,
            format!("types::{name}::item::{label}"),
            format!("{name} item of the wrong type: {value}"),
            item_clause,
            &["generated", "types"],
            with(json!([value])),
        ));
    }
}

/// `(label prefix, range)`: no prefix for a single range, `range1::`, `range2::`... otherwise.
fn labelled_ranges(shape: &Shape) -> Vec<(String, Range)> {
    match shape.ranges.as_slice() {
        [only] => vec![(String::new(), *only)],
        many => many
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("range{}::", i + 1), *r))
            .collect(),
    }
}

/// The bound values at both edges of `range`, each with its label; open edges are left out.
fn edge_values(range: Range) -> Vec<(&'static str, i64)> {
    let mut values = Vec::new();
    if range.min != i64::MIN {
        values.push(("min_minus_1", range.min.checked_sub(1)));
        values.push(("min", Some(range.min)));
        values.push(("min_plus_1", range.min.checked_add(1)));
    }
    if range.max != i64::MAX {
        values.push(("max_minus_1", range.max.checked_sub(1)));
        values.push(("max", Some(range.max)));
        values.push(("max_plus_1", range.max.checked_add(1)));
    }
    values
        .into_iter()
        .filter_map(|(label, v)| v.map(|v| (label, v)))
        .collect()
}

/// The four values a full-length array probes at its ends.
fn end_bounds(range: Range) -> Vec<(&'static str, Value)> {
    edge_values(range)
        .into_iter()
        .filter(|(label, _)| matches!(*label, "min_minus_1" | "min" | "max" | "max_plus_1"))
        .map(|(label, v)| (label, Value::from(v)))
        .collect()
}

/// Values far outside any sensible range, as JSON numbers (u64::MAX does not fit an i64).
fn far_values() -> Vec<(&'static str, Value)> {
    vec![
        ("far::zero", Value::from(0)),
        ("far::minus_2p53", Value::from(-(1_i64 << 53))),
        ("far::2p53", Value::from(1_i64 << 53)),
        ("far::i64_min", Value::from(i64::MIN)),
        ("far::i64_max", Value::from(i64::MAX)),
        ("far::u64_max", Value::from(u64::MAX)),
    ]
}

/// Every integer probe of a position: each range's edges, then far values not already probed.
fn integer_probes(shape: &Shape) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for (prefix, range) in labelled_ranges(shape) {
        for (label, value) in edge_values(range) {
            let value = Value::from(value);
            if !out.iter().any(|(_, v)| *v == value) {
                out.push((format!("{prefix}{label}"), value));
            }
        }
    }
    for (label, value) in far_values() {
        if !out.iter().any(|(_, v)| *v == value) {
            out.push((label.to_owned(), value));
        }
    }
    out
}

/// Array lengths to probe: 0, 1, the minimum's edges when there is one, max and max+1.
fn lengths(shape: &Shape) -> Vec<(String, usize)> {
    let mut candidates: Vec<(String, usize)> = vec![("len_0".into(), 0), ("len_1".into(), 1)];
    if let Some(min) = shape.min_items.filter(|m| *m > 1) {
        candidates.push(("len_min_minus_1".into(), min - 1));
        candidates.push(("len_min".into(), min));
    }
    if let Some(max) = shape.max_items {
        candidates.push(("len_max".into(), max));
        candidates.push(("len_max_plus_1".into(), max.saturating_add(1)));
    }
    let mut out: Vec<(String, usize)> = Vec::new();
    for (label, len) in candidates {
        if !out.iter().any(|(_, l)| *l == len) {
            out.push((label, len));
        }
    }
    out
}

/// One value of each JSON type the position does not allow, labelled by type.
fn wrong_types(shape: &Shape, valid: &Value) -> Vec<(&'static str, Value)> {
    let as_text = match valid {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let candidates: [(&str, &[&str], Value); 6] = [
        ("string", &["string"], Value::String(as_text)),
        ("float", &["number"], json!(1.5)),
        ("bool", &["boolean"], Value::Bool(true)),
        ("null", &["null"], Value::Null),
        ("object", &["object"], Value::Object(Map::new())),
        ("array", &["array"], json!([valid])),
    ];
    candidates
        .into_iter()
        .filter(|(_, types, _)| !shape.types.iter().any(|t| types.contains(&t.as_str())))
        .map(|(label, _, value)| (label, value))
        .collect()
}

/// The base body plus an unknown member: the seed does not forbid one, so either answer is
/// conformant unless the schema closes the object.
fn extra_member_case(contract: &Contract, shape: &Shape, home: HomePair) -> Case {
    let mut body = base_body(shape, home);
    body.insert(UNKNOWN_MEMBER.into(), Value::String("x".into()));
    let mut case = generated_case(
        contract,
        "extra::unknown_member".into(),
        format!("an unknown extra member {UNKNOWN_MEMBER:?}"),
        EXTRA_MEMBER_CLAUSE,
        &["generated", "extra"],
        Value::Object(body),
    );
    if case.expect == Expectation::One(Outcome::Accepted) {
        case.expect = Expectation::EitherOf {
            either_of: vec![Outcome::Accepted, Outcome::Rejected],
        };
    }
    case
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(profile: &str) -> Vec<String> {
        let contract = Contract::embedded(profile).unwrap();
        boundary_cases(&contract, HomePair::SEED)
            .iter()
            .map(|c| format!("{} => {}", c.id, serde_json::to_string(&c.expect).unwrap()))
            .collect()
    }

    #[test]
    fn generated_cases_are_pinned() {
        insta::assert_json_snapshot!("boundary_2023_12", summary("2023-12"));
        insta::assert_json_snapshot!("boundary_2025_11", summary("2025-11"));
    }

    #[test]
    fn ids_are_unique_and_bounds_follow_the_schema() {
        let contract = Contract::embedded("2025-11").unwrap();
        let cases = boundary_cases(&contract, HomePair::SEED);
        let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate generated ids");
        let by_id = |id: &str| cases.iter().find(|c| c.id == id).unwrap();
        let accepted = Expectation::One(Outcome::Accepted);
        let rejected = Expectation::One(Outcome::Rejected);
        assert_eq!(by_id("boundary::ccId::max").expect, accepted);
        assert_eq!(by_id("boundary::ccId::max_plus_1").expect, rejected);
        assert_eq!(
            by_id("boundary::agentIds::item::range1::max_plus_1").expect,
            rejected
        );
        assert_eq!(
            by_id("boundary::agentIds::item::range2::min").expect,
            accepted
        );
        assert_eq!(by_id("boundary::agentIds::len_max").expect, accepted);
        assert_eq!(by_id("boundary::agentIds::len_max_plus_1").expect, rejected);
        assert!(matches!(
            by_id("boundary::agentIds::len_0").expect,
            Expectation::EitherOf { .. }
        ));
        assert_eq!(by_id("types::vdn::string").expect, rejected);
        assert_eq!(by_id("missing::agentIds").expect, rejected);
        assert_eq!(by_id("boundary::ccId::max").clause, "seed:table2:ccId");
        assert_eq!(
            by_id("boundary::agentIds::item::range2::min").clause,
            "notes:2"
        );
    }

    #[test]
    fn members_a_case_does_not_probe_are_at_the_home_pair() {
        let contract = Contract::embedded("2023-12").unwrap();
        let home = HomePair {
            cc_id: 42,
            vdn: 4242,
        };
        let cases = boundary_cases(&contract, home);
        let seed = boundary_cases(&contract, HomePair::SEED);
        let ids = |cases: &[Case]| cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&cases), ids(&seed));
        for (case, at_seed) in cases.iter().zip(&seed) {
            assert_eq!(case.expect, at_seed.expect, "{}", case.id);
            let body = case.request.body.as_ref().unwrap().value();
            for (member, value) in [("ccId", 42), ("vdn", 4242)] {
                if !case.id.contains(&format!("::{member}")) {
                    assert_eq!(body[member], value, "{}", case.id);
                }
            }
        }
        let probe = cases
            .iter()
            .find(|c| c.id == "boundary::ccId::max")
            .unwrap();
        let body = probe.request.body.as_ref().unwrap().value();
        assert_eq!((&body["ccId"], &body["vdn"]), (&json!(65535), &json!(4242)));
    }
}
