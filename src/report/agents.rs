//! What the agent rules judged: the distinct agents answered by the cases against the fleet
//! the run found or was given, and the warning when that is too little for a conformant
//! verdict to mean much about agent data. A warning, never a failure.

use serde::{Deserialize, Serialize};

/// Where the run's fleet came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FleetSource {
    /// Scanned at the home pair before the cases.
    Discovered,
    /// `--agents`.
    Given,
    /// Neither (`--discovery-budget 0`, or a quiet run).
    #[default]
    None,
}

/// The agents behind the verdict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentCoverage {
    pub fleet_source: FleetSource,
    /// Agents in the fleet found or given.
    pub fleet_size: u64,
    /// The fleet as ranges (`31200-31399`), shortened.
    #[serde(default)]
    pub fleet: String,
    /// Scan requests sent, and how many a full scan of the profile takes.
    pub scan_requests: u32,
    pub full_scan_requests: u64,
    /// Distinct agents of the fleet answered by judged cases (the agent rules' material); with
    /// no fleet, every agent answered at the home pair.
    pub judged_agents: u64,
    /// Distinct agents judged outside the fleet, counted apart (format 3): at the home pair
    /// with IDs the fleet lacks (a scan cut short, property IDs), or at another call centre or
    /// VDN (the hosted scans, boundary cases), where an ID names another pair's agent.
    #[serde(default)]
    pub judged_outside_fleet: u64,
    /// `--min-agents`.
    pub min_agents: u32,
    /// Set when the agent rules judged no agent, or fewer than `min_agents`.
    #[serde(default)]
    pub warning: Option<String>,
}

impl AgentCoverage {
    pub fn new(
        fleet_source: FleetSource,
        fleet_size: usize,
        fleet: String,
        scan_requests: u32,
        full_scan_requests: u64,
        judged_agents: usize,
        min_agents: u32,
    ) -> Self {
        let fleet_size = u64::try_from(fleet_size).unwrap_or(u64::MAX);
        let judged_agents = u64::try_from(judged_agents).unwrap_or(u64::MAX);
        AgentCoverage {
            warning: warning(judged_agents, fleet_size, fleet_source, min_agents),
            fleet_source,
            fleet_size,
            fleet,
            scan_requests,
            full_scan_requests,
            judged_agents,
            judged_outside_fleet: 0,
            min_agents,
        }
    }

    /// The coverage with `outside` agents judged outside the fleet.
    pub fn with_outside_fleet(mut self, outside: usize) -> Self {
        self.judged_outside_fleet = u64::try_from(outside).unwrap_or(u64::MAX);
        self
    }

    /// `; 224 more judged outside the fleet (at IDs it lacks or at other call centres/VDNs)`,
    /// or nothing when none was.
    pub fn outside_note(&self) -> String {
        match self.judged_outside_fleet {
            0 => String::new(),
            n => format!(
                "; {n} more judged outside the fleet (IDs it lacks, or agents of other call \
                 centres/VDNs)"
            ),
        }
    }

    /// `of a fleet of 200 found by the scan`, `fleet not scanned`.
    pub fn fleet_phrase(&self) -> String {
        match self.fleet_source {
            FleetSource::Discovered => {
                format!("of a fleet of {} found by the scan", self.fleet_size)
            }
            FleetSource::Given => format!("of a fleet of {} given by --agents", self.fleet_size),
            FleetSource::None => "fleet not scanned".to_owned(),
        }
    }

    /// `agents judged: 200 distinct agents answered, of a fleet of 200 found at the home pair`.
    pub fn summary(&self) -> String {
        format!(
            "agents judged: {} distinct agents answered and judged by the agent rules, \
             {}{}",
            self.judged_agents,
            self.fleet_phrase(),
            self.outside_note()
        )
    }
}

/// The call centres and VDNs other than the home pair that the run saw accepted, and the agents
/// their aimed scans judged (`hosted::ccC_vdnV::NNNN` cases).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostedCoverage {
    /// Every such pair in the order the run met them, scanned or not.
    pub pairs: Vec<HostedPair>,
}

/// One call centre and VDN the run saw accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostedPair {
    pub cc_id: i64,
    pub vdn: i64,
    /// The case whose success answer showed the pair hosted (its rerun reruns the scan).
    pub seen_in: String,
    /// Scan requests sent to it.
    pub requests: u32,
    /// Distinct agents its scan's answers held, judged by the agent rules.
    pub judged_agents: u64,
    /// Its scan cases that failed.
    pub failed: u32,
    /// Why it was not scanned (the cap on pairs, `--discovery-budget`, the selection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_scanned: Option<String>,
    /// Why its scan stopped before a step that had IDs to ask (`--discovery-budget` spent):
    /// its judged agents are part of what the pair holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_short: Option<String>,
}

impl HostedCoverage {
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs scanned.
    pub fn scanned(&self) -> impl Iterator<Item = &HostedPair> {
        self.pairs.iter().filter(|p| p.not_scanned.is_none())
    }

