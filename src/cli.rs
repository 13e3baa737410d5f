//! The command line: clap definitions (every flag with its environment variable) and the
//! dispatch to the library. The values' parsers (durations, sizes, rates) are in [`crate::units`].

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::contract::DataSource;
use crate::error::{Error, Result};
use crate::units::{parse_duration, parse_rate, parse_size};

#[derive(Debug, Parser)]
#[command(
    name = "cmsconform",
    version,
    about = "Contract-conformance harness for the CC-CMS batch agent-status open API",
    long_about = None,
    after_help = "Every flag also reads an environment variable, named in its help \
                  (`CMSCONFORM_...`); switches take 1/0, true/false, yes/no or on/off there."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The sections `--help` groups flags in, as cargo's do.
mod heading {
    pub const CONTRACT: &str = "Contract";
    pub const TARGET: &str = "Target";
    pub const CREDENTIALS: &str = "Credentials";
    pub const TLS: &str = "TLS";
    pub const PACING: &str = "Pacing";
    pub const SELECTION: &str = "Selection";
    pub const REPORTS: &str = "Reports";
    pub const OUTPUT: &str = "Output";
    pub const INPUT: &str = "Input";
    pub const FAULTS: &str = "Faults";
}

const RUN_EXAMPLES: &str = "Examples:
  cmsconform run                                    against the embedded mock
  cmsconform run --target https://cms:28080 --cacert ca.pem
                                                    CMSCONFORM_AK / CMSCONFORM_SK set
  cmsconform run --seed 7 --property-cases 32 property::0003 --exact
                                                    rerun one case
  cmsconform run --list                             the cases, run none
  CMSCONFORM_NO_REPORT=1 cmsconform run --baseline reports/latest/report.json";

/// When to colour what is printed: `auto` colours a terminal unless `NO_COLOR` is set
/// (`CLICOLOR_FORCE` colours even a pipe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether a stream that is (or is not) a terminal gets colour, given the environment's
    /// `NO_COLOR` and `CLICOLOR_FORCE` (see <https://no-color.org>).
    pub fn colours(self, terminal: bool, no_color: bool, force: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => !no_color && (terminal || force),
        }
    }

    /// [`Self::colours`] for `stream`, reading the environment.
    pub fn colours_stream(self, stream: &impl std::io::IsTerminal) -> bool {
        // As clap's and libtest's auto read them: NO_COLOR set and not empty, CLICOLOR_FORCE
        // set and not 0.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let force = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
        self.colours(stream.is_terminal(), no_color, force)
    }

    /// The choice as clap takes it for its own help and errors.
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
            // clap's own auto already honours NO_COLOR and CLICOLOR_FORCE.
            ColorWhen::Auto => clap::ColorChoice::Auto,
        }
    }
}

/// `--color` read before clap parses (clap colours its own help and errors while parsing):
/// the last `--color X` / `--color=X` before a `--`, else `CMSCONFORM_COLOR`, else auto. An
/// unreadable value is left for clap to refuse.
pub fn early_color<I, S>(args: I) -> ColorWhen
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let parse = |text: &str| ColorWhen::from_str(text, true).ok();
    let mut chosen = std::env::var("CMSCONFORM_COLOR")
        .ok()
        .and_then(|v| parse(&v));
    let mut take_next = false;
    for arg in args {
        let Some(arg) = arg.as_ref().to_str() else {
            take_next = false;
            continue;
        };
        if take_next {
            chosen = parse(arg).or(chosen);
            take_next = false;
        } else if arg == "--" {
            break;
        } else if arg == "--color" {
            take_next = true;
        } else if let Some(value) = arg.strip_prefix("--color=") {
            chosen = parse(value).or(chosen);
        }
    }
    chosen.unwrap_or(ColorWhen::Auto)
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Read the contract from this directory instead of the embedded `schemas/`.
    #[arg(long, global = true, env = "CMSCONFORM_SCHEMAS", value_name = "DIR", help_heading = heading::CONTRACT)]
    pub schemas: Option<PathBuf>,
    /// Read hand-written cases from this directory instead of the embedded `cases/`.
    #[arg(
        long = "cases-dir",
        global = true,
        env = "CMSCONFORM_CASES_DIR",
        value_name = "DIR",
        help_heading = heading::CONTRACT
    )]
    pub cases_dir: Option<PathBuf>,
    /// Log filter for diagnostics on stderr (e.g. `debug`, `cmsconform=trace`).
    #[arg(
        long,
        global = true,
        env = "CMSCONFORM_LOG",
        default_value = "warn",
        help_heading = heading::OUTPUT
    )]
    pub log: String,
    /// Colour: `auto` (a terminal, unless NO_COLOR is set), `always` or `never`.
    #[arg(
        long,
        global = true,
        env = "CMSCONFORM_COLOR",
        value_enum,
        default_value = "auto",
        value_name = "WHEN",
        help_heading = heading::OUTPUT
    )]
    pub color: ColorWhen,
}

