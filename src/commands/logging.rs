//! Diagnostics through `tracing`, on stderr. Nothing logged may carry a secret: callers log
//! redacted values only (see `report::redact`).

use crate::cli::ColorWhen;

/// Installs the stderr subscriber once; later calls are ignored.
pub fn init(filter: &str, color: ColorWhen) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Above a progress bar when one is drawn, so that neither erases the other.
        .with_writer(|| super::progress::StderrAboveBar)
        // By default colour codes only for a person at a terminal, never in a CI log, a
        // redirected file or under NO_COLOR.
        .with_ansi(color.colours_stream(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
