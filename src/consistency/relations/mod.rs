//! Multi-exchange checks of CONTRACT-NOTES §6 clause 14: pure functions comparing the agents two
//! answers gave for the IDs both requests asked for. A difference a live server could produce
//! (a state change, an agent vanishing) is never reported at once: [`compare`] returns it as a
//! [`Suspect`], the caller re-asks the same two requests, and [`settle`] reports only what the
//! re-ask confirms. No I/O here; the driver that sends requests is `consistency::plan`.

mod agent_rule;
mod skew;

use serde_json::Value;

use super::answer::{self, AGENTS_MEMBER, AgentId, Answer, AnsweredAgent, Unusable};
use crate::checks::model::check_def;
use crate::checks::{CheckDef, Severity, Violation};
use crate::contract::Contract;
use crate::exchange::Exchange;
use agent_rule::{Clock, judge_records, pointer};
use skew::SkewTally;

check_def!(
    SUB_BATCH,
    "CMS-REL-001",
    "notes:6.14",
    Failure,
    "A sub-batch answers the same agents, with the same records, as the batch does for those IDs"
);
check_def!(
    PERMUTATION,
    "CMS-REL-002",
    "notes:6.14",
    Failure,
    "Shuffling the agent IDs changes neither the agents answered nor their records"
);
check_def!(
    DUPLICATION,
    "CMS-REL-003",
    "notes:6.14",
    Failure,
    "Duplicating agent IDs changes neither the agents answered nor their records"
);
check_def!(
    ANSWERED_ONCE,
    "CMS-REL-004",
    "notes:6.3",
    Failure,
    "Asked for with duplicates, each agent is answered once"
);
check_def!(
    REPETITION,
    "CMS-REL-005",
    "notes:6.14",
    Failure,
    "The same request twice in a row answers the same agents with the same states; durations only grow with the time elapsed"
);
check_def!(
    ENFORCED_LIMIT,
    "CMS-REL-006",
    "notes:6.1",
    Failure,
    "The server enforces the documented limits of ccId, vdn, agent IDs and array length"
);

check_def!(
    NODE_SKEW,
    "CMS-REL-007",
    "notes:6.16",
    Info,
    "Two answers disagree on a signed-in agent's logonTime or durations by no more than the tolerance: nodes whose clocks differ"
);

/// Every multi-exchange check, with its stable id and clause.
pub static RELATION_CATALOGUE: &[&CheckDef] = &[
    &SUB_BATCH,
    &PERMUTATION,
    &DUPLICATION,
    &ANSWERED_ONCE,
    &REPETITION,
    &ENFORCED_LIMIT,
    &NODE_SKEW,
];

/// The checks a relation record applies, by its `relation` name (`sub-batch::tail` →
/// CMS-REL-001): what a passing relation covers, for the report's clause coverage.
pub fn checks_of(relation: &str) -> &'static [&'static CheckDef] {
    static REPEATED: &[&CheckDef] = &[&REPETITION];
    static SHUFFLED: &[&CheckDef] = &[&PERMUTATION];
    static SUB: &[&CheckDef] = &[&SUB_BATCH];
    static DUPLICATED: &[&CheckDef] = &[&DUPLICATION, &ANSWERED_ONCE];
    static LIMITS: &[&CheckDef] = &[&ENFORCED_LIMIT];
    match relation.split("::").next().unwrap_or_default() {
        "repetition" => REPEATED,
        "permutation" => SHUFFLED,
        "sub-batch" => SUB,
        "duplication" => DUPLICATED,
        "discovery" => LIMITS,
        _ => &[],
    }
}

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
mod tests {
    use serde_json::json;

    use super::*;
    use crate::exchange::{Received, SentRequest};

    /// An agent record like the seed's, signed in (logonTime in the past).
    fn agent(id: i64, state: i64, state_time: i64) -> Value {
        json!({"agentId": id, "locationId": 1, "currentStateReason": 65535, "prevState": 0,
               "prevStateTime": 30, "currentState": state, "currentStateTime": state_time,
               "logonTime": 1_700_000_000_000i64, "agentRelease": 2, "currentPrivateCallNum": 0})
    }

    fn exchange(ids: &[i64], agents: Vec<Value>, sent_at_ms: i64, received_at_ms: i64) -> Exchange {
        let request = json!({"ccId": 1, "vdn": 170, "agentIds": ids});
        let body = json!({"result": "0", "resultCode": "0100000",
                          "resultDatas": agents.clone(), "resultDesc": agents});
        Exchange::new(
            SentRequest::post("/x", request.to_string()),
            Ok(Received::new(200, body.to_string())),
            sent_at_ms,
            received_at_ms,
        )
    }

    fn run(a: &Exchange, b: &Exchange) -> Comparison {
        let contract = Contract::embedded("2023-12").unwrap();
        compare(
            &contract,
            &REPETITION,
            Side {
                exchange: a,
                index: 0,
            },
            Side {
                exchange: b,
                index: 1,
            },
            DEFAULT_TOLERANCE_MS,
        )
        .unwrap()
    }

