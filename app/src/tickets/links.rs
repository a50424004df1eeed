//! Single-use links mailed to signers ("Pengecekan Data Diri", "Atur
//! Perangkat OTP"): random tokens of which only the SHA-256 digest is stored,
//! each with an expiry, used at most once, revoked when superseded.

use sqlx::AnyConnection;

use super::repo::{self, LinkRow};
use super::views::LinkProblem;
use crate::ids::{LinkId, TicketId};
use crate::platform::clock::UnixTime;
use crate::platform::crypto::{SecretToken, token_digest};

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

/// A freshly issued link: the token for the mail, the expiry for its text.
pub struct IssuedLink {
    pub token: SecretToken,
    pub expires_at: UnixTime,
}

pub async fn issue(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    purpose: LinkPurpose,
    now: UnixTime,
) -> Result<IssuedLink, sqlx::Error> {
    let token = SecretToken::generate();
    let expires_at = now + purpose.lifetime_seconds();
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
    // Tokens are 43 characters of base64url; anything else cannot exist.
    if token_text.len() != 43
        || !token_text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(Err(LinkProblem::Unknown));
    }
    let row = repo::find_link(conn, &token_digest(token_text)).await?;
    Ok(match row {
        None => Err(LinkProblem::Unknown),
        Some(row) if row.purpose != purpose => Err(LinkProblem::Unknown),
        Some(row) if row.used_at.is_some() => Err(LinkProblem::Used),
        Some(row) if row.revoked_at.is_some() => Err(LinkProblem::Superseded),
        Some(row) if row.expires_at <= now => Err(LinkProblem::Expired),
        Some(row) => Ok(row),
    })
}

/// The origin under which a setup link's pending secret is kept.
pub fn enrollment_origin(link: &LinkRow) -> String {
    format!("link:{}", link.id)
}
