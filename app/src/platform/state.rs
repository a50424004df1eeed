//! What every request handler and background worker shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use tokio::sync::Notify;

use super::clock::Clock;
use super::crypto::Keys;
use super::db::Db;
use super::face_match::FaceMatcher;
use super::rate_limit::RateLimits;
use crate::error::AppError;
use crate::time::UnixTime;

/// Behaviour the operator can tune; read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Shown in the header, page titles and mail ("BSrE").
    pub brand: String,
    /// Where links in mail point, without a trailing slash.
    pub public_base_url: String,
    /// Devices an account may hold; adding one more removes the oldest.
    pub max_devices: usize,
    /// Mark cookies `Secure` (set when the public URL is https).
    pub secure_cookies: bool,
    /// Use the first `X-Forwarded-For` address as the client (behind a proxy only).
    pub trust_forwarded_for: bool,
    pub session_idle_seconds: i64,
    pub session_max_seconds: i64,
    /// Days after a ticket closes before its selfies are deleted.
    pub selfie_retention_days: i64,
    /// A face-match score at or above this reads "cocok" to the verifier.
    pub face_match_accept: f64,
    /// Below this it reads "tidak cocok"; in between, "ragu".
    pub face_match_doubt: f64,
}

/// Default of [`Settings::face_match_accept`]. The fake service in the tests
/// is no evidence for any threshold: this follows common vendor guidance (a
/// default similarity threshold of 80%, as AWS Rekognition's CompareFaces
/// documents, with a person reviewing decisions that affect someone). Tune it to the figures the operator of the real service
/// publishes; the score informs a person and never decides.
pub const DEFAULT_FACE_MATCH_ACCEPT: f64 = 0.80;
/// Default of [`Settings::face_match_doubt`]: a band of 20 points under the
/// acceptance threshold where the verifier is told to look closer, rather
/// than a second vendor figure.
pub const DEFAULT_FACE_MATCH_DOUBT: f64 = 0.60;

impl Settings {
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_base_url)
    }
}

pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub keys: Keys,
    pub settings: Settings,
    pub limits: RateLimits,
    /// The configured face-match adapter (`NoFaceMatcher` when none is).
    pub face_matcher: Arc<dyn FaceMatcher>,
    /// Woken when mail is queued, so the sender need not wait for its next poll.
    pub mail_queued: Notify,
    /// Woken when bot replies are queued.
    pub telegram_queued: Notify,
}

impl Services {
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }
}

/// The axum router state; Leptos gives it to server functions as context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Arc<Services>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The services, from inside a server function or an SSR resource.
pub fn services() -> Result<Arc<Services>, AppError> {
    leptos::prelude::use_context::<AppState>()
        .map(|state| state.services)
        .ok_or_else(|| crate::error::internal("AppState missing from the Leptos context"))
}
