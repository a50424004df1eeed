//! SQL for selfies.

use sqlx::AnyConnection;

use super::photo::Selfie;
use super::types::MatchOutcomeKind;
use super::types::SelfieDecision;
use crate::ids::{AccountId, SelfieId, TicketId};
use crate::platform::face_match::MatchSource;
use crate::tickets::types::TicketStatus;
use crate::time::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SelfieRow {
    pub id: SelfieId,
    pub ticket_id: TicketId,
    pub account_id: AccountId,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub submitted_at: UnixTime,
    pub decision: Option<SelfieDecision>,
    pub decided_by: Option<AccountId>,
    pub decided_at: Option<UnixTime>,
    pub reason: Option<String>,
    pub deleted_at: Option<UnixTime>,
    pub match_outcome: Option<MatchOutcomeKind>,
    pub match_score: Option<f64>,
    pub match_source: Option<MatchSource>,
    pub match_note: Option<String>,
}

const COLUMNS: &str = "id, ticket_id, account_id, width, height, bytes, submitted_at, decision, decided_by, \
     decided_at, reason, deleted_at, match_outcome, match_score, match_source, match_note";

pub async fn insert(
    conn: &mut AnyConnection,
    id: &SelfieId,
    ticket_id: &TicketId,
    account_id: &AccountId,
    selfie: &Selfie,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO selfies (id, ticket_id, account_id, image, width, height, bytes, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(ticket_id)
    .bind(account_id)
    .bind(&selfie.jpeg)
    .bind(i64::from(selfie.width))
    .bind(i64::from(selfie.height))
    .bind(selfie.jpeg.len() as i64)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The undecided selfie of a ticket (the one a verifier looks at).
pub async fn pending_for_ticket(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
) -> Result<Option<SelfieRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM selfies WHERE ticket_id = $1 AND decision IS NULL ORDER BY submitted_at DESC LIMIT 1"
    ))
    .bind(ticket_id)
    .fetch_optional(conn)
    .await
}

/// Every selfie of an account, newest first.
pub async fn for_account(
    conn: &mut AnyConnection,
    account_id: &AccountId,
) -> Result<Vec<SelfieRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM selfies WHERE account_id = $1 ORDER BY submitted_at DESC"
    ))
    .bind(account_id)
    .fetch_all(conn)
    .await
}

/// The most recent rejection reason for a ticket, for the "Pengecekan Ulang" page.
pub async fn last_rejection(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT reason FROM selfies WHERE ticket_id = $1 AND decision = $2 ORDER BY decided_at DESC LIMIT 1",
    )
    .bind(ticket_id)
    .bind(SelfieDecision::Rejected)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}

/// The photo bytes and the account they show, unless already deleted.
pub async fn image(
    conn: &mut AnyConnection,
    id: &SelfieId,
) -> Result<Option<(Vec<u8>, AccountId, TicketId)>, sqlx::Error> {
    let row: Option<(Option<Vec<u8>>, AccountId, TicketId)> =
        sqlx::query_as("SELECT image, account_id, ticket_id FROM selfies WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(|(image, account, ticket)| image.map(|bytes| (bytes, account, ticket))))
}

/// A selfie by id, with or without its image.
pub async fn find(
    conn: &mut AnyConnection,
    id: &SelfieId,
) -> Result<Option<SelfieRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM selfies WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Selfies waiting for a verifier that still hold their image, have no
/// face-match outcome and were submitted at or before `submitted_before`.
pub async fn without_match(
    conn: &mut AnyConnection,
    submitted_before: UnixTime,
) -> Result<Vec<SelfieId>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT s.id FROM selfies s JOIN tickets t ON t.id = s.ticket_id
         WHERE t.status = $1 AND s.decision IS NULL AND s.match_outcome IS NULL
             AND s.image IS NOT NULL AND s.submitted_at <= $2
         ORDER BY s.submitted_at LIMIT 50",
    )
    .bind(TicketStatus::SelfieSubmitted)
    .bind(submitted_before)
    .fetch_all(conn)
    .await
}

/// A face-match outcome as stored in the selfie's row.
pub struct StoreMatch<'a> {
    pub outcome: MatchOutcomeKind,
    pub score: Option<f64>,
    pub source: Option<MatchSource>,
    pub note: Option<&'a str>,
}

/// Stores the selfie's face-match outcome once (compare-and-set on a row
/// without one); false when another process stored one first.
pub async fn store_match(
    conn: &mut AnyConnection,
    id: &SelfieId,
    found: StoreMatch<'_>,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE selfies SET match_outcome = $1, match_score = $2, match_source = $3, match_note = $4,
             matched_at = $5
         WHERE id = $6 AND match_outcome IS NULL",
    )
    .bind(found.outcome)
    .bind(found.score)
    .bind(found.source)
    .bind(found.note)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the decision once (compare-and-set on an undecided selfie).
pub async fn decide(
    conn: &mut AnyConnection,
    id: &SelfieId,
    decision: SelfieDecision,
    decided_by: &AccountId,
    reason: Option<&str>,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE selfies SET decision = $1, decided_by = $2, reason = $3, decided_at = $4
         WHERE id = $5 AND decision IS NULL",
    )
    .bind(decision)
    .bind(decided_by)
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Selfies still holding a photo whose ticket is closed and closed, or
/// whose photo was taken, before `cutoff` (a request that expired
/// unreviewed loses its photo at once).
pub async fn due_for_deletion(
    conn: &mut AnyConnection,
    cutoff: UnixTime,
) -> Result<Vec<(SelfieId, AccountId, TicketId)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.account_id, s.ticket_id FROM selfies s JOIN tickets t ON t.id = s.ticket_id
         WHERE s.image IS NOT NULL AND t.closed_at IS NOT NULL
           AND (t.closed_at < $1 OR s.submitted_at < $1)",
    )
    .bind(cutoff)
    .fetch_all(conn)
    .await
}

pub async fn delete_image(
    conn: &mut AnyConnection,
    id: &SelfieId,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE selfies SET image = NULL, deleted_at = $1 WHERE id = $2 AND image IS NOT NULL",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores (or replaces) an account's reference photo.
pub async fn store_reference(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    photo: &Selfie,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reference_photos (account_id, image, width, height, bytes, consent_at_registration, set_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (account_id) DO UPDATE SET image = $2, width = $3, height = $4, bytes = $5,
             consent_at_registration = $6, set_at = $7",
    )
    .bind(account_id)
    .bind(&photo.jpeg)
    .bind(i64::from(photo.width))
    .bind(i64::from(photo.height))
    .bind(photo.jpeg.len() as i64)
    .bind(true)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// When the account's reference photo was set, if it has one.
pub async fn reference_set_at(
    conn: &mut AnyConnection,
    account_id: &AccountId,
) -> Result<Option<UnixTime>, sqlx::Error> {
    sqlx::query_scalar("SELECT set_at FROM reference_photos WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(conn)
        .await
}

pub async fn reference_image(
    conn: &mut AnyConnection,
    account_id: &AccountId,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT image FROM reference_photos WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(conn)
        .await
}
