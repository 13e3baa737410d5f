//! Cases as libtest-mimic trials, so `--list`, a filter, `--exact`, `--skip`, `--test-threads`
//! and `--format` behave as in `cargo test`. Each trial blocks on the shared tokio runtime
//! (never a runtime inside a runtime), records its [`CaseRecord`] in a shared vector, and
//! ticks the progress bar. libtest's output goes to stdout, the bar to stderr.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use libtest_mimic::{Arguments, Completion, Failed, FormatSetting, Trial};
use tokio::runtime::Handle;

use super::session::{Session, failure_message};
use crate::cases::Case;
use crate::cli::{RunArgs, TrialFormat};
use crate::report::{CaseRecord, Verdict};

/// libtest's arguments, filled from ours (its own parser would leak its help into ours).
pub fn arguments(args: &RunArgs) -> Arguments {
    Arguments {
        filter: args.filter.clone(),
        exact: args.exact,
        skip: args.skip.clone(),
        list: args.list,
        test_threads: Some(args.test_threads.unwrap_or(args.concurrency).max(1)),
        format: Some(match args.format {
            TrialFormat::Pretty => FormatSetting::Pretty,
            TrialFormat::Terse => FormatSetting::Terse,
            TrialFormat::Json => FormatSetting::Json,
        }),
        ..Arguments::default()
    }
}

/// The cases libtest would run under `arguments` (not filtered out).
pub fn selected<'a>(arguments: &Arguments, cases: &'a [Case]) -> Vec<&'a Case> {
    cases
        .iter()
        .filter(|c| !arguments.is_filtered_out(&Trial::test(c.id.clone(), || Ok(()))))
        .collect()
}

/// Prints the case list the way `cargo test -- --list` does.
pub fn list(arguments: &Arguments, cases: &[Case]) {
    let trials = cases
        .iter()
        .map(|c| Trial::test(c.id.clone(), || Ok(())))
        .collect();
    // Listing cannot fail; there is no verdict to take from it.
    let _listed = libtest_mimic::run(arguments, trials);
}

/// A progress bar on stderr, only for a person watching a terminal.
pub fn progress_bar(total: usize, wanted: bool) -> Option<ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(total).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} cases {elapsed}") {
        bar.set_style(style);
    }
    Some(bar)
}

/// Why a probe beyond the budget is not sent.
pub fn probe_skip_reason(budget: u32) -> String {
    format!(
        "authentication probe not sent: --auth-probes {budget} spent (real servers lock a client \
         IP after repeated bad signatures)"
    )
}

/// Runs every case as a trial and returns their records (filtered-out cases have none).
pub fn run(
    session: Arc<Session>,
    handle: Handle,
    arguments: &Arguments,
    cases: Vec<Case>,
    probes_allowed: HashSet<String>,
    probe_budget: u32,
    progress: Option<ProgressBar>,
) -> Vec<CaseRecord> {
    let records: Arc<Mutex<Vec<CaseRecord>>> = Arc::new(Mutex::new(Vec::new()));
    let trials = cases
        .into_iter()
        .map(|case| {
            let session = Arc::clone(&session);
            let handle = handle.clone();
            let records = Arc::clone(&records);
            let progress = progress.clone();
            let probe_blocked = super::suite::is_probe(&case) && !probes_allowed.contains(&case.id);
            let case = Arc::new(case);
            Trial::ignorable_test(case.id.clone(), move || {
                let record = if probe_blocked {
                    session.skipped(&case, &probe_skip_reason(probe_budget))
                } else {
                    // Judged on the runtime's workers, not on this libtest thread: fewer threads
                    // touch large answers, so fewer allocator arenas grow to hold them.
                    let worker_session = Arc::clone(&session);
                    let worker_case = Arc::clone(&case);
                    let judged = handle.block_on(
                        handle.spawn(async move { worker_session.execute(&worker_case).await }),
                    );
                    judged.unwrap_or_else(|e| {
                        session.skipped(&case, &format!("the case's task failed: {e}"))
                    })
                };
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
                let verdict = record.verdict;
                let message = match verdict {
                    Verdict::Failed => failure_message(&record),
                    _ => record.error.clone().unwrap_or_default(),
                };
                if let Ok(mut all) = records.lock() {
                    all.push(record);
                }
                match verdict {
                    Verdict::Passed => Ok(Completion::Completed),
                    Verdict::Skipped => Ok(Completion::ignored_with(message)),
                    Verdict::Failed => Err(Failed::from(message)),
                }
            })
        })
        .collect();
    // The exit code comes from our own records (baselines, probe budget), not libtest's.
    let _conclusion = libtest_mimic::run(arguments, trials);
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let mut guard = match records.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    std::mem::take(&mut *guard)
}
