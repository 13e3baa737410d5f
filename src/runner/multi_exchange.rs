//! The multi-exchange half of a run: the consistency relations (notes:6.14) and the discovery
//! of the limits the target really enforces, sent through the run's client after the cases.
//! The rules live in [`crate::consistency`]; this file only wires them to the session, decides
//! which of them the run sends ([`plan`]: `--no-relations`, the selection, an unusable target,
//! the budget) and words one line per relation, libtest-style, and one per reason some did not
//! run.

use tokio::runtime::Runtime;

use super::config::RunConfig;
use super::observe::{Counted, Observer};
use super::session::Session;
use crate::cases::generate::filler_value;
use crate::consistency::{self, ClientSender, ConsistencyConfig};
use crate::report::{NotRun, RelationRecord, Verdict};

/// Which relations and limit discoveries a run sends, by record name, and which it leaves out,
/// grouped by why.
#[derive(Debug, Default, PartialEq)]
pub struct RelationPlan {
    pub send: Vec<&'static str>,
    pub not_run: Vec<NotRun>,
}

/// What `config` sends of the relations and limit discoveries. `config` is the run's as aimed
/// (its `discovery_budget` what the scans left of `budget`, the whole `--discovery-budget`);
/// `blocked` says why nothing more may be sent (an unusable target, the breaker), if so.
pub fn plan(config: &RunConfig, budget: u32, blocked: Option<&str>) -> RelationPlan {
    let mut plan = RelationPlan::default();
    for name in consistency::record_names() {
        let selected = consistency::selection_name(name);
        let discovery = consistency::DISCOVERY_NAMES.contains(&name);
        let reason = if !config.relations {
            Some("--no-relations left them out".to_owned())
        } else if !config.selection.keeps(&selected) {
            Some(format!(
                "the selection ({}) left them out",
                config.selection.describe()
            ))
        } else if let Some(why) = blocked {
            Some(why.to_owned())
        } else if discovery && config.discovery_budget == 0 {
            Some(if budget == 0 {
                "--discovery-budget 0 left no request for them".to_owned()
            } else {
                format!("the fleet and hosted scans spent all of --discovery-budget {budget}")
            })
        } else {
            None
        };
        let Some(reason) = reason else {
            plan.send.push(name);
            continue;
        };
        match plan.not_run.iter_mut().find(|n| n.reason == reason) {
            Some(group) => group.names.push(selected),
            None => plan.not_run.push(NotRun {
                reason,
                names: vec![selected],
            }),
        }
    }
    plan
}

/// The selection names (`relation::repetition`, `discovery::vdn`) of the relations and limit
/// discoveries `config` would send, for `--list` and for a selection that keeps only them;
/// `discovery`: whether the budget leaves the limit discovery any request.
pub fn selected_names(config: &RunConfig, discovery: bool) -> Vec<String> {
    if !config.relations {
        return Vec::new();
    }
    consistency::record_names()
        .filter(|name| discovery || !consistency::DISCOVERY_NAMES.contains(name))
        .map(consistency::selection_name)
        .filter(|name| config.selection.keeps(name))
        .collect()
}

/// `relations not run: relation::repetition, ...: the selection (FILTER "hand::") left them
/// out`, a line per reason.
pub fn not_run_lines(not_run: &[NotRun]) -> Vec<String> {
    not_run
        .iter()
        .map(|group| {
            format!(
                "relations not run ({}): {}: {}",
                group.names.len(),
                group.names.join(", "),
                group.reason
            )
        })
        .collect()
}

/// Sends the relations and limit discoveries named in `send` (record names, see [`plan`]): the
/// relations' requests, then the limit discovery's, each a phase of the observer's, and
/// returns their records (secrets already redacted).
pub fn run(
    config: &RunConfig,
    send: &[&str],
    session: &Session,
    runtime: &Runtime,
    observer: &dyn Observer,
) -> Vec<RelationRecord> {
    let mut consistency_config = consistency_config(config);
    consistency_config.only = Some(send.iter().map(|name| (*name).to_owned()).collect());
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
