//! The mock's agent fleet: a pure, deterministic function of (seed, ccId, vdn, agentId) and the
//! time elapsed since the mock started, plus the fast writer of the success body. Owns no
//! request handling and no mutation: every value here is conformant, and every limit, state
//! code, reason range and sentinel comes from the contract's profile.
//!
//! - Membership: about nine IDs in ten exist in any (ccId, vdn); the rest are unknown and left
//!   out of answers (CONTRACT-NOTES 6.3). With a fleet (`mock --fleet 31200-31399`, a sparse
//!   centre) agents exist only at those IDs, every one of them, at every call centre; the
//!   seed's example agents too only when they lie inside.
//! - States: spread over every state code of the profile; rest agents carry a rest reason,
//!   not-signed-in agents the vendor's sentinels (2106 `logonTime`, `prevStateTime` 2^32-1,
//!   `locationId` 65535, reason 65535 or a sign-out reason).
//! - Time: `currentStateTime` is a per-agent base plus the seconds since the mock started, so it
//!   grows with real time; states change only through explicit mutations.
//! - The seed's example agents (from `cases/fixtures/seed_example.*.json`) are answered exactly
//!   as the vendor's page shows them, their `currentStateTime` growing from the page's values.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Instant;

use serde_json::Value;

use crate::clock::now_ms;
use crate::contract::{DataSource, Profile, Range};
use crate::splitmix::mix;

/// One agent's record: the ten members of seed Table 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentRecord {
    pub agent_id: i64,
    pub location_id: i64,
    pub current_state_reason: i64,
    pub prev_state: i64,
    pub prev_state_time: i64,
    pub current_state: i64,
    pub current_state_time: i64,
    pub logon_time: i64,
    pub agent_release: i64,
    pub current_private_call_num: i64,
}

/// A record fixed by data (the seed's example), before time is added.
#[derive(Debug, Clone, Copy)]
struct Pinned {
    record: AgentRecord,
}

/// The deterministic fleet.
#[derive(Debug, Clone)]
pub struct Fleet {
    seed: u64,
    started: Instant,
    started_ms: i64,
    /// How far this mock's clock is from the host's, ms (a node of a load-balanced pair).
    clock_offset_ms: i64,
    states: Vec<i64>,
    not_signed_in: i64,
    rest_state: i64,
    rest_reasons: Range,
    sign_out_reasons: Range,
    reason_not_used: i64,
    location_max: i64,
    location_unknown: i64,
    prev_state_time_unknown: i64,
    logon_sentinel_ms: i64,
    signed_in: i64,
    pinned: HashMap<(i64, i64, i64), Pinned>,
    /// The (ccId, vdn) pairs holding pinned agents: most requests skip the map entirely.
    pinned_groups: Vec<(i64, i64)>,
    /// When not empty, the only agent IDs that exist (see [`Fleet::with_only`]).
    only: Vec<Range>,
}

/// A hasher for agent IDs (integers chosen by the client, but only ever hashed into a set
/// bounded by the request size, so flooding one bucket costs the client as much as the mock).
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        mix(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_i64(&mut self, value: i64) {
        self.0 ^= value as u64;
    }
}

/// `hash` reduced to `0..n` by a multiply instead of a (slow) division.
pub fn below(hash: u64, n: u64) -> u64 {
    ((u128::from(hash) * u128::from(n)) >> 64) as u64
}

fn pick(hash: u64, range: Range) -> i64 {
    let span = (range.max - range.min + 1).max(1) as u64;
    range.min + below(hash, span) as i64
}

