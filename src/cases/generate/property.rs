//! Property cases: seeded random requests across the whole request space of a profile (every
//! ID range, lengths up to `maxItems`, duplicates sometimes), two valid for one with exactly one
//! property broken. Most draws go to the run's home pair (notes:6.15), so the agent rules meet
//! agents that exist; the rest span the ccId and vdn ranges. Each draw becomes a case `property::NNNN` whose expectation the request
//! schema decides. A draw is reproducible from `(seed, index)` alone, which is how a failing
//! draw is shrunk later: its value tree is rebuilt and walked with proptest's own
//! simplify/complicate loop against a caller-supplied "does it still fail" test.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

pub use super::shrink::shrink;
use super::{PREFERRED_AGENTS, REJECTION_CLAUSE, expectation_of, filler_value};
use crate::cases::HomePair;
use crate::cases::{Case, CaseOrigin, CaseRequest};
use crate::contract::{Contract, Range, Shape};

/// Arrays this short or shorter are drawn most of the time; longer ones (up to `maxItems`)
/// one time in four, so a default run stays fast yet reaches the limit.
pub(super) const SHORT_ARRAY: usize = 16;
/// Draws at the home pair for each draw across the ccId and vdn ranges.
const HOME_WEIGHT: u32 = 7;
/// Agent IDs drawn from the fleet for each drawn anywhere in the ranges.
const FLEET_WEIGHT: u32 = 3;
/// Members that name something the target hosts (notes:6.15), drawn as one pair.
const HOSTED_MEMBERS: [&str; 2] = ["ccId", "vdn"];
/// Largest distance outside a range an out-of-range draw goes (shrinks toward the edge).
const FAR_OFFSET: i64 = 1 << 40;

/// One random request: its body and the clause it exercises.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub body: Value,
    pub clause: String,
    /// What was broken, for an invalid draw (`ccId out of range`), else `None`.
    pub broken: Option<String>,
}

impl Drawn {
    /// The case this draw runs as.
    pub fn into_case(self, contract: &Contract, id: String) -> Case {
        let expect = expectation_of(contract, &self.body);
        let title = match &self.broken {
            Some(what) => format!("random request with {what}"),
            None => {
                let items: usize = self
                    .body
                    .as_object()
                    .map(|o| o.values().filter_map(Value::as_array).map(Vec::len).sum())
                    .unwrap_or(0);
                format!("random valid request ({items} array items)")
            }
        };
        Case {
            id,
            title,
            clause: self.clause,
            tags: vec!["property".into()],
            profiles: None,
            request: CaseRequest::json(self.body),
            expect,
            notes: None,
            origin: CaseOrigin::Property,
        }
    }
}

/// The id of the `index`-th property case.
pub fn case_id(index: usize) -> String {
    format!("property::{index:04}")
}

pub(super) fn runner_for(seed: u64) -> TestRunner {
    let mut seed32 = [0u8; 32];
    for chunk in seed32.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed32))
}

/// The `count` property cases of `seed`, in order, drawn around the run's `home` pair and aimed
/// at its `fleet` (the agents known to exist there; empty: the whole ID range alike).
pub fn property_cases(
    contract: &Contract,
    seed: u64,
    count: usize,
    home: HomePair,
    fleet: &[i64],
) -> Vec<Case> {
    let strategy = request_strategy(contract.request_shape(), home, fleet);
    let mut runner = runner_for(seed);
    (0..count)
        .filter_map(|index| {
            let tree = strategy.new_tree(&mut runner).ok()?;
            Some(tree.current().into_case(contract, case_id(index)))
        })
        .collect()
}

/// Two valid draws for one with a broken property. Agent IDs come from `fleet`
/// `FLEET_WEIGHT` times in `FLEET_WEIGHT + 1` when it is not empty.
pub fn request_strategy(shape: &Shape, home: HomePair, fleet: &[i64]) -> BoxedStrategy<Drawn> {
    let valid_clause = shape
        .properties
        .iter()
        .find(|(_, p, _)| p.is_array())
        .or(shape.properties.first())
        .and_then(|(_, p, _)| p.clause.clone())
        .unwrap_or_else(|| REJECTION_CLAUSE.to_owned());
    let valid = valid_object(shape, home, fleet)
        .prop_map(move |body| Drawn {
            body: Value::Object(body),
            clause: valid_clause.clone(),
            broken: None,
        })
        .boxed();
    if shape.properties.is_empty() {
        return valid;
    }
    prop_oneof![2 => valid, 1 => broken_object(shape, home, fleet)].boxed()
}

fn is_hosted(name: &str, shape: &Shape) -> bool {
    HOSTED_MEMBERS.contains(&name) && shape.is_integer()
}

