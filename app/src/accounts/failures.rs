//! Reserve-then-verify: an attempt takes its place on a failure counter
//! before it is checked (one conditional write), so concurrent attempts
//! cannot all pass before the first failure is written. A right attempt
//! then clears (or refunds) its place; a wrong one has been counted already,
//! even when the caller gives up half way.

use sqlx::AnyConnection;

use super::repo::{self, Counter};
use super::throttle::{BLOCKED_UNTIL, Policy};
use crate::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The attempt may be checked; it is the `failures`-th in a row if wrong.
    Admitted { failures: i64 },
    /// Refused until then ([`BLOCKED_UNTIL`]: until reset).
    Refused { until: UnixTime },
}

/// Reserves one attempt on `counter` under `policy` (one conditional write).
pub async fn admit(
    conn: &mut AnyConnection,
    counter: Counter<'_>,
    policy: &Policy,
    now: UnixTime,
) -> Result<Admission, sqlx::Error> {
    let locks = policy.lock_steps(now);
    let forget_before = now - policy.forget_after_seconds;
    if let Some(failures) = repo::reserve_attempt(conn, counter, &locks, forget_before, now).await?
    {
        return Ok(Admission::Admitted { failures });
    }
    let until = repo::read_counter(conn, counter)
        .await?
        .and_then(|s| s.locked_until)
        .filter(|until| *until > now)
        // Unlocked again between the write and this read: try again shortly.
        .unwrap_or(now + 1);
    Ok(Admission::Refused { until })
}

/// Whether `counter` is blocked for good (a device cookie on the lockout list).
pub async fn is_blocked(
    conn: &mut AnyConnection,
    counter: Counter<'_>,
) -> Result<bool, sqlx::Error> {
    Ok(repo::read_counter(conn, counter)
        .await?
        .and_then(|s| s.locked_until)
        .is_some_and(|until| until >= BLOCKED_UNTIL))
}