impl GlobalArgs {
    pub fn schema_source(&self) -> DataSource {
        self.schemas
            .clone()
            .map_or_else(DataSource::schemas, DataSource::Directory)
    }

    pub fn case_source(&self) -> DataSource {
        self.cases_dir
            .clone()
            .map_or_else(DataSource::cases, DataSource::Directory)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suite against --target, or against the embedded mock when no target is given.
    #[command(after_help = RUN_EXAMPLES)]
    Run(Box<RunArgs>),
    /// Serve the reference mock.
    Mock(MockArgs),
    /// Judge one captured exchange offline.
    Check(CheckArgs),
    /// Compare two runs' report.json files.
    Diff(DiffArgs),
    /// Run the suite against the clean embedded mock, then under each contract mutation.
    Selftest(SelftestArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrialFormat {
    Pretty,
    Terse,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Base URL of the server under test, e.g. https://cms.example:28080. Default: embedded mock.
    #[arg(long, env = "CMSCONFORM_TARGET", value_name = "URL", help_heading = heading::TARGET)]
    pub target: Option<String>,
    /// Access key. Default with the embedded mock: the mock's local default.
    #[arg(long, env = "CMSCONFORM_AK", help_heading = heading::CREDENTIALS)]
    pub ak: Option<String>,
    /// Secret key. Prefer the environment variable: a flag shows in the process list.
    #[arg(long, env = "CMSCONFORM_SK", hide_env_values = true, help_heading = heading::CREDENTIALS)]
    pub sk: Option<String>,
    /// Contract profile (a directory under schemas/). Default: the profile marked default.
    #[arg(long, env = "CMSCONFORM_PROFILE", help_heading = heading::TARGET)]
    pub profile: Option<String>,
    /// Where report.json, junit.xml, report.md and report.html go.
    #[arg(
        long,
        env = "CMSCONFORM_REPORT_DIR",
        default_value = "reports/latest",
        help_heading = heading::REPORTS
    )]
    pub report_dir: PathBuf,
    /// Do not write reports (passing cases then keep no copy of their exchange: only failures
    /// are printed with theirs).
    #[arg(
        long,
        env = "CMSCONFORM_NO_REPORT",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::REPORTS
    )]
    pub no_report: bool,
    /// Seed of the property cases; printed on every run. Default: random.
    #[arg(long, env = "CMSCONFORM_SEED", help_heading = heading::SELECTION)]
    pub seed: Option<u64>,
    /// Number of property cases.
    #[arg(
        long = "property-cases",
        alias = "cases",
        env = "CMSCONFORM_PROPERTY_CASES",
        default_value_t = 256,
        help_heading = heading::SELECTION
    )]
    pub property_cases: u32,
    /// Skip TLS certificate verification (only for a server you trust).
    #[arg(
        long,
        env = "CMSCONFORM_INSECURE",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::TLS
    )]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file as well.
    #[arg(long, env = "CMSCONFORM_CACERT", value_name = "FILE", help_heading = heading::TLS)]
    pub cacert: Option<PathBuf>,
    /// Client certificate and key (PEM, both in one file) for mutual TLS.
    #[arg(long, env = "CMSCONFORM_CLIENT_CERT", value_name = "FILE", help_heading = heading::TLS)]
    pub client_cert: Option<PathBuf>,
    /// Deadline for each whole request (connect, send, receive), e.g. 10s, 500ms.
    #[arg(
        long,
        env = "CMSCONFORM_TIMEOUT",
        default_value = "10s",
        value_parser = parse_duration,
        help_heading = heading::PACING
    )]
    pub timeout: Duration,
    /// Largest response body read; a longer body is cut and reported.
    #[arg(
        long,
        env = "CMSCONFORM_MAX_BODY",
        default_value = "32MiB",
        value_parser = parse_size,
        help_heading = heading::PACING
    )]
    pub max_body: usize,
    /// Requests in flight at once.
    #[arg(
        short = 'j',
        long = "concurrency",
        env = "CMSCONFORM_CONCURRENCY",
        default_value_t = 4,
        help_heading = heading::PACING
    )]
    pub concurrency: usize,
    /// At most N requests per second (e.g. 20/s); default unlimited.
    #[arg(
        long,
        env = "CMSCONFORM_RATE_LIMIT",
        value_parser = parse_rate,
        help_heading = heading::PACING
    )]
    pub rate_limit: Option<f64>,
    /// Override the interface path (e.g. a BMS path).
    #[arg(long, env = "CMSCONFORM_PATH", help_heading = heading::TARGET)]
    pub path: Option<String>,
    /// Requests without the harness's own valid signature to send at most: authentication
    /// probes, case files that add, replace or drop Authorization, bodies that are not UTF-8
    /// (real servers lock an IP out after repeated authentication failures).
    #[arg(
        long,
        env = "CMSCONFORM_AUTH_PROBES",
        default_value_t = 2,
        help_heading = heading::PACING
    )]
    pub auth_probes: u32,
    /// Allowance for the server's clock ahead of ours in the logon-time rule, e.g. 5m.
    #[arg(
        long,
        env = "CMSCONFORM_CLOCK_SKEW",
        default_value = "5m",
        value_parser = parse_duration,
        help_heading = heading::PACING
    )]
    pub clock_skew: Duration,
    /// Stop after this many consecutive transport failures and report the target unusable.
    #[arg(long, env = "CMSCONFORM_BREAKER", default_value_t = 5, help_heading = heading::PACING)]
    pub breaker: u32,
    /// Known, accepted failures (a report.json or a baseline file): listed, not failing.
    #[arg(long, env = "CMSCONFORM_BASELINE", value_name = "FILE", help_heading = heading::REPORTS)]
    pub baseline: Option<PathBuf>,
    /// Replay the regression case files in DIR (only read, never written). Default:
    /// cases/regressions of the working directory, when it exists and --cases-dir is not given.
    /// Shrunk failures are written to <report-dir>/regressions/ instead.
    #[arg(
        long,
        env = "CMSCONFORM_REGRESSIONS",
        value_name = "DIR",
        help_heading = heading::SELECTION
    )]
    pub regressions: Option<PathBuf>,
    /// Request budget of the discoveries: the fleet scan at the home pair spends from it first
    /// (one full-length request per maxItems IDs of the profile's agent-ID ranges: 10 for
    /// 2023-12, 165 for 2025-11), the limit discovery after the relations gets the rest
    /// (0 = neither).
    #[arg(
        long,
        env = "CMSCONFORM_DISCOVERY_BUDGET",
        default_value_t = 256,
        help_heading = heading::PACING
    )]
    pub discovery_budget: u32,
    /// The agents the home call centre has, instead of discovering them: IDs and ranges such
    /// as `1000-1199,2001`, or a file holding the same (commas, spaces or newlines between).
    #[arg(
        long,
        env = "CMSCONFORM_AGENTS",
        value_name = "LIST|FILE",
        help_heading = heading::TARGET
    )]
    pub agents: Option<String>,
    /// Warn when the agent rules judged fewer distinct agents than this (a conformant verdict
    /// on almost no agent data is not a full one).
    #[arg(
        long,
        env = "CMSCONFORM_MIN_AGENTS",
        default_value_t = 10,
        help_heading = heading::SELECTION
    )]
    pub min_agents: u32,
    /// Leave out the consistency relations (notes:6.14) and the limit discovery.
    #[arg(
        long,
        env = "CMSCONFORM_NO_RELATIONS",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::SELECTION
    )]
    pub no_relations: bool,
    /// The run's home call centre: a ccId the target hosts, used by every case that does not
    /// probe ccId and by the relations and the preflight (notes:6.15). Default: the seed
    /// example's (1).
    #[arg(
        long = "cc-id",
        alias = "relations-cc-id",
        env = "CMSCONFORM_CC_ID",
        value_name = "CCID",
        default_value_t = crate::runner::config::HomePair::SEED.cc_id,
        help_heading = heading::TARGET
    )]
    pub cc_id: i64,
    /// The run's home VDN, hosted at the home call centre (notes:6.15). Default: the seed
    /// example's (170).
    #[arg(
        long = "vdn",
        alias = "relations-vdn",
        env = "CMSCONFORM_VDN",
        value_name = "VDN",
        default_value_t = crate::runner::config::HomePair::SEED.vdn,
        help_heading = heading::TARGET
    )]
    pub vdn: i64,
    /// Allowance beyond elapsed wall time when durations of two answers are compared, and how
    /// far apart load-balanced nodes may put a signed-in agent's logonTime: within it, either
    /// way, is information (notes:6.16); raise it for nodes whose clocks differ more.
    #[arg(
        long,
        env = "CMSCONFORM_RELATIONS_TOLERANCE",
        default_value = "2s",
        value_parser = parse_duration,
        help_heading = heading::PACING
    )]
    pub relations_tolerance: Duration,
    /// Which junit.xml testcases carry `system-out` (the reproduction): `failures` (failed,
    /// baselined and skipped cases) or `all` (passing ones too).
    #[arg(
        long,
        env = "CMSCONFORM_JUNIT_OUTPUT",
        value_enum,
        default_value = "failures",
        help_heading = heading::REPORTS
    )]
    pub junit_output: crate::report::junit::JunitOutput,
    /// No progress bar even on a terminal.
    #[arg(
        long,
        env = "CMSCONFORM_NO_PROGRESS",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::OUTPUT
    )]
    pub no_progress: bool,
    /// List the cases instead of running them.
    #[arg(
        long,
        env = "CMSCONFORM_LIST",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::SELECTION
    )]
    pub list: bool,
    /// Run only cases whose id matches FILTER exactly.
    #[arg(
        long,
        env = "CMSCONFORM_EXACT",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::SELECTION
    )]
    pub exact: bool,
    /// Skip cases whose id contains this (repeatable).
    #[arg(long, env = "CMSCONFORM_SKIP", help_heading = heading::SELECTION)]
    pub skip: Vec<String>,
    /// Trials run at once (libtest's flag); default: --concurrency.
    #[arg(long, env = "CMSCONFORM_TEST_THREADS", help_heading = heading::PACING)]
    pub test_threads: Option<usize>,
    /// Trial output format.
    #[arg(
        long,
        value_enum,
        default_value = "pretty",
        env = "CMSCONFORM_TRIAL_FORMAT",
        help_heading = heading::OUTPUT
    )]
    pub format: TrialFormat,
    /// Run only cases whose id contains FILTER.
    #[arg(env = "CMSCONFORM_FILTER", help_heading = heading::SELECTION)]
    pub filter: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct MockArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "CMSCONFORM_LISTEN",
        default_value = "127.0.0.1:8080",
        help_heading = heading::TARGET
    )]
    pub listen: String,
    /// Contract profile the mock serves. Default: the profile marked default.
    #[arg(long, env = "CMSCONFORM_PROFILE", help_heading = heading::TARGET)]
    pub profile: Option<String>,
    /// Access key accepted. Default: the documented local default.
    #[arg(long, env = "CMSCONFORM_AK", help_heading = heading::CREDENTIALS)]
    pub ak: Option<String>,
    /// Secret key. Default: the documented local default.
    #[arg(long, env = "CMSCONFORM_SK", hide_env_values = true, help_heading = heading::CREDENTIALS)]
    pub sk: Option<String>,
    /// Accepted distance between the signature's timestamp and the mock's clock.
    #[arg(
        long,
        env = "CMSCONFORM_MOCK_CLOCK_SKEW",
        default_value = "15m",
        value_parser = parse_duration,
        help_heading = heading::TARGET
    )]
    pub clock_skew: Duration,
    /// Seed of the agent fleet.
    #[arg(long, env = "CMSCONFORM_MOCK_SEED", default_value_t = 0, help_heading = heading::TARGET)]
    pub seed: u64,
    /// A fault or contract mutation applied to every request (repeatable); see --list-faults.
    #[arg(
        long = "fault",
        env = "CMSCONFORM_FAULT",
        value_delimiter = ',',
        help_heading = heading::FAULTS
    )]
    pub faults: Vec<String>,
    /// Lock a client IP out (403) after N authentication failures per WINDOW, e.g. 5/60s.
    #[arg(long, env = "CMSCONFORM_LOCKOUT", help_heading = heading::FAULTS)]
    pub lockout: Option<String>,
    /// Largest request body accepted (413 beyond).
    #[arg(
        long,
        env = "CMSCONFORM_MOCK_MAX_BODY",
        default_value = "1MiB",
        value_parser = parse_size,
        help_heading = heading::TARGET
    )]
    pub max_body: usize,
    /// A sparse call centre: agents exist only at these IDs (all of them, at every call
    /// centre), e.g. 31200-31399 or 1000-1199,2001. Default: about nine IDs in ten exist.
    #[arg(
        long,
        env = "CMSCONFORM_MOCK_FLEET",
        value_name = "RANGES",
        help_heading = heading::TARGET
    )]
    pub fleet: Option<String>,
    /// Print every fault and contract mutation, then exit.
    #[arg(
        long,
        env = "CMSCONFORM_MOCK_LIST_FAULTS",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::FAULTS
    )]
    pub list_faults: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The request body file.
    #[arg(
        long,
        value_name = "REQ.json",
        env = "CMSCONFORM_CHECK_REQUEST",
        help_heading = heading::INPUT
    )]
    pub request: PathBuf,
    /// The raw response body file.
    #[arg(
        long,
        value_name = "RESP.json",
        env = "CMSCONFORM_CHECK_RESPONSE",
        help_heading = heading::INPUT
    )]
    pub response: PathBuf,
    /// The HTTP status of the answer.
    #[arg(
        long,
        default_value_t = 200,
        env = "CMSCONFORM_CHECK_STATUS",
        help_heading = heading::INPUT
    )]
    pub status: u16,
    /// The answer's Content-Type.
    #[arg(
        long,
        default_value = "application/json;charset=UTF-8",
        env = "CMSCONFORM_CHECK_CONTENT_TYPE",
        help_heading = heading::INPUT
    )]
    pub content_type: String,
    /// Contract profile to judge by. Default: the profile marked default.
    #[arg(long, env = "CMSCONFORM_PROFILE", help_heading = heading::CONTRACT)]
    pub profile: Option<String>,
    /// "Now" for the logon-time rule (ms since the epoch). Default: the clock.
    #[arg(long, env = "CMSCONFORM_CHECK_NOW_MS", help_heading = heading::CONTRACT)]
    pub now_ms: Option<i64>,
    /// Allowance for the server's clock ahead of "now".
    #[arg(
        long,
        default_value = "5m",
        value_parser = parse_duration,
        env = "CMSCONFORM_CHECK_CLOCK_SKEW",
        help_heading = heading::CONTRACT
    )]
    pub clock_skew: Duration,
    /// Output: lines for a person (`text`) or the verdicts as JSON.
    #[arg(
        long,
        value_enum,
        default_value = "text",
        env = "CMSCONFORM_CHECK_FORMAT",
        help_heading = heading::OUTPUT
    )]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Md,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The older run's report.json.
    #[arg(env = "CMSCONFORM_DIFF_OLD")]
    pub old: PathBuf,
    /// The newer run's report.json.
    #[arg(env = "CMSCONFORM_DIFF_NEW")]
    pub new: PathBuf,
    /// Output: a Markdown summary (`md`) or the diff as JSON.
    #[arg(
        long,
        value_enum,
        default_value = "md",
        env = "CMSCONFORM_DIFF_FORMAT",
        help_heading = heading::OUTPUT
    )]
    pub format: DiffFormat,
}

