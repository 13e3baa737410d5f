//! `cmsconform run` and `selftest`: cases → libtest-mimic trials → exchanges → verdicts →
//! a [`crate::report::RunRecord`], then reports, regressions and the exit code.
//!
//! - [`config`]: flags → [`RunConfig`] (target, credentials, seed, client settings).
//! - [`suite`]: which cases run, which authentication probes may be sent.
//! - [`preflight`]: one signed request before any case; a refusal stops the run there.
//! - [`fleet`]: the agents of the home pair, scanned (or given) before the cases, aimed at.
//! - [`session`]: the target (embedded mock or remote) and one case → one record.
//! - [`trials`]: the libtest-mimic harness.
//! - [`progress`]: a bar per phase on stderr that never overwrites a line.
//! - [`run_record`]: the run record, totals and the summary line.
//! - [`multi_exchange`]: the relations and the limit discovery, sent after the cases.
//! - [`inputs`]: paths, the selection and the cleartext warning, checked before any request.
//! - [`hosted`]: refusals as unknown turned boundary faults by a neighbour's acceptance.
//! - [`regress`]: failing property cases shrunk into `<report-dir>/regressions/`.
//! - [`quiet`]: the same run without libtest output or reports (selftest, tests).
//! - [`mod@selftest`]: the mock's contract mutations must each be caught.
//!
//! It reaches other modules only through their public APIs (checks, client, mock, report)
//! and never interprets a response itself.

mod command_line;
pub mod config;
pub mod fleet;
pub mod hosted;
pub mod inputs;
pub mod multi_exchange;
pub mod preflight;
pub mod progress;
pub mod quiet;
pub mod regress;
pub mod run_record;
pub mod selftest;
pub mod session;
pub mod suite;
pub mod trials;

use std::sync::Arc;
use std::time::{Instant, SystemTime};

pub use config::{RunConfig, Target};
pub use quiet::{QuietOptions, quiet_relations, quiet_run, quiet_run_with, run_to_record};
pub use selftest::{MutationResult, SelftestReport, selftest};
pub use session::Session;

use crate::cli::{GlobalArgs, RunArgs, SelftestArgs};
use crate::contract::Contract;
use crate::error::{Error, Result};
use crate::exit;
use crate::report::{self, CaseRecord, RunRecord, Verdict};

