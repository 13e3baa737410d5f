//! The one way a run goes: session → preflight → fleet scan → the suite aimed at the fleet →
//! shrinking → boundary faults → the hosted scans of the other pairs seen accepted →
//! relations → the [`RunRecord`]. `cmsconform run`, `selftest`
//! and the tests all go through [`run`]; what differs between them is in [`RunOptions`]: how the
//! cases are driven (libtest trials in the commands layer, [`InProcess`] here), whether a failed
//! preflight stops the run, whether failures are shrunk, and who watches ([`Observer`]).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio::runtime::Runtime;

use super::observe::Observer;
use super::{
    RunConfig, Session, fleet, hosted, multi_exchange, order_like, preflight, regress, run_record,
    suite, unusable_reason,
};
use crate::cases::Case;
use crate::error::{Error, Result};
use crate::report::{CaseRecord, RunRecord};

pub use super::in_process::InProcess;

/// Sends a run's cases and returns their records, in any order. The commands layer drives them
/// as libtest trials; [`InProcess`] sends them without output.
pub trait CaseDriver {
    /// Sends `cases` through `sending`; `sent_before` (the fleet scan's records) are the run's
    /// already, for a driver that shows them. Returns every record it kept, those included.
    fn drive(
        &self,
        sending: &Sending,
        cases: Vec<Case>,
        sent_before: Vec<CaseRecord>,
    ) -> Vec<CaseRecord>;

    /// Shows the records of cases the run sent after the others (the hosted scans), which the
    /// selection already chose, and returns them.
    fn show(&self, records: Vec<CaseRecord>) -> Vec<CaseRecord> {
        records
    }
}

/// What a [`CaseDriver`] sends with: the session, its runtime and the bad-auth budget.
pub struct Sending {
    pub session: Arc<Session>,
    pub runtime: Arc<Runtime>,
    /// `--auth-probes`: requests without the harness's own valid signature the run may send.
    pub auth_probes: u32,
}

impl Sending {
    /// The probes among `will_run` that fit the budget, in suite order.
    pub fn allowed_probes<'a>(&self, will_run: impl Iterator<Item = &'a Case>) -> HashSet<String> {
        suite::allowed_probes(will_run, self.auth_probes)
    }

    /// Sends `case`, or records it skipped when it is a probe beyond the budget.
    pub async fn send(&self, case: &Case, probes_allowed: &HashSet<String>) -> CaseRecord {
        if suite::probe_refused(case, probes_allowed) {
            return self
                .session
                .skipped(case, &probe_skip_reason(self.auth_probes));
        }
        self.session.execute(case).await
    }
}

/// Why a probe beyond the budget is not sent.
pub fn probe_skip_reason(budget: u32) -> String {
    format!(
        "not sent: --auth-probes {budget} spent (the request does not carry the harness's own \
         valid signature, and real servers lock a client IP out after repeated authentication \
         failures)"
    )
}

/// How a run goes, beyond its [`RunConfig`].
pub struct RunOptions<'a> {
    pub driver: &'a dyn CaseDriver,
    pub observer: &'a dyn Observer,
    /// Send the cases (selftest turns them off to ask for the relations alone).
    pub cases: bool,
    /// Go on when the preflight fails (selftest: a mutated mock that spoils the seed example's
    /// answer must be caught by the cases' checks, not stop the run).
    pub despite_failed_preflight: bool,
    /// Shrink failing property cases into the config's `regressions_dir`.
    pub shrink: bool,
}

/// What a run produced.
pub struct Ran {
    /// Cases (the fleet scan's first) in suite order, relations, agents judged, rate limits.
    /// Not yet [`crate::report::complete`]d: a caller that writes no report skips that work.
    pub record: RunRecord,
    /// Why the target could not be judged, if so (see [`unusable_reason`]); the relations are
    /// not sent then.
    pub unusable: Option<String>,
    /// The line saying the run stopped sending at the circuit breaker after a judged failure
    /// (see [`super::breaker_note`]); the relations are not sent then either.
    pub stopped: Option<String>,
    /// What the cases were sent through, for [`Ran::stopped_without_verdict`].
    session: Arc<Session>,
}

impl Ran {
    /// Once a baseline has been applied: the breaker opened and every judged failure is one the
    /// baseline accepts, so the run has no verdict of its own (see
    /// [`super::stopped_without_verdict`]).
    pub fn stopped_without_verdict(&self) -> Option<String> {
        super::stopped_without_verdict(&self.session, &self.record)
    }
}

