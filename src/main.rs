//! `cmsconform`: parse the command line, run the library, map the result to an exit code.

use clap::Parser;

#[global_allocator]
static ALLOCATOR: cmsconform::memory::Allocator = cmsconform::memory::Allocator;

fn main() {
    // Before any thread exists.
    cmsconform::memory::configure();
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
