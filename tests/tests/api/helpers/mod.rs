//! What the integration tests share, by what it helps with:
//!
//! - [`spawn`]: the real server on port 0 against a fresh database, with a
//!   clock the test controls, and a second process on the same database;
//! - [`database`]: the backends and their throwaway databases;
//! - [`accounts`]: accounts created through the domain services, and login;
//! - [`pages`]: server-function calls, pages and their visible text;
//! - [`mail`]: MailDev (a real SMTP server) and the local outbox folder;
//! - [`db_checks`]: counts and lists read from the database for assertions,
//!   and a search of every column for data that must never rest in clear;
//! - [`fake_biometric`]: a local biometric (face-match) service;
//! - [`wait`]: waiting for background work under a deadline.

mod accounts;
mod database;
mod db_checks;
pub mod fake_biometric;
mod mail;
mod pages;
mod spawn;
mod wait;

pub use accounts::{AccountSpec, TestAccount};
pub use database::{Backend, postgres_skipped};
pub use mail::{MailServer, folder_mail, folder_mail_containing, spawn_with_smtp_down};
pub use pages::{Form, page_text};
pub use spawn::{Options, TestApp, free_port, spawn_app, spawn_app_with, spawn_prepared};
pub use wait::{DEADLINE, wait_for, wait_until};

/// Runs each listed `async fn name(backend: Backend)` once on SQLite and
/// once on PostgreSQL. Without a PostgreSQL cluster (`TPO_TEST_POSTGRES_URL`
/// unset, as under a bare `cargo test`) the PostgreSQL variants return at
/// once and the run says so once on stderr; `make test` runs both.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if $crate::helpers::postgres_skipped() {
                        return;
                    }
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )+
        }
    };
}
