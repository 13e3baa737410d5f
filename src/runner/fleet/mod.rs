//! The fleet: which agents the home call centre has. Before the cases, the profile's whole
//! agent-ID range is asked for at the home pair in full-length batches (`fleet::NNNN` cases,
//! judged like any other), within `--discovery-budget`; `--agents` gives the fleet instead.
//! The cases and relations then aim at the agents found, and the run says how many distinct
//! agents the agent rules judged against the fleet's size.
//!
//! - [`ids`]: `--agents` lists and the batches (pure).
//! - [`hosted`]: the aimed scans of the other call centres and VDNs the cases saw accepted.
//! - `judged`: the agents the judged answers held, the fleet's apart from the others.

pub mod hosted;
pub mod ids;
mod judged;

pub use judged::{AgentTally, JudgedAgents, asked_at};

use std::collections::BTreeSet;

use serde_json::json;

use super::config::RunConfig;
use super::observe::Observer;
use super::session::Session;
use crate::cases::generate::expectation_of;
use crate::cases::{Case, CaseOrigin, CaseRequest};
use crate::contract::Contract;
use crate::report::{AgentCoverage, CaseRecord, FleetSource};

/// The family of the scan's cases.
pub const FAMILY: &str = "fleet";

/// The id of the `index`-th scan request (from 1, as a person counts them).
pub fn case_id(index: u64) -> String {
    format!("{FAMILY}::{:04}", index + 1)
}

/// What the scan (or `--agents`) established before the cases.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub agents: BTreeSet<i64>,
    pub source: FleetSource,
    /// Scan requests sent (spent from `--discovery-budget`).
    pub spent: u32,
    /// Requests a full scan of the profile takes.
    pub full_scan: u64,
    /// The scan cases' records, judged like any case.
    pub records: Vec<CaseRecord>,
}

impl Scan {
    /// The fleet as `--agents` gave it: nothing is sent.
    pub fn given(agents: &BTreeSet<i64>) -> Scan {
        Scan {
            agents: agents.clone(),
            source: FleetSource::Given,
            ..Scan::default()
        }
    }

    /// `fleet: 200 agents found at ccId 1, vdn 170 (31200-31399), 10 of 10 scan requests`.
    pub fn summary(&self, config: &RunConfig) -> String {
        let home = config.home;
        let listed = if self.agents.is_empty() {
            String::new()
        } else {
            format!(" ({})", ids::describe(&self.agents, 6))
        };
        let count = self.agents.len();
        match self.source {
            FleetSource::Given => {
                format!("fleet: {count} agents given by --agents{listed}, no scan sent")
            }
            FleetSource::None => {
                let why = if config.discovery_budget == 0 {
                    "--discovery-budget 0"
                } else {
                    "the selection needs no fleet: no property case, no relation"
                };
                format!("fleet: not scanned ({why}); the cases draw agent IDs from the whole range")
            }
            FleetSource::Discovered => {
                let partial = if u64::from(self.spent) < self.full_scan {
                    format!(
                        " (the budget stopped the scan: raise --discovery-budget to at least \
                         {} for the whole range)",
                        self.full_scan
                    )
                } else {
                    String::new()
                };
                format!(
                    "fleet: {count} agents found at ccId {}, vdn {}{listed}; {} of {} scan \
                     requests spent from --discovery-budget {}{partial}",
                    home.cc_id, home.vdn, self.spent, self.full_scan, config.discovery_budget
                )
            }
        }
    }

    /// The report's view, once the cases have run and `judged` held what their answers held.
    pub fn coverage(&self, judged: &AgentTally, min_agents: u32) -> AgentCoverage {
        let counted = judged.against(&self.agents);
        AgentCoverage::new(
            self.source,
            self.agents.len(),
            ids::describe(&self.agents, 12),
            self.spent,
            self.full_scan,
            counted.in_fleet,
            min_agents,
        )
        .with_outside_fleet(counted.outside)
    }
}

