//! Multi-exchange checks of CONTRACT-NOTES §6 clause 14: pure functions comparing the agents two
//! answers gave for the IDs both requests asked for. A difference a live server could produce
//! (a state change, an agent vanishing) is never reported at once: [`compare`] returns it as a
//! [`Suspect`], the caller re-asks the same two requests, and [`settle`] reports only what the
//! re-ask confirms. No I/O here; the driver that sends requests is `consistency::plan`.

mod agent_rule;
mod catalogue;
mod skew;

use serde_json::Value;

use super::answer::{self, AGENTS_MEMBER, AgentId, Answer, AnsweredAgent, Unusable};
use crate::checks::{CheckDef, Violation};
use crate::contract::Contract;
use crate::exchange::Exchange;
use agent_rule::{Clock, judge_records, pointer};
use skew::SkewTally;

pub use catalogue::{
    ANSWERED_ONCE, DUPLICATION, ENFORCED_LIMIT, NODE_SKEW, PERMUTATION, RELATION_CATALOGUE,
    REPETITION, SUB_BATCH, checks_of,
};

/// Durations are whole seconds of a clock we do not see: allow this much beyond the wall time
/// measured between two exchanges.
pub const DEFAULT_TOLERANCE_MS: i64 = 2_000;
/// How a difference between two records could have come about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspectKind {
    /// Asked in both requests, answered in only one.
    Presence,
    /// A state change with a plausible duration reset: normal on a live server, once.
    Transition,
    /// No live behaviour explains it (a duration shrank or outgrew the clock, a field moved
    /// without a state change), but one observation is still not enough to report.
    Implausible,
}

/// One member that differs: `(name, earlier value, later value)`.
pub type FieldChange = (String, Value, Value);

/// A difference to re-ask about before reporting it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    pub agent_id: AgentId,
    pub kind: SuspectKind,
    /// The non-duration members that differ (what identifies the same deviation on a re-ask).
    pub changes: Vec<FieldChange>,
    /// The violation to report if the re-ask confirms it.
    pub violation: Violation,
}

/// What comparing two exchanges found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Deviations no re-ask could excuse.
    pub confirmed: Vec<Violation>,
    pub suspects: Vec<Suspect>,
    /// Differences the contract allows, reported as information (nodes whose clocks differ).
    pub informational: Vec<Violation>,
    /// Agents asked in both requests and answered in at least one.
    pub compared: usize,
}

impl Comparison {
    pub fn suspect_ids(&self) -> Vec<AgentId> {
        self.suspects.iter().map(|s| s.agent_id).collect()
    }

    /// What this comparison reports without a re-ask: the confirmed violations, then the
    /// information.
    pub fn reported(&self) -> Vec<Violation> {
        let mut reported = self.confirmed.clone();
        reported.extend(self.informational.iter().cloned());
        reported
    }
}

/// One side of a comparison: an exchange and its index in the relation's record (`#i`).
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub exchange: &'a Exchange,
    pub index: usize,
}

