//! Per-client request budgets, counted in memory by each process; on
//! PostgreSQL (a scale-out) also shared by every process through the
//! database ([`shared`]), so N processes do not give N budgets.
//! Account-level limits live in the database. The budgets run on the
//! injected [`Clock`], like the rest of the domain: tests that advance a
//! `ManualClock` see them refill, and nothing else does.

mod repo;
mod shared;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{NotUntil, Quota, RateLimiter};

use super::clock::Clock;
use super::db::Db;
use super::net::rate_limit_key;
use crate::error::AppError;
use crate::ids::ServiceClientId;
use shared::SharedCounts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Password and OTP submissions on /login.
    Login,
    /// Helpdesk "Periksa" and request forms, ticket status lookups.
    Helpdesk,
    /// Codes entered while adding a device.
    Enroll,
    /// Photo uploads on the identity check.
    Upload,
}

impl Action {
    /// The action's part of a shared budget's bucket name.
    fn name(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Helpdesk => "helpdesk",
            Self::Enroll => "enroll",
            Self::Upload => "upload",
        }
    }
}

/// Our clock as governor's: whole seconds since the Unix epoch.
#[derive(Clone)]
struct InjectedClock(Arc<dyn Clock>);

impl governor::clock::Clock for InjectedClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::from(Duration::from_secs(self.0.now().secs().max(0) as u64))
    }
}

type KeyedLimiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, InjectedClock, NoOpMiddleware<Nanos>>;

fn keyed<K: Clone + Eq + std::hash::Hash>(quota: Quota, clock: &InjectedClock) -> KeyedLimiter<K> {
    RateLimiter::new(quota, DefaultKeyedStateStore::default(), clock.clone())
}

pub struct RateLimits {
    limiter: KeyedLimiter<(Action, IpAddr)>,
    chats: KeyedLimiter<i64>,
    /// Service clients by their budget (calls per minute): a governor
    /// limiter has one quota, and budgets are few. A client whose budget
    /// changes is counted afresh under the new one from its next call.
    service_clients: RwLock<HashMap<NonZeroU32, Arc<KeyedLimiter<ServiceClientId>>>>,
    clock: InjectedClock,
    per_minute: NonZeroU32,
    /// Set on PostgreSQL: the budgets all processes share.
    shared: Option<SharedCounts>,
}

/// Messages per minute one Telegram chat may send the bot.
pub const CHAT_MESSAGES_PER_MINUTE: u32 = 30;

