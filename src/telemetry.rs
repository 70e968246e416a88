//! Structured logs (tracing), filtered by `RUST_LOG` (default `info`). Installs the subscriber
//! once at start-up; what is logged is each layer's business, and secrets never are.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; logs go to standard error.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
