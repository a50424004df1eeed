//! Server functions of /otp/atur/:token.

use leptos::prelude::*;

use super::views::SetupPageState;
use crate::error::AppError;
use crate::otp_devices::views::AddedDeviceView;

#[cfg(feature = "ssr")]
mod reveal_pass {
    //! That this browser pressed "Tampilkan kode QR" for a link: a signed,
    //! short-lived cookie bound to the link's token. It works without
    //! JavaScript (the form's POST redirects back to the page, which then
    //! shows the QR code), and a mail scanner that only GETs the link never
    //! holds it.

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use crate::platform::crypto::token_digest;
    use crate::platform::request::{CookieName, cookie, set_cookie};
    use crate::platform::state::Services;
    use crate::time::UnixTime;

    const COOKIE: CookieName = CookieName {
        plain: "tpo_kode_qr",
        host_only: "__Host-tpo_kode_qr",
    };
    const PURPOSE: &str = "otp-setup-revealed";
    const LIFETIME_SECONDS: i64 = 30 * 60;

    fn message(token: &str, expires: UnixTime) -> Vec<u8> {
        let mut message = token_digest(token);
        message.extend_from_slice(format!("|{expires}").as_bytes());
        message
    }

    pub fn grant(svc: &Services, token: &str, now: UnixTime) {
        let expires = now + LIFETIME_SECONDS;
        let tag = svc.keys.sign(PURPOSE, &message(token, expires));
        let value = format!("{expires}.{}", URL_SAFE_NO_PAD.encode(tag));
        set_cookie(
            COOKIE.on(&svc.settings),
            &value,
            LIFETIME_SECONDS,
            &svc.settings,
        );
    }

    pub fn holds(svc: &Services, token: &str, now: UnixTime) -> bool {
        let Some(value) = cookie(COOKIE.on(&svc.settings)) else {
            return false;
        };
        let Some((expires, tag)) = value.split_once('.') else {
            return false;
        };
        let (Ok(expires), Ok(tag)) = (expires.parse(), URL_SAFE_NO_PAD.decode(tag)) else {
            return false;
        };
        let expires = UnixTime::from_secs(expires);
        expires > now && svc.keys.verify(PURPOSE, &message(token, expires), &tag)
    }
}

#[server(endpoint = "otp-setup/page")]
pub async fn otp_setup_page(token: String) -> Result<SetupPageState, AppError> {
    let call = crate::platform::context::call(None)?;
    let revealed = reveal_pass::holds(&call.svc, &token, call.now);
    Ok(super::service::page(&call.svc, &token, revealed, call.now).await?)
}

/// "Tampilkan kode QR": the QR code and key, for this browser, audited.
#[server(endpoint = "otp-setup/reveal")]
pub async fn reveal_otp_setup(token: String) -> Result<(), AppError> {
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Enroll))?;
    super::service::reveal(&call.svc, &token, &call.client, call.now).await?;
    reveal_pass::grant(&call.svc, &token, call.now);
    Ok(())
}

#[server(endpoint = "otp-setup/complete")]
pub async fn complete_otp_setup(
    token: String,
    name: String,
    code: String,
) -> Result<AddedDeviceView, AppError> {
    use crate::otp_devices::types::{DeviceName, OtpCode};
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Enroll))?;
    let name = DeviceName::parse(&name).map_err(AppError::Invalid)?;
    let code = OtpCode::parse(&code).map_err(AppError::Invalid)?;
    let added =
        super::service::complete(&call.svc, &token, &name, &code, &call.client, call.now).await?;
    Ok(added.into())
}