impl RateLimits {
    /// `per_minute` requests per action and client, with bursts of the same
    /// size, measured on `clock`.
    pub fn new(per_minute: u32, clock: Arc<dyn Clock>) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
        let per_chat = NonZeroU32::new(CHAT_MESSAGES_PER_MINUTE).expect("non-zero");
        let clock = InjectedClock(clock);
        Self {
            limiter: keyed(Quota::per_minute(per_minute), &clock),
            chats: keyed(Quota::per_minute(per_chat), &clock),
            service_clients: RwLock::default(),
            clock,
            per_minute,
            shared: None,
        }
    }

    /// The same budgets, also counted across every process that shares the
    /// database and calls [`Self::flush`] about once a second.
    pub fn shared_across_processes(self) -> Self {
        Self {
            shared: Some(SharedCounts::default()),
            ..self
        }
    }

    /// Adds what this process admitted to the shared counts and reads back
    /// what all of them spent (nothing to do when counting in memory only).
    pub async fn flush(&self, db: &Db) -> Result<(), sqlx::Error> {
        match &self.shared {
            Some(shared) => shared.flush(db, self.clock.0.now()).await,
            None => Ok(()),
        }
    }

    /// One unit of the shared budget `bucket` names, when budgets are shared.
    fn spend_shared(
        &self,
        bucket: impl FnOnce() -> String,
        per_minute: NonZeroU32,
    ) -> Result<(), AppError> {
        match &self.shared {
            Some(shared) => shared
                .spend(bucket(), per_minute.get(), self.clock.0.now())
                .map_err(AppError::TooManyAttempts),
            None => Ok(()),
        }
    }

    /// One request of `client` (an IPv6 client counts by its /64).
    pub fn check(&self, action: Action, client: IpAddr) -> Result<(), AppError> {
        let client = rate_limit_key(client);
        self.limiter
            .check_key(&(action, client))
            .map_err(|not_until| self.too_many(not_until))?;
        self.spend_shared(|| format!("{}:{client}", action.name()), self.per_minute)
    }

    /// One message from a Telegram chat.
    pub fn check_chat(&self, chat_id: i64) -> Result<(), AppError> {
        self.chats
            .check_key(&chat_id)
            .map_err(|not_until| self.too_many(not_until))?;
        let per_chat = NonZeroU32::new(CHAT_MESSAGES_PER_MINUTE).expect("non-zero");
        self.spend_shared(|| format!("chat:{chat_id}"), per_chat)
    }

    /// One call of a service client to the integration API, within its
    /// budget of `per_minute` calls a minute (bursts of the same size).
    pub fn check_service_client(
        &self,
        client: &ServiceClientId,
        per_minute: NonZeroU32,
    ) -> Result<(), AppError> {
        let known = self
            .service_clients
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&per_minute)
            .cloned();
        let limiter = match known {
            Some(limiter) => limiter,
            None => self
                .service_clients
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(per_minute)
                .or_insert_with(|| Arc::new(keyed(Quota::per_minute(per_minute), &self.clock)))
                .clone(),
        };
        limiter
            .check_key(client)
            .map_err(|not_until| self.too_many(not_until))?;
        // Counted afresh under a changed budget, as by the limiters above.
        self.spend_shared(
            || format!("service_client:{client}:{per_minute}"),
            per_minute,
        )
    }

    /// Refused, with the whole seconds until the next request is allowed.
    fn too_many(&self, not_until: NotUntil<Nanos>) -> AppError {
        use governor::clock::Clock as _;
        let wait = not_until.wait_time_from(self.clock.now());
        AppError::TooManyAttempts(wait.as_secs().max(1))
    }

    /// Forgets clients that have been quiet; called by the sweeper.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.chats.retain_recent();
        self.service_clients
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, limiter| {
                limiter.retain_recent();
                !limiter.is_empty()
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::clock::ManualClock;
    use crate::time::UnixTime;

    const START: UnixTime = UnixTime::from_secs(1_795_856_415);

    fn limits(per_minute: u32) -> (RateLimits, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(START));
        (RateLimits::new(per_minute, clock.clone()), clock)
    }

    fn refused_for(result: Result<(), AppError>) -> Option<u64> {
        match result {
            Ok(()) => None,
            Err(AppError::TooManyAttempts(seconds)) => Some(seconds),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn budget_is_per_action_and_client() {
        let (limits, _clock) = limits(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(limits.check(Action::Login, a).is_ok());
        assert!(limits.check(Action::Login, a).is_ok());
        assert!(matches!(
            limits.check(Action::Login, a),
            Err(AppError::TooManyAttempts(_))
        ));
        assert!(limits.check(Action::Login, b).is_ok());
        assert!(limits.check(Action::Helpdesk, a).is_ok());
    }

    #[test]
    fn budget_refills_only_as_the_injected_clock_moves() {
        // 2 a minute: one request back every 30 s, bursts of 2.
        let (limits, clock) = limits(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(refused_for(limits.check(Action::Login, a)), None);
        assert_eq!(refused_for(limits.check(Action::Login, a)), None);
        assert_eq!(refused_for(limits.check(Action::Login, a)), Some(30));
        // Real time passing changes nothing; the clock has not moved.
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(refused_for(limits.check(Action::Login, a)), Some(30));
        clock.advance(29);
        assert_eq!(refused_for(limits.check(Action::Login, a)), Some(1));
        clock.advance(1);
        assert_eq!(refused_for(limits.check(Action::Login, a)), None);
        assert_eq!(refused_for(limits.check(Action::Login, a)), Some(30));
        // A quiet minute refills the whole burst, and no more.
        clock.advance(60);
        assert_eq!(refused_for(limits.check(Action::Login, a)), None);
        assert_eq!(refused_for(limits.check(Action::Login, a)), None);
        assert!(refused_for(limits.check(Action::Login, a)).is_some());
    }

    #[test]
    fn a_chat_writes_again_after_a_minute() {
        let (limits, clock) = limits(20);
        for _ in 0..CHAT_MESSAGES_PER_MINUTE {
            assert_eq!(refused_for(limits.check_chat(7)), None);
        }
        // One message back every 2 s.
        assert_eq!(refused_for(limits.check_chat(7)), Some(2));
        assert_eq!(
            refused_for(limits.check_chat(8)),
            None,
            "other chats unaffected"
        );
        clock.advance(60);
        for _ in 0..CHAT_MESSAGES_PER_MINUTE {
            assert_eq!(refused_for(limits.check_chat(7)), None);
        }
        assert!(refused_for(limits.check_chat(7)).is_some());
    }

    #[test]
    fn each_service_client_has_its_own_budget() {
        let (limits, clock) = limits(1);
        let (a, b) = (ServiceClientId::generate(), ServiceClientId::generate());
        let (three, five) = (NonZeroU32::new(3).unwrap(), NonZeroU32::new(5).unwrap());
        for _ in 0..3 {
            assert_eq!(refused_for(limits.check_service_client(&a, three)), None);
        }
        // One call back every 20 s.
        assert_eq!(
            refused_for(limits.check_service_client(&a, three)),
            Some(20)
        );
        for _ in 0..5 {
            assert_eq!(refused_for(limits.check_service_client(&b, five)), None);
        }
        assert!(refused_for(limits.check_service_client(&b, five)).is_some());
        // A raised budget holds from the next call.
        assert_eq!(refused_for(limits.check_service_client(&a, five)), None);
        clock.advance(60);
        assert_eq!(refused_for(limits.check_service_client(&a, three)), None);
    }

    #[test]
    fn quiet_clients_are_forgotten_with_their_budgets() {
        let (limits, clock) = limits(1);
        let a = ServiceClientId::generate();
        let two = NonZeroU32::new(2).unwrap();
        limits.check_service_client(&a, two).unwrap();
        limits.forget_idle();
        assert_eq!(
            limits.service_clients.read().unwrap().len(),
            1,
            "still busy"
        );
        clock.advance(60);
        limits.forget_idle();
        assert!(limits.service_clients.read().unwrap().is_empty());
        assert_eq!(refused_for(limits.check_service_client(&a, two)), None);
    }

    #[test]
    fn a_clock_set_back_does_not_refill() {
        let (limits, clock) = limits(1);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        clock.advance(120);
        assert_eq!(refused_for(limits.check(Action::Upload, a)), None);
        clock.set(START);
        assert!(refused_for(limits.check(Action::Upload, a)).is_some());
    }
}