/// Compares the answers of two exchanges for the IDs both asked for, under `def`.
/// `Err` names the side that cannot be compared and why.
pub fn compare(
    contract: &Contract,
    def: &'static CheckDef,
    a: Side<'_>,
    b: Side<'_>,
    tolerance_ms: i64,
) -> Result<Comparison, (usize, Unusable)> {
    let (early, late) = if b.exchange.sent_at_ms < a.exchange.sent_at_ms {
        (b, a)
    } else {
        (a, b)
    };
    let asked_early =
        answer::requested_ids(&early.exchange.request).map_err(|e| (early.index, e))?;
    let asked_late = answer::requested_ids(&late.exchange.request).map_err(|e| (late.index, e))?;
    let answer_early = answer::answer(contract, early.exchange).map_err(|e| (early.index, e))?;
    let answer_late = answer::answer(contract, late.exchange).map_err(|e| (late.index, e))?;
    let late_asked: std::collections::BTreeSet<AgentId> = asked_late.into_iter().collect();
    let clock = Clock::between(
        contract.profile(),
        early.exchange,
        late.exchange,
        tolerance_ms,
    );

    let mut comparison = Comparison::default();
    let mut skews = SkewTally::default();
    // Answering an agent twice is a single-exchange finding (6.4) unless the request itself
    // repeated the ID: then it is what the duplication relation is about.
    for (answer, side) in [(&answer_early, early), (&answer_late, late)] {
        if answer::asks_duplicates(&side.exchange.request) {
            comparison.confirmed.extend(repeats(answer, side.index));
        }
    }
    for id in asked_early.into_iter().filter(|id| late_asked.contains(id)) {
        let found = (answer_early.agents.get(&id), answer_late.agents.get(&id));
        let suspect = match found {
            (None, None) => continue,
            (Some(x), None) => presence(def, id, (x, early.index), late.index),
            (None, Some(y)) => presence(def, id, (y, late.index), early.index),
            (Some(x), Some(y)) => {
                let judged = judge_records(def, id, (x, early.index), (y, late.index), &clock);
                skews.add(judged.skew, || {
                    format!("{} vs {}", pointer(early.index, x), pointer(late.index, y))
                });
                match judged.suspect {
                    Some(suspect) => suspect,
                    None => {
                        comparison.compared += 1;
                        continue;
                    }
                }
            }
        };
        comparison.compared += 1;
        comparison.suspects.push(suspect);
    }
    comparison
        .informational
        .extend(skews.violation((early.index, late.index), clock.tolerance_ms()));
    Ok(comparison)
}

/// "1 agent", "3 agents".
pub(crate) fn agents(count: usize) -> String {
    if count == 1 {
        "1 agent".to_owned()
    } else {
        format!("{count} agents")
    }
}

/// The final verdict on a relation: what the first comparison [`reported`](Comparison::reported), plus each
/// suspect the re-asked comparison confirms. An agent's difference is confirmed when it shows
/// again, implausibly or exactly alike; a presence difference when any agent's presence differs
/// again (intermittent loss need not hit the same agent twice).
pub fn settle(
    first: &Comparison,
    reasked: &Comparison,
    reask_pair: (usize, usize),
) -> Vec<Violation> {
    let presence_again = reasked
        .suspects
        .iter()
        .any(|s| s.kind == SuspectKind::Presence);
    // An agent is a suspect at most once per comparison: index the re-ask by agent.
    let reasked_records: std::collections::HashMap<AgentId, &Suspect> = reasked
        .suspects
        .iter()
        .filter(|r| r.kind != SuspectKind::Presence)
        .map(|r| (r.agent_id, r))
        .collect();
    let mut violations = first.reported();
    for suspect in &first.suspects {
        let again = match suspect.kind {
            SuspectKind::Presence => presence_again,
            _ => reasked_records.get(&suspect.agent_id).is_some_and(|r| {
                r.kind == SuspectKind::Implausible || r.changes == suspect.changes
            }),
        };
        if again {
            let mut violation = suspect.violation.clone();
            violation.message = format!(
                "{}; seen again when re-asked (#{} vs #{})",
                violation.message, reask_pair.0, reask_pair.1
            );
            violations.push(violation);
        }
    }
    violations
}

fn repeats(answer: &Answer, index: usize) -> Vec<Violation> {
    answer
        .repeats
        .iter()
        .map(|(id, at)| {
            let first = answer.agents.get(id).map(|a| a.index).unwrap_or_default();
            Violation::new(
                &ANSWERED_ONCE,
                format!("#{index}/{AGENTS_MEMBER}/{at} vs #{index}/{AGENTS_MEMBER}/{first}"),
                format!("agent {id} is answered more than once in #{index}"),
            )
            .with_value(id)
        })
        .collect()
}

fn presence(
    def: &'static CheckDef,
    id: AgentId,
    (found, found_in): (&AnsweredAgent, usize),
    missing_in: usize,
) -> Suspect {
    let violation = Violation::new(
        def,
        format!("{} vs #{missing_in}/{AGENTS_MEMBER}", pointer(found_in, found)),
        format!("agent {id} is answered in #{found_in} but missing from #{missing_in}, though both asked for it"),
    )
    .with_value(id);
    Suspect {
        agent_id: id,
        kind: SuspectKind::Presence,
        changes: Vec::new(),
        violation,
    }
}
#[cfg(test)]
mod tests;
