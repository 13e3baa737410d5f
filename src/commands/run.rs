//! `cmsconform run`: flags → [`RunConfig`], the run driven phase by phase with its lines
//! printed (seed, preflight, fleet, boundary faults, relations, agents, rate limits), the
//! reports written, and the record turned into an exit code.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::inputs;
use libtest_mimic::{Arguments, ColorSetting, FormatSetting};

use crate::cli::{ColorWhen, GlobalArgs, RunArgs, TrialFormat};
use crate::error::{Error, Result};
use crate::exit;
use crate::report::{self, RunRecord};
use crate::runner::{
    RunConfig, Session, fleet, hosted, multi_exchange, order_like, preflight, progress, regress,
    run_record, selftest, suite, trials, unusable_reason,
};

/// `cmsconform run`.
pub fn run(args: &RunArgs, global: &GlobalArgs) -> Result<i32> {
    inputs::check(args, global)?;
    let mut config = RunConfig::from_args(args, global)?;
    let mut cases = suite::assemble(&config)?;
    // Generating the property cases churns through far more memory than the cases keep.
    crate::memory::release_free();
    let arguments = trial_arguments(args, global.color);
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
    // A breaker open after a judged failure: the verdict stands, but nothing more is sent.
    let stopped = crate::runner::breaker_note(&session);
    let relation_records = if config.relations && unusable.is_none() && stopped.is_none() {
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
    let unusable = unusable.or_else(|| crate::runner::stopped_without_verdict(&session, &record));
    if let Some(note) = stopped.filter(|_| unusable.is_none()) {
        say.line(&note);
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

/// libtest's arguments, filled from ours (its own parser would leak its help into ours).
/// `--color` reaches libtest's lines too.
fn trial_arguments(args: &RunArgs, color: ColorWhen) -> Arguments {
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
        // libtest's auto is ours (a terminal, NO_COLOR, CLICOLOR_FORCE), judged on stdout.
        color: Some(match color {
            ColorWhen::Auto => ColorSetting::Auto,
            ColorWhen::Always => ColorSetting::Always,
            ColorWhen::Never => ColorSetting::Never,
        }),
        ..Arguments::default()
    }
}
