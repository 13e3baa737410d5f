//! Diagnostics through `tracing`, on stderr. Nothing logged may carry a secret: callers log
//! redacted values only (see `report::redact`).

/// Installs the stderr subscriber once; later calls are ignored.
pub fn init(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Above a progress bar when one is drawn, so that neither erases the other.
        .with_writer(|| crate::runner::progress::StderrAboveBar)
        // Colour codes only for a person at a terminal, never in a CI log or a redirected file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
