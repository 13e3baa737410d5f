//! Cases as trials, so `--list`, a filter, `--exact`, `--skip`, `--test-threads` and
//! `--format` behave as in `cargo test` (libtest-mimic's [`Arguments`] decide what a selection
//! keeps; [`trial_output`] prints the lines, without libtest-mimic's repeated failure blocks).
//! The cases run as one task on the run's one-thread runtime; the trials are reported in suite
//! order on the same thread, each trial driving the runtime until its case's [`CaseRecord`] is
//! in (`--test-threads` sets how many cases are in flight). The trials' lines go to stdout, the progress bar (when [`super::progress`] allows
//! one: never on the terminal libtest writes to) to stderr. [`Trials`] is the run command's
//! [`CaseDriver`].

use std::io::Write;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use libtest_mimic::{Arguments, Trial};
use tokio::sync::oneshot;

use super::progress::Progress;
use super::trial_output::{self, Outcome, Pending, Style};
use crate::cases::Case;
use crate::report::{CaseRecord, Verdict};
use crate::runner::pipeline::{CaseDriver, Sending, probe_skip_reason};
use crate::runner::session::failure_message;
use crate::runner::suite;

/// The cases libtest would run under `arguments` (not filtered out).
pub fn selected<'a>(arguments: &Arguments, cases: &'a [Case]) -> Vec<&'a Case> {
    cases
        .iter()
        .filter(|c| !arguments.is_filtered_out(&Trial::test(c.id.clone(), || Ok(()))))
        .collect()
}

/// Prints the case list the way `cargo test -- --list` does: `NAME: test`, a line per case
/// the filters keep, then the `relations` they keep (already selected), the same way. A reader
/// that stops early (`| head`) ends the listing: the write error is returned for the caller to
/// tell apart (libtest-mimic's own listing panics on it).
pub fn list(arguments: &Arguments, cases: &[Case], relations: &[String]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for case in selected(arguments, cases) {
        writeln!(out, "{}: test", case.id)?;
    }
    for name in relations {
        writeln!(out, "{name}: test")?;
    }
    out.flush()
}

/// Drives the cases as libtest trials under `arguments`, `concurrency` in flight, with a bar
/// on a terminal when `progress` allows one.
pub struct Trials {
    pub arguments: Arguments,
    /// How the outcomes are printed.
    pub style: Style,
    pub concurrency: usize,
    pub progress: Progress,
}

impl CaseDriver for Trials {
    fn drive(
        &self,
        sending: &Sending,
        cases: Vec<Case>,
        sent_before: Vec<CaseRecord>,
    ) -> Vec<CaseRecord> {
        run(self, sending, cases, sent_before)
    }

    /// The hosted scans' cases, judged after the others: a second libtest block of their
    /// outcomes. The run chose them already (they follow the case that saw their pair
    /// accepted), so libtest's own filter is not applied to them again.
    fn show(&self, records: Vec<CaseRecord>) -> Vec<CaseRecord> {
        if records.is_empty() {
            return records;
        }
        let trials = records
            .iter()
            .map(|record| {
                let outcome = outcome(record);
                Pending::new(record.id.clone(), move || outcome)
            })
            .collect();
        let arguments = Arguments {
            filter: None,
            exact: false,
            skip: Vec::new(),
            test_threads: Some(1),
            ..self.arguments.clone()
        };
        let _counts = trial_output::run(&arguments, self.style, trials);
        records
    }
}

