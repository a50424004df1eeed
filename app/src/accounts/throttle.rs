//! How long a failing client waits. Pure policy; the counters live on the
//! account row (cookie-less passwords, OTP codes) and in `failure_counters`
//! (client addresses, device cookies, password re-entry, helpdesk).
//!
//! Who is slowed is the one who fails (OWASP "Blocking Brute Force Attacks"):
//! - a browser with a valid device cookie of the account (it logged in to it
//!   before) has its own budget and is never slowed by anyone else's failures;
//!   a cookie that keeps failing is blocked (the lockout list);
//! - any other browser is slowed per client address (an IPv6 /64 counts as
//!   one), the same for existing and unknown emails;
//! - and per account at most 100 consecutive wrong passwords from browsers
//!   without the cookie (NIST SP 800-63B 5.2.2), then such logins are refused
//!   until the owner follows the mailed unlock link;
//! - OTP codes from browsers without the cookie (and the validation API):
//!   5 free attempts, then 30 s doubling to at most 15 min, blocked after 100
//!   consecutive failures until a new device is added through the helpdesk.
//!
//! Every counter is reserved before the check (see
//! `accounts::failures::admit`): an attempt counts as a failure until it
//! succeeds, so concurrent attempts cannot all pass before the first failure
//! is written.

use crate::time::UnixTime;

/// Far enough in the future to mean "until reset" on both databases.
pub const BLOCKED_UNTIL: UnixTime = UnixTime::from_secs(i64::MAX / 2);

/// A counter's rule: `free` failures without delay, then `base_seconds`
/// doubling per failure to at most `max_seconds`, and blocked for good once
/// `block_after` failures are reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub free: i64,
    pub base_seconds: i64,
    pub max_seconds: i64,
    pub block_after: Option<i64>,
    /// A counter quiet this long starts afresh (counters outside the account row).
    pub forget_after_seconds: i64,
}

const FIFTEEN_MINUTES: i64 = 15 * 60;
const ONE_DAY: i64 = 86_400;

/// OTP codes from browsers without a device cookie, and the validation API.
pub const OTP: Policy = Policy {
    free: 5,
    base_seconds: 30,
    max_seconds: FIFTEEN_MINUTES,
    block_after: Some(100),
    forget_after_seconds: ONE_DAY,
};

/// Wrong passwords per account from browsers without its device cookie:
/// no delay (the addresses are slowed), refused after 100 until unlocked.
pub const ACCOUNT_WITHOUT_COOKIE: Policy = Policy {
    free: 100,
    base_seconds: 0,
    max_seconds: 0,
    block_after: Some(100),
    forget_after_seconds: ONE_DAY,
};

/// Wrong passwords and codes per client address (browsers without the cookie).
pub const CLIENT_ADDRESS: Policy = Policy {
    free: 10,
    base_seconds: 60,
    max_seconds: FIFTEEN_MINUTES,
    block_after: None,
    forget_after_seconds: ONE_DAY,
};

/// Wrong passwords and codes per device cookie; blocked after 50.
pub const DEVICE_COOKIE: Policy = Policy {
    free: 10,
    base_seconds: 30,
    max_seconds: FIFTEEN_MINUTES,
    block_after: Some(50),
    forget_after_seconds: ONE_DAY,
};

/// Password re-entry on /akun, per account.
pub const PASSWORD_REENTRY: Policy = Policy {
    free: 3,
    base_seconds: 60,
    max_seconds: FIFTEEN_MINUTES,
    block_after: None,
    forget_after_seconds: ONE_DAY,
};

/// Helpdesk requests whose name or NIK does not match, per client and account.
pub const HELPDESK_MISMATCH: Policy = Policy {
    free: 5,
    base_seconds: 3600,
    max_seconds: 3600,
    block_after: None,
    forget_after_seconds: 3600,
};

