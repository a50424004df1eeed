//! The dashboard's figures.

use super::repo;
use super::types::{TicketChannel, TicketStatus};
use super::views::Dashboard;
use crate::format::{start_of_day, start_of_week};
use crate::platform::state::Services;
use crate::time::UnixTime;

/// The middle value (the lower middle of an even count), or `None`.
pub fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    let middle = values.len().checked_sub(1)? / 2;
    values.get(middle).copied()
}

pub async fn dashboard(svc: &Services, now: UnixTime) -> Result<Dashboard, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let counts = repo::open_counts(&mut conn).await?;
    let count = |status: TicketStatus, channel: TicketChannel| {
        counts
            .iter()
            .find(|(s, c, _)| *s == status && *c == channel)
            .map_or(0, |(_, _, n)| *n)
    };
    let open = TicketStatus::OPEN
        .iter()
        .map(|&status| {
            (
                status.label().to_string(),
                count(status, TicketChannel::Web),
                count(status, TicketChannel::Telegram),
            )
        })
        .collect();
    let oldest_waiting = repo::in_status(&mut conn, TicketStatus::SelfieSubmitted, 1)
        .await?
        .into_iter()
        .next()
        .map(|t| (t.number, t.updated_at));
    let (opened_today, completed_today) =
        repo::opened_and_completed_since(&mut conn, start_of_day(now)).await?;
    let (opened_this_week, completed_this_week) =
        repo::opened_and_completed_since(&mut conn, start_of_week(now)).await?;
    let durations = repo::completion_seconds_since(&mut conn, now - 30 * 86_400).await?;
    Ok(Dashboard {
        open,
        oldest_waiting,
        opened_today,
        completed_today,
        opened_this_week,
        completed_this_week,
        completed_last_30_days: durations.len(),
        median_completion_seconds: median(durations),
    })
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![7]), Some(7));
        assert_eq!(median(vec![300, 60, 120]), Some(120));
        assert_eq!(median(vec![40, 10, 30, 20]), Some(20));
    }
}