/// Runs every selected case and reports each as a libtest trial; returns their records
/// (filtered-out cases have none).
///
/// The cases run as one task on the runtime, `concurrency` at a time, and libtest runs its
/// trials one after another on this thread: each trial drives the runtime until its own case's
/// record is in, so requests keep flowing while libtest waits, and the whole run stays on one
/// thread. Handing every case from a libtest thread to a runtime thread and back cost about a
/// third of the run's time in thread switches.
fn run(
    trials_of: &Trials,
    sending: &Sending,
    cases: Vec<Case>,
    executed: Vec<CaseRecord>,
) -> Vec<CaseRecord> {
    let arguments = &trials_of.arguments;
    let runtime = &sending.runtime;
    let selected = selected(arguments, &cases);
    let progress = Arc::new(trials_of.progress.trials(selected.len()));
    let probes_allowed = sending.allowed_probes(selected.into_iter());
    let mut to_execute = Vec::new();
    let mut trials = Vec::with_capacity(cases.len() + executed.len());
    let taken = Arc::new(Mutex::new(Vec::with_capacity(cases.len() + executed.len())));
    // Cases sent before the trials (the fleet scan): shown as trials. A filter that leaves
    // them out leaves them out of the run's records too: a rerun of one property case sends
    // the scan to aim at the fleet, but reports only the case it was asked for.
    for record in executed {
        let outcome = outcome(&record);
        if arguments.is_filtered_out(&Trial::test(record.id.clone(), || Ok(()))) {
            continue;
        }
        trials.push(Pending::new(record.id.clone(), move || outcome));
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
        trials.push(Pending::new(case.id.clone(), move || {
            // Cases finish while earlier trials drive the runtime: most records are in already.
            let mut receiver = receiver;
            let arrived = match receiver.try_recv() {
                Ok(record) => Some(record),
                Err(oneshot::error::TryRecvError::Empty) => runtime.block_on(receiver).ok(),
                Err(oneshot::error::TryRecvError::Closed) => None,
            };
            let Some(record) = arrived else {
                return Outcome::Ignored("not executed: the run stopped early".to_owned());
            };
            progress.advance();
            let outcome = outcome(&record);
            if let Ok(mut taken) = taken.lock() {
                taken.push(record);
            }
            outcome
        }));
    }
    let skip_reason = probe_skip_reason(sending.auth_probes);
    let session = Arc::clone(&sending.session);
    let executing = runtime.spawn(
        futures_util::stream::iter(to_execute)
            .map(move |(case, sender)| {
                let session = Arc::clone(&session);
                let blocked = suite::probe_refused(&case, &probes_allowed);
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
            .buffer_unordered(trials_of.concurrency.max(1))
            .for_each(|(sender, record)| {
                // A dropped receiver means libtest stopped; the record is no longer wanted.
                let _ = sender.send(record);
                std::future::ready(())
            }),
    );
    // The exit code comes from our own records (baselines, probe budget), not the trials'.
    let _counts = trial_output::run(arguments, trials_of.style, trials);
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

/// How a record reads as a trial's outcome.
fn outcome(record: &CaseRecord) -> Outcome {
    match record.verdict {
        Verdict::Passed => Outcome::Passed,
        Verdict::Skipped => Outcome::Ignored(record.error.clone().unwrap_or_default()),
        Verdict::Failed => Outcome::Failed(failure_message(record)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runner's selection must keep exactly what libtest keeps, or `--skip X` would drop a
    /// relation that a case of the same name keeps.
    #[test]
    fn the_runners_selection_agrees_with_libtest() {
        let names = [
            "hand::empty_body",
            "hand::empty_body_2",
            "relation::repetition",
            "relation::sub-batch::tail",
            "discovery::agentIds",
            "discovery::agentIds.length",
            "hosted::cc2_vdn170::0001",
        ];
        let filters = [
            None,
            Some("relation::"),
            Some("discovery::agentIds"),
            Some("x"),
        ];
        let skips: [&[&str]; 3] = [&[], &["hand::empty_body"], &["agentIds", "relation"]];
        for filter in filters {
            for skip in skips {
                for exact in [false, true] {
                    let arguments = Arguments {
                        filter: filter.map(str::to_owned),
                        exact,
                        skip: skip.iter().map(|s| (*s).to_owned()).collect(),
                        ..Arguments::default()
                    };
                    // As `RunConfig::from_args` fills it from the same flags.
                    let selection = crate::runner::Selection {
                        filter: arguments.filter.clone(),
                        exact,
                        skip: arguments.skip.clone(),
                    };
                    for name in names {
                        let libtest = !arguments.is_filtered_out(&Trial::test(name, || Ok(())));
                        assert_eq!(
                            selection.keeps(name),
                            libtest,
                            "{name} under {filter:?} exact={exact} skip={skip:?}"
                        );
                    }
                }
            }
        }
    }
}
