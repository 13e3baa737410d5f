//! The command line: clap definitions only (every flag with its environment variable). The
//! commands layer reads them and dispatches; the values' parsers (durations, sizes, rates) are
//! in `crate::units`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::contract::DataSource;

mod color;
mod run;
mod tools;

pub use color::{ColorWhen, early_color};
pub use run::{RunArgs, TrialFormat};
pub use tools::{CheckArgs, CheckFormat, DiffArgs, DiffFormat, MockArgs, SelftestArgs};

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
    pub const SERVER: &str = "Server";
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
    #[command(after_help = run::RUN_EXAMPLES)]
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

#[cfg(test)]
mod tests;
