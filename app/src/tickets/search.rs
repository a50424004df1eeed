//! The console's ticket search: typed filters parsed into values the query
//! can trust, with an Indonesian message for each that cannot be.

use super::repo::{self, ListedTicket, TicketFilter};
use super::types::{Category, TicketChannel, TicketNumber, TicketStatus};
use super::views::{TicketList, TicketListItem, TicketQuery};
use crate::format::day_range;
use crate::ids::AccountId;
use crate::platform::state::Services;
use crate::ui::pager::page_count;

pub const PER_PAGE: u32 = 25;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn choice<T>(
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Result<Option<T>, String> {
    match text.trim() {
        "" => Ok(None),
        text => parse(text)
            .map(Some)
            .ok_or_else(|| format!("{what} \"{text}\" tidak dikenal.")),
    }
}

pub fn parse(query: &TicketQuery) -> Result<TicketFilter, String> {
    let statuses = match query.status.trim() {
        "open" => TicketStatus::OPEN.to_vec(),
        text => choice(text, TicketStatus::parse, "Status")?
            .into_iter()
            .collect(),
    };
    let search = query.search.trim();
    let (number, email_part) = match search {
        "" => (None, None),
        text => match TicketNumber::parse(text) {
            Ok(number) => (Some(number.as_str().to_string()), None),
            Err(_) if text.chars().count() <= 100 => (None, Some(text.to_lowercase())),
            Err(_) => return Err("Kata pencarian maksimal 100 karakter.".into()),
        },
    };
    let (from, until) = day_range(&query.from, &query.to)?;
    Ok(TicketFilter {
        statuses,
        channel: choice(&query.channel, TicketChannel::parse, "Kanal")?,
        category: choice(&query.category, Category::parse, "Kategori")?,
        from,
        until,
        number,
        email_part,
        account: None,
    })
}

pub async fn list(svc: &Services, query: &TicketQuery) -> Result<TicketList, SearchError> {
    let filter = parse(query).map_err(SearchError::Invalid)?;
    let page = query.page.max(1);
    let mut conn = svc.db.pool().acquire().await?;
    let total = repo::count_matching(&mut conn, &filter).await?;
    let rows = repo::matching(
        &mut conn,
        &filter,
        i64::from(PER_PAGE),
        i64::from((page - 1) * PER_PAGE),
    )
    .await?;
    Ok(TicketList {
        items: rows.into_iter().map(TicketListItem::from).collect(),
        total,
        page,
        pages: page_count(total, PER_PAGE),
    })
}

impl From<ListedTicket> for TicketListItem {
    fn from(row: ListedTicket) -> Self {
        Self {
            number: row.number,
            category_label: row.category.label().into(),
            channel_label: row.channel.label().into(),
            status_label: row.status.label().into(),
            full_name: row.full_name,
            email: row.email,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An account's newest tickets.
pub async fn for_account(
    conn: &mut sqlx::AnyConnection,
    account_id: &AccountId,
    limit: i64,
) -> Result<Vec<TicketListItem>, sqlx::Error> {
    let filter = TicketFilter {
        account: Some(account_id.clone()),
        ..TicketFilter::default()
    };
    let rows = repo::matching(conn, &filter, limit, 0).await?;
    Ok(rows.into_iter().map(TicketListItem::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_or_say_which_field_is_wrong() {
        let query = TicketQuery {
            status: "open".into(),
            channel: "telegram".into(),
            from: "2026-11-01".into(),
            to: "2026-11-01".into(),
            search: "#D1Q0517".into(),
            ..Default::default()
        };
        let filter = parse(&query).unwrap();
        assert_eq!(filter.statuses, TicketStatus::OPEN);
        assert_eq!(filter.channel, Some(TicketChannel::Telegram));
        assert_eq!(filter.until.unwrap() - filter.from.unwrap(), 86_400);
        assert_eq!(filter.number.as_deref(), Some("d1q0517"));
        let by_email = parse(&TicketQuery {
            search: "Budi@".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(by_email.email_part.as_deref(), Some("budi@"));
        for (query, says) in [
            (
                TicketQuery {
                    status: "x".into(),
                    ..Default::default()
                },
                "Status \"x\"",
            ),
            (
                TicketQuery {
                    channel: "sms".into(),
                    ..Default::default()
                },
                "Kanal \"sms\"",
            ),
            (
                TicketQuery {
                    from: "1/11/2026".into(),
                    ..Default::default()
                },
                "TTTT-BB-HH",
            ),
        ] {
            assert!(parse(&query).unwrap_err().contains(says), "{query:?}");
        }
    }
}