    #[test]
    fn every_relation_name_maps_to_catalogued_checks() {
        for name in [
            "repetition",
            "permutation",
            "sub-batch::tail",
            "duplication",
            "discovery::ccId",
        ] {
            let checks = checks_of(name);
            assert!(!checks.is_empty(), "{name}");
            assert!(checks.iter().all(|c| RELATION_CATALOGUE.contains(c)));
        }
        let clauses = Contract::embedded("2023-12").unwrap();
        for def in RELATION_CATALOGUE {
            assert!(def.id.starts_with("CMS-REL-"));
            assert!(
                clauses.clauses().get(def.clause).is_some(),
                "{} cites {}",
                def.id,
                def.clause
            );
        }
    }

    #[test]
    fn durations_ticking_with_time_are_consistent() {
        let a = exchange(
            &[101, 102],
            vec![agent(101, 1, 100), agent(102, 5, 7)],
            0,
            100,
        );
        // 3 s later, both durations grew by 3 s; the batch order differs.
        let b = exchange(
            &[102, 101],
            vec![agent(102, 5, 10), agent(101, 1, 103)],
            3_000,
            3_100,
        );
        let c = run(&a, &b);
        assert_eq!((c.compared, c.suspects.len(), c.confirmed.len()), (2, 0, 0));
    }

    #[test]
    fn growth_beyond_the_clock_and_shrinking_are_implausible() {
        let a = exchange(
            &[101, 102],
            vec![agent(101, 1, 100), agent(102, 1, 100)],
            0,
            100,
        );
        let b = exchange(
            &[101, 102],
            vec![agent(101, 1, 160), agent(102, 1, 50)],
            200,
            300,
        );
        let c = run(&a, &b);
        assert_eq!(c.suspect_ids(), vec![101, 102]);
        assert!(
            c.suspects
                .iter()
                .all(|s| s.kind == SuspectKind::Implausible)
        );
        assert_eq!(
            c.suspects[0].violation.pointer,
            "#0/resultDesc/0 vs #1/resultDesc/0"
        );
        assert_eq!(c.suspects[0].violation.check, "CMS-REL-005");
    }

    #[test]
    fn a_state_change_needs_a_reset() {
        let a = exchange(
            &[101, 102],
            vec![agent(101, 1, 100), agent(102, 1, 100)],
            0,
            100,
        );
        let b = exchange(
            &[101, 102],
            vec![agent(101, 3, 0), agent(102, 3, 100)],
            200,
            300,
        );
        let c = run(&a, &b);
        assert_eq!(c.suspects[0].kind, SuspectKind::Transition);
        assert_eq!(c.suspects[1].kind, SuspectKind::Implausible);
        assert!(c.confirmed.is_empty(), "a single flip is never confirmed");
    }

    #[test]
    fn fields_moving_without_a_state_change_are_suspect_but_counters_may_grow() {
        let mut moved = agent(101, 1, 100);
        moved["logonTime"] = json!(1_700_000_100_000i64);
        let mut counted = agent(102, 1, 100);
        counted["agentRelease"] = json!(3);
        let a = exchange(
            &[101, 102],
            vec![agent(101, 1, 100), agent(102, 1, 100)],
            0,
            100,
        );
        let b = exchange(&[101, 102], vec![moved, counted], 200, 300);
        let c = run(&a, &b);
        assert_eq!(c.suspect_ids(), vec![101]);
        assert!(c.suspects[0].violation.message.contains("logonTime"));
    }

    /// `agent` with its logonTime moved by `by_ms` (another node's clock).
    fn logged_on(id: i64, state: i64, state_time: i64, by_ms: i64) -> Value {
        let mut record = agent(id, state, state_time);
        record["logonTime"] = json!(1_700_000_000_000i64 + by_ms);
        record
    }

    #[test]
    fn nodes_whose_clocks_differ_within_the_tolerance_are_information() {
        let a = exchange(
            &[101, 102],
            vec![agent(101, 1, 100), agent(102, 1, 100)],
            0,
            100,
        );
        // Either direction: 101 a node 900 ms ahead, 102 one 400 ms behind.
        let b = exchange(
            &[101, 102],
            vec![logged_on(101, 1, 100, 900), logged_on(102, 1, 100, -400)],
            200,
            300,
        );
        let c = run(&a, &b);
        assert_eq!((c.compared, c.suspects.len(), c.confirmed.len()), (2, 0, 0));
        assert_eq!(c.informational.len(), 1);
        let info = &c.informational[0];
        assert_eq!(
            (info.check.as_str(), info.clause.as_str()),
            ("CMS-REL-007", "notes:6.16")
        );
        assert!(!info.is_failure());
        assert!(
            info.message
                .starts_with("nodes disagree by 900 ms: the logonTime of 2 signed-in agents"),
            "{}",
            info.message
        );
        assert_eq!(info.pointer, "#0/resultDesc/0 vs #1/resultDesc/0");
        assert_eq!(info.value.as_deref(), Some("900 ms"));
        // The information is reported with or without a re-ask.
        assert_eq!(c.reported(), c.informational);
        assert_eq!(settle(&c, &Comparison::default(), (2, 3)), c.informational);
    }

