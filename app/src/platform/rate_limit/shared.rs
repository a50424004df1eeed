//! Budgets shared by every process on one PostgreSQL database.
//!
//! Each process counts in memory what it admits per bucket (an action and
//! client, a service client, a chat) in one-minute windows of the injected
//! clock, and about once a second [`SharedCounts::flush`] adds those counts
//! to `rate_limit_counts` and reads back what all processes spent: no write
//! per request. Between two flushes a process only knows its own spending,
//! so all processes together can over-admit what they see of one bucket in
//! one flush interval; the total stays within a small factor of one budget,
//! where separate in-memory limiters give one budget per process.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::repo;
use crate::platform::db::Db;
use crate::time::UnixTime;

/// Budgets are counted per minute.
const WINDOW_SECONDS: i64 = 60;

fn window_of(now: UnixTime) -> i64 {
    now.secs() - now.secs().rem_euclid(WINDOW_SECONDS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count {
    window: i64,
    /// What all processes had spent at the last flush (ours included).
    settled: i64,
    /// What this process admitted since.
    pending: i64,
}

/// One bucket's spending to add to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pending {
    bucket: String,
    window: i64,
    spent: i64,
}

#[derive(Default)]
pub(super) struct SharedCounts {
    counts: Mutex<HashMap<String, Count>>,
    /// Windows before this one are gone from the database.
    cleaned_before: AtomicI64,
}

impl SharedCounts {
    fn counts(&self) -> MutexGuard<'_, HashMap<String, Count>> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Spends one unit of `bucket`'s `limit` a minute, or answers with the
    /// whole seconds until its window ends. A clock set back keeps counting
    /// in the later window: it does not refill.
    pub(super) fn spend(&self, bucket: String, limit: u32, now: UnixTime) -> Result<(), u64> {
        let window = window_of(now);
        let mut counts = self.counts();
        let count = counts.entry(bucket).or_insert(Count {
            window,
            settled: 0,
            pending: 0,
        });
        if window > count.window {
            *count = Count {
                window,
                settled: 0,
                pending: 0,
            };
        }
        if count.settled + count.pending >= i64::from(limit) {
            let left = count.window + WINDOW_SECONDS - now.secs();
            return Err(left.max(1) as u64);
        }
        count.pending += 1;
        Ok(())
    }

    /// What this process admitted since the last flush, bucket by bucket
    /// (sorted, so concurrent flushes lock rows in one order), counted as
    /// settled from now on; buckets of past windows are forgotten.
    fn take_pending(&self, now: UnixTime) -> Vec<Pending> {
        let window = window_of(now);
        let mut counts = self.counts();
        counts.retain(|_, count| count.window >= window);
        let mut taken: Vec<Pending> = counts
            .iter_mut()
            .filter(|(_, count)| count.pending > 0)
            .map(|(bucket, count)| {
                let spent = std::mem::take(&mut count.pending);
                count.settled += spent;
                Pending {
                    bucket: bucket.clone(),
                    window: count.window,
                    spent,
                }
            })
            .collect();
        taken.sort_by(|a, b| a.bucket.cmp(&b.bucket));
        taken
    }

    /// The total all processes spent of a bucket, read back by a flush.
    fn settle(&self, bucket: &str, window: i64, total: i64) {
        if let Some(count) = self.counts().get_mut(bucket)
            && count.window == window
        {
            count.settled = count.settled.max(total);
        }
    }

    /// A flush that failed: its spending is pending again, for the next one.
    fn restore(&self, taken: Vec<Pending>) {
        let mut counts = self.counts();
        for Pending {
            bucket,
            window,
            spent,
        } in taken
        {
            if let Some(count) = counts.get_mut(&bucket)
                && count.window == window
            {
                count.settled -= spent;
                count.pending += spent;
            }
        }
    }

    /// Adds what this process admitted to the shared counts and reads back
    /// the totals; once per window, forgets the windows before the last.
    pub(super) async fn flush(&self, db: &Db, now: UnixTime) -> Result<(), sqlx::Error> {
        let taken = self.take_pending(now);
        if !taken.is_empty() {
            match add_all(db, &taken).await {
                Ok(totals) => {
                    for (bucket, window, total) in totals {
                        self.settle(&bucket, window, total);
                    }
                }
                Err(e) => {
                    self.restore(taken);
                    return Err(e);
                }
            }
        }
        let previous = window_of(now) - WINDOW_SECONDS;
        if self.cleaned_before.fetch_max(previous, Ordering::Relaxed) < previous {
            let mut conn = db.pool().acquire().await?;
            repo::forget_before(&mut conn, previous).await?;
        }
        Ok(())
    }
}

/// One transaction for the whole flush; each bucket's total read back.
async fn add_all(db: &Db, taken: &[Pending]) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    let spending: Vec<(&str, i64, i64)> = (taken.iter())
        .map(|p| (p.bucket.as_str(), p.window, p.spent))
        .collect();
    let mut tx = db.begin_write().await?;
    let totals = repo::add_all(&mut tx, &spending).await?;
    tx.commit().await?;
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-28 09:00:15 UTC: 15 s into a window.
    const START: UnixTime = UnixTime::from_secs(1_795_856_415);

    fn spend_all(counts: &SharedCounts, bucket: &str, limit: u32, now: UnixTime) -> usize {
        (0..limit * 3)
            .filter(|_| counts.spend(bucket.into(), limit, now).is_ok())
            .count()
    }

    #[test]
    fn one_process_spends_its_budget_once_per_window() {
        let counts = SharedCounts::default();
        assert_eq!(spend_all(&counts, "login:10.0.0.1", 5, START), 5);
        assert_eq!(
            counts.spend("login:10.0.0.1".into(), 5, START),
            Err(45),
            "until the window ends"
        );
        assert_eq!(spend_all(&counts, "login:10.0.0.2", 5, START), 5);
        assert_eq!(spend_all(&counts, "login:10.0.0.1", 5, START + 45), 5);
        assert_eq!(
            counts.spend("login:10.0.0.1".into(), 5, START),
            Err(105),
            "a clock set back does not refill"
        );
    }

    #[test]
    fn totals_read_back_count_what_other_processes_spent() {
        let counts = SharedCounts::default();
        assert_eq!(spend_all(&counts, "b", 10, START), 10);
        let taken = counts.take_pending(START);
        assert_eq!(
            taken,
            [Pending {
                bucket: "b".into(),
                window: START.secs() - 15,
                spent: 10
            }]
        );
        assert!(counts.take_pending(START).is_empty(), "taken once");
        // Another process had spent 4 more of a budget of 20.
        let counts = SharedCounts::default();
        for _ in 0..6 {
            counts.spend("b".into(), 20, START).unwrap();
        }
        let taken = counts.take_pending(START);
        counts.settle("b", taken[0].window, 10);
        assert_eq!(spend_all(&counts, "b", 20, START), 10);
    }

    #[test]
    fn a_failed_flush_keeps_its_spending_for_the_next() {
        let counts = SharedCounts::default();
        for _ in 0..3 {
            counts.spend("b".into(), 5, START).unwrap();
        }
        let taken = counts.take_pending(START);
        counts.restore(taken);
        assert_eq!(counts.take_pending(START)[0].spent, 3);
        assert_eq!(spend_all(&counts, "b", 5, START), 2);
    }

    #[test]
    fn past_windows_are_forgotten_at_the_flush() {
        let counts = SharedCounts::default();
        counts.spend("b".into(), 5, START).unwrap();
        assert!(counts.take_pending(START + 60).is_empty());
        assert!(counts.counts().is_empty());
    }
}