/// `cmsconform run`.
pub fn command(args: &RunArgs, global: &GlobalArgs) -> Result<i32> {
    inputs::check(args, global)?;
    let mut config = RunConfig::from_args(args, global)?;
    let mut cases = suite::assemble(&config)?;
    // Generating the property cases churns through far more memory than the cases keep.
    crate::memory::release_free();
    let arguments = trials::arguments(args, global.color);
    let scan_plan = if config.scan_fleet && config.agents.is_none() {
        fleet::plan(&config).0
    } else {
        Vec::new()
    };
    inputs::check_selection(args, &arguments, &cases, &scan_plan)?;
    if args.list {
        // The scan's cases first, as a run sends them.
        let listed: Vec<crate::cases::Case> = scan_plan.into_iter().chain(cases).collect();
        return match trials::list(&arguments, &listed) {
            // The reader had what it wanted (`cmsconform run --list | head`).
            Ok(()) => Ok(exit::CONFORMANT),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::CONFORMANT),
            Err(source) => Err(Error::io("standard output", source)),
        };
    }
    let say = run_record::Printer {
        to_stderr: args.format == crate::cli::TrialFormat::Json,
    };
    let progress = progress::Progress::for_terminals(!args.no_progress);
    let seed = config.seed;
    say.line(&format!("seed: {seed} (rerun with --seed {seed})"));
    let runtime = Arc::new(selftest::build_runtime()?);
    let started = SystemTime::now();
    let clock = Instant::now();
    let session = Arc::new(Session::start(&config, &runtime)?);
    say.line(&format!(
        "profile: {}, target: {}",
        config.profile_name(),
        session.target_label
    ));
    match runtime.block_on(preflight::run(&session, &config)) {
        // Nothing else was sent: no case records, no report, no regressions.
        preflight::Finding::Fatal(message) => return Err(Error::Runtime(message)),
        preflight::Finding::HomeRefused(warning) => eprintln!("{warning}"),
        preflight::Finding::Accepted => say.line("preflight: the run's signature was accepted"),
    }
    // A selection without property cases or relations (`--exact hand::...`) aims at nothing.
    // A rerun of one scan case (`--exact fleet::0001`) needs the scan itself.
    config.scan_fleet &= config.relations
        || !trials::selected(&arguments, &scan_plan).is_empty()
        || trials::selected(&arguments, &cases)
            .iter()
            .any(|c| c.origin == crate::cases::CaseOrigin::Property);
    let mut scan = runtime.block_on(fleet::scan(&session, &config, &progress));
    say.line(&scan.summary(&config));
    fleet::aim(&mut config, &scan);
    if !config.fleet.is_empty() {
        // The property cases draw from the fleet now known: same ids, aimed IDs.
        cases = suite::assemble(&config)?;
        crate::memory::release_free();
    }
    let case_set_hash = suite::case_set_hash(&cases);
    let selected = trials::selected(&arguments, &cases);
    let trials_bar = progress.trials(selected.len());
    let probes = suite::allowed_probes(selected.into_iter(), config.auth_probes);
    let suite_order: Vec<String> = (scan.records.iter().map(|r| r.id.clone()))
        .chain(cases.iter().map(|c| c.id.clone()))
        .collect();
    let hosting = hosted::probes_of(&config.contract, config.home, &cases);
    let mut records = trials::run(
        Arc::clone(&session),
        &runtime,
        &arguments,
        args.test_threads.unwrap_or(args.concurrency),
        cases,
        probes,
        config.auth_probes,
        trials_bar,
        std::mem::take(&mut scan.records),
    );
    order_like(&mut records, &suite_order);
    // The cases' large answers are freed by now: hand their pages back before the relations.
    crate::memory::release_free();
    let unusable = unusable_reason(&session, &records);
    if unusable.is_none() {
        regress::shrink_failures(&config, &session, &runtime, &records, say);
    }
    // After the shrinking: a boundary fault needs its neighbour's case, which a shrink replays
    // without.
    for (id, finding) in hosted::apply_boundary_faults(&mut records, &hosting) {
        say.line(&format!("boundary fault: {id}\n    {finding}"));
    }
    let relation_records = if config.relations && unusable.is_none() {
        let found = multi_exchange::run(&config, &session, &runtime, &progress);
        multi_exchange::print(&found, say);
        found
    } else {
        Vec::new()
    };
    let mut record = run_record::build(
        &config,
        &session.target_label,
        case_set_hash,
        records,
        started,
        clock.elapsed(),
    );
    run_record::add_relations(&mut record, relation_records);
    record.meta.agents = scan.coverage(session.judged_agents(), config.min_agents);
    say.line(&record.meta.agents.summary());
    record.meta.rate_limits = session.rate_limits();
    if let Some(line) = record.meta.rate_limits.summary() {
        say.line(&line);
    }
    if let Some(baseline) = &args.baseline {
        report::apply_baseline(&mut record, baseline)?;
        record.meta.totals = run_record::totals(&record.cases);
    }
    if !args.no_report {
        report::complete(&mut record);
        report::write_all_with(&record, &args.report_dir, args.junit_output)?;
        say.line(&format!("reports: {}", args.report_dir.display()));
    }
    finish(&record, unusable, say)
}

/// Prints the closing lines and turns the record into an exit code.
fn finish(record: &RunRecord, unusable: Option<String>, say: run_record::Printer) -> Result<i32> {
    if record.meta.totals.baselined > 0 {
        say.line(&format!(
            "{} known failures accepted by the baseline",
            record.meta.totals.baselined
        ));
    }
    for line in run_record::failure_summary(record) {
        say.line(&line);
    }
    say.line(&run_record::final_line(record));
    if let Some(warning) = &record.meta.agents.warning {
        // Last, where it is seen: a warning, not a failure.
        eprintln!("warning: {warning}");
    }
    if let Some(reason) = unusable {
        return Err(Error::Runtime(format!("target unusable: {reason}")));
    }
    Ok(if record.conformant() {
        exit::CONFORMANT
    } else {
        exit::NON_CONFORMANT
    })
}

/// Why the target could not be judged at all, if so: an answer refused the run's own
/// credentials or this client (401/403, see [`Session::halted`]), the client's circuit breaker
/// opened, or not one request sent got an answer.
pub fn unusable_reason(session: &Session, records: &[CaseRecord]) -> Option<String> {
    if let Some(reason) = session.halted() {
        return Some(reason);
    }
    if session.client.breaker_open() {
        return Some(format!(
            "too many consecutive transport failures, the circuit breaker opened ({})",
            first_error(records)
        ));
    }
    no_answer(records).or_else(|| nothing_judged(records))
}