    /// `hosted: 1 other call centre/VDN seen accepted and judged: ccId 2, vdn 170: 200 agents
    /// judged (4 requests, 1 failed); 3 more not scanned (...)`; `None` when the run saw none.
    pub fn summary(&self) -> Option<String> {
        if self.pairs.is_empty() {
            return None;
        }
        let scanned: Vec<String> = self.scanned().map(HostedPair::describe).collect();
        let mut line = format!(
            "hosted: {} other call centre/VDN pair(s) seen accepted, {} judged",
            self.pairs.len(),
            scanned.len()
        );
        if !scanned.is_empty() {
            line.push_str(": ");
            line.push_str(&scanned.join("; "));
        }
        let mut reasons: Vec<(&str, usize)> = Vec::new();
        for reason in self.pairs.iter().filter_map(|p| p.not_scanned.as_deref()) {
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some(entry) => entry.1 += 1,
                None => reasons.push((reason, 1)),
            }
        }
        for (reason, count) in reasons {
            line.push_str(&format!("; {count} not scanned ({reason})"));
        }
        Some(line)
    }
}

impl HostedPair {
    /// `ccId 2, vdn 170: 200 agents judged (4 requests, 1 failed; seen in boundary::...)`.
    pub fn describe(&self) -> String {
        let failed = if self.failed > 0 {
            format!(", {} failed", self.failed)
        } else {
            String::new()
        };
        let requests = match self.requests {
            1 => "1 request".to_owned(),
            n => format!("{n} requests"),
        };
        let cut_short = match &self.cut_short {
            Some(why) => format!("; cut short: {why}"),
            None => String::new(),
        };
        format!(
            "ccId {}, vdn {}: {} agents judged ({requests}{failed}; seen in {}{cut_short})",
            self.cc_id, self.vdn, self.judged_agents, self.seen_in
        )
    }
}

/// The warning, when the agent data behind the verdict is too thin.
fn warning(judged: u64, fleet: u64, source: FleetSource, min: u32) -> Option<String> {
    let why = match source {
        FleetSource::Discovered if fleet == 0 => {
            " (the scan found no agent at the home pair: check --cc-id and --vdn, or name the \
             agents with --agents)"
        }
        FleetSource::None => {
            " (give the fleet with --agents, or allow the scan with --discovery-budget)"
        }
        _ => "",
    };
    if judged == 0 {
        return Some(format!(
            "the agent rules judged no agent: the verdict says nothing about agent data{why}"
        ));
    }
    (judged < u64::from(min)).then(|| {
        format!(
            "the agent rules judged only {judged} distinct agents, fewer than --min-agents \
             {min}: the verdict rests on little agent data{why}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_agent_data_is_warned_about() {
        let none = AgentCoverage::new(FleetSource::Discovered, 0, String::new(), 10, 10, 0, 10);
        let text = none.warning.unwrap();
        assert!(
            text.contains("judged no agent") && text.contains("--cc-id"),
            "{text}"
        );
        let few = AgentCoverage::new(FleetSource::Given, 3, "1-3".into(), 0, 0, 3, 10);
        assert!(few.warning.unwrap().contains("only 3 distinct agents"));
        let full = AgentCoverage::new(
            FleetSource::Discovered,
            200,
            "1-200".into(),
            10,
            10,
            200,
            10,
        );
        assert_eq!(full.warning, None);
        assert!(full.summary().contains("200 distinct agents"));
        assert!(full.summary().contains("fleet of 200"));
    }

    #[test]
    fn the_hosted_pairs_are_listed_with_their_counts_and_why_others_were_not_scanned() {
        assert_eq!(HostedCoverage::default().summary(), None);
        let pair = |cc_id, not_scanned: Option<&str>| HostedPair {
            cc_id,
            vdn: 170,
            seen_in: "boundary::ccId::min_plus_1".into(),
            requests: if not_scanned.is_none() { 4 } else { 0 },
            judged_agents: if not_scanned.is_none() { 200 } else { 0 },
            failed: u32::from(cc_id == 2),
            not_scanned: not_scanned.map(str::to_owned),
            cut_short: None,
        };
        let coverage = HostedCoverage {
            pairs: vec![
                pair(2, None),
                pair(3, None),
                pair(4, Some("at most 8 pairs")),
                pair(5, Some("at most 8 pairs")),
            ],
        };
        assert_eq!(coverage.scanned().count(), 2);
        assert_eq!(
            coverage.summary().unwrap(),
            "hosted: 4 other call centre/VDN pair(s) seen accepted, 2 judged: ccId 2, vdn 170: \
             200 agents judged (4 requests, 1 failed; seen in boundary::ccId::min_plus_1); \
             ccId 3, vdn 170: 200 agents judged (4 requests; seen in \
             boundary::ccId::min_plus_1); 2 not scanned (at most 8 pairs)"
        );
        let cut = HostedPair {
            requests: 2,
            judged_agents: 30,
            cut_short: Some(
                "--discovery-budget spent before hosted::cc2_vdn170::0003 (2 left after the \
                 fleet scan)"
                    .into(),
            ),
            ..pair(2, None)
        };
        assert_eq!(
            cut.describe(),
            "ccId 2, vdn 170: 30 agents judged (2 requests, 1 failed; seen in \
             boundary::ccId::min_plus_1; cut short: --discovery-budget spent before \
             hosted::cc2_vdn170::0003 (2 left after the fleet scan))"
        );
    }
}