impl Fleet {
    pub fn new(profile: &Profile, seed: u64) -> Fleet {
        let mut states: Vec<i64> = profile.states.iter().map(|s| s.code).collect();
        states.sort_unstable();
        let s = &profile.sentinels;
        let pinned = seed_example_agents();
        let states_signed_in = states
            .iter()
            .copied()
            .find(|&c| c != profile.not_signed_in_state)
            .unwrap_or(profile.not_signed_in_state + 1);
        Fleet {
            seed,
            started: Instant::now(),
            started_ms: now_ms(),
            clock_offset_ms: 0,
            states,
            not_signed_in: profile.not_signed_in_state,
            rest_state: profile.rest_state,
            rest_reasons: profile.reasons.rest,
            sign_out_reasons: profile.reasons.sign_out,
            reason_not_used: s.reason_not_used,
            location_max: profile.location_id.max,
            location_unknown: s.location_id_unknown,
            prev_state_time_unknown: s.prev_state_time_unknown,
            logon_sentinel_ms: profile.logon_time.not_signed_in_sentinel_ms,
            signed_in: states_signed_in,
            pinned_groups: pinned.keys().map(|&(cc, vdn, _)| (cc, vdn)).collect(),
            pinned,
            only: Vec::new(),
        }
    }

    /// The same fleet on a node whose clock is `offset_ms` ahead of the host's (behind when
    /// negative): its logon times and its "now" shift by that much, nothing else changes.
    pub fn with_clock_offset(mut self, offset_ms: i64) -> Fleet {
        self.started_ms = self
            .started_ms
            .saturating_sub(self.clock_offset_ms)
            .saturating_add(offset_ms);
        self.clock_offset_ms = offset_ms;
        self
    }

    /// The same fleet where agents exist only at `ranges` (all of them, at every call centre):
    /// a sparse centre. Empty ranges: the default membership.
    pub fn with_only(mut self, ranges: Vec<Range>) -> Fleet {
        self.only = ranges;
        self
    }

    /// This mock's wall clock, ms since the epoch: the host's plus the clock offset.
    pub fn now_ms(&self) -> i64 {
        now_ms().saturating_add(self.clock_offset_ms)
    }

    /// Seconds since the mock started: what every duration grows by.
    pub fn elapsed_secs(&self) -> i64 {
        self.started.elapsed().as_secs() as i64
    }

    /// Wall-clock ms at which the mock started; real logon times lie before it.
    pub fn started_ms(&self) -> i64 {
        self.started_ms
    }

    /// The first state code that means signed in (the vendor's "idle").
    pub fn signed_in_state(&self) -> i64 {
        self.signed_in
    }

    pub fn not_signed_in_state(&self) -> i64 {
        self.not_signed_in
    }

    pub fn logon_sentinel_ms(&self) -> i64 {
        self.logon_sentinel_ms
    }

    /// The agent's identity hash; each property is drawn from `mix(identity ^ salt)`.
    fn identity(&self, cc: i64, vdn: i64, id: i64) -> u64 {
        let mut h = mix(self.seed);
        for part in [cc, vdn, id] {
            h = mix(h ^ part as u64);
        }
        h
    }

