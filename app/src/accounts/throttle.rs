//! How long an account waits after consecutive failures. Pure policy; the
//! counters live on the account row.
//!
//! OTP codes: 5 free attempts, then 30 s doubling to at most 15 min, and after
//! 100 consecutive failures (the most NIST SP 800-63B 5.2.2 allows) the OTP
//! step is blocked until a new device is added through the helpdesk.
//! Passwords: 10 free attempts, then 1 min doubling to at most 15 min, never
//! a permanent block (that would let anyone lock any account).

use crate::time::UnixTime;

pub const OTP_FREE_FAILURES: i64 = 5;
pub const OTP_BLOCK_AFTER: i64 = 100;
pub const PASSWORD_FREE_FAILURES: i64 = 10;
const MAX_DELAY_SECONDS: i64 = 15 * 60;
/// Far enough in the future to mean "until reset" on both databases.
pub const BLOCKED_UNTIL: UnixTime = UnixTime::from_secs(i64::MAX / 2);

fn doubling(base: i64, over: i64) -> i64 {
    (base * 2_i64.pow(over.clamp(0, 10) as u32)).min(MAX_DELAY_SECONDS)
}

/// After `failures` consecutive wrong codes: until when to refuse, if at all.
pub fn otp_lock_after(failures: i64, now: UnixTime) -> Option<UnixTime> {
    if failures >= OTP_BLOCK_AFTER {
        Some(BLOCKED_UNTIL)
    } else if failures >= OTP_FREE_FAILURES {
        Some(now + doubling(30, failures - OTP_FREE_FAILURES))
    } else {
        None
    }
}

/// Whether the failure that makes `failures` starts a pause or the block
/// (the moments the holder is told), rather than lengthening one.
pub fn otp_lock_starts(failures: i64) -> bool {
    failures == OTP_FREE_FAILURES || failures == OTP_BLOCK_AFTER
}

pub fn password_lock_after(failures: i64, now: UnixTime) -> Option<UnixTime> {
    (failures >= PASSWORD_FREE_FAILURES)
        .then(|| now + doubling(60, failures - PASSWORD_FREE_FAILURES))
}

/// Attempts left before the first delay, to tell the person.
pub fn otp_attempts_before_delay(failures: i64) -> i64 {
    (OTP_FREE_FAILURES - failures).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> UnixTime {
        UnixTime::from_secs(seconds)
    }

    #[test]
    fn otp_delay_starts_after_five_and_grows() {
        assert_eq!(otp_lock_after(4, at(1000)), None);
        assert_eq!(otp_lock_after(5, at(1000)), Some(at(1030)));
        assert_eq!(otp_lock_after(6, at(1000)), Some(at(1060)));
        assert_eq!(otp_lock_after(7, at(1000)), Some(at(1120)));
        assert_eq!(otp_lock_after(20, at(1000)), Some(at(1000 + 900)));
        assert_eq!(otp_lock_after(99, at(1000)), Some(at(1000 + 900)));
        assert_eq!(otp_lock_after(100, at(1000)), Some(BLOCKED_UNTIL));
    }

    #[test]
    fn the_holder_is_told_when_a_pause_or_the_block_starts() {
        let told: Vec<i64> = (1..=120).filter(|f| otp_lock_starts(*f)).collect();
        assert_eq!(told, vec![OTP_FREE_FAILURES, OTP_BLOCK_AFTER]);
    }

    #[test]
    fn password_delay_is_separate_and_never_permanent() {
        assert_eq!(password_lock_after(9, at(0)), None);
        assert_eq!(password_lock_after(10, at(0)), Some(at(60)));
        assert_eq!(password_lock_after(1000, at(0)), Some(at(900)));
    }

    #[test]
    fn remaining_attempts_count_down() {
        assert_eq!(otp_attempts_before_delay(0), 5);
        assert_eq!(otp_attempts_before_delay(4), 1);
        assert_eq!(otp_attempts_before_delay(9), 0);
    }
}
