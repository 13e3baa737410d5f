//! The commands layer: the only code that reads clap's types, prints to the terminal, builds
//! runtimes, waits for signals and turns results into exit codes, one file per subcommand.
//! `inputs` checks a run's paths and selection before any request is sent.

mod check;
mod command_line;
mod diff;
mod inputs;
pub mod logging;
mod mock;
mod run;
mod run_config;
mod selftest;

use crate::cli::{Cli, Command};
use crate::error::Result;

/// Runs the parsed command; returns the process exit code.
pub fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run(args) => run::run(&args, &cli.global),
        Command::Mock(args) => mock::mock(&args, &cli.global),
        Command::Check(args) => check::check(&args, &cli.global),
        Command::Diff(args) => diff::diff(&args),
        Command::Selftest(args) => selftest::selftest(&args, &cli.global),
    }
}
