//! Single-use links mailed to signers ("Pengecekan Data Diri", "Atur
//! Perangkat OTP"): random tokens of which only the SHA-256 digest is stored,
//! each with an expiry, used at most once, revoked when superseded.

use sqlx::AnyConnection;

use super::views::LinkProblem;
use crate::platform::clock::UnixTime;
use crate::platform::crypto::{SecretToken, new_id, token_digest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    IdentityCheck,
    OtpSetup,
}

crate::text_enum::text_enum!(LinkPurpose { IdentityCheck => "identity_check", OtpSetup => "otp_setup" });

impl LinkPurpose {
    pub fn lifetime_seconds(self) -> i64 {
        match self {
            Self::IdentityCheck => 48 * 3600,
            Self::OtpSetup => 24 * 3600,
        }
    }

    pub fn path(self, token: &str) -> String {
        match self {
            Self::IdentityCheck => format!("/verifikasi/{token}"),
            Self::OtpSetup => format!("/otp/atur/{token}"),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub id: String,
    pub ticket_id: String,
    pub purpose: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A freshly issued link: the token for the mail, the expiry for its text.
pub struct IssuedLink {
    pub token: SecretToken,
    pub expires_at: UnixTime,
}

pub async fn issue(
    conn: &mut AnyConnection,
    ticket_id: &str,
    purpose: LinkPurpose,
    now: UnixTime,
) -> Result<IssuedLink, sqlx::Error> {
    let token = SecretToken::generate();
    let expires_at = now + purpose.lifetime_seconds();
    sqlx::query(
        "INSERT INTO link_tokens (token_digest, id, ticket_id, purpose, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token.digest)
    .bind(new_id())
    .bind(ticket_id)
    .bind(purpose.as_str())
    .bind(now)
    .bind(expires_at)
    .execute(conn)
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
    // Tokens are 43 characters of base64url; anything else cannot exist.
    if token_text.len() != 43
        || !token_text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(Err(LinkProblem::Unknown));
    }
    let row: Option<LinkRow> = sqlx::query_as(
        "SELECT id, ticket_id, purpose, created_at, expires_at, used_at, revoked_at
         FROM link_tokens WHERE token_digest = $1",
    )
    .bind(token_digest(token_text))
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        None => Err(LinkProblem::Unknown),
        Some(row) if row.purpose != purpose.as_str() => Err(LinkProblem::Unknown),
        Some(row) if row.used_at.is_some() => Err(LinkProblem::Used),
        Some(row) if row.revoked_at.is_some() => Err(LinkProblem::Superseded),
        Some(row) if row.expires_at <= now => Err(LinkProblem::Expired),
        Some(row) => Ok(row),
    })
}

/// Spends a link; false when it was spent, revoked or expired meanwhile.
pub async fn mark_used(
    conn: &mut AnyConnection,
    link_id: &str,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE link_tokens SET used_at = $1
         WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(link_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every unspent link of a ticket and forgets secrets shown through them.
pub async fn revoke_for_ticket(
    conn: &mut AnyConnection,
    ticket_id: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM pending_enrollments
         WHERE origin IN (SELECT 'link:' || id FROM link_tokens WHERE ticket_id = $1)",
    )
    .bind(ticket_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE link_tokens SET revoked_at = $1 WHERE ticket_id = $2 AND used_at IS NULL AND revoked_at IS NULL")
        .bind(now)
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The origin under which a setup link's pending secret is kept.
pub fn enrollment_origin(link: &LinkRow) -> String {
    format!("link:{}", link.id)
}
