//! The commands layer: the only code that reads clap's types, prints to the terminal, builds
//! runtimes, waits for signals and turns results into exit codes, one file per subcommand.
//! `inputs` checks a run's paths and selection before any request is sent; `progress` draws
//! the bars and carries the run's lines above them; `trials` drives the cases as libtest trials.

mod check;
mod command_line;
mod diff;
mod inputs;
pub mod logging;
mod mock;
pub mod progress;
mod run;
mod run_config;
mod selftest;
mod trial_output;
mod trials;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};

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

/// The runtime a run and a selftest go on: one thread. The cases are I/O-bound, and the
/// embedded mock gets a thread of its own (see [`crate::runner::Session`]).
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))
}
