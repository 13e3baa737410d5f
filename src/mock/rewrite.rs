//! How contract mutations rewrite an answer: the records of a success (states, times, agent
//! set) and the bytes of its body (types, missing or duplicated members). The catalogue and
//! parsing live in `mutations`; nothing here decides which mutations are active.

use std::collections::{HashMap, HashSet};

use super::fleet::{AgentRecord, Fleet};
use super::mutations::Mutation;
use crate::splitmix::mix;

/// What a record-level rewrite needs to know about the request and the mock.
pub struct RecordContext<'a> {
    pub fleet: &'a Fleet,
    pub profile: &'a crate::contract::Profile,
    /// The distinct IDs asked for, in request order.
    pub asked: &'a [i64],
    /// This request's sequence number (per router).
    pub counter: u64,
}

/// Rewrites the records of a success for every record-level mutation in `active`.
pub fn rewrite_records(
    active: &[Mutation],
    mut records: Vec<AgentRecord>,
    ctx: &RecordContext<'_>,
) -> Vec<AgentRecord> {
    use Mutation::*;
    let p = ctx.profile;
    let states = p.state_range();
    let signed_in = ctx.fleet.signed_in_state();
    let not_signed_in = ctx.fleet.not_signed_in_state();
    let shift_state = |r: &mut AgentRecord, by: u64| {
        let span = (states.max - states.min + 1).max(1) as u64;
        let next = states.min + ((r.current_state - states.min) as u64 + by) as i64 % span as i64;
        if next == not_signed_in {
            // Keep the record conformant: only the state's dependence is the deviation.
            r.current_state = signed_in;
        } else {
            r.current_state = next;
        }
        if r.current_state != not_signed_in {
            r.logon_time = ctx.fleet.started_ms() - (r.current_state_time + 60) * 1000;
            r.location_id = 0;
            r.prev_state_time = 0;
            r.current_state_reason = if r.current_state == p.rest_state {
                p.reasons.rest.min
            } else {
                p.reasons.not_used
            };
        }
    };
    for m in active {
        match *m {
            StateOutOfRange => records
                .iter_mut()
                .for_each(|r| r.current_state = states.max + 1),
            PrevStateNegative => records.iter_mut().for_each(|r| r.prev_state = -1),
            DurationOverMax => records
                .iter_mut()
                .for_each(|r| r.prev_state_time = p.durations.max + 1),
            NegativeCounter => records.iter_mut().for_each(|r| r.agent_release = -1),
            LocationOutOfRange => records
                .iter_mut()
                .for_each(|r| r.location_id = p.location_id.max + 1),
            ReasonOutOfRange => records
                .iter_mut()
                .for_each(|r| r.current_state_reason = p.reasons.max + 1),
            WrongLogonSentinel => records.iter_mut().for_each(|r| {
                r.current_state = not_signed_in;
                r.logon_time = ctx.fleet.started_ms() - 3_600_000;
            }),
            SignedIn2106 => records.iter_mut().for_each(|r| {
                r.current_state = signed_in;
                r.logon_time = ctx.fleet.logon_sentinel_ms();
            }),
            FutureLogon => records.iter_mut().for_each(|r| {
                r.current_state = signed_in;
                r.logon_time = ctx.fleet.now_ms() + 86_400_000;
            }),
            ExtraAgent => {
                let range = p.limits.agent_ids.ranges.first().copied();
                let asked: HashSet<i64> = ctx.asked.iter().copied().collect();
                let extra = range.and_then(|r| (r.min..=r.max).find(|id| !asked.contains(id)));
                if let (Some(id), Some(template)) = (extra, records.first().copied()) {
                    records.push(AgentRecord {
                        agent_id: id,
                        ..template
                    });
                }
            }
            AgentTwice => {
                if let Some(first) = records.first().copied() {
                    records.push(first);
                }
            }
            AgentIdOutOfRange => {
                let top = p
                    .limits
                    .agent_ids
                    .ranges
                    .iter()
                    .map(|r| r.max)
                    .max()
                    .unwrap_or(0);
                if let Some(first) = records.first_mut() {
                    first.agent_id = top + 1;
                }
            }
            BatchDependent(threshold) if ctx.asked.len() > threshold => {
                records.iter_mut().for_each(|r| shift_state(r, 1));
            }
            OrderDependent => {
                let positions: HashMap<i64, u64> = ctx
                    .asked
                    .iter()
                    .enumerate()
                    .map(|(i, id)| (*id, i as u64))
                    .collect();
                records.iter_mut().for_each(|r| {
                    let by = positions.get(&r.agent_id).copied().unwrap_or(0) % 3;
                    if by > 0 {
                        shift_state(r, by);
                    }
                });
            }
            TruncateAbove(limit) if ctx.asked.len() > limit => {
                let kept: HashSet<i64> = ctx.asked[..limit].iter().copied().collect();
                records.retain(|r| kept.contains(&r.agent_id));
            }
            IntermittentMissing if ctx.counter % 2 == 1 && !records.is_empty() => {
                let keep = |r: &AgentRecord| mix(ctx.counter ^ r.agent_id as u64) % 4 != 0;
                let first = records[0].agent_id;
                records.retain(|r| keep(r) && r.agent_id != first);
            }
            UnstableState => {
                records
                    .iter_mut()
                    .for_each(|r| shift_state(r, 1 + ctx.counter % 2));
            }
            ShrinkingDuration => records.iter_mut().for_each(|r| {
                let back = 1000 * (ctx.counter % 2) as i64 + 1000;
                r.current_state_time = (r.current_state_time - back).max(0);
            }),
            _ => {}
        }
    }
    records
}

