//! Cases as libtest-mimic trials, so `--list`, a filter, `--exact`, `--skip`, `--test-threads`
//! and `--format` behave as in `cargo test`. The cases run as one task on the run's one-thread
//! runtime; libtest reports them in suite order on the same thread, each trial driving the
//! runtime until its case's [`CaseRecord`] is in (`--test-threads` sets how many cases are in
//! flight). libtest's output goes to stdout, the progress bar (when [`super::progress`] allows
//! one: never on the terminal libtest writes to) to stderr.

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use super::progress::Phase;
use super::session::{Session, failure_message};
use crate::cases::Case;
use crate::report::{CaseRecord, Verdict};

/// The cases libtest would run under `arguments` (not filtered out).
pub fn selected<'a>(arguments: &Arguments, cases: &'a [Case]) -> Vec<&'a Case> {
    cases
        .iter()
        .filter(|c| !arguments.is_filtered_out(&Trial::test(c.id.clone(), || Ok(()))))
        .collect()
}

/// Prints the case list the way `cargo test -- --list` does: `NAME: test`, a line per case
/// the filters keep. A reader that stops early (`| head`) ends the listing: the write error
/// is returned for the caller to tell apart (libtest-mimic's own listing panics on it).
pub fn list(arguments: &Arguments, cases: &[Case]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for case in selected(arguments, cases) {
        writeln!(out, "{}: test", case.id)?;
    }
    out.flush()
}

/// Why a probe beyond the budget is not sent.
pub fn probe_skip_reason(budget: u32) -> String {
    format!(
        "not sent: --auth-probes {budget} spent (the request does not carry the harness's own \
         valid signature, and real servers lock a client IP out after repeated authentication \
         failures)"
    )
}

/// Runs every selected case and reports each as a libtest trial; returns their records
/// (filtered-out cases have none).
///
/// The cases run as one task on the runtime, `concurrency` at a time, and libtest runs its
/// trials one after another on this thread: each trial drives the runtime until its own case's
/// record is in, so requests keep flowing while libtest waits, and the whole run stays on one
/// thread. Handing every case from a libtest thread to a runtime thread and back cost about a
/// third of the run's time in thread switches.
#[allow(clippy::too_many_arguments)]
pub fn run(
    session: Arc<Session>,
    runtime: &Arc<Runtime>,
    arguments: &Arguments,
    concurrency: usize,
    cases: Vec<Case>,
    probes_allowed: HashSet<String>,
    probe_budget: u32,
    progress: Phase,
    executed: Vec<CaseRecord>,
) -> Vec<CaseRecord> {
    let progress = Arc::new(progress);
    let mut to_execute = Vec::new();
    let mut trials = Vec::with_capacity(cases.len() + executed.len());
    let taken = Arc::new(Mutex::new(Vec::with_capacity(cases.len() + executed.len())));
    // Cases sent before the trials (the fleet scan): shown as trials. A filter that leaves
    // them out leaves them out of the run's records too: a rerun of one property case sends
    // the scan to aim at the fleet, but reports only the case it was asked for.
    for record in executed {
        let outcome = outcome(&record);
        let trial = Trial::ignorable_test(record.id.clone(), move || outcome);
        if arguments.is_filtered_out(&trial) {
            continue;
        }
        trials.push(trial);
        if let Ok(mut taken) = taken.lock() {
            taken.push(record);
        }
    }
    for case in cases {
        let case = Arc::new(case);
        let (sender, receiver) = oneshot::channel::<CaseRecord>();
        if !arguments.is_filtered_out(&Trial::test(case.id.clone(), || Ok(()))) {
            to_execute.push((Arc::clone(&case), sender));
        }
        let taken = Arc::clone(&taken);
        let progress = Arc::clone(&progress);
        let runtime = Arc::clone(runtime);
        trials.push(Trial::ignorable_test(case.id.clone(), move || {
            // Cases finish while earlier trials drive the runtime: most records are in already.
            let mut receiver = receiver;
            let arrived = match receiver.try_recv() {
                Ok(record) => Some(record),
                Err(oneshot::error::TryRecvError::Empty) => runtime.block_on(receiver).ok(),
                Err(oneshot::error::TryRecvError::Closed) => None,
            };
            let Some(record) = arrived else {
                return Ok(Completion::ignored_with(
                    "not executed: the run stopped early",
                ));
            };
            progress.advance();
            let outcome = outcome(&record);
            if let Ok(mut taken) = taken.lock() {
                taken.push(record);
            }
            outcome
        }));
    }
    let skip_reason = probe_skip_reason(probe_budget);
    let executing = runtime.spawn(
        futures_util::stream::iter(to_execute)
            .map(move |(case, sender)| {
                let session = Arc::clone(&session);
                let blocked = super::suite::probe_refused(&case, &probes_allowed);
                let skip_reason = skip_reason.clone();
                async move {
                    let record = if blocked {
                        session.skipped(&case, &skip_reason)
                    } else {
                        session.execute(&case).await
                    };
                    (sender, record)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .for_each(|(sender, record)| {
                // A dropped receiver means libtest stopped; the record is no longer wanted.
                let _ = sender.send(record);
                std::future::ready(())
            }),
    );
    let mut libtest_arguments = arguments.clone();
    libtest_arguments.test_threads = Some(1);
    // The exit code comes from our own records (baselines, probe budget), not libtest's.
    let _conclusion = libtest_mimic::run(&libtest_arguments, trials);
    executing.abort();
    let _stopped = runtime.block_on(executing);
    // libtest has dropped the trials and their handles: this last one clears the bar.
    drop(progress);
    let mut taken = match taken.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    std::mem::take(&mut *taken)
}

/// How a record reads as a libtest outcome.
fn outcome(record: &CaseRecord) -> Result<Completion, Failed> {
    match record.verdict {
        Verdict::Passed => Ok(Completion::Completed),
        Verdict::Skipped => Ok(Completion::ignored_with(
            record.error.clone().unwrap_or_default(),
        )),
        Verdict::Failed => Err(Failed::from(failure_message(record))),
    }
}