/// "no case could be judged (...)" when answers came back and every case ended without a
/// verdict: each one refused for rate after its retries (notes:6.17), say. Exit 0 would call
/// such a target conformant on no evidence.
fn nothing_judged(records: &[CaseRecord]) -> Option<String> {
    let judged = records.iter().any(|r| r.verdict != Verdict::Skipped);
    let attempted: Vec<&CaseRecord> = records
        .iter()
        .filter(|r| r.verdict == Verdict::Skipped && r.response.is_some())
        .collect();
    if judged || attempted.is_empty() {
        return None;
    }
    let first = attempted
        .iter()
        .find_map(|r| r.error.clone())
        .unwrap_or_else(|| "no verdict".into());
    Some(format!(
        "no case could be judged: {} requests went out and none got an answer that could be \
         judged ({first})",
        attempted.len()
    ))
}

/// "none of N requests got an answer (...)" when requests went out and not one was answered.
pub(super) fn no_answer(records: &[CaseRecord]) -> Option<String> {
    let sent = records.iter().filter(|r| r.was_sent()).count();
    if sent == 0 || records.iter().any(CaseRecord::was_answered) {
        return None;
    }
    Some(format!(
        "none of {sent} requests got an answer ({})",
        first_error(records)
    ))
}

/// The first transport error among the cases sent.
fn first_error(records: &[CaseRecord]) -> String {
    records
        .iter()
        .filter(|r| r.was_sent())
        .find_map(|r| r.error.clone())
        .unwrap_or_else(|| "no answer".into())
}

/// Sorts records into the suite's order (trials finish in any order).
pub(super) fn order_like<S: AsRef<str>>(records: &mut [CaseRecord], suite_order: &[S]) {
    let position: std::collections::HashMap<&str, usize> = suite_order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_ref(), i))
        .collect();
    records.sort_by_key(|r| position.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
}

/// `cmsconform selftest`.
pub fn selftest_command(args: &SelftestArgs, global: &GlobalArgs) -> Result<i32> {
    let schemas = global.schema_source();
    let contract = Contract::load_named(&schemas, args.profile.as_deref())?;
    let profile = &contract.profile().name;
    println!("selftest: profile {profile}, seed {}", args.seed);
    let outcome = selftest(&contract, args.seed, args.property_cases, &args.mutations)?;
    print!("{}", outcome.table());
    Ok(if outcome.passed() {
        exit::CONFORMANT
    } else {
        exit::NON_CONFORMANT
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RequestRecord;

    fn record(id: &str, verdict: &str, sent: bool, error: Option<&str>) -> CaseRecord {
        let json = serde_json::json!({
            "id": id, "title": id, "family": "hand", "clause": "seed:url", "verdict": verdict,
            "expected": "accepted", "error": error, "duration_ms": 1.0,
        });
        let mut record: CaseRecord = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        record.request = sent.then(|| RequestRecord {
            method: "POST".into(),
            url: "http://127.0.0.1:1/x".into(),
            headers: Vec::new(),
            body: String::new(),
            body_bytes: 0,
        });
        record
    }

    fn pass_again() -> CaseRecord {
        record("hand::e", "passed", false, None)
    }

    #[test]
    fn a_pass_that_kept_no_exchange_still_counts_as_answered() {
        // Without reports a pass keeps no request or answer; it was sent and answered all the same.
        let pass = record("hand::a", "passed", false, None);
        let refused = record("hand::b", "failed", true, Some("connect failed: refused"));
        let not_sent = record("hand::c", "skipped", true, Some("not sent: bad header"));
        assert_eq!(no_answer(&[pass, refused.clone(), not_sent.clone()]), None);
        assert_eq!(
            no_answer(&[not_sent.clone(), refused.clone(), refused]).as_deref(),
            Some("none of 2 requests got an answer (connect failed: refused)")
        );
        assert_eq!(
            no_answer(std::slice::from_ref(&not_sent)),
            None,
            "nothing went out"
        );
        let mut limited = record("hand::d", "skipped", true, Some("rate-limited: HTTP 429"));
        limited.response = Some(crate::report::ResponseRecord::default());
        assert_eq!(
            nothing_judged(&[limited.clone(), not_sent.clone()]).as_deref(),
            Some(
                "no case could be judged: 1 requests went out and none got an answer that could \
                 be judged (rate-limited: HTTP 429)"
            )
        );
        assert_eq!(nothing_judged(&[limited.clone(), pass_again()]), None);
        assert_eq!(nothing_judged(&[not_sent]), None, "nothing was answered");
    }
}
