//! Rules on the agent objects of a success answer (seed Table 4, notes:6.3-6.10): one small pure
//! function per rule, each reading its limits from the profile. They see the parsed answer and
//! the agent IDs asked for; they never look at HTTP status or headers (see `status`).

use crate::units::epoch_ms;
use serde_json::{Map, Value};

use super::json::NOT_INTEGER_FORM;
use super::model::{CheckDef, Severity, Violation, check_def};
use crate::contract::Profile;

mod set;
#[cfg(test)]
mod tests;

pub use set::{MAX_EXTRA_NAMES_REPORTED, check_answered_set, check_extra_members};

check_def!(
    SCHEMA,
    "CMS-AGENT-001",
    "seed:table4",
    Failure,
    "An agent object matches the agent schema"
);
check_def!(
    MISSING,
    "CMS-AGENT-002",
    "seed:table4",
    Failure,
    "An agent object has all ten members"
);
check_def!(
    NOT_INTEGER,
    "CMS-AGENT-003",
    "seed:table4",
    Failure,
    "Agent members are integers"
);
check_def!(
    NOT_ASKED,
    "CMS-AGENT-005",
    "notes:6.4",
    Failure,
    "Every answered agent was asked for"
);
check_def!(
    TWICE,
    "CMS-AGENT-006",
    "notes:6.4",
    Failure,
    "Every agent is answered at most once"
);
check_def!(
    ID_RANGE,
    "CMS-AGENT-007",
    "notes:6.4",
    Failure,
    "agentId lies in the profile's ranges"
);
check_def!(
    STATE,
    "CMS-AGENT-008",
    "notes:6.6",
    Failure,
    "currentState and prevState are in the state table"
);
check_def!(
    DURATION,
    "CMS-AGENT-009",
    "notes:6.7",
    Failure,
    "Durations lie in 0..max"
);
check_def!(
    LOGON_SIGNED_OUT,
    "CMS-AGENT-010",
    "notes:6.8",
    Failure,
    "A not-signed-in agent has the 2106 logonTime"
);
check_def!(
    LOGON_SIGNED_IN_FUTURE_SENTINEL,
    "CMS-AGENT-011",
    "notes:6.8",
    Failure,
    "A signed-in agent has a real logonTime, not the 2106 one"
);
check_def!(
    LOGON_TOO_OLD,
    "CMS-AGENT-012",
    "notes:6.8",
    Failure,
    "A real logonTime lies after 2000-01-01"
);
check_def!(
    LOGON_FUTURE,
    "CMS-AGENT-013",
    "notes:6.8",
    Failure,
    "A real logonTime is not later than now plus the clock skew"
);
check_def!(
    LOCATION,
    "CMS-AGENT-014",
    "notes:6.9",
    Failure,
    "locationId lies in 0..max"
);
check_def!(
    REASON,
    "CMS-AGENT-015",
    "notes:6.9",
    Failure,
    "currentStateReason lies in 0..max"
);
check_def!(
    RELEASE,
    "CMS-AGENT-016",
    "notes:6.9",
    Failure,
    "agentRelease is not negative"
);
check_def!(
    PRIVATE_CALLS,
    "CMS-AGENT-017",
    "notes:6.9",
    Failure,
    "currentPrivateCallNum is not negative"
);
check_def!(
    LEFT_OUT,
    "CMS-AGENT-018",
    "notes:6.3",
    Info,
    "Agents asked for may be left out (unknown agents)"
);
check_def!(
    ORDER,
    "CMS-AGENT-019",
    "notes:6.3",
    Info,
    "Answer order is free"
);
check_def!(
    EXTRA_MEMBER,
    "CMS-AGENT-020",
    "notes:6.10",
    Info,
    "Unknown extra members are allowed"
);

/// The ten members of seed Table 4, all integer-typed.
pub const MEMBERS: [&str; 10] = [
    "agentId",
    "locationId",
    "currentStateReason",
    "prevState",
    "prevStateTime",
    "currentState",
    "currentStateTime",
    "logonTime",
    "agentRelease",
    "currentPrivateCallNum",
];

/// What the agent rules need besides the answer.
#[derive(Debug, Clone, Copy)]
pub struct AgentContext<'a> {
    pub profile: &'a Profile,
    /// The agent IDs of the request, in order; `None` when the request body is unreadable.
    pub requested: Option<&'a [i64]>,
    pub now_ms: i64,
    pub clock_skew_ms: i64,
}

