//! Every hosted call centre the run meets. A real server hosts a few call centres and VDNs
//! besides the home pair, and the cases meet some of them (a boundary neighbour such as
//! `boundary::ccId::min_plus_1`, a property case spanning the ranges). Their answers are judged,
//! but a case asks for few agents, seldom ones that centre has. So after the cases, each pair
//! the run saw accepted gets a small aimed scan (`hosted::cc2_vdn170::0001` ...), judged like
//! any case, so that a centre whose data breaks an agent rule is caught and named.
//!
//! It never sends to a pair it has not seen accepted: a success answer, in this run, to a
//! request with the harness's own signature at that pair. The scan spends from
//! `--discovery-budget` after the fleet scan, before the limit discovery.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use super::ids::BatchPlan;
use super::{Observer, RunConfig, Session};
use crate::cases::generate::expectation_of;
use crate::cases::{Case, CaseOrigin, CaseRequest, HomePair, Outcome};
use crate::contract::Contract;
use crate::report::{self, CaseRecord, HostedCoverage, HostedPair, RunMeta, Verdict};

/// The family of the scan's cases.
pub const FAMILY: &str = "hosted";
/// Pairs scanned at most: the first met, in suite order (the boundary neighbours come first).
pub const MAX_PAIRS: usize = 8;
/// Sample batches per pair: together they ask every 5th ID of 2023-12's range (every 88th of
/// 2025-11's), so a centre of a few hundred agents anywhere in the range meets them.
pub const SAMPLE_BATCHES: u64 = 2;
/// Requests per pair at most: the home fleet's IDs, the sample, then the IDs around the
/// sample's hits (the rest of the agents it met).
pub const MAX_REQUESTS_PER_PAIR: u32 = SAMPLE_BATCHES as u32 + 2;
/// Agents judged at a pair after which its scan stops: a real centre has a few hundred, so a
/// scan that judged this many has judged a whole centre's worth (against a server that hosts
/// its agents at every pair, one request per pair).
pub const ENOUGH_AGENTS: usize = 500;

/// A call centre and VDN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pair {
    pub cc_id: i64,
    pub vdn: i64,
}

impl Pair {
    fn is_home(self, home: HomePair) -> bool {
        self.cc_id == home.cc_id && self.vdn == home.vdn
    }
}

/// The id of the `index`-th scan request at `pair` (from 1).
pub fn case_id(pair: Pair, index: u32) -> String {
    format!(
        "{FAMILY}::cc{}_vdn{}::{:04}",
        pair.cc_id,
        pair.vdn,
        index + 1
    )
}

/// The pair each case sends, by case id, for the cases whose answer can show a pair hosted: a
/// POST to the interface with the harness's own signature, whose JSON body names an in-range
/// ccId and vdn as integers, away from the home pair.
pub fn pairs_of(contract: &Contract, home: HomePair, cases: &[Case]) -> HashMap<String, Pair> {
    let limits = &contract.profile().limits;
    cases
        .iter()
        .filter(|case| {
            case.request.carries_own_signature()
                && case.request.method.eq_ignore_ascii_case("POST")
                && case.request.path.is_none()
        })
        .filter_map(|case| {
            let body = case.request.body.as_ref()?.value();
            let member = |name: &str| body.get(name).and_then(Value::as_i64);
            let pair = Pair {
                cc_id: member("ccId")?,
                vdn: member("vdn")?,
            };
            let in_range = limits.cc_id.contains(pair.cc_id) && limits.vdn.contains(pair.vdn);
            (in_range && !pair.is_home(home)).then(|| (case.id.clone(), pair))
        })
        .collect()
}

/// The pairs the run saw accepted, each once with the first case (in `records`' order) whose
/// success answer showed it.
pub fn accepted(pairs: &HashMap<String, Pair>, records: &[CaseRecord]) -> Vec<(Pair, String)> {
    let mut seen: Vec<(Pair, String)> = Vec::new();
    for record in records {
        let Some(&pair) = pairs.get(&record.id) else {
            continue;
        };
        let success = record.verdict != Verdict::Skipped
            && record.observed == Some(Outcome::Accepted)
            && record.was_answered();
        if success && !seen.iter().any(|(p, _)| *p == pair) {
            seen.push((pair, record.id.clone()));
        }
    }
    seen
}

/// What the scan sent and judged.
#[derive(Debug, Default)]
pub struct HostedScan {
    /// Its cases' records, pair by pair, in the order sent.
    pub records: Vec<CaseRecord>,
    pub coverage: HostedCoverage,
    /// Requests spent from `--discovery-budget`.
    pub spent: u32,
}

