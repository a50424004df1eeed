//! Reserve-then-verify: an attempt takes its place on a failure counter
//! before it is checked (one conditional write), so concurrent attempts
//! cannot all pass before the first failure is written. A right attempt
//! then clears (or refunds) its place; a wrong one has been counted already,
//! even when the caller gives up half way. Where the check is done in the
//! same write transaction that answers (OTP codes), an attempt already
//! known to be right is admitted and clears the counter in one conditional
//! write instead ([`admit_right`]), and an attempt whose transaction never
//! commits was never answered.

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

/// Admits an attempt already known to be right unless `counter` is locked,
/// clearing it in the same conditional write (nothing to reserve: it is not
/// a failure). Call it in the write transaction that answers the attempt.
pub async fn admit_right(
    conn: &mut AnyConnection,
    counter: Counter<'_>,
    now: UnixTime,
) -> Result<Admission, sqlx::Error> {
    if repo::clear_unless_locked(conn, counter, now).await? {
        return Ok(Admission::Admitted { failures: 0 });
    }
    Ok(
        match repo::read_counter(conn, counter)
            .await?
            .and_then(|s| s.locked_until)
            .filter(|until| *until > now)
        {
            Some(until) => Admission::Refused { until },
            // A keyed counter that does not exist: nothing to clear.
            None => Admission::Admitted { failures: 0 },
        },
    )
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
