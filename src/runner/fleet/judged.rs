//! The agents the judged answers held, told apart by where they were asked: an agent answered
//! at the home pair is one of the fleet's when the fleet holds its ID; one answered at another
//! call centre or VDN (a hosted scan, a boundary case) is another pair's agent even when it
//! carries the same number, and counts outside the fleet. "Agents judged" then never exceeds
//! the fleet it is read against.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde::Deserialize;

use crate::cases::HomePair;
use crate::exchange::SentRequest;
use crate::report::Verdict;

/// The distinct agents held by judged success answers: IDs at the home pair, and (call centre,
/// VDN, ID) elsewhere. Sets of IDs, so bounded by the profile's ranges and the pairs scanned.
#[derive(Debug, Default)]
pub struct AgentTally {
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    at_home: BTreeSet<i64>,
    /// By (call centre, VDN) as asked: the pairs are few, and an ID kept alone is a fifth of
    /// a (pair, ID) entry (46,000 of them in a default run against the mock).
    elsewhere: BTreeMap<(Option<i64>, Option<i64>), BTreeSet<i64>>,
}

/// [`AgentTally`] read against a fleet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JudgedAgents {
    /// The fleet's agents judged (with no fleet: every agent judged at the home pair).
    pub in_fleet: usize,
    /// Agents judged outside it: at the home pair with IDs the fleet lacks, or at another pair.
    pub outside: usize,
}

/// The pair a request asked at, as far as its body says.
#[derive(Deserialize)]
struct AskedAt {
    #[serde(rename = "ccId")]
    cc_id: Option<serde_json::Value>,
    vdn: Option<serde_json::Value>,
}

/// The `ccId` and `vdn` a request body names, each when it is an integer.
pub fn asked_at(body: &[u8]) -> (Option<i64>, Option<i64>) {
    let body = body
        .strip_prefix(crate::checks::json::UTF8_BOM)
        .unwrap_or(body);
    let Ok(asked) = serde_json::from_slice::<AskedAt>(body) else {
        return (None, None);
    };
    let integer = |v: Option<&serde_json::Value>| v.and_then(crate::json::integral);
    (integer(asked.cc_id.as_ref()), integer(asked.vdn.as_ref()))
}

impl AgentTally {
    /// Adds `held`, the agents of a case's answer ([`crate::checks::held_agents`]: empty for
    /// anything but a readable success answer), when the case was judged, and returns them.
    /// `home` is the run's home pair.
    pub fn observe(
        &self,
        request: &SentRequest,
        held: Vec<i64>,
        verdict: Verdict,
        home: HomePair,
    ) -> Vec<i64> {
        if verdict == Verdict::Skipped || held.is_empty() {
            return Vec::new();
        }
        let ids = held;
        let (cc_id, vdn) = asked_at(&request.body);
        if let Ok(mut held) = self.held.lock() {
            if (cc_id, vdn) == (Some(home.cc_id), Some(home.vdn)) {
                held.at_home.extend(ids.iter().copied());
            } else {
                held.elsewhere
                    .entry((cc_id, vdn))
                    .or_default()
                    .extend(ids.iter().copied());
            }
        }
        ids
    }

    /// The agents held, the fleet's apart. An empty `fleet` (not scanned, nothing found)
    /// counts every agent judged at the home pair as its.
    pub fn against(&self, fleet: &BTreeSet<i64>) -> JudgedAgents {
        let Ok(held) = self.held.lock() else {
            return JudgedAgents::default();
        };
        let in_fleet = if fleet.is_empty() {
            held.at_home.len()
        } else {
            held.at_home.intersection(fleet).count()
        };
        JudgedAgents {
            in_fleet,
            outside: held.at_home.len() - in_fleet
                + held.elsewhere.values().map(BTreeSet::len).sum::<usize>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_outside_the_fleet_or_at_another_pair_are_counted_apart() {
        let home = HomePair { cc_id: 1, vdn: 170 };
        let tally = AgentTally::default();
        let at = |cc: i64, ids: &[i64]| {
            let body = serde_json::json!({"ccId": cc, "vdn": 170, "agentIds": ids});
            (SentRequest::post("/", body.to_string()), ids.to_vec())
        };
        let observe = |(request, held): (SentRequest, Vec<i64>), verdict| {
            tally.observe(&request, held, verdict, home)
        };
        let passed = Verdict::Passed;
        assert_eq!(observe(at(1, &[1, 2, 3]), passed), [1, 2, 3]);
        observe(at(1, &[3, 4, 99]), Verdict::Failed);
        // The same numbers at another call centre are other agents.
        observe(at(2, &[1, 2]), passed);
        // A skipped case's answer is no judgement.
        observe(at(1, &[50]), Verdict::Skipped);
        let fleet: BTreeSet<i64> = (1..=4).collect();
        assert_eq!(
            tally.against(&fleet),
            JudgedAgents {
                in_fleet: 4,
                outside: 3
            }
        );
        assert_eq!(
            tally.against(&BTreeSet::new()),
            JudgedAgents {
                in_fleet: 5,
                outside: 2
            }
        );
    }
}