/// Reads an integer member: missing, wrong-typed and non-integer forms are violations.
pub fn integer_member(agent: &Value, at: &str, name: &str) -> Result<i64, Box<Violation>> {
    integer_value(agent.get(name), at, name)
}

/// [`integer_member`] on a member already looked up.
fn integer_value(member: Option<&Value>, at: &str, name: &str) -> Result<i64, Box<Violation>> {
    let ptr = || format!("{at}/{name}");
    match member {
        None => Err(Box::new(Violation::new(
            &MISSING,
            ptr(),
            format!("member {name} is missing"),
        ))),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| {
            Box::new(
                Violation::new(
                    &NOT_INTEGER_FORM,
                    ptr(),
                    format!("{name} is typed Integer/Long but is not a plain integer fitting i64"),
                )
                .with_value(n),
            )
        }),
        Some(other) => Err(Box::new(
            Violation::new(&NOT_INTEGER, ptr(), format!("{name} must be an integer"))
                .with_value(other),
        )),
    }
}

/// An agent object's Table 4 members, in [`MEMBERS`] order, found in one pass over its
/// entries: a lookup by name hashes the name, and ten hashes an agent cost more than its rules.
pub fn table4_members(agent: &Map<String, Value>) -> [Option<&Value>; 10] {
    let mut found = [None; 10];
    for (name, value) in agent {
        if let Some(slot) = MEMBERS.iter().position(|member| member == name) {
            found[slot] = Some(value);
        }
    }
    found
}

fn out_of(
    def: &'static CheckDef,
    ptr: impl Fn() -> String,
    what: &str,
    value: i64,
    allowed: String,
) -> Violation {
    Violation::new(def, ptr(), format!("{what} {value} is outside {allowed}")).with_value(value)
}

pub fn check_agent_id(profile: &Profile, ptr: impl Fn() -> String, id: i64) -> Option<Violation> {
    let limits = &profile.limits.agent_ids;
    (!limits.contains(id)).then(|| {
        let ranges: Vec<String> = limits
            .ranges
            .iter()
            .map(|r| format!("{}..{}", r.min, r.max))
            .collect();
        out_of(
            &ID_RANGE,
            ptr,
            "agentId",
            id,
            format!("{} (profile {})", ranges.join(" or "), profile.name),
        )
    })
}

pub fn check_state(
    profile: &Profile,
    ptr: impl Fn() -> String,
    name: &str,
    state: i64,
) -> Option<Violation> {
    profile.state_name(state).is_none().then(|| {
        let r = profile.state_range();
        out_of(
            &STATE,
            ptr,
            name,
            state,
            format!("the state table {}..{}", r.min, r.max),
        )
    })
}

pub fn check_duration(
    profile: &Profile,
    ptr: impl Fn() -> String,
    name: &str,
    seconds: i64,
) -> Option<Violation> {
    let max = profile.durations.max;
    (!(0..=max).contains(&seconds))
        .then(|| out_of(&DURATION, ptr, name, seconds, format!("0..{max}")))
}

pub fn check_location(
    profile: &Profile,
    ptr: impl Fn() -> String,
    location: i64,
) -> Option<Violation> {
    let max = profile.location_id.max;
    (!(0..=max).contains(&location))
        .then(|| out_of(&LOCATION, ptr, "locationId", location, format!("0..{max}")))
}

pub fn check_reason(profile: &Profile, ptr: impl Fn() -> String, reason: i64) -> Option<Violation> {
    let max = profile.reasons.max;
    (!(0..=max).contains(&reason)).then(|| {
        out_of(
            &REASON,
            ptr,
            "currentStateReason",
            reason,
            format!("0..{max}"),
        )
    })
}

pub fn check_non_negative(
    def: &'static CheckDef,
    ptr: impl Fn() -> String,
    name: &str,
    value: i64,
) -> Option<Violation> {
    (value < 0).then(|| out_of(def, ptr, name, value, "0..".into()))
}

