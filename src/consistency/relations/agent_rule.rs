//! The rule for one agent seen twice: how its record may move with the passage of time
//! (durations grow by at most the wall time elapsed, a state change needs a duration reset,
//! counters only grow, everything else stays) and what is suspect when it does not.

use serde_json::Value;

use super::skew::NodeSkew;
use super::{FieldChange, Suspect, SuspectKind};
use crate::checks::{CheckDef, Violation};
use crate::consistency::answer::{AGENTS_MEMBER, AgentId, AnsweredAgent, Record};
use crate::exchange::Exchange;

use crate::consistency::answer::{COUNTERS, STABLE_FIELDS};
use crate::contract::Profile;

/// Wall time between two exchanges, as far as the client can tell, in whole seconds, and the
/// tolerance for clocks that differ between the nodes answering (notes:6.16).
pub(super) struct Clock {
    /// The most time that can have passed between the two snapshots, plus the tolerance.
    max_elapsed_s: i64,
    tolerance_s: i64,
    tolerance_ms: i64,
    /// What tells a signed-in agent: a state other than this one...
    not_signed_in_state: i64,
    /// ...and a `logonTime` before this instant (the 2106 sentinel and later mean signed out).
    not_signed_in_from_ms: i64,
}

impl Clock {
    pub(super) fn between(
        profile: &Profile,
        early: &Exchange,
        late: &Exchange,
        tolerance_ms: i64,
    ) -> Clock {
        let elapsed_ms = late.received_at_ms.saturating_sub(early.sent_at_ms).max(0);
        let tolerance_ms = tolerance_ms.max(0);
        Clock {
            max_elapsed_s: div_ceil(elapsed_ms.saturating_add(tolerance_ms), 1000),
            tolerance_s: div_ceil(tolerance_ms, 1000),
            tolerance_ms,
            not_signed_in_state: profile.not_signed_in_state,
            not_signed_in_from_ms: profile.logon_time.not_signed_in_from_ms,
        }
    }

    pub(super) fn tolerance_ms(&self) -> i64 {
        self.tolerance_ms
    }

    fn signed_in(&self, record: &Record) -> bool {
        record
            .int("currentState")
            .is_some_and(|s| s != self.not_signed_in_state)
            && record
                .int("logonTime")
                .is_some_and(|t| t < self.not_signed_in_from_ms)
    }
}

/// What one agent seen twice comes to: a difference to re-ask about, and the node skew that
/// was allowed for.
pub(super) struct Judgement {
    pub suspect: Option<Suspect>,
    pub skew: NodeSkew,
}

/// The `logonTime` difference of an agent signed in in both records, when it is within the
/// tolerance: different nodes stamping the same sign-in with their own clocks. A signed-out
/// agent's sentinel, or a larger difference, is not excused.
fn logon_skew_ms(before: &Record, after: &Record, clock: &Clock) -> Option<i64> {
    if !(clock.signed_in(before) && clock.signed_in(after)) {
        return None;
    }
    let was = before.int("logonTime")?;
    let now = after.int("logonTime")?;
    let apart = now.abs_diff(was);
    (apart > 0 && apart <= clock.tolerance_ms.unsigned_abs())
        .then(|| i64::try_from(apart).unwrap_or(i64::MAX))
}

fn div_ceil(n: i64, d: i64) -> i64 {
    n / d + i64::from(n % d != 0)
}

pub(super) fn pointer(index: usize, agent: &AnsweredAgent) -> String {
    format!("#{index}/{AGENTS_MEMBER}/{}", agent.index)
}

