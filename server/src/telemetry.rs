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

/// Log lines written on the current thread while a test runs, for reading back.
#[cfg(test)]
pub(crate) mod captured {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing::subscriber::DefaultGuard;

    #[derive(Clone, Default)]
    pub struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// Collects what is logged on this thread (plain text, as `init` writes
    /// it) until the guard is dropped.
    pub fn capture() -> (Captured, DefaultGuard) {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (log, tracing::subscriber::set_default(subscriber))
    }
}
