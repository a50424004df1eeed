//! Durable work queues (mail, Telegram replies): rows are claimed one at a
//! time with a lease (owner + expiry) in a single UPDATE whose conditions are
//! re-checked on the row it locks, so several processes on one database
//! never hold the same row; a crashed holder's lease simply runs out.
//!
//! Queue tables share the columns `id`, `next_attempt_at`, `attempts`,
//! `lease_owner`, `lease_until`, `last_error` and a column saying when the
//! row was done (`Queue::sent_column`).

mod repo;

pub use repo::Queue;

/// A name for one worker's leases, unique per process start: `mail-3f9a…`.
pub fn lease_owner(worker: &str) -> String {
    format!(
        "{worker}-{}",
        hex::encode(crate::platform::crypto::random_bytes::<6>())
    )
}

/// `first_seconds` doubling per attempt, at most `max_seconds`.
pub fn backoff(attempts: i64, first_seconds: i64, max_seconds: i64) -> i64 {
    (first_seconds * 2_i64.pow((attempts - 1).clamp(0, 16) as u32)).min(max_seconds)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(super::backoff(1, 30, 900), 30);
        assert_eq!(super::backoff(2, 30, 900), 60);
        assert_eq!(super::backoff(5, 30, 900), 480);
        assert_eq!(super::backoff(9, 30, 900), 900);
        assert_eq!(super::backoff(1, 5, 600), 5);
        assert_eq!(super::backoff(8, 5, 600), 600);
        assert_eq!(super::backoff(40, 5, 600), 600);
    }
}