#[derive(Debug, Clone, Args)]
pub struct SelftestArgs {
    /// Contract profile the mock serves and the suite judges. Default: the profile marked default.
    #[arg(long, env = "CMSCONFORM_PROFILE", help_heading = heading::SELECTION)]
    pub profile: Option<String>,
    /// Seed of the property cases of every run.
    #[arg(long, env = "CMSCONFORM_SEED", default_value_t = 1, help_heading = heading::SELECTION)]
    pub seed: u64,
    /// Property cases per run.
    #[arg(
        long = "property-cases",
        alias = "cases",
        default_value_t = 32,
        env = "CMSCONFORM_SELFTEST_PROPERTY_CASES",
        help_heading = heading::SELECTION
    )]
    pub property_cases: u32,
    /// Only these mutations (repeatable); default all.
    #[arg(
        long = "mutation",
        env = "CMSCONFORM_SELFTEST_MUTATION",
        help_heading = heading::SELECTION
    )]
    pub mutations: Vec<String>,
}

/// Runs the parsed command; returns the process exit code.
pub fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run(args) => crate::runner::command(&args, &cli.global),
        Command::Mock(args) => crate::mock::command(&args, &cli.global),
        Command::Check(args) => crate::checks::command(&args, &cli.global),
        Command::Diff(args) => crate::diff::command(&args),
        Command::Selftest(args) => crate::runner::selftest_command(&args, &cli.global),
    }
}

