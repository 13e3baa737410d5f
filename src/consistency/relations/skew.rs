//! Load-balanced nodes (notes:6.16): the differences two answers may show for an agent when
//! they come from nodes whose clocks differ a little (a signed-in agent's `logonTime`, a
//! duration going back), within the tolerance, summed up per comparison into one finding of
//! information. Larger differences stay violations of the relation (`record`).

use super::{NODE_SKEW, agents};
use crate::checks::Violation;

/// How far apart the answering nodes' clocks look for one agent, within the tolerance: the
/// differences notes:6.16 allows and the run reports as information.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct NodeSkew {
    /// `|logonTime₁ − logonTime₂|` of a signed-in agent, ms (0: equal).
    pub logon_ms: i64,
    /// How far a duration went back without a state change, s (0: it did not).
    pub duration_back_s: i64,
}

impl NodeSkew {
    pub fn is_none(&self) -> bool {
        self.logon_ms == 0 && self.duration_back_s == 0
    }
}

/// The node skews of one comparison, summed up into one finding.
#[derive(Default)]
pub(super) struct SkewTally {
    logon_agents: usize,
    logon_max_ms: i64,
    duration_agents: usize,
    duration_max_s: i64,
    /// Where the largest difference was seen.
    pointer: String,
}

impl SkewTally {
    pub(super) fn add(&mut self, skew: NodeSkew, pointer: impl FnOnce() -> String) {
        if skew.is_none() {
            return;
        }
        let largest = if skew.logon_ms > 0 {
            self.logon_agents += 1;
            let larger = skew.logon_ms > self.logon_max_ms;
            self.logon_max_ms = self.logon_max_ms.max(skew.logon_ms);
            larger
        } else {
            self.logon_max_ms == 0 && skew.duration_back_s > self.duration_max_s
        };
        if skew.duration_back_s > 0 {
            self.duration_agents += 1;
            self.duration_max_s = self.duration_max_s.max(skew.duration_back_s);
        }
        if largest || self.pointer.is_empty() {
            self.pointer = pointer();
        }
    }

    /// "nodes disagree by N ms", as information (notes:6.16); `None` when nothing differed.
    pub(super) fn violation(&self, (a, b): (usize, usize), tolerance_ms: i64) -> Option<Violation> {
        let mut parts = Vec::new();
        if self.logon_agents > 0 {
            parts.push(format!(
                "nodes disagree by {} ms: the logonTime of {} signed-in {} differs between #{a} and #{b}",
                self.logon_max_ms,
                self.logon_agents,
                if self.logon_agents == 1 { "agent" } else { "agents" }
            ));
        }
        if self.duration_agents > 0 {
            let lead = if parts.is_empty() {
                "nodes disagree: "
            } else {
                ""
            };
            parts.push(format!(
                "{lead}currentStateTime went back by up to {} s for {} between #{a} and #{b}",
                self.duration_max_s,
                agents(self.duration_agents)
            ));
        }
        if parts.is_empty() {
            return None;
        }
        let value = if self.logon_agents > 0 {
            format!("{} ms", self.logon_max_ms)
        } else {
            format!("{} s", self.duration_max_s)
        };
        Some(
            Violation::new(
                &NODE_SKEW,
                self.pointer.clone(),
                format!(
                    "{}; within the tolerance of {tolerance_ms} ms (--relations-tolerance), as load-balanced nodes whose clocks differ would answer",
                    parts.join("; ")
                ),
            )
            .with_value(value),
        )
    }
}
