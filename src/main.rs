//! `cmsconform`: parse the command line, run the library, map the result to an exit code.

use clap::Parser;

fn main() {
    // Before any thread exists: the arena cap applies to threads created later.
    cmsconform::memory::limit_arenas();
    let cli = cmsconform::cli::Cli::parse();
    cmsconform::logging::init(&cli.global.log);
    let code = match cmsconform::cli::dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("cmsconform: error: {error}");
            error.exit_code()
        }
    };
    std::process::exit(code);
}
