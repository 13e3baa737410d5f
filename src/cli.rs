//! The command line: clap definitions (every flag with its environment variable) and the
//! dispatch to the library. The values' parsers (durations, sizes, rates) are in [`crate::units`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::contract::DataSource;
use crate::error::{Error, Result};
use crate::units::{parse_duration, parse_rate, parse_size};

#[derive(Debug, Parser)]
#[command(
    name = "cmsconform",
    version,
    about = "Contract-conformance harness for the CC-CMS batch agent-status open API",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Read the contract from this directory instead of the embedded `schemas/`.
    #[arg(long, global = true, env = "CMSCONFORM_SCHEMAS", value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Read hand-written cases from this directory instead of the embedded `cases/`.
    #[arg(
        long = "cases-dir",
        global = true,
        env = "CMSCONFORM_CASES_DIR",
        value_name = "DIR"
    )]
    pub cases_dir: Option<PathBuf>,
    /// Log filter for diagnostics on stderr (e.g. `debug`, `cmsconform=trace`).
    #[arg(long, global = true, env = "CMSCONFORM_LOG", default_value = "warn")]
    pub log: String,
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
    #[arg(long, env = "CMSCONFORM_TARGET", value_name = "URL")]
    pub target: Option<String>,
    /// Access key. Default with the embedded mock: the mock's local default.
    #[arg(long, env = "CMSCONFORM_AK")]
    pub ak: Option<String>,
    /// Secret key. Prefer the environment variable: a flag shows in the process list.
    #[arg(long, env = "CMSCONFORM_SK", hide_env_values = true)]
    pub sk: Option<String>,
    /// Contract profile (a directory under schemas/). Default: the profile marked default.
    #[arg(long, env = "CMSCONFORM_PROFILE")]
    pub profile: Option<String>,
    /// Where report.json, junit.xml, report.md and report.html go.
    #[arg(long, env = "CMSCONFORM_REPORT_DIR", default_value = "reports/latest")]
    pub report_dir: PathBuf,
    /// Do not write reports (passing cases then keep no copy of their exchange: only failures
    /// are printed with theirs).
    #[arg(long, env = "CMSCONFORM_NO_REPORT")]
    pub no_report: bool,
    /// Seed of the property cases; printed on every run. Default: random.
    #[arg(long, env = "CMSCONFORM_SEED")]
    pub seed: Option<u64>,
    /// Number of property cases.
    #[arg(
        long = "cases",
        env = "CMSCONFORM_PROPERTY_CASES",
        default_value_t = 256
    )]
    pub property_cases: u32,
    /// Skip TLS certificate verification (only for a server you trust).
    #[arg(long, env = "CMSCONFORM_INSECURE")]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file as well.
    #[arg(long, env = "CMSCONFORM_CACERT", value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Client certificate and key (PEM, both in one file) for mutual TLS.
    #[arg(long, env = "CMSCONFORM_CLIENT_CERT", value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// Deadline for each whole request (connect, send, receive), e.g. 10s, 500ms.
    #[arg(long, env = "CMSCONFORM_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Largest response body read; a longer body is cut and reported.
    #[arg(long, env = "CMSCONFORM_MAX_BODY", default_value = "32MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Requests in flight at once.
    #[arg(
        short = 'j',
        long = "concurrency",
        env = "CMSCONFORM_CONCURRENCY",
        default_value_t = 4
    )]
    pub concurrency: usize,
    /// At most N requests per second (e.g. 20/s); default unlimited.
    #[arg(long, env = "CMSCONFORM_RATE_LIMIT", value_parser = parse_rate)]
    pub rate_limit: Option<f64>,
    /// Override the interface path (e.g. a BMS path).
    #[arg(long, env = "CMSCONFORM_PATH")]
    pub path: Option<String>,
    /// Requests without the harness's own valid signature to send at most: authentication
    /// probes, case files that add, replace or drop Authorization, bodies that are not UTF-8
    /// (real servers lock an IP out after repeated authentication failures).
    #[arg(long, env = "CMSCONFORM_AUTH_PROBES", default_value_t = 2)]
    pub auth_probes: u32,
    /// Allowance for the server's clock ahead of ours in the logon-time rule, e.g. 5m.
    #[arg(long, env = "CMSCONFORM_CLOCK_SKEW", default_value = "5m", value_parser = parse_duration)]
    pub clock_skew: Duration,
    /// Stop after this many consecutive transport failures and report the target unusable.
    #[arg(long, env = "CMSCONFORM_BREAKER", default_value_t = 5)]
    pub breaker: u32,
    /// Known, accepted failures (a report.json or a baseline file): listed, not failing.
    #[arg(long, env = "CMSCONFORM_BASELINE", value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Replay the regression case files in DIR (only read, never written). Default:
    /// cases/regressions of the working directory, when it exists and --cases-dir is not given.
    /// Shrunk failures are written to <report-dir>/regressions/ instead.
    #[arg(long, env = "CMSCONFORM_REGRESSIONS", value_name = "DIR")]
    pub regressions: Option<PathBuf>,
    /// Request budget of the discoveries: the fleet scan at the home pair spends from it first
    /// (one full-length request per maxItems IDs of the profile's agent-ID ranges: 10 for
    /// 2023-12, 165 for 2025-11), the limit discovery after the relations gets the rest
    /// (0 = neither).
    #[arg(long, env = "CMSCONFORM_DISCOVERY_BUDGET", default_value_t = 256)]
    pub discovery_budget: u32,
    /// The agents the home call centre has, instead of discovering them: IDs and ranges such
    /// as `1000-1199,2001`, or a file holding the same (commas, spaces or newlines between).
    #[arg(long, env = "CMSCONFORM_AGENTS", value_name = "LIST|FILE")]
    pub agents: Option<String>,
    /// Warn when the agent rules judged fewer distinct agents than this (a conformant verdict
    /// on almost no agent data is not a full one).
    #[arg(long, env = "CMSCONFORM_MIN_AGENTS", default_value_t = 10)]
    pub min_agents: u32,
    /// Leave out the consistency relations (notes:6.14) and the limit discovery.
    #[arg(long, env = "CMSCONFORM_NO_RELATIONS")]
    pub no_relations: bool,
    /// The run's home call centre: a ccId the target hosts, used by every case that does not
    /// probe ccId and by the relations and the preflight (notes:6.15). Default: the seed
    /// example's (1).
    #[arg(
        long = "cc-id",
        alias = "relations-cc-id",
        env = "CMSCONFORM_CC_ID",
        value_name = "CCID",
        default_value_t = crate::runner::config::HomePair::SEED.cc_id
    )]
    pub cc_id: i64,
    /// The run's home VDN, hosted at the home call centre (notes:6.15). Default: the seed
    /// example's (170).
    #[arg(
        long = "vdn",
        alias = "relations-vdn",
        env = "CMSCONFORM_VDN",
        value_name = "VDN",
        default_value_t = crate::runner::config::HomePair::SEED.vdn
    )]
    pub vdn: i64,
    /// Allowance beyond elapsed wall time when durations of two answers are compared, and how
    /// far apart load-balanced nodes may put a signed-in agent's logonTime: within it, either
    /// way, is information (notes:6.16); raise it for nodes whose clocks differ more.
    #[arg(long, env = "CMSCONFORM_RELATIONS_TOLERANCE", default_value = "2s", value_parser = parse_duration)]
    pub relations_tolerance: Duration,
    /// Which junit.xml testcases carry `system-out` (the reproduction): `failures` (failed,
    /// baselined and skipped cases) or `all` (passing ones too).
    #[arg(
        long,
        env = "CMSCONFORM_JUNIT_OUTPUT",
        value_enum,
        default_value = "failures"
    )]
    pub junit_output: crate::report::junit::JunitOutput,
    /// No progress bar even on a terminal.
    #[arg(long, env = "CMSCONFORM_NO_PROGRESS")]
    pub no_progress: bool,
    /// List the cases instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Run only cases whose id matches FILTER exactly.
    #[arg(long)]
    pub exact: bool,
    /// Skip cases whose id contains this (repeatable).
    #[arg(long)]
    pub skip: Vec<String>,
    /// Trials run at once (libtest's flag); default: --concurrency.
    #[arg(long)]
    pub test_threads: Option<usize>,
    /// Trial output format.
    #[arg(long, value_enum, default_value = "pretty")]
    pub format: TrialFormat,
    /// Run only cases whose id contains FILTER.
    pub filter: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct MockArgs {
    /// Address to listen on.
    #[arg(long, env = "CMSCONFORM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[arg(long, env = "CMSCONFORM_PROFILE")]
    pub profile: Option<String>,
    /// Access key accepted. Default: the documented local default.
    #[arg(long, env = "CMSCONFORM_AK")]
    pub ak: Option<String>,
    /// Secret key. Default: the documented local default.
    #[arg(long, env = "CMSCONFORM_SK", hide_env_values = true)]
    pub sk: Option<String>,
    /// Accepted distance between the signature's timestamp and the mock's clock.
    #[arg(long, env = "CMSCONFORM_MOCK_CLOCK_SKEW", default_value = "15m", value_parser = parse_duration)]
    pub clock_skew: Duration,
    /// Seed of the agent fleet.
    #[arg(long, env = "CMSCONFORM_MOCK_SEED", default_value_t = 0)]
    pub seed: u64,
    /// A fault or contract mutation applied to every request (repeatable); see --list-faults.
    #[arg(long = "fault", env = "CMSCONFORM_FAULT", value_delimiter = ',')]
    pub faults: Vec<String>,
    /// Lock a client IP out (403) after N authentication failures per WINDOW, e.g. 5/60s.
    #[arg(long, env = "CMSCONFORM_LOCKOUT")]
    pub lockout: Option<String>,
    /// Largest request body accepted (413 beyond).
    #[arg(long, env = "CMSCONFORM_MOCK_MAX_BODY", default_value = "1MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// A sparse call centre: agents exist only at these IDs (all of them, at every call
    /// centre), e.g. 31200-31399 or 1000-1199,2001. Default: about nine IDs in ten exist.
    #[arg(long, env = "CMSCONFORM_MOCK_FLEET", value_name = "RANGES")]
    pub fleet: Option<String>,
    /// Print every fault and contract mutation, then exit.
    #[arg(long)]
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
    #[arg(long, value_name = "REQ.json")]
    pub request: PathBuf,
    /// The raw response body file.
    #[arg(long, value_name = "RESP.json")]
    pub response: PathBuf,
    /// The HTTP status of the answer.
    #[arg(long, default_value_t = 200)]
    pub status: u16,
    /// The answer's Content-Type.
    #[arg(long, default_value = "application/json;charset=UTF-8")]
    pub content_type: String,
    #[arg(long, env = "CMSCONFORM_PROFILE")]
    pub profile: Option<String>,
    /// "Now" for the logon-time rule (ms since the epoch). Default: the clock.
    #[arg(long)]
    pub now_ms: Option<i64>,
    /// Allowance for the server's clock ahead of "now".
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub clock_skew: Duration,
    #[arg(long, value_enum, default_value = "text")]
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
    pub old: PathBuf,
    /// The newer run's report.json.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value = "md")]
    pub format: DiffFormat,
}

#[derive(Debug, Clone, Args)]
pub struct SelftestArgs {
    #[arg(long, env = "CMSCONFORM_PROFILE")]
    pub profile: Option<String>,
    #[arg(long, env = "CMSCONFORM_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Property cases per run.
    #[arg(long = "cases", default_value_t = 32)]
    pub property_cases: u32,
    /// Only these mutations (repeatable); default all.
    #[arg(long = "mutation")]
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
}
