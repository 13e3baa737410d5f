//! A run without libtest output, reports or regressions: the preflight, the fleet scan, the
//! suite aimed at the fleet and (for [`run_to_record`]) the relations, returning records.
//! `selftest` and the tests drive the harness through here.

use std::time::{Instant, SystemTime};

use futures_util::StreamExt;
use tokio::runtime::Runtime;

use super::{
    RunConfig, Session, Target, fleet, hosted, multi_exchange, no_answer, order_like, preflight,
    run_record, selftest, suite, trials,
};
use crate::error::{Error, Result};
use crate::report::{self, CaseRecord, RunRecord, Verdict};

/// How [`quiet_run_with`] goes through the suite.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuietOptions {
    /// Stop starting cases once one has failed (the rest are recorded as skipped).
    pub stop_at_first_failure: bool,
    /// Send the smallest requests first (cheap cases catch most deviations).
    pub smallest_first: bool,
    /// Send the suite even when the preflight fails (selftest: a mutated mock that spoils the
    /// seed example's answer must be caught by the cases' checks, not stop the run).
    pub despite_failed_preflight: bool,
}

/// Runs the whole suite of `config` concurrently without libtest output, reports or
/// regressions, and returns the case records in suite order (selftest, tests). The preflight
/// goes first, as in `run`: when it fails, the error says why and nothing else is sent. With
/// [`QuietOptions::despite_failed_preflight`] the suite goes out all the same, and a target that
/// answered nothing is not an error: selftest counts it as a caught mutation.
pub fn quiet_run(config: &RunConfig, runtime: &Runtime) -> Result<Vec<CaseRecord>> {
    quiet_run_with(config, runtime, QuietOptions::default())
}

/// [`quiet_run`] with options.
pub fn quiet_run_with(
    config: &RunConfig,
    runtime: &Runtime,
    options: QuietOptions,
) -> Result<Vec<CaseRecord>> {
    Ok(quiet_run_aimed(config, runtime, options)?.records)
}

/// What a quiet run established: every record (the fleet scan's first), the agents judged,
/// and the configuration aimed at the fleet (for the relations after it).
struct QuietRun {
    records: Vec<CaseRecord>,
    agents: report::AgentCoverage,
    aimed: RunConfig,
    case_set_hash: String,
}

/// The quiet run itself: preflight, fleet scan (when `config.scan_fleet` and a budget allow
/// it, or `--agents`), then the suite aimed at the fleet.
fn quiet_run_aimed(
    config: &RunConfig,
    runtime: &Runtime,
    options: QuietOptions,
) -> Result<QuietRun> {
    let session = Session::start(config, runtime)?;
    if let preflight::Finding::Fatal(message) = runtime.block_on(preflight::run(&session, config)) {
        if !options.despite_failed_preflight {
            return Err(Error::Runtime(message));
        }
    }
    let scan = runtime.block_on(fleet::scan(
        &session,
        config,
        &super::progress::Progress::off(),
    ));
    let mut aimed = config.clone();
    fleet::aim(&mut aimed, &scan);
    let cases = suite::assemble(&aimed)?;
    let probes = suite::allowed_probes(cases.iter(), config.auth_probes);
    let reason = trials::probe_skip_reason(config.auth_probes);
    let mut order: Vec<&crate::cases::Case> = cases.iter().collect();
    if options.smallest_first {
        order.sort_by_key(|c| c.request.body_bytes().len());
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut records: Vec<CaseRecord> = runtime.block_on(
        futures_util::stream::iter(order)
            .map(|case| {
                let session = &session;
                let blocked = suite::probe_refused(case, &probes);
                let reason = &reason;
                let stop = &stop;
                async move {
                    if blocked {
                        return session.skipped(case, reason);
                    }
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return session.skipped(case, "not needed: a case already failed");
                    }
                    let record = session.execute(case).await;
                    if options.stop_at_first_failure && record.verdict == Verdict::Failed {
                        stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    record
                }
            })
            .buffer_unordered(config.concurrency.max(1))
            .collect(),
    );
    let suite_order: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    order_like(&mut records, &suite_order);
    let hosting = hosted::probes_of(&config.contract, config.home, &cases);
    hosted::apply_boundary_faults(&mut records, &hosting);
    let agents = scan.coverage(session.judged_agents(), config.min_agents);
    let mut all = scan.records;
    all.extend(records);
    Ok(QuietRun {
        records: all,
        agents,
        case_set_hash: suite::case_set_hash(&cases),
        aimed,
    })
}

/// The relations of `config` against a fresh session (selftest).
pub fn quiet_relations(
    config: &RunConfig,
    runtime: &Runtime,
) -> Result<Vec<crate::report::RelationRecord>> {
    let session = Session::start(config, runtime)?;
    Ok(multi_exchange::run(
        config,
        &session,
        runtime,
        &super::progress::Progress::off(),
    ))
}

/// Like [`quiet_run`] on a runtime of its own, returning the whole run record.
pub fn run_to_record(config: &RunConfig) -> Result<RunRecord> {
    let runtime = selftest::build_runtime()?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let run = quiet_run_aimed(config, &runtime, QuietOptions::default())?;
    let relation_records = if config.relations {
        quiet_relations(&run.aimed, &runtime)?
    } else {
        Vec::new()
    };
    if let Some(reason) = no_answer(&run.records) {
        return Err(Error::Runtime(format!("target unusable: {reason}")));
    }
    let label = match &config.target {
        Target::Embedded { .. } => report::reproduce::EMBEDDED_TARGET.to_owned(),
        Target::Remote { base_url } => base_url.clone(),
    };
    let mut record = run_record::build(
        config,
        &label,
        run.case_set_hash,
        run.records,
        started,
        clock.elapsed(),
    );
    run_record::add_relations(&mut record, relation_records);
    record.meta.agents = run.agents;
    report::complete(&mut record);
    Ok(record)
}
