//! Server functions of /login: the password step, then the code step.

use leptos::prelude::*;

use super::views::LoginProgress;
#[cfg(feature = "ssr")]
use crate::accounts::current;
use crate::error::AppError;

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
    let token =
        super::service::check_password(&call.svc, &email, &password, &call.client, call.now)
            .await?;
    current::set_session_cookie(&call, &token.text, AWAITING_OTP_SECONDS);
    Ok(())
}

#[server(endpoint = "login/code")]
pub async fn login_code(code: String) -> Result<(), AppError> {
    use crate::accounts::sessions::Stage;
    use crate::otp_devices::types::OtpCode;
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Login))?;
    let waiting = current::session(&call, Stage::AwaitingOtp).await?.ok_or_else(|| {
        AppError::rejected("Waktu memasukkan kode OTP habis. Silakan masuk kembali dengan email dan kata sandi.")
    })?;
    let code = OtpCode::parse(&code).map_err(AppError::Invalid)?;
    let (token, account) =
        super::service::check_code(&call.svc, &waiting.session, &code, &call.client, call.now)
            .await?;
    current::set_session_cookie(&call, &token.text, call.svc.settings.session_max_seconds);
    leptos_axum::redirect(if account.role.is_staff() {
        "/admin"
    } else {
        "/akun"
    });
    Ok(())
}