/// Runs `config` as `options` says. An error is a run that could not start or whose preflight
/// failed: nothing but the preflight was sent then.
pub fn run(config: &RunConfig, runtime: &Arc<Runtime>, options: &RunOptions) -> Result<Ran> {
    let observer = options.observer;
    let started = SystemTime::now();
    let clock = Instant::now();
    let session = Arc::new(Session::start(config, runtime)?);
    observer.line(&format!(
        "profile: {}, target: {}",
        config.profile_name(),
        session.target_label
    ));
    let preflight = runtime.block_on(preflight::run(&session, config));
    match preflight.finding {
        // Nothing else was sent: no case records and no regressions, but a report of the stop.
        preflight::Finding::Fatal(message) if !options.despite_failed_preflight => {
            let mut record = run_record::build(
                config,
                &session.target_label,
                String::new(),
                Vec::new(),
                started,
                clock.elapsed(),
            );
            record.meta.stopped = preflight.stop;
            return Err(Error::Stopped(Box::new(crate::error::StoppedRun {
                message,
                record,
            })));
        }
        preflight::Finding::Fatal(_) => {}
        preflight::Finding::HomeRefused(warning) | preflight::Finding::Unexpected(warning) => {
            observer.warning(&warning)
        }
        preflight::Finding::Accepted => {
            observer.line("preflight: the run's signature was accepted");
        }
    }
    let mut scan = runtime.block_on(fleet::scan(&session, config, observer));
    observer.line(&scan.summary(config));
    // A preflight answered with a defect is the run's first judged case.
    if let Some(failed) = preflight.failed {
        scan.records.insert(0, failed);
    }
    let mut aimed = config.clone();
    fleet::aim(&mut aimed, &scan);
    let cases = if options.cases {
        suite::assemble(&aimed)?
    } else {
        Vec::new()
    };
    let case_set_hash = suite::case_set_hash(&cases);
    let suite_order: Vec<String> = (scan.records.iter().map(|r| r.id.clone()))
        .chain(cases.iter().map(|c| c.id.clone()))
        .collect();
    let hosting = hosted::probes_of(&config.contract, config.home, &cases);
    let pairs = fleet::hosted::pairs_of(&config.contract, config.home, &cases);
    let sending = Sending {
        session: Arc::clone(&session),
        runtime: Arc::clone(runtime),
        auth_probes: config.auth_probes,
    };
    let mut records = options
        .driver
        .drive(&sending, cases, std::mem::take(&mut scan.records));
    drop(sending);
    order_like(&mut records, &suite_order);
    let unusable = unusable_reason(&session, &records);
    if options.shrink && unusable.is_none() {
        regress::shrink_failures(&aimed, &session, runtime, &records, observer);
    }
    // After the shrinking: a boundary fault needs its neighbour's case, which a shrink replays
    // without.
    for (id, finding) in hosted::apply_boundary_faults(&mut records, &hosting) {
        observer.line(&format!("boundary fault: {id}\n    {finding}"));
    }
    // The other pairs the cases saw accepted: their agents are judged too, before the
    // relations, through the same session (breaker, halt) and from the same budget.
    let mut hosted_scan = fleet::hosted::HostedScan::default();
    if unusable.is_none() && super::breaker_note(&session).is_none() {
        let seen = fleet::hosted::accepted(&pairs, &records);
        hosted_scan = runtime.block_on(fleet::hosted::scan(&session, &aimed, seen, observer));
        aimed.discovery_budget = aimed.discovery_budget.saturating_sub(hosted_scan.spent);
        records.extend(
            options
                .driver
                .show(std::mem::take(&mut hosted_scan.records)),
        );
        if let Some(line) = hosted_scan.coverage.summary() {
            observer.line(&line);
        }
    }
    drop(pairs);
    // The hosted scan may have stopped the run too (a 401, a 403, the breaker).
    let unusable = unusable.or_else(|| unusable_reason(&session, &records));
    // A breaker open after a judged failure: the verdict stands, but nothing more is sent.
    let stopped = super::breaker_note(&session);
    let blocked = match (&unusable, session.client.breaker_reason()) {
        (Some(reason), _) => Some(format!("not sent: the target was unusable ({reason})")),
        (None, Some(reason)) => Some(format!("not sent: the run stopped sending ({reason})")),
        (None, None) => None,
    };
    let relation_plan = multi_exchange::plan(&aimed, config.discovery_budget, blocked.as_deref());
    let relations = if relation_plan.send.is_empty() {
        Vec::new()
    } else {
        let found = multi_exchange::run(&aimed, &relation_plan.send, &session, runtime, observer);
        for line in multi_exchange::lines(&found) {
            observer.line(&line);
        }
        found
    };
    for line in multi_exchange::not_run_lines(&relation_plan.not_run) {
        observer.line(&line);
    }
    let mut record = run_record::build(
        &aimed,
        &session.target_label,
        case_set_hash,
        records,
        started,
        clock.elapsed(),
    );
    run_record::add_relations(&mut record, relations);
    record.meta.relations_not_run = relation_plan.not_run;
    record.meta.hosted = hosted_scan.coverage;
    record.meta.agents = scan.coverage(session.judged_agents(), config.min_agents);
    let profile = config.contract.profile();
    record.meta.fleet_range = crate::report::limits::fleet_range(
        &record.meta.agents,
        profile.limits.agent_ids.ids_in_ranges(),
        u64::try_from(profile.limits.agent_ids.max_items).unwrap_or(u64::MAX),
        profile.fleet_scan.warn_below_share,
        record.relations.iter().any(|r| {
            r.relation.starts_with("sub-batch") && r.verdict == crate::report::Verdict::Passed
        }),
    );
    observer.line(&record.meta.agents.summary());
    record.meta.rate_limits = session.rate_limits();
    crate::report::add_rate_limit_coverage(&mut record.coverage, &record.meta.rate_limits);
    if let Some(line) = record.meta.rate_limits.summary() {
        observer.line(&line);
    }
    record.meta.resent_after_close = session.client.resent_after_close();
    if let Some(line) = record.meta.resend_summary() {
        observer.line(&line);
    }
    Ok(Ran {
        record,
        unusable,
        stopped,
        session,
    })
}