/// Scans each pair of `seen` (at most [`MAX_PAIRS`], within the budget `config` has left),
/// one request at a time, step by step until [`ENOUGH_AGENTS`] are judged. A case is sent when the selection keeps its id, or keeps the case
/// that saw its pair accepted and does not `--skip` it.
pub async fn scan(
    session: &Session,
    config: &RunConfig,
    seen: Vec<(Pair, String)>,
    observer: &dyn Observer,
) -> HostedScan {
    let mut found = HostedScan::default();
    if seen.is_empty() {
        return found;
    }
    let mut budget = config.discovery_budget;
    let bar = observer.phase("hosted scan requests", None);
    let meta = rerun_meta(session, config);
    for (position, (pair, witness)) in seen.into_iter().enumerate() {
        let mut coverage = HostedPair {
            cc_id: pair.cc_id,
            vdn: pair.vdn,
            seen_in: witness.clone(),
            ..HostedPair::default()
        };
        let wanted = |id: &str| {
            let selection = &config.selection;
            selection.keeps(id) || (selection.keeps(&witness) && !selection.skips(id))
        };
        coverage.not_scanned = if position >= MAX_PAIRS {
            Some(format!("at most {MAX_PAIRS} pairs are scanned"))
        } else if budget == 0 {
            // `config` holds what the fleet scan left of the flag's budget.
            Some(format!(
                "--discovery-budget spent before it ({} left after the fleet scan)",
                config.discovery_budget
            ))
        } else if !(0..MAX_REQUESTS_PER_PAIR).any(|i| wanted(&case_id(pair, i))) {
            Some("the selection left its scan out".to_owned())
        } else {
            None
        };
        if coverage.not_scanned.is_none() {
            let mut judged = BTreeSet::new();
            let mut asked = BTreeSet::new();
            // A step keeps its number whether it sends or not (no fleet, nothing new to ask):
            // a rerun names the same request by the same id.
            for (index, step) in (0..).zip(Step::ALL) {
                if judged.len() >= ENOUGH_AGENTS {
                    break;
                }
                let ids = step.ids(&config.contract, &config.fleet, &asked, &judged);
                if ids.is_empty() {
                    continue;
                }
                asked.extend(ids.iter().copied());
                let case = scan_case(&config.contract, pair, index, ids, step.what());
                if !wanted(&case.id) {
                    continue;
                }
                if budget == 0 {
                    // A step with IDs to ask was left unsent: the count judged is a part.
                    coverage.cut_short = Some(format!(
                        "--discovery-budget spent before {} ({} left after the fleet scan)",
                        case.id, config.discovery_budget
                    ));
                    break;
                }
                if session.halted().is_none() && !session.client.breaker_open() {
                    budget -= 1;
                    found.spent += 1;
                    coverage.requests += 1;
                }
                let (mut record, answered) = session.execute_observed(&case).await;
                judged.extend(answered);
                if let Some(request) = &record.request {
                    // Its rerun reruns the case that showed the pair hosted, then this scan.
                    record.reproduce = Some(report::reproduction(&meta, &witness, request));
                }
                coverage.failed += u32::from(record.verdict == Verdict::Failed);
                found.records.push(record);
                bar.advance();
            }
            coverage.judged_agents = u64::try_from(judged.len()).unwrap_or(u64::MAX);
        }
        found.coverage.pairs.push(coverage);
    }
    found
}

/// The steps of a pair's scan, a request each when it has IDs to ask: the home fleet's IDs
/// (a centre may number its agents as the home one does), the [`SAMPLE_BATCHES`] sample
/// batches spread over the whole range, then the IDs around the agents they met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Fleet,
    Sample(u64),
    Around,
}

impl Step {
    pub const ALL: [Step; MAX_REQUESTS_PER_PAIR as usize] =
        [Step::Fleet, Step::Sample(0), Step::Sample(1), Step::Around];

    /// The IDs this step asks, given those `asked` and the agents `answered` so far (at most
    /// maxItems; empty: nothing to ask).
    pub fn ids(
        self,
        contract: &Contract,
        fleet: &[i64],
        asked: &BTreeSet<i64>,
        answered: &BTreeSet<i64>,
    ) -> Vec<i64> {
        let limits = &contract.profile().limits.agent_ids;
        let plan = BatchPlan::new(&limits.ranges, limits.max_items);
        let fresh = |id: &i64| limits.contains(*id) && !asked.contains(id);
        match self {
            Step::Fleet => fleet
                .iter()
                .copied()
                .filter(fresh)
                .take(limits.max_items)
                .collect(),
            Step::Sample(index) => plan
                .sample(index, SAMPLE_BATCHES)
                .into_iter()
                .filter(fresh)
                .collect(),
            Step::Around => {
                let reach = i64::try_from(plan.stride(SAMPLE_BATCHES)).unwrap_or(i64::MAX) - 1;
                plan.around(answered, reach, asked)
            }
        }
    }

    fn what(self) -> &'static str {
        match self {
            Step::Fleet => "the home fleet's agents",
            Step::Sample(_) => "a sample of the range",
            Step::Around => "the IDs around the agents answered",
        }
    }
}

fn scan_case(contract: &Contract, pair: Pair, index: u32, ids: Vec<i64>, what: &str) -> Case {
    let (first, last) = (ids.first().copied(), ids.last().copied());
    let body = json!({"ccId": pair.cc_id, "vdn": pair.vdn, "agentIds": ids});
    let clause = contract
        .request_shape()
        .property("agentIds")
        .and_then(|s| s.clause.clone())
        .unwrap_or_else(|| "seed:request".to_owned());
    Case {
        id: case_id(pair, index),
        title: format!(
            "hosted scan: {what} ({}..{}) at ccId {}, vdn {}",
            first.unwrap_or_default(),
            last.unwrap_or_default(),
            pair.cc_id,
            pair.vdn
        ),
        clause,
        tags: vec![FAMILY.into()],
        profiles: None,
        expect: expectation_of(contract, &body),
        request: CaseRequest::json(body),
        notes: None,
        origin: CaseOrigin::Generated,
    }
}

/// What a rerun line needs: the run's own command line, profile, seed and target.
fn rerun_meta(session: &Session, config: &RunConfig) -> RunMeta {
    RunMeta {
        profile: config.profile_name().to_owned(),
        seed: config.seed,
        property_cases: config.property_cases,
        target: session.target_label.clone(),
        command: config.command_line.clone(),
        ..RunMeta::default()
    }
}

#[cfg(test)]
mod tests;
