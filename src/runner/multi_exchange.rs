//! The multi-exchange half of a run: the consistency relations (notes:6.14) and the discovery
//! of the limits the target really enforces, sent through the run's client after the cases.
//! The rules live in [`crate::consistency`]; this file only wires them to the session and
//! words one line per relation, libtest-style.

use tokio::runtime::Runtime;

use super::config::RunConfig;
use super::observe::{Counted, Observer};
use super::session::Session;
use crate::cases::generate::filler_value;
use crate::consistency::{self, ClientSender, ConsistencyConfig};
use crate::report::{RelationRecord, Verdict};

/// Sends the relations' requests, then the limit discovery's, each a phase of the observer's,
/// and returns their records (secrets already redacted).
pub fn run(
    config: &RunConfig,
    session: &Session,
    runtime: &Runtime,
    observer: &dyn Observer,
) -> Vec<RelationRecord> {
    let consistency_config = consistency_config(config);
    let sender = ClientSender::new(&session.client, config.path.clone());
    let contract = &config.contract;
    // Each outcome becomes its record (excerpts, secrets redacted) as soon as it is settled.
    let keep =
        |outcome| RelationRecord::from_outcome(outcome, &session.base_url, session.redactor());
    // The two halves of `consistency::run_all`, apart so that each has its own spinner.
    let phase = observer.phase("relations", None);
    let counted = Counted::new(&sender, phase.as_ref());
    let mut records = runtime.block_on(consistency::run_relations(
        contract,
        &counted,
        &consistency_config,
        keep,
    ));
    drop(phase);
    let phase = observer.phase("limit discovery", None);
    let counted = Counted::new(&sender, phase.as_ref());
    records.extend(runtime.block_on(consistency::discover_limits(
        contract,
        &counted,
        &consistency_config,
        keep,
    )));
    records
}

fn consistency_config(config: &RunConfig) -> ConsistencyConfig {
    let mut consistency =
        ConsistencyConfig::from_seed_example(&config.case_source).unwrap_or_else(|_| {
            // No seed fixture in a custom cases directory: use the generator's fillers.
            let shape = config.contract.request_shape();
            let member = |name: &str| {
                shape
                    .property(name)
                    .and_then(|s| filler_value(name, s, config.home).as_i64())
                    .unwrap_or(1)
            };
            ConsistencyConfig::new(member("ccId"), member("vdn"))
        });
    consistency.cc_id = config.home.cc_id;
    consistency.vdn = config.home.vdn;
    consistency.tolerance_ms = config.relations_tolerance_ms;
    consistency.seed = config.seed;
    consistency.discovery_budget = config.discovery_budget;
    consistency.fleet = config.fleet.clone();
    consistency
}

/// `relation NAME ... ok|FAILED|skipped`, then its violations and findings, a line each (after
/// a blank one); nothing without relations.
pub fn lines(relations: &[RelationRecord]) -> Vec<String> {
    let mut lines = Vec::new();
    if relations.is_empty() {
        return lines;
    }
    lines.push(String::new());
    for relation in relations {
        let verdict = match relation.verdict {
            Verdict::Passed => "ok",
            Verdict::Failed => "FAILED",
            Verdict::Skipped => "skipped",
        };
        lines.push(format!("relation {} ... {verdict}", relation.relation));
        // Failures, and the information a relation adds (nodes disagreeing within the
        // tolerance, notes:6.16): relation violations are few (capped per relation).
        for violation in &relation.violations {
            lines.push(format!("    {violation}"));
        }
        for finding in &relation.findings {
            lines.push(format!("    {finding}"));
        }
    }
    lines
}