/// Aims `config` at what the scan established: the cases and relations draw from the fleet
/// found (a given fleet is in `config.fleet` already), and the limit discovery after the
/// relations gets what the scan left of the budget.
pub fn aim(config: &mut RunConfig, scan: &Scan) {
    if scan.source == FleetSource::Discovered {
        config.fleet = scan.agents.iter().copied().collect();
    }
    config.discovery_budget = config.discovery_budget.saturating_sub(scan.spent);
}

/// The scan's requests for `config`: one case per batch, as many as the budget allows.
pub fn plan(config: &RunConfig) -> (Vec<Case>, u64) {
    let limits = &config.contract.profile().limits.agent_ids;
    let batches = ids::BatchPlan::new(&limits.ranges, limits.max_items);
    let full_scan = batches.batches();
    let affordable = full_scan.min(u64::from(config.discovery_budget));
    let cases = (0..affordable)
        .filter_map(|index| {
            let agent_ids = batches.batch(index)?;
            let (first, last) = (*agent_ids.first()?, *agent_ids.last()?);
            Some(scan_case(
                &config.contract,
                config,
                index,
                json!({"ccId": config.home.cc_id, "vdn": config.home.vdn, "agentIds": agent_ids}),
                (first, last),
            ))
        })
        .collect();
    (cases, full_scan)
}

fn scan_case(
    contract: &Contract,
    config: &RunConfig,
    index: u64,
    body: serde_json::Value,
    (first, last): (i64, i64),
) -> Case {
    let clause = contract
        .request_shape()
        .property("agentIds")
        .and_then(|s| s.clause.clone())
        .unwrap_or_else(|| "seed:request".to_owned());
    Case {
        id: case_id(index),
        title: format!(
            "fleet scan: agents {first}..{last} at ccId {}, vdn {}",
            config.home.cc_id, config.home.vdn
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

/// Sends the scan one request at a time (each is full-length and runs alone anyway) and keeps
/// the agents answered, ticking the observer's phase. `--agents` (or a zero budget) sends
/// nothing.
pub async fn scan(session: &Session, config: &RunConfig, observer: &dyn Observer) -> Scan {
    if let Some(given) = &config.agents {
        return Scan::given(given);
    }
    if !config.scan_fleet || config.discovery_budget == 0 {
        return Scan::default();
    }
    let (cases, full_scan) = plan(config);
    let bar = observer.phase("fleet scan requests", Some(cases.len()));
    let mut found = Scan {
        source: FleetSource::Discovered,
        full_scan,
        ..Scan::default()
    };
    for case in &cases {
        // Once the run has stopped (401/403, the breaker), the rest are skipped, not spent.
        if session.halted().is_none() && !session.client.breaker_open() {
            found.spent += 1;
        }
        let (record, answered) = session.execute_observed(case).await;
        found.agents.extend(answered);
        found.records.push(record);
        bar.advance();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_fits_the_budget_in_full_length_batches() {
        let contract = Contract::embedded("2023-12").unwrap();
        let mut config = RunConfig::embedded(contract, 1, 0);
        config.discovery_budget = 256;
        let (cases, full) = plan(&config);
        assert_eq!((cases.len(), full), (10, 10));
        assert_eq!(cases[0].id, "fleet::0001");
        assert_eq!(cases[0].family(), FAMILY);
        let body = cases[9].request.body.as_ref().unwrap().value();
        let ids = body["agentIds"].as_array().unwrap();
        assert_eq!(ids.last(), Some(&json!(59999)));
        assert_eq!(body["ccId"], json!(1));
        config.discovery_budget = 3;
        assert_eq!(plan(&config).0.len(), 3);
        let big = RunConfig::embedded(Contract::embedded("2025-11").unwrap(), 1, 0);
        let mut big = big;
        big.discovery_budget = 256;
        let (cases, full) = plan(&big);
        assert_eq!(cases.len() as u64, full);
        assert!(full > 10 && full <= 256, "{full}");
    }
}
