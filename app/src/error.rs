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
}

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

    impl From<sqlx::Error> for AppError {
        fn from(e: sqlx::Error) -> Self {
            internal(format_args!("database: {e}"))
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

    #[test]
    fn internal_errors_show_only_the_incident_code() {
        let e = AppError::Internal("abcd1234".into());
        assert_eq!(
            e.to_string(),
            "Terjadi gangguan pada sistem. Silakan coba beberapa saat lagi (kode insiden abcd1234)."
        );
    }
}