/// `None` when the later record follows from the earlier one by the passage of time.
pub(super) fn judge_records(
    def: &'static CheckDef,
    id: AgentId,
    (x, xi): (&AnsweredAgent, usize),
    (y, yi): (&AnsweredAgent, usize),
    clock: &Clock,
) -> Judgement {
    let (before, after) = (&x.record, &y.record);
    let mut skew = NodeSkew::default();
    if let Some(apart) = logon_skew_ms(before, after, clock) {
        skew.logon_ms = apart;
    }
    let changes: Vec<FieldChange> = STABLE_FIELDS
        .iter()
        .chain(COUNTERS)
        .filter(|name| !(skew.logon_ms > 0 && **name == "logonTime"))
        .filter_map(|name| changed(before, after, name))
        .collect();
    let state_changed = changes.iter().any(|(n, _, _)| n == "currentState");
    let durations = (
        before.int("currentStateTime"),
        after.int("currentStateTime"),
    );
    let mut problems: Vec<String> = Vec::new();
    let mut transition = state_changed;
    if let (Some(was), Some(now)) = durations {
        let shrank = now < was - clock.tolerance_s;
        let reset = now <= clock.max_elapsed_s;
        if (state_changed || shrank) && !reset {
            problems.push(format!(
                "currentStateTime went {was} → {now} s: {} without a reset (at most {} s passed)",
                if state_changed {
                    "a state change"
                } else {
                    "it shrank"
                },
                clock.max_elapsed_s
            ));
        } else if shrank {
            transition = true;
        } else if !state_changed && now < was {
            // One node never lets a duration go back: two nodes' clocks do (notes:6.16).
            skew.duration_back_s = was - now;
        } else if !state_changed && now - was > clock.max_elapsed_s {
            problems.push(format!(
                "currentStateTime grew {was} → {now} s, more than the at most {} s that passed",
                clock.max_elapsed_s
            ));
        }
    }
    if !transition {
        if let (Some(was), Some(now)) = (before.int("prevStateTime"), after.int("prevStateTime"))
            && (now - was).abs() > clock.tolerance_s
        {
            problems.push(format!(
                "prevStateTime went {was} → {now} s with no state change"
            ));
        }
        for (name, was, now) in &changes {
            if COUNTERS.contains(&name.as_str()) && !shrinks(was, now) {
                continue;
            }
            problems.push(format!("{name} went {was} → {now} with no state change"));
        }
    } else {
        for (name, was, now) in &changes {
            if COUNTERS.contains(&name.as_str()) && shrinks(was, now) && !state_changed {
                problems.push(format!("counter {name} went down {was} → {now}"));
            }
        }
    }
    if problems.is_empty() && !transition {
        return Judgement {
            suspect: None,
            skew,
        };
    }
    let kind = if problems.is_empty() {
        SuspectKind::Transition
    } else {
        SuspectKind::Implausible
    };
    let detail = if problems.is_empty() {
        let moved: Vec<String> = changes
            .iter()
            .map(|(n, a, b)| format!("{n} {a} → {b}"))
            .collect();
        format!("changed with a plausible reset ({})", moved.join(", "))
    } else {
        problems.join("; ")
    };
    let value = changes
        .iter()
        .map(|(n, a, b)| format!("{n} {a}→{b}"))
        .chain((durations.0 != durations.1).then(|| {
            let show = |d: Option<i64>| d.map_or("?".to_owned(), |d| d.to_string());
            format!(
                "currentStateTime {}→{}",
                show(durations.0),
                show(durations.1)
            )
        }))
        .collect::<Vec<_>>()
        .join(", ");
    let violation = Violation::new(
        def,
        format!("{} vs {}", pointer(xi, x), pointer(yi, y)),
        format!("agent {id}: {detail}"),
    )
    .with_value(value);
    Judgement {
        suspect: Some(Suspect {
            agent_id: id,
            kind,
            changes,
            violation,
        }),
        skew,
    }
}

fn changed(before: &Record, after: &Record, name: &str) -> Option<FieldChange> {
    let (was, now) = (before.get(name)?, after.get(name)?);
    (was != now).then(|| (name.to_owned(), was, now))
}

fn shrinks(was: &Value, now: &Value) -> bool {
    match (was.as_i64(), now.as_i64()) {
        (Some(was), Some(now)) => now < was,
        _ => true,
    }
}
