//! Shrinking a failing property draw to a minimal request: the draw's value tree is rebuilt
//! from `(seed, index)` and walked with proptest's own simplify/complicate loop, then long
//! arrays are halved and trimmed (proptest deletes one item per step). Every candidate costs
//! the caller one request, so the walk is bounded by a budget. No I/O here: the caller says
//! whether a candidate still fails.

use proptest::strategy::{Strategy, ValueTree};
use serde_json::Value;

use super::property::{Drawn, SHORT_ARRAY, request_strategy, runner_for};
use crate::cases::HomePair;
use crate::contract::Contract;

/// Shrinks the `index`-th draw of `seed` (around the run's `home` pair) while `still_fails` holds, trying at most `budget`
/// candidates (each is a request to the target). Returns the smallest failing draw, or `None`
/// when the original draw no longer fails.
pub fn shrink(
    contract: &Contract,
    seed: u64,
    index: usize,
    budget: usize,
    home: HomePair,
    fleet: &[i64],
    mut still_fails: impl FnMut(&Drawn) -> bool,
) -> Option<Drawn> {
    let strategy = request_strategy(contract.request_shape(), home, fleet);
    let mut runner = runner_for(seed);
    let mut tree = None;
    for _ in 0..=index {
        tree = Some(strategy.new_tree(&mut runner).ok()?);
    }
    let mut tree = tree?;
    let mut smallest = tree.current();
    if !still_fails(&smallest) {
        return None;
    }
    let mut spent = 0;
    if tree.simplify() {
        // proptest's own walk: simplify while it still fails, complicate when it stops failing.
        while spent < budget / 2 {
            spent += 1;
            let candidate = tree.current();
            if still_fails(&candidate) {
                smallest = candidate;
                if !tree.simplify() {
                    break;
                }
            } else if !tree.complicate() {
                break;
            }
        }
    }
    // proptest deletes array items one at a time; halve long arrays first, then try each item.
    polish_arrays(
        &mut smallest,
        budget.saturating_sub(spent),
        &mut still_fails,
    );
    Some(smallest)
}

/// Shortens every array member of a failing draw while it keeps failing: halves first, then
/// single items once short. At most `budget` candidates.
fn polish_arrays(drawn: &mut Drawn, budget: usize, still_fails: &mut impl FnMut(&Drawn) -> bool) {
    let names: Vec<String> = drawn
        .body
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, v)| v.is_array())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut spent = 0;
    let mut try_items = |drawn: &mut Drawn, items: Vec<Value>, name: &str, spent: &mut usize| {
        let mut candidate = drawn.clone();
        candidate.body[name] = Value::Array(items);
        *spent += 1;
        let fails = still_fails(&candidate);
        if fails {
            *drawn = candidate;
        }
        fails
    };
    for name in names {
        loop {
            let items = drawn.body[&name].as_array().cloned().unwrap_or_default();
            if items.len() < 2 || spent >= budget {
                break;
            }
            let (front, back) = items.split_at(items.len() / 2);
            if !try_items(drawn, front.to_vec(), &name, &mut spent)
                && (spent >= budget || !try_items(drawn, back.to_vec(), &name, &mut spent))
            {
                break;
            }
        }
        let mut index = 0;
        loop {
            let items = drawn.body[&name].as_array().cloned().unwrap_or_default();
            if index >= items.len() || items.len() > 2 * SHORT_ARRAY || spent >= budget {
                break;
            }
            let mut fewer = items;
            fewer.remove(index);
            if !try_items(drawn, fewer, &name, &mut spent) {
                index += 1;
            }
        }
    }
}
