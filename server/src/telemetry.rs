//! Structured logs: `RUST_LOG` filters (default info), `TPO_LOG_FORMAT=json`
//! for machine-readable output. Logs go to stderr, so what a command prints
//! on stdout (`--json`, reports) stays clean for the program reading it.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let result = if std::env::var("TPO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests start several servers) keeps the first subscriber.
    drop(result);
}