    #[test]
    fn a_duration_going_back_within_the_tolerance_is_information() {
        let a = exchange(&[101], vec![agent(101, 1, 100)], 0, 100);
        let b = exchange(&[101], vec![agent(101, 1, 99)], 200, 300);
        let c = run(&a, &b);
        assert!(c.suspects.is_empty());
        assert!(
            c.informational[0]
                .message
                .starts_with("nodes disagree: currentStateTime went back by up to 1 s for 1 agent"),
            "{}",
            c.informational[0].message
        );
        // One node answering twice: nothing to say.
        let same = exchange(&[101], vec![agent(101, 1, 100)], 200, 300);
        assert!(run(&a, &same).informational.is_empty());
    }

    #[test]
    fn beyond_the_tolerance_or_a_signed_out_sentinel_still_fails() {
        let sentinel = |by_ms: i64| {
            let mut record = agent(102, 0, 100);
            record["logonTime"] = json!(4_294_967_295_000i64 + by_ms);
            record
        };
        let a = exchange(&[101, 102], vec![agent(101, 1, 100), sentinel(0)], 0, 100);
        let b = exchange(
            &[101, 102],
            vec![logged_on(101, 1, 100, -2_001), sentinel(1)],
            200,
            300,
        );
        let c = run(&a, &b);
        assert_eq!(c.suspect_ids(), vec![101, 102]);
        assert!(
            c.suspects
                .iter()
                .all(|s| s.kind == SuspectKind::Implausible)
        );
        assert!(
            c.suspects
                .iter()
                .all(|s| s.violation.message.contains("logonTime"))
        );
        assert!(c.informational.is_empty());
        // Exactly the tolerance is still allowed.
        let edge = exchange(&[101], vec![logged_on(101, 1, 100, 2_000)], 200, 300);
        assert!(run(&a, &edge).suspects.is_empty());
    }

    #[test]
    fn presence_and_repeats() {
        let a = exchange(
            &[101, 102, 103],
            vec![agent(101, 1, 1), agent(102, 1, 1)],
            0,
            10,
        );
        let b = exchange(
            &[101, 102, 103, 101],
            vec![agent(101, 1, 1), agent(101, 1, 1)],
            20,
            30,
        );
        let c = run(&a, &b);
        assert_eq!(c.suspect_ids(), vec![102]);
        assert_eq!(c.suspects[0].kind, SuspectKind::Presence);
        assert_eq!(c.confirmed.len(), 1);
        assert_eq!(c.confirmed[0].check, "CMS-REL-004");
        assert_eq!(c.confirmed[0].pointer, "#1/resultDesc/1 vs #1/resultDesc/0");
    }

    #[test]
    fn settle_reports_only_what_the_reask_confirms() {
        let a = exchange(
            &[101, 102],
            vec![agent(101, 1, 100), agent(102, 1, 100)],
            0,
            100,
        );
        let flipped = exchange(
            &[101, 102],
            vec![agent(101, 3, 0), agent(102, 1, 999)],
            200,
            300,
        );
        let first = run(&a, &flipped);
        assert_eq!(first.suspects.len(), 2);
        // Re-asked: 101 settled in its new state; 102 still far off.
        let a2 = exchange(
            &[101, 102],
            vec![agent(101, 3, 1), agent(102, 1, 101)],
            1_000,
            1_100,
        );
        let b2 = exchange(
            &[101, 102],
            vec![agent(101, 3, 1), agent(102, 1, 999)],
            1_200,
            1_300,
        );
        let violations = settle(&first, &run(&a2, &b2), (2, 3));
        assert_eq!(violations.len(), 1);
        assert!(violations[0].message.contains("agent 102"));
        assert!(violations[0].message.ends_with("(#2 vs #3)"));
        // Nothing differs on the re-ask: nothing is reported.
        let quiet = run(&a2, &a2.clone());
        assert!(settle(&first, &quiet, (2, 3)).is_empty());
    }

    #[test]
    fn unusable_sides_are_named() {
        let contract = Contract::embedded("2023-12").unwrap();
        let a = exchange(&[101], vec![agent(101, 1, 1)], 0, 10);
        let mut b = a.clone();
        b.response = Err(crate::exchange::TransportFailure::Timeout("1s".into()));
        let err = compare(
            &contract,
            &PERMUTATION,
            Side {
                exchange: &a,
                index: 0,
            },
            Side {
                exchange: &b,
                index: 1,
            },
            0,
        )
        .unwrap_err();
        assert_eq!(err.0, 1);
    }
}
