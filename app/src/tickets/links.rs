//! Single-use links mailed to signers ("Pengecekan Data Diri", "Atur
//! Perangkat OTP"): random tokens of which only the SHA-256 digest is stored,
//! each with an expiry, used at most once, revoked when superseded.

use sqlx::AnyConnection;

use super::repo::{self, LinkRow};
use super::types::LinkPurpose;
use super::views::LinkProblem;
use crate::ids::{LinkId, TicketId};
use crate::otp_devices::repo as devices_repo;
use crate::platform::crypto::{SecretToken, presented_token_digest};
use crate::time::UnixTime;
use crate::tunables::Tunables;

/// A freshly issued link: the token for the mail, the expiry for its text.
pub struct IssuedLink {
    pub token: SecretToken,
    pub expires_at: UnixTime,
}

pub async fn issue(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    purpose: LinkPurpose,
    tunables: &Tunables,
    now: UnixTime,
) -> Result<IssuedLink, sqlx::Error> {
    let token = SecretToken::generate();
    let expires_at = now + purpose.lifetime_seconds(tunables);
    repo::insert_link(
        conn,
        &token.digest,
        &LinkId::generate(),
        ticket_id,
        purpose,
        now,
        expires_at,
    )
    .await?;
    Ok(IssuedLink { token, expires_at })
}

/// What a link is now: usable, or why not.
pub async fn resolve(
    conn: &mut AnyConnection,
    token_text: &str,
    purpose: LinkPurpose,
    now: UnixTime,
) -> Result<Result<LinkRow, LinkProblem>, sqlx::Error> {
    let Some(digest) = presented_token_digest(token_text) else {
        return Ok(Err(LinkProblem::Unknown));
    };
    let row = repo::find_link(conn, &digest).await?;
    Ok(match row {
        None => Err(LinkProblem::Unknown),
        Some(row) if row.purpose != purpose => Err(LinkProblem::Unknown),
        Some(row) if row.used_at.is_some() => Err(LinkProblem::Used),
        Some(row) if row.revoked_at.is_some() => Err(LinkProblem::Superseded),
        Some(row) if row.expires_at <= now => Err(LinkProblem::Expired),
        // Suspension closes open tickets; this also holds for any path that
        // changes the status without closing them.
        Some(row) if !repo::ticket_account_is_verified(conn, &row.ticket_id).await? => {
            Err(LinkProblem::AccountInactive)
        }
        Some(row) => Ok(row),
    })
}

/// The origin under which a setup link's pending secret is kept.
pub fn enrollment_origin(link_id: &LinkId) -> String {
    format!("link:{link_id}")
}

/// Revokes every unspent link of a ticket and forgets the secrets shown
/// through them (a superseded setup link's QR code must not work later).
pub async fn revoke_for_ticket(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    for link_id in repo::revoke_links(conn, ticket_id, now).await? {
        devices_repo::delete_pending_by_origin(conn, &enrollment_origin(&link_id)).await?;
    }
    Ok(())
}
