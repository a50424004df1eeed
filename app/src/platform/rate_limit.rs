//! Per-client request budgets, in memory per process (each process of a
//! scale-out counts separately; account-level limits live in the database).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

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

pub struct RateLimits {
    limiter: DefaultKeyedRateLimiter<(Action, IpAddr)>,
    chats: DefaultKeyedRateLimiter<i64>,
    clock: DefaultClock,
}

/// Messages per minute one Telegram chat may send the bot.
pub const CHAT_MESSAGES_PER_MINUTE: u32 = 30;

impl RateLimits {
    /// `per_minute` requests per action and client, with bursts of the same size.
    pub fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
        let per_chat = NonZeroU32::new(CHAT_MESSAGES_PER_MINUTE).expect("non-zero");
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            chats: RateLimiter::keyed(Quota::per_minute(per_chat)),
            clock: DefaultClock::default(),
        }
    }

    pub fn check(&self, action: Action, client: IpAddr) -> Result<(), AppError> {
        self.limiter
            .check_key(&(action, client))
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                AppError::TooManyAttempts(wait.as_secs().max(1))
            })
    }

    /// One message from a Telegram chat.
    pub fn check_chat(&self, chat_id: i64) -> Result<(), AppError> {
        self.chats.check_key(&chat_id).map_err(|not_until| {
            AppError::TooManyAttempts(not_until.wait_time_from(self.clock.now()).as_secs().max(1))
        })
    }

    /// Forgets clients that have been quiet; called by the sweeper.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.chats.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_per_action_and_client() {
        let limits = RateLimits::new(2);
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
}
