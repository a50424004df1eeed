//! Reserve-then-verify: an attempt takes its place on a failure counter
//! before it is checked (one conditional write), so concurrent attempts
//! cannot all pass before the first failure is written. A right attempt
//! then clears (or refunds) its place; a wrong one has been counted already,
//! even when the caller gives up half way.

use sqlx::AnyConnection;

use super::repo::{self, Counter};
use super::throttle::{BLOCKED_UNTIL, Policy};
use crate::time::UnixTime;

/// How often a reservation that lost a race to a concurrent one re-reads
/// the counter before refusing for a second.
const RACE_RETRIES: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The attempt may be checked; it is the `failures`-th in a row if wrong.
    Admitted { failures: i64 },
    /// Refused until then ([`BLOCKED_UNTIL`]: until reset).
    Refused { until: UnixTime },
}

impl Admission {
    pub fn blocked(&self) -> bool {
        matches!(self, Self::Refused { until } if *until >= BLOCKED_UNTIL)
    }
}

/// Reserves one attempt on `counter` under `policy`.
pub async fn admit(
    conn: &mut AnyConnection,
    counter: Counter<'_>,
    policy: &Policy,
    now: UnixTime,
) -> Result<Admission, sqlx::Error> {
    for _ in 0..RACE_RETRIES {
        let state = repo::read_counter(conn, counter).await?;
        if let Some(until) = state.and_then(|s| s.locked_until).filter(|u| *u > now) {
            return Ok(Admission::Refused { until });
        }
        let so_far = match state {
            Some(s)
                if s.updated_at
                    .is_some_and(|at| at + policy.forget_after_seconds <= now) =>
            {
                0
            }
            Some(s) => s.failures,
            None => 0,
        };
        let failures = so_far + 1;
        let lock = policy.lock_after(failures, now);
        let seen = state.map(|s| s.failures);
        if repo::swap_counter(conn, counter, seen, failures, lock, now).await? {
            return Ok(Admission::Admitted { failures });
        }
    }
    Ok(Admission::Refused { until: now + 1 })
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
