//! Conformant sample answers built from the profile: used by tests, the bench and anyone who
//! needs a known-good success body. Deterministic: the same IDs and clock give the same bytes.
//! Reads limits from the profile only; judges nothing.

use serde_json::{Map, Value, json};

use crate::contract::Profile;

/// A conformant agent record for `id`, as a server could answer it at `now_ms`. `variant`
/// picks the state (cycling through the profile's state table) and the other values.
pub fn agent(profile: &Profile, id: i64, variant: u64, now_ms: i64) -> Value {
    // Small enough that the arithmetic below never overflows.
    let n = (variant % 1_000_003) as i64;
    let states = &profile.states;
    let pick = |n: u64| states[(n % states.len().max(1) as u64) as usize].code;
    let state = if states.is_empty() { 0 } else { pick(variant) };
    let prev = if states.is_empty() {
        0
    } else {
        pick(variant / 11 + 1)
    };
    let signed_out = state == profile.not_signed_in_state;
    let logon = if signed_out {
        profile.logon_time.not_signed_in_sentinel_ms
    } else {
        // Signed in some minutes to days ago, never before the "real time" floor.
        let ago = ((variant % 100_000) as i64 + 1) * 60_000;
        (now_ms - ago).max(profile.logon_time.real_after_ms + 1)
    };
    let reason = if signed_out {
        profile.sentinels.reason_self_logout
    } else if state == profile.rest_state {
        profile.reasons.rest.min + (n % (profile.reasons.rest.max - profile.reasons.rest.min + 1))
    } else {
        profile.reasons.not_used
    };
    let duration_max = profile.durations.max;

    json!({
        "agentId": id,
        "locationId": (n * 7) % (profile.location_id.max + 1),
        "currentStateReason": reason,
        "prevState": prev,
        "prevStateTime": if variant % 5 == 0 { profile.sentinels.prev_state_time_unknown } else { (n * 13) % duration_max },
        "currentState": state,
        "currentStateTime": (n * 31) % duration_max,
        "logonTime": logon,
        "agentRelease": (variant % 50) as i64,
        "currentPrivateCallNum": (variant % 3) as i64,
    })
}

/// A success body answering every distinct ID of `ids` once, in request order.
pub fn success_body(profile: &Profile, ids: &[i64], now_ms: i64) -> Value {
    let mut seen = std::collections::HashSet::new();
    let agents: Vec<Value> = ids
        .iter()
        .filter(|id| seen.insert(**id))
        .map(|&id| agent(profile, id, id as u64, now_ms))
        .collect();
    success_of(profile, agents)
}

/// Wraps agent records in a success envelope (`resultDatas` a copy of `resultDesc`).
pub fn success_of(profile: &Profile, agents: Vec<Value>) -> Value {
    let mut map = Map::new();
    map.insert(
        "result".into(),
        Value::String(profile.result_codes.result_success.clone()),
    );
    map.insert(
        "resultCode".into(),
        Value::String(profile.result_codes.success.clone()),
    );
    map.insert("resultDatas".into(), Value::Array(agents.clone()));
    map.insert("resultDesc".into(), Value::Array(agents));
    Value::Object(map)
}

/// The business rejection body of notes:4.
pub fn rejection_body(profile: &Profile) -> Value {
    json!({
        "resultCode": profile.result_codes.invalid_parameter,
        "resultDesc": "Invalid parameter",
    })
}

/// `count` distinct valid agent IDs spread over the profile's ranges.
pub fn agent_ids(profile: &Profile, count: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(count);
    'ranges: for range in &profile.limits.agent_ids.ranges {
        let mut id = range.min;
        while id <= range.max {
            if out.len() >= count {
                break 'ranges;
            }
            out.push(id);
            id += 1;
        }
    }
    out
}