    /// The agent's record, or `None` when it does not exist in this (ccId, vdn).
    pub fn record(&self, cc: i64, vdn: i64, id: i64, elapsed: i64) -> Option<AgentRecord> {
        let sparse = !self.only.is_empty();
        if sparse && !self.only.iter().any(|r| r.contains(id)) {
            return None;
        }
        let maybe_pinned = self.pinned_groups.contains(&(cc, vdn));
        if let Some(pinned) = maybe_pinned
            .then(|| self.pinned.get(&(cc, vdn, id)))
            .flatten()
        {
            let mut record = pinned.record;
            record.current_state_time = record.current_state_time.saturating_add(elapsed);
            return Some(record);
        }
        let identity = self.identity(cc, vdn, id);
        if !sparse && below(identity, 10) == 0 {
            return None;
        }
        // Two mixed words feed every property (rotated per property): far cheaper than one
        // hash per property, and a mock needs spread, not independence.
        let words = [mix(identity ^ 0x5851_F42D), mix(identity ^ 0x4C95_7F2D)];
        let h = |salt: u64| words[(salt % 2) as usize].rotate_left((salt * 11) as u32);
        let state = self.states[below(h(1), self.states.len() as u64) as usize];
        let base_current = below(h(2), 28_800) as i64;
        let mut record = if state == self.not_signed_in {
            let reason = if below(h(3), 2) == 0 {
                self.reason_not_used
            } else {
                pick(h(4), self.sign_out_reasons)
            };
            AgentRecord {
                agent_id: id,
                location_id: self.location_unknown,
                current_state_reason: reason,
                prev_state: self.signed_in,
                prev_state_time: self.prev_state_time_unknown,
                current_state: state,
                current_state_time: below(h(2), 3_000_000) as i64,
                logon_time: self.logon_sentinel_ms,
                agent_release: 0,
                current_private_call_num: 0,
            }
        } else {
            let reason = if state == self.rest_state {
                pick(h(3), self.rest_reasons)
            } else {
                self.reason_not_used
            };
            let signed_in_for = base_current + 60 + below(h(5), 7_200) as i64;
            AgentRecord {
                agent_id: id,
                location_id: (below(h(6), 16) as i64).min(self.location_max),
                current_state_reason: reason,
                prev_state: self.states[below(h(7), self.states.len() as u64) as usize],
                prev_state_time: below(h(8), 3_600) as i64,
                current_state: state,
                current_state_time: base_current,
                logon_time: self.started_ms - signed_in_for * 1000,
                agent_release: below(h(9), 40) as i64,
                current_private_call_num: below(h(10), 5) as i64,
            }
        };
        record.current_state_time += elapsed;
        Some(record)
    }

    /// The answer to a valid request: known agents once each, in request order.
    pub fn answer(&self, cc: i64, vdn: i64, ids: &[i64]) -> Vec<AgentRecord> {
        self.answer_at(cc, vdn, ids, self.elapsed_secs())
    }

    /// [`Fleet::answer`] as it is `elapsed` seconds after the mock started.
    pub fn answer_at(&self, cc: i64, vdn: i64, ids: &[i64], elapsed: i64) -> Vec<AgentRecord> {
        if ids.windows(2).all(|w| w[0] < w[1]) {
            // Strictly increasing: no duplicates, no set needed (the common, large case).
            return ids
                .iter()
                .filter_map(|&id| self.record(cc, vdn, id, elapsed))
                .collect();
        }
        let mut seen: HashSet<i64, BuildHasherDefault<IdHasher>> =
            HashSet::with_capacity_and_hasher(ids.len(), BuildHasherDefault::default());
        ids.iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|&id| self.record(cc, vdn, id, elapsed))
            .collect()
    }
}

