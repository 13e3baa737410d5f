//! `cmsconform run`'s flags, grouped under cargo-like help headings.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, ValueEnum};

use super::heading;
use crate::units::{parse_duration, parse_rate, parse_size};

pub(super) const RUN_EXAMPLES: &str = "Examples:
  cmsconform run                                    against the embedded mock
  cmsconform run --target https://cms:28080 --cacert ca.pem
                                                    CMSCONFORM_AK / CMSCONFORM_SK set
  cmsconform run --seed 7 --property-cases 32 property::0003 --exact
                                                    rerun one case
  cmsconform run --list                             the cases and relations, run none
  cmsconform run relation::                         the relations alone
  CMSCONFORM_NO_REPORT=1 cmsconform run --baseline reports/latest/report.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrialFormat {
    /// The failing cases' lines only, then the defect blocks and the totals.
    Short,
    /// Every case's line, as libtest prints them.
    Pretty,
    Terse,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Base URL of the server under test, e.g. `https://cms.example:28080`. Default: embedded mock.
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
    /// Largest response body read; a longer body is cut and reported. Also the budget of
    /// response bytes held at once beyond 256 KiB each, whatever -j.
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
    /// Requests a correct server may refuse as unauthenticated to send at most (real servers
    /// lock an IP out after repeated authentication failures): authentication probes, case
    /// files that add, replace or drop Authorization, and signed bodies that servers sign two
    /// ways (empty, not UTF-8). Spent in this order: the replay of the preflight's signature,
    /// the empty body, no Authorization, another two-way signing, an expired timestamp, a wrong
    /// AK, a malformed header, a wrong signature, then the rest.
    #[arg(
        long,
        env = "CMSCONFORM_AUTH_PROBES",
        default_value_t = 2,
        help_heading = heading::PACING
    )]
    pub auth_probes: u32,
    /// Allowance for the server's clock ahead of ours in the logon-time rule, e.g. 5m.
    /// Default: the profile's `defaultClockSkewMs` (5m for the shipped profiles).
    #[arg(
        long,
        env = "CMSCONFORM_CLOCK_SKEW",
        value_parser = parse_duration,
        help_heading = heading::PACING
    )]
    pub clock_skew: Option<Duration>,
    /// Stop sending after this many consecutive answers that cannot be judged (none, a timeout,
    /// broken framing, a body cut at --max-body, not JSON); 0: never.
    #[arg(long, env = "CMSCONFORM_BREAKER", default_value_t = 5, help_heading = heading::PACING)]
    pub breaker: u32,
    /// Known, accepted failures (a report.json or a baseline file): listed, not failing.
    #[arg(long, env = "CMSCONFORM_BASELINE", value_name = "FILE", help_heading = heading::REPORTS)]
    pub baseline: Option<PathBuf>,
    /// Replay the regression case files in DIR (only read, never written). Default:
    /// cases/regressions of the working directory, when it exists and --cases-dir is not given.
    /// Shrunk failures are written to `<report-dir>/regressions/` instead.
    #[arg(
        long,
        env = "CMSCONFORM_REGRESSIONS",
        value_name = "DIR",
        help_heading = heading::SELECTION
    )]
    pub regressions: Option<PathBuf>,
    /// Request budget of the discoveries: the fleet scan at the home pair spends from it first
    /// (one full-length request per maxItems IDs of the profile's agent-ID ranges: 10 for
    /// 2023-12, 165 for 2025-11), then the hosted scans of the other call centres/VDNs the
    /// cases saw accepted (at most 8 pairs, at most 4 requests each: the home fleet's IDs, 2
    /// samples of the range, the IDs around the agents they met; a pair stops at 500 agents
    /// judged), and the limit discovery after the relations gets the rest (0 = none of them).
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
    /// Leave out the consistency relations (notes:6.14) and the limit discovery (the reports
    /// say so). A selection picks some by name: relation::repetition, discovery::vdn, ...
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
        default_value_t = crate::cases::HomePair::SEED.cc_id,
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
        default_value_t = crate::cases::HomePair::SEED.vdn,
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
    /// List the cases, then the relations and limit discoveries, instead of running them.
    #[arg(
        long,
        env = "CMSCONFORM_LIST",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::SELECTION
    )]
    pub list: bool,
    /// Run only cases and relations whose name matches FILTER exactly.
    #[arg(
        long,
        env = "CMSCONFORM_EXACT",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        help_heading = heading::SELECTION
    )]
    pub exact: bool,
    /// Skip cases and relations whose name contains this (repeatable; with --exact: is this).
    #[arg(long, env = "CMSCONFORM_SKIP", help_heading = heading::SELECTION)]
    pub skip: Vec<String>,
    /// Trials run at once (libtest's flag); default: --concurrency.
    #[arg(long, env = "CMSCONFORM_TEST_THREADS", help_heading = heading::PACING)]
    pub test_threads: Option<usize>,
    /// Trial output format: `short` prints the failing cases' lines only (every failure's
    /// defect once, at the end), `pretty` every case's, `json` libtest's events with every message.
    #[arg(
        long,
        value_enum,
        default_value = "short",
        env = "CMSCONFORM_TRIAL_FORMAT",
        help_heading = heading::OUTPUT
    )]
    pub format: TrialFormat,
    /// Run only cases and relations whose name contains FILTER (`relation::` for the relations
    /// alone, `discovery::` for the limit discovery). The hosted scans follow the case that saw
    /// their pair accepted.
    #[arg(env = "CMSCONFORM_FILTER", help_heading = heading::SELECTION)]
    pub filter: Option<String>,
}