/// notes:6.8: not signed in ⇔ logonTime in 2106; else a real time after 2000 and not in the
/// future beyond the skew allowance.
pub fn check_logon(
    ctx: &AgentContext<'_>,
    ptr: impl Fn() -> String,
    state: i64,
    logon: i64,
) -> Option<Violation> {
    let rule = &ctx.profile.logon_time;
    let signed_out = state == ctx.profile.not_signed_in_state;
    let sentinel = logon >= rule.not_signed_in_from_ms;
    let v = |def, msg: String| Some(Violation::new(def, ptr(), msg).with_value(logon));
    if signed_out && !sentinel {
        return v(
            &LOGON_SIGNED_OUT,
            format!(
                "currentState {state} (not signed in) needs logonTime >= {}, got {}",
                epoch_ms(rule.not_signed_in_from_ms),
                epoch_ms(logon)
            ),
        );
    }
    if signed_out {
        return None;
    }
    if sentinel {
        return v(
            &LOGON_SIGNED_IN_FUTURE_SENTINEL,
            format!(
                "currentState {state} is signed in but logonTime {} is the not-signed-in time (>= {})",
                epoch_ms(logon),
                epoch_ms(rule.not_signed_in_from_ms)
            ),
        );
    }
    if logon <= rule.real_after_ms {
        return v(
            &LOGON_TOO_OLD,
            format!(
                "logonTime {} is not after {}",
                epoch_ms(logon),
                epoch_ms(rule.real_after_ms)
            ),
        );
    }
    let latest = ctx.now_ms.saturating_add(ctx.clock_skew_ms);
    if logon > latest {
        return v(
            &LOGON_FUTURE,
            format!(
                "logonTime {} is later than now, {}, plus the clock skew ({} ms)",
                epoch_ms(logon),
                epoch_ms(ctx.now_ms),
                ctx.clock_skew_ms
            ),
        );
    }
    None
}

/// Every value rule on one agent object at pointer `at`. Returns its agentId when readable.
pub fn check_agent(
    ctx: &AgentContext<'_>,
    agent: &Value,
    at: &str,
    out: &mut Vec<Violation>,
) -> Option<i64> {
    let Some(agent) = agent.as_object() else {
        return None; // the schema rule reports the type
    };
    let p = ctx.profile;
    let members = table4_members(agent);
    let [
        id,
        location,
        reason,
        prev,
        prev_time,
        current,
        current_time,
        logon,
        release,
        private,
    ] = std::array::from_fn(|slot| {
        integer_value(members[slot], at, MEMBERS[slot])
            .map_err(|v| out.push(*v))
            .ok()
    });
    // Pointers are made only for findings: an answer has up to 6000 agents.
    let ptr = |name: &'static str| move || format!("{at}/{name}");
    let found = [
        id.and_then(|v| check_agent_id(p, ptr("agentId"), v)),
        location.and_then(|v| check_location(p, ptr("locationId"), v)),
        reason.and_then(|v| check_reason(p, ptr("currentStateReason"), v)),
        prev.and_then(|v| check_state(p, ptr("prevState"), "prevState", v)),
        prev_time.and_then(|v| check_duration(p, ptr("prevStateTime"), "prevStateTime", v)),
        current.and_then(|v| check_state(p, ptr("currentState"), "currentState", v)),
        current_time
            .and_then(|v| check_duration(p, ptr("currentStateTime"), "currentStateTime", v)),
        // The logon rule reads the state; an out-of-table state is reported once, above.
        current
            .filter(|s| p.state_name(*s).is_some())
            .zip(logon)
            .and_then(|(s, l)| check_logon(ctx, ptr("logonTime"), s, l)),
        release.and_then(|v| check_non_negative(&RELEASE, ptr("agentRelease"), "agentRelease", v)),
        private.and_then(|v| {
            check_non_negative(
                &PRIVATE_CALLS,
                ptr("currentPrivateCallNum"),
                "currentPrivateCallNum",
                v,
            )
        }),
    ];
    out.extend(found.into_iter().flatten());
    id
}

/// All agent rules over one array of agents at `base` (`/resultDesc`).
pub fn check_agents(ctx: &AgentContext<'_>, agents: &[Value], base: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut answered = Vec::with_capacity(agents.len());
    let mut at = String::with_capacity(base.len() + 8);
    for (index, agent) in agents.iter().enumerate() {
        at.clear();
        at.push_str(base);
        at.push('/');
        at.push_str(&index.to_string());
        if let Some(id) = check_agent(ctx, agent, &at, &mut out) {
            answered.push((index, id));
        }
    }
    if let Some(requested) = ctx.requested {
        out.extend(check_answered_set(requested, &answered, base));
    }
    out.extend(check_extra_members(agents, base));
    out
}
