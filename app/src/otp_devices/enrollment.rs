//! A secret shown as a QR code is kept (sealed) until the signer confirms it
//! with a code, so a page refresh shows the same QR and nothing reaches the
//! device table before it is proven to work.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use sqlx::AnyConnection;

use super::repo::{self, InsertPending};
use super::totp::TotpSecret;
use super::views::EnrollmentView;
use crate::ids::{AccountId, PendingEnrollmentId};
use crate::platform::crypto::Keys;
use crate::time::UnixTime;

pub struct PendingEnrollment {
    pub id: PendingEnrollmentId,
    pub secret: TotpSecret,
}

/// The pending secret of `origin`, created on first use.
pub async fn get_or_create(
    conn: &mut AnyConnection,
    keys: &Keys,
    account_id: &AccountId,
    origin: &str,
    expires_at: UnixTime,
    now: UnixTime,
) -> Result<PendingEnrollment, sqlx::Error> {
    if let Some(existing) = load(conn, keys, origin, now).await? {
        return Ok(existing);
    }
    let id = PendingEnrollmentId::generate();
    let secret = TotpSecret::generate();
    let sealed = keys.seal(id.as_str().as_bytes(), secret.as_bytes());
    repo::insert_pending(
        conn,
        InsertPending {
            id: &id,
            account_id,
            origin,
            secret_sealed: &sealed,
            expires_at,
        },
        now,
    )
    .await?;
    // A concurrent request may have inserted first: read back whichever won.
    load(conn, keys, origin, now)
        .await?
        .ok_or_else(|| sqlx::Error::Protocol("pending enrollment vanished after insert".into()))
}

pub async fn load(
    conn: &mut AnyConnection,
    keys: &Keys,
    origin: &str,
    now: UnixTime,
) -> Result<Option<PendingEnrollment>, sqlx::Error> {
    let Some(row) = repo::find_pending(conn, origin, now).await? else {
        return Ok(None);
    };
    let secret = keys
        .open(row.id.as_str().as_bytes(), &row.secret_sealed)
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(Some(PendingEnrollment {
        id: row.id,
        secret: TotpSecret::from_bytes(secret),
    }))
}

/// The QR code, manual key and link for an authenticator app.
pub fn view(
    secret: &TotpSecret,
    issuer: &str,
    account_label: &str,
    now: UnixTime,
) -> EnrollmentView {
    let otpauth_uri = secret.otpauth_uri(issuer, account_label);
    EnrollmentView {
        qr_svg: qr_svg(&otpauth_uri),
        manual_key: secret.to_grouped_base32(),
        otpauth_uri,
        issuer: issuer.to_string(),
        account_label: account_label.to_string(),
        server_time: now,
    }
}

/// An inline SVG (no XML declaration) with a quiet zone, scalable by CSS.
pub fn qr_svg(data: &str) -> String {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .expect("an otpauth URI fits in a QR code");
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    match image.find("<svg") {
        Some(start) => image[start..].to_string(),
        None => image,
    }
}