/// Reads a file named on the command line, naming it in the error.
pub fn read_input(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Usage(format!("{}: {source}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    /// Every argument of every subcommand says what it does, and every one but clap's own
    /// `--help`/`--version` reads a `CMSCONFORM_` variable: a new flag cannot miss either.
    #[test]
    fn every_argument_has_help_text_and_an_environment_variable() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        // Built, the subcommands carry the global flags and clap's own.
        cli.build();
        let mut missing = Vec::new();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                let name = format!("{} {id}", sub.get_name());
                if arg.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                    missing.push(format!("{name}: help text"));
                }
                let env = arg.get_env().and_then(|e| e.to_str()).unwrap_or("");
                if !env.starts_with("CMSCONFORM_") {
                    missing.push(format!("{name}: environment variable"));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    /// Every switch reads its variable with the boolish parser: `CMSCONFORM_NO_REPORT=1` and
    /// `=yes` mean on, `=0`, `=no` and `=false` off (clap's default for a switch takes only
    /// true/false).
    #[test]
    fn every_switch_reads_1_0_yes_no_true_false_from_its_variable() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let mut switches = 0;
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                if !matches!(arg.get_action(), clap::ArgAction::SetTrue) {
                    continue;
                }
                switches += 1;
                // A default goes through the switch's own parser, as its variable's value does.
                let read = |text: &'static str| {
                    let arg = arg.clone().default_value(text);
                    let id = arg.get_id().clone();
                    clap::Command::new("t")
                        .arg(arg)
                        .try_get_matches_from(["t"])
                        .ok()
                        .map(|m| m.get_flag(id.as_str()))
                };
                for (text, expected) in [
                    ("1", true),
                    ("true", true),
                    ("yes", true),
                    ("on", true),
                    ("0", false),
                    ("false", false),
                    ("no", false),
                    ("off", false),
                ] {
                    assert_eq!(read(text), Some(expected), "{} {:?}={text}", sub.get_name(), arg.get_id());
                }
                assert_eq!(read("maybe"), None, "{:?}", arg.get_id());
            }
        }
        // run's six and the mock's --list-faults: the walk found them.
        assert_eq!(switches, 7);
    }

    #[test]
    fn colour_follows_the_choice_the_terminal_and_no_color() {
        use ColorWhen::*;
        // (choice, terminal, NO_COLOR, CLICOLOR_FORCE) -> colour
        for (when, terminal, no_color, force, expected) in [
            (Auto, true, false, false, true),
            (Auto, false, false, false, false),
            (Auto, true, true, false, false),
            (Auto, false, false, true, true),
            (Auto, false, true, true, false),
            (Always, false, true, false, true),
            (Never, true, false, true, false),
        ] {
            assert_eq!(
                when.colours(terminal, no_color, force),
                expected,
                "{when:?} terminal={terminal} NO_COLOR={no_color} CLICOLOR_FORCE={force}"
            );
        }
    }

    #[test]
    fn colour_is_read_from_the_arguments_before_clap_parses() {
        // CMSCONFORM_COLOR is not set in the test environment; the arguments decide.
        if std::env::var_os("CMSCONFORM_COLOR").is_some() {
            return;
        }
        assert_eq!(early_color(["cmsconform", "run"]), ColorWhen::Auto);
        assert_eq!(early_color(["cmsconform", "--color", "never", "run"]), ColorWhen::Never);
        assert_eq!(early_color(["cmsconform", "run", "--color=always"]), ColorWhen::Always);
        assert_eq!(early_color(["cmsconform", "run", "--color", "rainbow"]), ColorWhen::Auto);
        assert_eq!(early_color(["cmsconform", "run", "--", "--color=never"]), ColorWhen::Auto);
    }
}
