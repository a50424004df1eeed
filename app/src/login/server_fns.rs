//! Server functions of /login: the password step, then the code step.

use leptos::prelude::*;

use super::views::LoginProgress;
#[cfg(feature = "ssr")]
use crate::accounts::current;
#[cfg(feature = "ssr")]
use crate::accounts::device_cookie::{self, DeviceCookie};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::platform::context::Call;

/// The device cookie this browser presents, if any (checked by the service).
#[cfg(feature = "ssr")]
fn known_browser(call: &Call) -> Option<String> {
    crate::platform::request::cookie(device_cookie::cookie_name(&call.svc.settings))
}

/// Makes this browser known to the account for a year.
#[cfg(feature = "ssr")]
fn remember_browser(call: &Call, value: &str) {
    crate::platform::request::set_cookie(
        device_cookie::cookie_name(&call.svc.settings),
        value,
        device_cookie::MAX_AGE_SECONDS,
        &call.svc.settings,
    );
}

#[server(endpoint = "login/state")]
pub async fn login_state() -> Result<LoginProgress, AppError> {
    use crate::accounts::sessions::Stage;
    use crate::accounts::types::OfficialEmail;
    let call = crate::platform::context::call(None)?;
    if let Some(holder) = current::session(&call, Stage::Active).await? {
        return Ok(LoginProgress::SignedIn {
            home: current::home_of(&holder).into(),
        });
    }
    Ok(match current::session(&call, Stage::AwaitingOtp).await? {
        Some(holder) => LoginProgress::AwaitingCode {
            email_masked: OfficialEmail::parse(&holder.account.email)
                .map(|e| e.masked())
                .unwrap_or_default(),
        },
        None => LoginProgress::SignedOut,
    })
}

#[server(endpoint = "login/password")]
pub async fn login_password(email: String, password: String) -> Result<(), AppError> {
    use crate::accounts::sessions::AWAITING_OTP_SECONDS;
    use crate::accounts::types::OfficialEmail;
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Login))?;
    let email = OfficialEmail::parse(&email).map_err(AppError::Invalid)?;
    if password.is_empty() {
        return Err(AppError::invalid("Kata sandi wajib diisi."));
    }
    let device_cookie = known_browser(&call);
    let token = super::service::check_password(
        &call.svc,
        &email,
        &password,
        device_cookie.as_deref(),
        &call.client,
        call.now,
    )
    .await?;
    current::set_session_cookie(&call, &token, AWAITING_OTP_SECONDS);
    Ok(())
}

#[server(endpoint = "login/code")]
pub async fn login_code(code: String) -> Result<(), AppError> {
    use crate::otp_devices::types::OtpCode;
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Login))?;
    let cookie = current::session_cookie(&call);
    let waiting = super::service::waiting_for_code(&call.svc, cookie.as_deref(), call.now);
    let waiting = waiting.await?.ok_or_else(|| {
        AppError::rejected(
            "Waktu memasukkan kode OTP habis. Silakan masuk kembali dengan email dan kata sandi.",
        )
    })?;
    let code = OtpCode::parse(&code).map_err(AppError::Invalid)?;
    let device_cookie = known_browser(&call);
    let (token, account) = super::service::check_code(
        &call.svc,
        waiting,
        &code,
        device_cookie.as_deref(),
        &call.client,
        call.now,
    )
    .await?;
    current::set_session_cookie(&call, &token, call.svc.settings.session_max_seconds);
    let known = DeviceCookie::issue(&account.id, call.now).encode(&call.svc.keys);
    remember_browser(&call, &known);
    leptos_axum::redirect(if account.role.is_staff() {
        "/admin"
    } else {
        "/akun"
    });
    Ok(())
}

/// "Kirim tautan buka kunci": the same answer whether or not the email has
/// an account, and whether or not a link went out.
#[server(endpoint = "login/unlock-request")]
pub async fn request_unlock_link(email: String) -> Result<String, AppError> {
    use crate::accounts::types::OfficialEmail;
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Login))?;
    let email = OfficialEmail::parse(&email).map_err(AppError::Invalid)?;
    super::unlock::request_link(&call.svc, &email, &call.client, call.now).await?;
    Ok(UNLOCK_REQUESTED.into())
}

pub const UNLOCK_REQUESTED: &str = "Jika akun dengan email tersebut sedang dikunci untuk browser baru, tautan buka kunci telah dikirim ke email tersebut. Tautan berlaku 1 jam.";

/// Following the mailed link: lifts the lock and makes this browser known.
/// Answers with the sentence the page shows.
#[server(endpoint = "login/unlock")]
pub async fn unlock_account(token: String) -> Result<String, AppError> {
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Login))?;
    let known = super::unlock::unlock(&call.svc, token.trim(), &call.client, call.now).await?;
    remember_browser(&call, &known);
    Ok(UNLOCKED.into())
}

pub const UNLOCKED: &str = "Kunci dibuka. Browser ini sekarang dikenali untuk akun Anda: silakan masuk dengan kata sandi dan kode OTP.";