/// A valid body in schema order: ccId and vdn together at the home pair [`HOME_WEIGHT`] times
/// in `HOME_WEIGHT + 1` (shrinking moves toward it), else each anywhere in its ranges.
fn valid_object(shape: &Shape, home: HomePair, fleet: &[i64]) -> BoxedStrategy<Map<String, Value>> {
    let member = |name: &String, strategy: BoxedStrategy<Value>| {
        let name = name.clone();
        strategy.prop_map(move |v| (name.clone(), v)).boxed()
    };
    let members: Vec<BoxedStrategy<(String, Value)>> = shape
        .properties
        .iter()
        .filter(|(name, prop, _)| !is_hosted(name, prop))
        .map(|(name, prop, _)| member(name, valid_value(name, prop, home, fleet)))
        .collect();
    let hosted: Vec<_> = shape
        .properties
        .iter()
        .filter(|(name, prop, _)| is_hosted(name, prop))
        .collect();
    let at_home: Vec<(String, Value)> = hosted
        .iter()
        .map(|(name, prop, _)| (name.clone(), filler_value(name, prop, home)))
        .collect();
    let away: Vec<BoxedStrategy<(String, Value)>> = hosted
        .iter()
        .map(|(name, prop, _)| member(name, valid_integer(prop).prop_map(Value::from).boxed()))
        .collect();
    let pair = prop_oneof![HOME_WEIGHT => Just(at_home), 1 => away].boxed();
    let order: Vec<String> = shape.properties.iter().map(|(n, _, _)| n.clone()).collect();
    (pair, members)
        .prop_map(move |(pair, rest)| {
            let mut all: std::collections::HashMap<String, Value> =
                pair.into_iter().chain(rest).collect();
            order
                .iter()
                .filter_map(|name| all.remove_entry(name))
                .collect::<Map<String, Value>>()
        })
        .boxed()
}

fn valid_integer(shape: &Shape) -> BoxedStrategy<i64> {
    let ranges = if shape.ranges.is_empty() {
        vec![Range {
            min: 0,
            max: i64::MAX,
        }]
    } else {
        shape.ranges.clone()
    };
    prop::sample::select(ranges)
        .prop_flat_map(|r| r.min..=r.max)
        .boxed()
}

fn valid_value(name: &str, shape: &Shape, home: HomePair, fleet: &[i64]) -> BoxedStrategy<Value> {
    if shape.is_integer() {
        return valid_integer(shape).prop_map(Value::from).boxed();
    }
    if shape.is_array() {
        if let Some(items) = shape.items.as_deref().filter(|i| i.is_integer()) {
            let min = shape.min_items.unwrap_or(0);
            let max = shape.max_items.unwrap_or(SHORT_ARRAY.max(min)).max(min);
            let short = min..=max.min(min + SHORT_ARRAY);
            let item = aimed_item(items, fleet);
            // Sizes are ranges (not one drawn length) so shrinking can delete items.
            let short_ids = prop::collection::vec(item.clone(), short.clone());
            let any_ids = prop::collection::vec(item.clone(), min..=max);
            let with_duplicates = prop::collection::vec(item, 1..=4).prop_flat_map(move |pool| {
                prop_oneof![
                    3 => prop::collection::vec(prop::sample::select(pool.clone()), short.clone()),
                    1 => prop::collection::vec(prop::sample::select(pool), min..=max),
                ]
            });
            return prop_oneof![6 => short_ids, 1 => any_ids, 1 => with_duplicates]
                .prop_map(|ids| Value::Array(ids.into_iter().map(Value::from).collect()))
                .boxed();
        }
    }
    Just(filler_value(name, shape, home)).boxed()
}

/// An array item: an agent of the fleet most of the time (those are the agents the agent
/// rules can judge), else any valid ID (unknown agents stay a tested case). An empty fleet
/// draws exactly as before, so runs without one keep their cases.
fn aimed_item(items: &Shape, fleet: &[i64]) -> BoxedStrategy<i64> {
    let anywhere = valid_integer(items);
    let fleet: Vec<i64> = fleet
        .iter()
        .copied()
        .filter(|id| items.ranges.is_empty() || items.ranges.iter().any(|r| r.contains(*id)))
        .collect();
    if fleet.is_empty() {
        return anywhere;
    }
    prop_oneof![FLEET_WEIGHT => prop::sample::select(fleet), 1 => anywhere].boxed()
}

/// Values outside every range of `shape`, each as (anchor, direction, offset) so shrinking
/// moves toward the nearest edge.
fn out_of_range(shape: &Shape) -> Option<BoxedStrategy<i64>> {
    let mut ranges = shape.ranges.clone();
    ranges.sort_by_key(|r| r.min);
    let mut gaps: Vec<(i64, i64)> = Vec::new(); // (first value outside, step sign)
    let mut middles: Vec<(i64, i64)> = Vec::new(); // (lo, hi) of gaps between ranges
    if let Some(first) = ranges.first().filter(|r| r.min > i64::MIN) {
        gaps.push((first.min - 1, -1));
    }
    if let Some(last) = ranges.last().filter(|r| r.max < i64::MAX) {
        gaps.push((last.max + 1, 1));
    }
    for pair in ranges.windows(2) {
        if pair[0].max.saturating_add(1) < pair[1].min {
            middles.push((pair[0].max + 1, pair[1].min - 1));
        }
    }
    let mut options: Vec<BoxedStrategy<i64>> = gaps
        .into_iter()
        .map(|(edge, sign)| {
            (0..FAR_OFFSET)
                .prop_map(move |offset| edge.saturating_add(sign * offset))
                .boxed()
        })
        .collect();
    options.extend(middles.into_iter().map(|(lo, hi)| (lo..=hi).boxed()));
    if options.is_empty() {
        return None;
    }
    Some(prop::strategy::Union::new(options).boxed())
}

