//! Cases derived from the contract rather than hand-listed: the exact boundary set of every
//! constraint in the request schema ([`boundary`]) and seeded random requests across the whole
//! request space ([`property`]). Everything here reads `contract.request_shape()` and lets the
//! request schema itself decide what each body should get (accepted or rejected), so a
//! constraint added to a schema brings its cases and their expectations with it. No I/O, no
//! HTTP, no checks.

pub mod boundary;
pub mod property;
pub mod shrink;

use serde_json::{Map, Value};

use super::{Case, CaseOrigin, CaseRequest};
use crate::cases::{Expectation, HomePair, Outcome};
use crate::contract::{Contract, Range, SchemaKind, Shape};

pub use boundary::boundary_cases;

/// The clause an unknown extra request member is judged under (forward compatibility).
pub const EXTRA_MEMBER_CLAUSE: &str = "notes:6.10";
/// The clause of a rejection in general, when no property names a better one.
pub const REJECTION_CLAUSE: &str = "notes:6.1";

/// The agents of the seed example's request (`{"ccId":1,"vdn":170,"agentIds":[1031,1099]}`),
/// which a real fleet is likely to have.
pub const PREFERRED_AGENTS: &[i64] = &[1031, 1099];

/// Values the generator prefers for filler when they are allowed: the run's home pair
/// (notes:6.15; the seed example's 1/170 by default) and the seed example's agents, so
/// generated requests look like the vendor's and reach a call centre the target hosts.
fn preferred_fillers(name: &str, home: HomePair) -> Vec<i64> {
    match name {
        "ccId" => vec![home.cc_id],
        "vdn" => vec![home.vdn],
        "agentIds" => PREFERRED_AGENTS.to_vec(),
        _ => Vec::new(),
    }
}

/// What the request schema says of `body`: accepted when valid, rejected otherwise; an empty
/// array the schema marks `x-empty: either` makes a valid body "accepted or rejected".
pub fn expectation_of(contract: &Contract, body: &Value) -> Expectation {
    if !contract.is_valid(SchemaKind::Request, body) {
        return Expectation::One(Outcome::Rejected);
    }
    let shape = contract.request_shape();
    let has_either_empty = shape.properties.iter().any(|(name, prop, _)| {
        prop.empty_either
            && body
                .get(name)
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
    });
    if has_either_empty {
        Expectation::EitherOf {
            either_of: vec![Outcome::Accepted, Outcome::Rejected],
        }
    } else {
        Expectation::One(Outcome::Accepted)
    }
}

/// `count` valid integers for a position with `shape`'s ranges, deterministic: the preferred
/// values first when allowed, then ascending from the first allowed range's start, spreading
/// over every range; distinct as long as the ranges hold enough values.
pub fn filler_integers(shape: &Shape, preferred: &[i64], count: usize) -> Vec<i64> {
    let ranges: Vec<Range> = if shape.ranges.is_empty() {
        vec![Range {
            min: 1,
            max: i64::MAX,
        }]
    } else {
        shape.ranges.clone()
    };
    let mut out: Vec<i64> = preferred
        .iter()
        .copied()
        .filter(|v| shape.allows_integer(*v))
        .take(count)
        .collect();
    let mut seen: std::collections::HashSet<i64> = out.iter().copied().collect();
    let mut cursors: Vec<Option<i64>> = ranges.iter().map(|r| Some(r.min)).collect();
    while out.len() < count {
        let mut progressed = false;
        for (cursor, range) in cursors.iter_mut().zip(&ranges) {
            let Some(value) = *cursor else { continue };
            if out.len() >= count {
                break;
            }
            *cursor = value.checked_add(1).filter(|next| *next <= range.max);
            if seen.insert(value) {
                out.push(value);
            }
            progressed = true;
        }
        if !progressed {
            // Every range is used up: repeat what we have (duplicates are allowed).
            if out.is_empty() {
                break;
            }
            let have = out.clone();
            out.extend(have.iter().cycle().take(count - out.len()));
        }
    }
    out
}

/// A valid value for one property of the request, used as filler around the value a case
/// probes; `ccId` and `vdn` get the home pair's.
pub fn filler_value(name: &str, shape: &Shape, home: HomePair) -> Value {
    let preferred = preferred_fillers(name, home);
    let preferred = preferred.as_slice();
    if shape.is_array() {
        let Some(items) = shape.items.as_deref() else {
            return Value::Array(Vec::new());
        };
        let count = preferred.len().max(shape.min_items.unwrap_or(0)).max(1);
        let count = shape.max_items.map_or(count, |max| count.min(max));
        return Value::Array(
            filler_integers(items, preferred, count)
                .into_iter()
                .map(Value::from)
                .collect(),
        );
    }
    if shape.is_integer() {
        return filler_integers(shape, preferred, 1)
            .first()
            .copied()
            .map_or(Value::Null, Value::from);
    }
    match shape.types.first().map(String::as_str) {
        Some("string") => Value::String("x".into()),
        Some("boolean") => Value::Bool(true),
        Some("number") => Value::from(1),
        Some("object") => Value::Object(Map::new()),
        _ => Value::Null,
    }
}

/// A valid request body: every property of the shape at its filler value, in schema order.
pub fn base_body(shape: &Shape, home: HomePair) -> Map<String, Value> {
    shape
        .properties
        .iter()
        .map(|(name, prop, _)| (name.clone(), filler_value(name, prop, home)))
        .collect()
}

/// A generated case for `body`, its expectation decided by the request schema.
pub fn generated_case(
    contract: &Contract,
    id: String,
    title: String,
    clause: &str,
    tags: &[&str],
    body: Value,
) -> Case {
    let expect = expectation_of(contract, &body);
    Case {
        id,
        title,
        clause: clause.to_owned(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        profiles: None,
        request: CaseRequest::json(body),
        expect,
        notes: None,
        origin: CaseOrigin::Generated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fillers_prefer_the_seed_example() {
        let contract = Contract::embedded("2023-12").unwrap();
        let body = Value::Object(base_body(contract.request_shape(), HomePair::SEED));
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#
        );
        let home = HomePair {
            cc_id: 7,
            vdn: 4000,
        };
        let at_home = Value::Object(base_body(contract.request_shape(), home));
        assert_eq!(
            serde_json::to_string(&at_home).unwrap(),
            r#"{"ccId":7,"vdn":4000,"agentIds":[1031,1099]}"#
        );
        assert_eq!(
            expectation_of(&contract, &body),
            Expectation::One(Outcome::Accepted)
        );
    }

    #[test]
    fn fillers_are_distinct_and_inside_every_range() {
        let contract = Contract::embedded("2025-11").unwrap();
        let items = contract
            .request_shape()
            .property("agentIds")
            .and_then(|s| s.items.as_deref())
            .unwrap();
        let ids = filler_integers(items, &[1031], 6000);
        assert_eq!(ids.len(), 6000);
        assert!(ids.iter().all(|id| items.allows_integer(*id)));
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 6000);
        assert!(ids.iter().any(|id| *id >= 70000), "both ranges are used");
    }
}
