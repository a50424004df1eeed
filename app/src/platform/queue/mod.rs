//! Durable work queues (mail, Telegram replies): rows are claimed one at a
//! time with a lease (owner + expiry) in a single UPDATE whose conditions are
//! re-checked on the row it locks, so several processes on one database
//! never hold the same row; a crashed holder's lease simply runs out.
//!
//! Queue tables share the columns `id`, `next_attempt_at`, `attempts`,
//! `lease_owner`, `lease_until`, `sent_at` and `last_error`.

mod repo;

pub use repo::Queue;

/// A name for one worker's leases, unique per process start: `mail-3f9a…`.
pub fn lease_owner(worker: &str) -> String {
    format!(
        "{worker}-{}",
        hex::encode(crate::platform::crypto::random_bytes::<6>())
    )
}

/// 30 s doubling per attempt, at most `max_seconds`.
pub fn backoff(attempts: i64, max_seconds: i64) -> i64 {
    (30 * 2_i64.pow((attempts - 1).clamp(0, 10) as u32)).min(max_seconds)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(super::backoff(1, 900), 30);
        assert_eq!(super::backoff(2, 900), 60);
        assert_eq!(super::backoff(5, 900), 480);
        assert_eq!(super::backoff(9, 900), 900);
    }
}