/// The seed's example agents, read from the embedded fixture so the data stays data.
fn seed_example_agents() -> HashMap<(i64, i64, i64), Pinned> {
    let read = |file: &str| -> Option<Value> {
        let data = DataSource::cases().read(file).ok()?;
        serde_json::from_slice(&data.bytes).ok()
    };
    let mut pinned = HashMap::new();
    let (Some(request), Some(response)) = (
        read("fixtures/seed_example.request.json"),
        read("fixtures/seed_example.response.json"),
    ) else {
        return pinned;
    };
    let field = |v: &Value, name: &str| v.get(name).and_then(Value::as_i64);
    let (Some(cc), Some(vdn)) = (field(&request, "ccId"), field(&request, "vdn")) else {
        return pinned;
    };
    let agents = response.get("resultDesc").and_then(Value::as_array);
    for agent in agents.into_iter().flatten() {
        let get = |name| field(agent, name);
        let record = (|| {
            Some(AgentRecord {
                agent_id: get("agentId")?,
                location_id: get("locationId")?,
                current_state_reason: get("currentStateReason")?,
                prev_state: get("prevState")?,
                prev_state_time: get("prevStateTime")?,
                current_state: get("currentState")?,
                current_state_time: get("currentStateTime")?,
                logon_time: get("logonTime")?,
                agent_release: get("agentRelease")?,
                current_private_call_num: get("currentPrivateCallNum")?,
            })
        })();
        if let Some(record) = record {
            pinned.insert((cc, vdn, record.agent_id), Pinned { record });
        }
    }
    pinned
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Contract, SchemaKind};
    use crate::mock::write::{SuccessShape, write_success};

    fn fleet() -> (Contract, Fleet) {
        let contract = Contract::embedded("2023-12").unwrap();
        let fleet = Fleet::new(contract.profile(), 7);
        (contract, fleet)
    }

    fn clean(contract: &Contract) -> SuccessShape<'_> {
        let codes = &contract.profile().result_codes;
        SuccessShape {
            result: Some(&codes.result_success),
            result_code: &codes.success,
            with_datas: true,
        }
    }

    #[test]
    fn seed_example_agents_are_pinned() {
        let (_, fleet) = fleet();
        let a = fleet.record(1, 170, 1099, 5).unwrap();
        assert_eq!(a.current_state_time, 230_703 + 5);
        assert_eq!(a.current_state_reason, 258);
        assert_eq!(a.logon_time, 4_294_967_295_000);
        assert_eq!(
            fleet.record(1, 170, 1031, 0).unwrap().current_state_reason,
            65535
        );
    }

    #[test]
    fn a_sparse_fleet_has_agents_only_at_its_ids_at_every_centre() {
        let (_, fleet) = fleet();
        let fleet = fleet.with_only(vec![Range {
            min: 31200,
            max: 31399,
        }]);
        let ids: Vec<i64> = (31000..31600).collect();
        for (cc, vdn) in [(1, 170), (7, 3)] {
            let answered: Vec<i64> = fleet
                .answer(cc, vdn, &ids)
                .iter()
                .map(|r| r.agent_id)
                .collect();
            assert_eq!(answered, (31200..31400).collect::<Vec<_>>());
        }
        assert_eq!(
            fleet.record(1, 170, 1099, 0),
            None,
            "the seed's agents lie outside"
        );
    }

    #[test]
    fn every_state_appears_and_records_validate() {
        let (contract, fleet) = fleet();
        let ids: Vec<i64> = (101..2101).collect();
        let records = fleet.answer(3, 9, &ids);
        assert!(
            records.len() > 1600 && records.len() < 2000,
            "{}",
            records.len()
        );
        let states: std::collections::BTreeSet<i64> =
            records.iter().map(|r| r.current_state).collect();
        assert_eq!(states.len(), contract.profile().states.len());
        let body = write_success(&records, clean(&contract));
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert!(contract.is_valid(SchemaKind::Success, &value));
        assert_eq!(value["resultDatas"], value["resultDesc"]);
    }

    #[test]
    fn a_clock_offset_moves_the_logon_times_and_nothing_else() {
        let (contract, fleet) = fleet();
        let skewed = fleet.clone().with_clock_offset(900);
        let signed_in = |f: &Fleet| {
            f.answer_at(3, 9, &(101..401).collect::<Vec<_>>(), 0)
                .into_iter()
                .filter(|r| r.current_state != contract.profile().not_signed_in_state)
                .collect::<Vec<_>>()
        };
        let (plain, moved) = (signed_in(&fleet), signed_in(&skewed));
        assert!(!plain.is_empty());
        assert_eq!(plain.len(), moved.len());
        for (a, b) in plain.iter().zip(&moved) {
            assert_eq!(b.logon_time - a.logon_time, 900);
            assert_eq!(
                AgentRecord {
                    logon_time: a.logon_time,
                    ..*b
                },
                *a
            );
        }
        // A signed-out agent keeps the sentinel; the offset can be changed back.
        let seed_agent = |f: &Fleet| f.record(1, 170, 1099, 0).unwrap();
        assert_eq!(seed_agent(&skewed), seed_agent(&fleet));
        assert_eq!(skewed.with_clock_offset(0).started_ms(), fleet.started_ms());
    }

    #[test]
    fn duplicates_once_in_request_order() {
        let (_, fleet) = fleet();
        let records = fleet.answer(1, 170, &[1099, 1031, 1099]);
        let ids: Vec<i64> = records.iter().map(|r| r.agent_id).collect();
        assert_eq!(ids, vec![1099, 1031]);
    }
}
