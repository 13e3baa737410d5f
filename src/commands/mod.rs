//! The commands layer: the only code that reads clap's types, prints to the terminal, builds
//! runtimes, waits for signals and turns results into exit codes. `mock`, `check` and `diff`
//! live here; `run` and `selftest` are still driven from [`crate::runner`] (see its `command`).

mod check;
mod diff;
mod mock;

use crate::cli::{Cli, Command};
use crate::error::Result;

/// Runs the parsed command; returns the process exit code.
pub fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run(args) => crate::runner::command(&args, &cli.global),
        Command::Mock(args) => mock::mock(&args, &cli.global),
        Command::Check(args) => check::check(&args, &cli.global),
        Command::Diff(args) => diff::diff(&args),
        Command::Selftest(args) => crate::runner::selftest_command(&args, &cli.global),
    }
}
