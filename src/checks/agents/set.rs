//! The rules on the agent list as a whole (notes:6.3, 6.4, 6.10): asked for, answered once,
//! left-out agents and answer order (information), unknown members (information).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{EXTRA_MEMBER, LEFT_OUT, MEMBERS, NOT_ASKED, ORDER, TWICE};
use crate::checks::model::{Violation, truncate};

/// notes:6.3/6.4 on the answer as a whole: asked for, answered once; left-out agents and
/// order are information.
pub fn check_answered_set(
    requested: &[i64],
    answered: &[(usize, i64)],
    base: &str,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let asked: HashSet<i64> = requested.iter().copied().collect();
    let mut seen: HashMap<i64, usize> = HashMap::with_capacity(answered.len());
    for &(index, id) in answered {
        let ptr = || format!("{base}/{index}/agentId");
        if !asked.contains(&id) {
            out.push(
                Violation::new(&NOT_ASKED, ptr(), format!("agent {id} was not asked for"))
                    .with_value(id),
            );
        } else if let Some(first) = seen.insert(id, index) {
            seen.insert(id, first);
            out.push(
                Violation::new(
                    &TWICE,
                    ptr(),
                    format!("agent {id} is answered again (first at {base}/{first})"),
                )
                .with_value(id),
            );
        }
    }
    let left_out = asked.iter().filter(|id| !seen.contains_key(id)).count();
    if left_out > 0 {
        out.push(Violation::new(
            &LEFT_OUT,
            base,
            format!("{left_out} of {} distinct agents asked for are not answered (unknown agents may be left out)", asked.len()),
        ));
    }
    let position: HashMap<i64, usize> = requested
        .iter()
        .enumerate()
        .rev()
        .map(|(i, &id)| (id, i))
        .collect();
    let order: Vec<usize> = answered
        .iter()
        .filter_map(|(_, id)| position.get(id).copied())
        .collect();
    if order.windows(2).any(|w| w[0] > w[1]) {
        out.push(Violation::new(
            &ORDER,
            base,
            "agents are answered in another order than asked (allowed)",
        ));
    }
    out
}

/// Distinct unknown member names reported one by one; the rest are counted in one line.
pub const MAX_EXTRA_NAMES_REPORTED: usize = 50;

/// notes:6.10: unknown members of agent objects, once per name.
pub fn check_extra_members(agents: &[Value], base: &str) -> Vec<Violation> {
    // name -> (pointer of its first occurrence, agents holding it); `order` keeps first-seen
    // order. A map, not a scan: a hostile answer may hold thousands of distinct names.
    let mut first: HashMap<&str, (String, usize)> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (index, agent) in agents.iter().enumerate() {
        let Some(map) = agent.as_object() else {
            continue;
        };
        // A scan of the ten names, not a lookup per name: no hashing on the common path.
        if map.len() == MEMBERS.len() && map.keys().all(|k| MEMBERS.contains(&k.as_str())) {
            continue;
        }
        for name in map.keys().filter(|k| !MEMBERS.contains(&k.as_str())) {
            first
                .entry(name.as_str())
                .and_modify(|(_, count)| *count += 1)
                .or_insert_with(|| {
                    order.push(name.as_str());
                    (format!("{base}/{index}/{}", escape(name)), 1)
                });
        }
    }
    let mut out: Vec<Violation> = order
        .iter()
        .take(MAX_EXTRA_NAMES_REPORTED)
        .filter_map(|name| {
            let (ptr, count) = first.get(name)?;
            Some(Violation::new(
                &EXTRA_MEMBER,
                ptr.clone(),
                format!(
                    "unknown member {} in {count} agent(s) (allowed)",
                    truncate(name, 80)
                ),
            ))
        })
        .collect();
    if order.len() > MAX_EXTRA_NAMES_REPORTED {
        out.push(
            Violation::new(
                &EXTRA_MEMBER,
                base,
                format!(
                    "{} more unknown member names not listed (allowed)",
                    order.len() - MAX_EXTRA_NAMES_REPORTED
                ),
            )
            .with_value(order.len()),
        );
    }
    out
}

/// A member name as a JSON pointer token (RFC 6901).
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}