impl Policy {
    /// The lock each failure count brings at `now`, largest count first:
    /// the block, then the delays from the longest down to the first.
    pub fn lock_steps(&self, now: UnixTime) -> Vec<(i64, UnixTime)> {
        let mut delays = Vec::new();
        for doublings in 0..=20 {
            let delay = self
                .base_seconds
                .saturating_mul(2_i64.pow(doublings))
                .min(self.max_seconds);
            delays.push((self.free + i64::from(doublings), now + delay));
            if delay >= self.max_seconds {
                break;
            }
        }
        let below_block = |count: &i64| self.block_after.is_none_or(|block| *count < block);
        self.block_after
            .map(|block| (block, BLOCKED_UNTIL))
            .into_iter()
            .chain(
                delays
                    .into_iter()
                    .rev()
                    .filter(|(count, _)| below_block(count)),
            )
            .collect()
    }

    /// Until when to refuse after `failures` consecutive failures, if at all.
    pub fn lock_after(&self, failures: i64, now: UnixTime) -> Option<UnixTime> {
        self.lock_steps(now)
            .into_iter()
            .find(|(at_least, _)| failures >= *at_least)
            .map(|(_, until)| until)
    }

    /// Whether the failure that makes `failures` starts a pause or the
    /// block (the moments the holder is told), rather than lengthening one.
    pub fn lock_starts(&self, failures: i64) -> bool {
        failures == self.free || Some(failures) == self.block_after
    }

    /// Attempts left before the first delay, to tell the person.
    pub fn attempts_before_delay(&self, failures: i64) -> i64 {
        (self.free - failures).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> UnixTime {
        UnixTime::from_secs(seconds)
    }

    #[test]
    fn otp_delay_starts_after_five_and_grows() {
        assert_eq!(OTP.lock_after(4, at(1000)), None);
        assert_eq!(OTP.lock_after(5, at(1000)), Some(at(1030)));
        assert_eq!(OTP.lock_after(6, at(1000)), Some(at(1060)));
        assert_eq!(OTP.lock_after(7, at(1000)), Some(at(1120)));
        assert_eq!(OTP.lock_after(20, at(1000)), Some(at(1000 + 900)));
        assert_eq!(OTP.lock_after(99, at(1000)), Some(at(1000 + 900)));
        assert_eq!(OTP.lock_after(100, at(1000)), Some(BLOCKED_UNTIL));
    }

    #[test]
    fn the_holder_is_told_when_a_pause_or_the_block_starts() {
        let told: Vec<i64> = (1..=120).filter(|f| OTP.lock_starts(*f)).collect();
        assert_eq!(told, vec![5, 100]);
    }

    #[test]
    fn accounts_refuse_cookie_less_logins_only_after_100_failures() {
        assert_eq!(ACCOUNT_WITHOUT_COOKIE.lock_after(99, at(0)), None);
        assert_eq!(
            ACCOUNT_WITHOUT_COOKIE.lock_after(100, at(0)),
            Some(BLOCKED_UNTIL)
        );
    }

    #[test]
    fn addresses_are_slowed_never_blocked() {
        assert_eq!(CLIENT_ADDRESS.lock_after(9, at(0)), None);
        assert_eq!(CLIENT_ADDRESS.lock_after(10, at(0)), Some(at(60)));
        assert_eq!(CLIENT_ADDRESS.lock_after(10_000, at(0)), Some(at(900)));
    }

    #[test]
    fn a_failing_device_cookie_ends_on_the_lockout_list() {
        assert_eq!(DEVICE_COOKIE.lock_after(10, at(0)), Some(at(30)));
        assert_eq!(DEVICE_COOKIE.lock_after(50, at(0)), Some(BLOCKED_UNTIL));
    }

    #[test]
    fn remaining_attempts_count_down() {
        assert_eq!(OTP.attempts_before_delay(0), 5);
        assert_eq!(OTP.attempts_before_delay(4), 1);
        assert_eq!(OTP.attempts_before_delay(9), 0);
    }
}
