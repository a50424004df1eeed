//! The console's audit rules: how the filters are read (an account by id
//! or email), one page of the log, and the audited CSV export.

use sqlx::AnyConnection;

use super::views::{AuditList, AuditQuery};
use crate::accounts::repo as accounts_repo;
use crate::accounts::service::SessionHolder;
use crate::accounts::types::OfficialEmail;
use crate::audit::export::{Export, MAX_ROWS, export_csv};
use crate::audit::views::ACTIONS;
use crate::audit::{self, AuditEntry, AuditEvent, AuditFilter};
use crate::format::day_range;
use crate::ids::AccountId;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;
use crate::ui::pager::page_count;

pub const PER_PAGE: u32 = 50;

#[derive(Debug, thiserror::Error)]
pub enum AuditSearchError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The filters as values the query can trust, or an Indonesian message
/// naming the field that is wrong.
pub async fn parse(
    conn: &mut AnyConnection,
    query: &AuditQuery,
) -> Result<AuditFilter, AuditSearchError> {
    let invalid = |message: String| AuditSearchError::Invalid(message);
    let actor = query.actor.trim();
    if actor.chars().count() > 100 {
        return Err(invalid("Pelaku: isi maksimal 100 karakter.".into()));
    }
    let action = match query.action.trim() {
        "" => None,
        text if ACTIONS.contains(&text) => Some(text.to_string()),
        text => return Err(invalid(format!("Tindakan \"{text}\" tidak dikenal."))),
    };
    let account = match query.account.trim() {
        "" => None,
        text => Some(account_of(conn, text).await?),
    };
    let (from, until) = day_range(&query.from, &query.to).map_err(invalid)?;
    Ok(AuditFilter {
        actor_part: (!actor.is_empty()).then(|| actor.to_lowercase()),
        account,
        action,
        from,
        until,
        before: None,
    })
}

/// An account id as typed, or the id of the account with the typed email.
async fn account_of(conn: &mut AnyConnection, text: &str) -> Result<AccountId, AuditSearchError> {
    if let Some(id) = AccountId::parse(text) {
        return Ok(id);
    }
    let not_found = || {
        AuditSearchError::Invalid(format!(
            "Akun: \"{text}\" bukan id akun atau email akun yang terdaftar."
        ))
    };
    let email = OfficialEmail::parse(text).map_err(|_| not_found())?;
    accounts_repo::find_by_email(conn, &email)
        .await?
        .map(|account| account.id)
        .ok_or_else(not_found)
}

pub async fn list(svc: &Services, query: &AuditQuery) -> Result<AuditList, AuditSearchError> {
    let mut conn = svc.db.pool().acquire().await?;
    let filter = parse(&mut conn, query).await?;
    let page = query.page.max(1);
    let total = audit::count_matching(&mut conn, &filter).await?;
    let records = audit::matching(
        &mut conn,
        &filter,
        i64::from(PER_PAGE),
        i64::from(page - 1) * i64::from(PER_PAGE),
    )
    .await?;
    Ok(AuditList {
        items: records.into_iter().map(Into::into).collect(),
        total,
        page,
        pages: page_count(total, PER_PAGE),
    })
}

/// The filters of an export as the audit entry keeps them.
fn typed_filters(query: &AuditQuery) -> String {
    query
        .filters()
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", value.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The matching entries as CSV (at most [`MAX_ROWS`]); the export itself
/// goes into the log, after the entries it contains.
pub async fn export(
    svc: &Services,
    admin: &SessionHolder,
    query: &AuditQuery,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<Export, AuditSearchError> {
    let export = {
        let mut conn = svc.db.pool().acquire().await?;
        let filter = parse(&mut conn, query).await?;
        export_csv(&mut conn, &filter, MAX_ROWS).await?
    };
    let mut tx = svc.db.begin_write().await?;
    let event = AuditEvent::AuditExported {
        rows: export.rows,
        filters: typed_filters(query),
    };
    audit::record(
        &mut tx,
        AuditEntry::new(admin.account.actor(), event),
        Some(client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(export)
}
