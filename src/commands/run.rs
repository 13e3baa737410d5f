//! `cmsconform run`: flags → [`RunConfig`], the run driven phase by phase with its lines
//! printed (seed, preflight, fleet, boundary faults, relations, agents, rate limits), the
//! reports written, and the record turned into an exit code.

use std::sync::Arc;

use super::inputs;
use super::progress::{Console, Progress};
use super::trials::{self, Trials};
use libtest_mimic::{Arguments, ColorSetting, FormatSetting};

use crate::cli::{ColorWhen, GlobalArgs, RunArgs, TrialFormat};
use crate::error::{Error, Result};
use crate::exit;
use crate::report::{self, RunRecord};
use crate::runner::pipeline::{self, RunOptions};
use crate::runner::{RunConfig, fleet, multi_exchange, run_record, suite};

/// `cmsconform run`.
pub fn run(args: &RunArgs, global: &GlobalArgs) -> Result<i32> {
    inputs::check(args, global)?;
    let mut config = RunConfig::from_args(args, global)?;
    inputs::check_target_path(&config.target, &config.path)?;
    // The suite as the selection sees it; the run assembles it again, aimed at the fleet found.
    let cases = suite::assemble(&config)?;
    let arguments = trial_arguments(args, global.color);
    let scan_plan = if config.scan_fleet && config.agents.is_none() {
        fleet::plan(&config).0
    } else {
        Vec::new()
    };
    // The limit discovery gets what the fleet scan leaves of the budget.
    let discovery = config.discovery_budget as usize > scan_plan.len();
    let relations = multi_exchange::selected_names(&config, discovery);
    // Every run sends the preflight: a rerun line names it (`--exact preflight::seed_example`).
    let sent_first: Vec<crate::cases::Case> = (scan_plan.iter().cloned())
        .chain([crate::runner::preflight::case(config.home)])
        .collect();
    inputs::check_selection(args, &arguments, &cases, &sent_first, &relations)?;
    drop(sent_first);
    if args.list {
        // The scan's cases first, as a run sends them; the relations after the cases.
        let listed: Vec<crate::cases::Case> = scan_plan.into_iter().chain(cases).collect();
        return match trials::list(&arguments, &listed, &relations) {
            // The reader had what it wanted (`cmsconform run --list | head`).
            Ok(()) => Ok(exit::CONFORMANT),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::CONFORMANT),
            Err(source) => Err(Error::io("standard output", source)),
        };
    }
    // A selection without property cases or relations (`--exact hand::...`) aims at nothing.
    // A rerun of one scan case (`--exact fleet::0001`) needs the scan itself, and so does a
    // case that may show another pair hosted: the hosted scan it leads to asks the fleet's IDs
    // first (a hosted failure's rerun line names that case).
    let witnesses = fleet::hosted::pairs_of(&config.contract, config.home, &cases);
    config.scan_fleet &= !relations.is_empty()
        || !trials::selected(&arguments, &scan_plan).is_empty()
        || trials::selected(&arguments, &cases).iter().any(|c| {
            c.origin == crate::cases::CaseOrigin::Property || witnesses.contains_key(&c.id)
        });
    drop(witnesses);
    drop(cases);
    let progress = Progress::for_terminals(!args.no_progress);
    let console = Console {
        progress,
        lines_to_stderr: args.format == TrialFormat::Json,
    };
    let seed = config.seed;
    console.say(&format!("seed: {seed} (rerun with --seed {seed})"));
    let runtime = Arc::new(super::runtime()?);
    let driver = Trials {
        arguments,
        style: args.format.into(),
        concurrency: args.test_threads.unwrap_or(args.concurrency),
        progress,
    };
    let options = RunOptions {
        driver: &driver,
        observer: &console,
        cases: true,
        despite_failed_preflight: false,
        shrink: true,
    };
    let mut ran = match pipeline::run(&config, &runtime, &options) {
        Ok(ran) => ran,
        // Stopped before the cases (the preflight): the reports say what was sent and got.
        Err(Error::Stopped(stopped)) => {
            let crate::error::StoppedRun { message, record } = *stopped;
            write_reports(args, record, &console)?;
            return Err(Error::Runtime(message));
        }
        Err(other) => return Err(other),
    };
    if let Some(baseline) = &args.baseline {
        report::apply_baseline(&mut ran.record, baseline)?;
        ran.record.meta.totals = run_record::totals(&ran.record.cases);
    }
    let unusable = ran
        .unusable
        .clone()
        .or_else(|| ran.stopped_without_verdict());
    if let Some(reason) = &unusable {
        ran.record.meta.stopped = Some(report::RunStop::because(reason));
    }
    let record = write_reports(args, ran.record, &console)?;
    ran.record = record;
    if let Some(note) = ran.stopped.as_ref().filter(|_| unusable.is_none()) {
        console.say(note);
    }
    finish(&ran.record, unusable, &console)
}

/// Writes the reports of `record` unless `--no-report`, and says where; returns the record as
/// completed for them.
fn write_reports(args: &RunArgs, mut record: RunRecord, console: &Console) -> Result<RunRecord> {
    if !args.no_report {
        report::complete(&mut record);
        report::write_all_with(&record, &args.report_dir, args.junit_output)?;
        console.say(&format!("reports: {}", args.report_dir.display()));
    }
    Ok(record)
}

/// Prints the closing lines and turns the record into an exit code.
fn finish(record: &RunRecord, unusable: Option<String>, say: &Console) -> Result<i32> {
    if record.meta.totals.baselined > 0 {
        say.say(&format!(
            "{} known failures accepted by the baseline",
            record.meta.totals.baselined
        ));
    }
    for line in run_record::failure_summary(record) {
        say.say(&line);
    }
    say.say(&run_record::final_line(record));
    for line in report::limits::console_lines(record) {
        say.say(&line);
    }
    let fleet_warning = (record.meta.fleet_range.as_ref()).and_then(|f| f.warning.as_ref());
    for warning in fleet_warning.into_iter().chain(&record.meta.agents.warning) {
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
            TrialFormat::Short | TrialFormat::Pretty => FormatSetting::Pretty,
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