fn wrong_type_values(valid: Value) -> Vec<Value> {
    vec![
        Value::String(valid.to_string()),
        serde_json::json!(1.5),
        Value::Bool(false),
        Value::Null,
        Value::Object(Map::new()),
    ]
}

/// How one property is broken.
#[derive(Debug, Clone)]
enum Breakage {
    Missing,
    Value(Value, &'static str),
    /// Replace the item at `index` (modulo length) of a non-empty array.
    Item(usize, Value, &'static str),
    /// Append this many extra valid items past the maximum length.
    TooLong(usize),
}

fn breakages(name: &str, shape: &Shape, home: HomePair) -> BoxedStrategy<Breakage> {
    let mut options: Vec<BoxedStrategy<Breakage>> = vec![Just(Breakage::Missing).boxed()];
    let filler = filler_value(name, shape, home);
    let wrong = prop::sample::select(if shape.is_array() {
        wrong_type_values(Value::from(1))
    } else {
        let mut v = wrong_type_values(filler.clone());
        v.push(Value::Array(vec![filler]));
        v
    })
    .prop_map(|v| Breakage::Value(v, "a wrong type"))
    .boxed();
    options.push(wrong);
    if shape.is_integer() {
        if let Some(outside) = out_of_range(shape) {
            options.push(
                outside
                    .prop_map(|v| Breakage::Value(Value::from(v), "a value out of range"))
                    .boxed(),
            );
        }
    }
    if let Some(items) = shape.items.as_deref().filter(|i| i.is_integer()) {
        if let Some(outside) = out_of_range(items) {
            options.push(
                (any::<usize>(), outside)
                    .prop_map(|(i, v)| Breakage::Item(i, Value::from(v), "an item out of range"))
                    .boxed(),
            );
        }
        options.push(
            (
                any::<usize>(),
                prop::sample::select(wrong_type_values(Value::from(1))),
            )
                .prop_map(|(i, v)| Breakage::Item(i, v, "an item of a wrong type"))
                .boxed(),
        );
        if shape.max_items.is_some() {
            options.push((1..=SHORT_ARRAY).prop_map(Breakage::TooLong).boxed());
        }
    }
    prop::strategy::Union::new(options).boxed()
}

fn broken_object(shape: &Shape, home: HomePair, fleet: &[i64]) -> BoxedStrategy<Drawn> {
    let choices: Vec<BoxedStrategy<Drawn>> = shape
        .properties
        .iter()
        .map(|(name, prop, _)| {
            let name = name.clone();
            let prop_shape = prop.clone();
            let clause = prop
                .clause
                .clone()
                .unwrap_or_else(|| REJECTION_CLAUSE.to_owned());
            (
                valid_object(shape, home, fleet),
                breakages(&name, prop, home),
            )
                .prop_map(move |(mut body, breakage)| {
                    let what = apply(&mut body, &name, &prop_shape, breakage);
                    Drawn {
                        body: Value::Object(body),
                        clause: clause.clone(),
                        broken: Some(what),
                    }
                })
                .boxed()
        })
        .collect();
    prop::strategy::Union::new(choices).boxed()
}

fn apply(body: &mut Map<String, Value>, name: &str, shape: &Shape, breakage: Breakage) -> String {
    match breakage {
        Breakage::Missing => {
            body.remove(name);
            format!("{name} missing")
        }
        Breakage::Value(value, what) => {
            body.insert(name.to_owned(), value);
            format!("{name} of {what}")
        }
        Breakage::Item(index, value, what) => {
            let array = body
                .entry(name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = array {
                if items.is_empty() {
                    items.push(value);
                } else {
                    let at = index % items.len();
                    items[at] = value;
                }
            }
            format!("{name} with {what}")
        }
        Breakage::TooLong(extra) => {
            let max = shape.max_items.unwrap_or(0);
            let target = max.saturating_add(extra);
            let fill = match shape.items.as_deref() {
                Some(items) => super::filler_integers(items, PREFERRED_AGENTS, target),
                None => Vec::new(),
            };
            body.insert(
                name.to_owned(),
                Value::Array(fill.into_iter().map(Value::from).collect()),
            );
            format!("{name} longer than {max} items")
        }
    }
}

#[cfg(test)]
mod tests;
