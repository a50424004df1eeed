//! The one error type the browser ever sees.
//!
//! Every variant's message is Indonesian and safe to show: causes (database
//! errors, I/O, crypto) are logged on the server with an incident code and the
//! client only gets that code.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input that does not parse; the message says what to fix.
    #[error("{0}")]
    Invalid(String),
    /// A request that is understood but refused by a rule (wrong code, used link…).
    #[error("{0}")]
    Rejected(String),
    /// Login failed without saying which part was wrong.
    #[error("Email atau kata sandi salah.")]
    BadCredentials,
    #[error("Terlalu banyak percobaan. Silakan coba lagi dalam {}.", wait_text(*.0))]
    TooManyAttempts(u64),
    #[error("Silakan masuk terlebih dahulu.")]
    Unauthenticated,
    #[error("Anda tidak memiliki akses ke halaman ini.")]
    Forbidden,
    #[error("Data tidak ditemukan.")]
    NotFound,
    #[error("Permintaan tidak dapat diproses. Muat ulang halaman lalu coba lagi.")]
    BadRequest,
    #[error("Terjadi gangguan pada sistem. Silakan coba beberapa saat lagi (kode insiden {0}).")]
    Internal(String),
    /// The database cannot be reached (down, restarting, unreadable): nothing
    /// was done, and the same request later may succeed.
    #[error("Layanan sedang tidak tersedia. Silakan coba lagi dalam beberapa saat.")]
    Unavailable,
}

/// What `Retry-After` says while the database cannot be reached: about as
/// long as a PostgreSQL restart or a failover takes.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 10;

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub fn rejected(message: impl Into<String>) -> Self {
        Self::Rejected(message.into())
    }

    /// The HTTP status that matches the error, used by the server for API
    /// callers (browsers following a plain form post get a redirect instead).
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Invalid(_) | Self::BadRequest => 400,
            Self::BadCredentials | Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Rejected(_) => 409,
            Self::TooManyAttempts(_) => 429,
            Self::Internal(_) => 500,
            Self::Unavailable => 503,
        }
    }
}

/// "30 detik", "2 menit", "1 jam": how long to wait, rounded up.
pub fn wait_text(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{} detik", seconds.max(1)),
        60..=3599 => format!("{} menit", seconds.div_ceil(60)),
        _ => format!("{} jam", seconds.div_ceil(3600)),
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) => Self::Rejected(
                "Tidak dapat terhubung ke server. Periksa koneksi internet Anda lalu coba lagi."
                    .into(),
            ),
            // Arguments that do not deserialize are a client problem; the
            // framework's text may name internals, so it is not passed on.
            _ => Self::BadRequest,
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;

    /// Logs the cause under a short incident code and returns the code only.
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        let mut bytes = [0u8; 4];
        // An incident code that cannot be generated is still an incident.
        let _ = getrandom::fill(&mut bytes);
        let code = hex::encode(bytes);
        tracing::error!(incident = %code, "internal error: {cause}");
        AppError::Internal(code)
    }

    /// A database that cannot be reached answers 503 with `Retry-After`
    /// (on pages and server functions through the response options; the
    /// API's problem answers set their own); any other database error is
    /// an incident.
    impl From<sqlx::Error> for AppError {
        fn from(e: sqlx::Error) -> Self {
            if !is_outage(&e) {
                return internal(format_args!("database: {e}"));
            }
            tracing::warn!("database unavailable: {e}");
            if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::SERVICE_UNAVAILABLE);
                response.insert_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from(super::UNAVAILABLE_RETRY_AFTER_SECONDS),
                );
            }
            AppError::Unavailable
        }
    }

    /// Whether `e` says the database cannot be reached, rather than that a
    /// statement failed: no connection (refused, dropped, timed out waiting
    /// for one), PostgreSQL shutting down or starting (class 08, 57P01–57P03,
    /// 53300), a SQLite file that cannot be opened or read (SQLITE_IOERR,
    /// SQLITE_CANTOPEN, SQLITE_NOTADB; the primary code is the low byte of
    /// the extended one).
    fn is_outage(e: &sqlx::Error) -> bool {
        use sqlx::Error as E;
        match e {
            E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => true,
            E::Database(db) => {
                if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    let code = pg.code();
                    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
                } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    db.code()
                        .and_then(|code| code.parse::<u32>().ok())
                        .is_some_and(|code| matches!(code & 0xFF, 10 | 14 | 26))
                } else {
                    false
                }
            }
            _ => false,
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::internal;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_text_rounds_up_to_readable_units() {
        assert_eq!(wait_text(0), "1 detik");
        assert_eq!(wait_text(30), "30 detik");
        assert_eq!(wait_text(61), "2 menit");
        assert_eq!(wait_text(3600), "1 jam");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_unreachable_database_is_unavailable_and_a_failed_statement_an_incident() {
        for outage in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ] {
            let e = AppError::from(outage);
            assert_eq!(e, AppError::Unavailable);
            assert_eq!(e.status_code(), 503);
            assert_eq!(
                e.to_string(),
                "Layanan sedang tidak tersedia. Silakan coba lagi dalam beberapa saat."
            );
        }
        let failed = AppError::from(sqlx::Error::RowNotFound);
        assert!(matches!(failed, AppError::Internal(_)), "{failed:?}");
    }

    #[test]
    fn internal_errors_show_only_the_incident_code() {
        let e = AppError::Internal("abcd1234".into());
        assert_eq!(
            e.to_string(),
            "Terjadi gangguan pada sistem. Silakan coba beberapa saat lagi (kode insiden abcd1234)."
        );
    }
}
