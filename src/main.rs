//! `cmsconform`: parse the command line, run the library, map the result to an exit code.

use clap::{CommandFactory, FromArgMatches};

fn main() {
    // clap colours its help and errors while it parses, so `--color` is read first.
    let color = cmsconform::cli::early_color(std::env::args_os());
    let matches = cmsconform::cli::Cli::command()
        .color(color.for_clap())
        .get_matches();
    let cli = cmsconform::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cmsconform::commands::logging::init(&cli.global.log, cli.global.color);
    let code = match cmsconform::commands::dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("cmsconform: error: {error}");
            error.exit_code()
        }
    };
    std::process::exit(code);
}
