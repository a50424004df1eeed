//! What every request handler and background worker shares.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use tokio::sync::Notify;

use super::clock::Clock;
use super::crypto::Keys;
use super::db::Db;
use super::face_match::FaceMatcher;
use super::metrics::Metrics;
use super::net::{AddressBlocks, TrustedProxies};
use super::rate_limit::RateLimits;
use crate::error::AppError;
use crate::time::UnixTime;
use crate::tunables::Tunables;

/// Behaviour the operator sets in the configuration; read once at start.
/// What an admin tunes at run time is in [`Tunables`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// Shown in the header, page titles and mail ("BSrE").
    pub brand: String,
    /// Where links in mail point, without a trailing slash.
    pub public_base_url: String,
    /// Mark cookies `Secure` (set when the public URL is https).
    pub secure_cookies: bool,
    /// The proxies whose `X-Forwarded-For` hops name the client.
    pub trusted_proxies: TrustedProxies,
    /// The clients that may read `/metrics`; everyone else gets 404.
    pub metrics_allow: AddressBlocks,
    pub session_idle_seconds: i64,
    pub session_max_seconds: i64,
}

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
    /// This process's counters, read by `/metrics` (and written by
    /// workers started before the services exist).
    pub metrics: Arc<Metrics>,
    /// Replaced by `settings::service::reload` every few seconds.
    pub tunables: RwLock<Arc<Tunables>>,
    /// The configured face-match adapter (`NoFaceMatcher` when none is).
    pub face_matcher: Arc<dyn FaceMatcher>,
    /// Woken when mail is queued, so the sender need not wait for its next poll.
    pub mail_queued: Notify,
    /// Woken when bot replies are queued.
    pub telegram_queued: Notify,
    /// Workers of the capabilities above this floor, which it cannot name
    /// (the group commit of right OTP codes), found by their type.
    pub workers: Workers,
}

/// One value of each type, found by type: a capability puts its worker in
/// at start and finds it again, and a `Services` without it (none put in)
/// makes the capability do without.
#[derive(Default)]
pub struct Workers(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl Workers {
    pub fn with<T: Any + Send + Sync>(mut self, worker: T) -> Self {
        self.0.insert(TypeId::of::<T>(), Box::new(worker));
        self
    }

    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref()
    }
}

impl Services {
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// The tunables in force now.
    pub fn tunables(&self) -> Arc<Tunables> {
        self.tunables
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// The axum router state; Leptos gives it to server functions as context.
/// Every request clones it into that context, so it holds only `Arc`s:
/// a `LeptosOptions` clone counts up six shared strings and copies a
/// seventh, and its drop counts them down (2% of the request threads'
/// time at the login code step).
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: Arc<LeptosOptions>,
    pub services: Arc<Services>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        (*state.leptos_options).clone()
    }
}

/// The services, from inside a server function or an SSR resource.
pub fn services() -> Result<Arc<Services>, AppError> {
    leptos::prelude::use_context::<AppState>()
        .map(|state| state.services)
        .ok_or_else(|| crate::error::internal("AppState missing from the Leptos context"))
}
