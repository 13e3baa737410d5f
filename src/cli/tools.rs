//! The flags of the other subcommands: `mock`, `check`, `diff` and `selftest`.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, ValueEnum};

use super::heading;
use crate::units::{parse_duration, parse_size};

#[derive(Debug, Clone, Args)]
pub struct MockArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "CMSCONFORM_LISTEN",
        default_value = "127.0.0.1:8080",
        help_heading = heading::SERVER
    )]
    pub listen: String,
    /// Contract profile the mock serves. Default: the profile marked default.
    #[arg(long, env = "CMSCONFORM_PROFILE", help_heading = heading::SERVER)]
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
        help_heading = heading::SERVER
    )]
    pub clock_skew: Duration,
    /// Seed of the agent fleet.
    #[arg(long, env = "CMSCONFORM_MOCK_SEED", default_value_t = 0, help_heading = heading::SERVER)]
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
        help_heading = heading::SERVER
    )]
    pub max_body: usize,
    /// A sparse call centre: agents exist only at these IDs (all of them, at every call
    /// centre), e.g. 31200-31399 or 1000-1199,2001. Default: about nine IDs in ten exist.
    #[arg(
        long,
        env = "CMSCONFORM_MOCK_FLEET",
        value_name = "RANGES",
        help_heading = heading::SERVER
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
