//! The multi-exchange half of a run: the consistency relations (notes:6.14) and the discovery
//! of the limits the target really enforces, sent through the run's client after the cases.
//!
//! STUB until `crate::consistency` is on main: it runs no relation. The wiring (the same
//! signatures) is on branch `run-integ` (`git checkout run-integ -- src/runner/relations.rs`
//! once consistency is merged); everything that calls it is already in place.

use tokio::runtime::Runtime;

use super::config::RunConfig;
use super::session::Session;
use crate::report::{RelationRecord, Verdict};

/// Sends the relations' requests and returns their records (none until consistency lands).
pub fn run(_config: &RunConfig, _session: &Session, _runtime: &Runtime) -> Vec<RelationRecord> {
    Vec::new()
}

/// `relation NAME ... ok|FAILED|skipped`, then the failing findings.
pub fn print(relations: &[RelationRecord], say: super::record::Printer) {
    if relations.is_empty() {
        return;
    }
    say.line("");
    for relation in relations {
        let verdict = match relation.verdict {
            Verdict::Passed => "ok",
            Verdict::Failed => "FAILED",
            Verdict::Skipped => "skipped",
        };
        say.line(&format!("relation {} ... {verdict}", relation.relation));
        for violation in relation.violations.iter().filter(|v| v.is_failure()) {
            say.line(&format!("    {violation}"));
        }
        for finding in &relation.findings {
            say.line(&format!("    {finding}"));
        }
    }
}