/// Rewrites the number after every `"key":` in `body` with `f(number text)`; `first_only` stops
/// after one.
pub fn rewrite_numbers(
    body: &[u8],
    key: &str,
    first_only: bool,
    f: impl Fn(&str) -> String,
) -> Vec<u8> {
    let needle = format!("\"{key}\":");
    let needle = needle.as_bytes();
    let mut out = Vec::with_capacity(body.len() + body.len() / 8);
    let mut i = 0;
    let mut done = false;
    while i < body.len() {
        if !done && body[i..].starts_with(needle) {
            out.extend_from_slice(needle);
            i += needle.len();
            let start = i;
            while i < body.len() && (body[i] == b'-' || body[i].is_ascii_digit()) {
                i += 1;
            }
            let number = std::str::from_utf8(&body[start..i]).unwrap_or("0");
            out.extend_from_slice(f(number).as_bytes());
            done = first_only;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// Applies the body-level mutations (types, shapes, duplicates) to a written success body.
pub fn rewrite_success_body(active: &[Mutation], mut body: Vec<u8>) -> Vec<u8> {
    use Mutation::*;
    for m in active {
        body = match m {
            DropField => {
                let cut =
                    rewrite_numbers(&body, "currentPrivateCallNum", false, |_| "\u{0}".into());
                let text =
                    String::from_utf8_lossy(&cut).replace("\"currentPrivateCallNum\":\u{0},", "");
                text.into_bytes()
            }
            WrongType => rewrite_numbers(&body, "prevState", false, |_| "true".into()),
            StringNumber => rewrite_numbers(&body, "agentId", false, |n| format!("\"{n}\"")),
            FloatInteger => rewrite_numbers(&body, "currentStateTime", false, |n| format!("{n}.5")),
            HugeInteger => rewrite_numbers(&body, "logonTime", false, |_| {
                "99999999999999999999999".into()
            }),
            DatasDiffer => rewrite_numbers(&body, "agentRelease", true, |n| {
                (n.parse::<i64>().unwrap_or(0) + 1).to_string()
            }),
            DuplicateMember if body.first() == Some(&b'{') => {
                let mut out = b"{\"resultCode\":\"0100000\",".to_vec();
                out.extend_from_slice(&body[1..]);
                out
            }
            _ => body,
        };
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rewritten_in_place() {
        let body = br#"{"a":[{"agentId":1031,"x":1},{"agentId":-2}]}"#;
        let out = rewrite_numbers(body, "agentId", false, |n| format!("\"{n}\""));
        assert_eq!(
            out,
            br#"{"a":[{"agentId":"1031","x":1},{"agentId":"-2"}]}"#.to_vec()
        );
        let out = rewrite_success_body(
            &[Mutation::DropField],
            br#"[{"currentPrivateCallNum":0,"b":1}]"#.to_vec(),
        );
        assert_eq!(out, br#"[{"b":1}]"#.to_vec());
    }
}
