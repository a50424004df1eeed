//! The console's outbox rules: a page of mail by state, and sending an
//! unsent mail now.

use super::views::{MailList, MailQuery};
use crate::accounts::service::SessionHolder;
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::mail::repo as mail_repo;
use crate::mail::views::MailState;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;
use crate::ui::pager::page_count;

pub const PER_PAGE: u32 = 50;

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("{0}")]
    Invalid(String),
    #[error("Email tidak ditemukan.")]
    NotFound,
    #[error("Email ini sudah terkirim; tidak ada yang perlu dikirim ulang.")]
    AlreadySent,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A state's stored name, or empty for every state.
pub fn parse_state(text: &str) -> Result<Option<MailState>, OutboxError> {
    match text.trim() {
        "" => Ok(None),
        text => MailState::parse(text)
            .map(Some)
            .ok_or_else(|| OutboxError::Invalid(format!("Status email \"{text}\" tidak dikenal."))),
    }
}

pub async fn list(svc: &Services, query: &MailQuery) -> Result<MailList, OutboxError> {
    let state = parse_state(&query.state)?;
    let page = query.page.max(1);
    let mut conn = svc.db.pool().acquire().await?;
    let total = mail_repo::count(&mut conn, state).await?;
    let items = mail_repo::recent(
        &mut conn,
        state,
        i64::from(PER_PAGE),
        i64::from(page - 1) * i64::from(PER_PAGE),
    )
    .await?;
    Ok(MailList {
        items,
        total,
        page,
        pages: page_count(total, PER_PAGE),
    })
}

/// Makes an unsent mail due now, in the audit log; the caller wakes the
/// mail worker once this returns.
pub async fn send_now(
    svc: &Services,
    admin: &SessionHolder,
    mail_id: i64,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), OutboxError> {
    let mut tx = svc.db.begin_write().await?;
    if !mail_repo::due_now(&mut tx, mail_id, now).await? {
        return Err(match mail_repo::find(&mut tx, mail_id).await? {
            Some(_) => OutboxError::AlreadySent,
            None => OutboxError::NotFound,
        });
    }
    let entry = AuditEntry::new(admin.account.actor(), AuditEvent::MailRetried { mail_id });
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok(())
}
