//! Server functions of the account pages: thin wrappers that read the
//! session and client, call `service`, and set cookies.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::current;
use super::views::{AccountView, LoginProgress};
use crate::error::AppError;
use crate::otp_devices::views::{AddedDeviceView, EnrollmentView};

#[server(endpoint = "login/state")]
pub async fn login_state() -> Result<LoginProgress, AppError> {
    use super::sessions::Stage;
    use super::types::OfficialEmail;
    let call = current::call(None)?;
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
    use super::sessions::AWAITING_OTP_SECONDS;
    use crate::platform::rate_limit::Action;
    let call = current::call(Some(Action::Login))?;
    let token =
        super::service::check_password(&call.svc, &email, &password, &call.client, call.now)
            .await?;
    current::set_session_cookie(&call, &token.text, AWAITING_OTP_SECONDS);
    Ok(())
}

#[server(endpoint = "login/code")]
pub async fn login_code(code: String) -> Result<(), AppError> {
    use super::sessions::Stage;
    use crate::platform::rate_limit::Action;
    let call = current::call(Some(Action::Login))?;
    let waiting = current::session(&call, Stage::AwaitingOtp).await?.ok_or_else(|| {
        AppError::rejected("Waktu memasukkan kode OTP habis. Silakan masuk kembali dengan email dan kata sandi.")
    })?;
    let (token, account) =
        super::service::check_code(&call.svc, &waiting.session, &code, &call.client, call.now)
            .await?;
    current::set_session_cookie(&call, &token.text, call.svc.settings.session_max_seconds);
    leptos_axum::redirect(if account.role().is_staff() {
        "/admin"
    } else {
        "/akun"
    });
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let call = current::call(None)?;
    if let Some(value) = crate::platform::request::cookie(super::sessions::COOKIE) {
        super::service::logout(&call.svc, &value, &call.client, call.now).await?;
    }
    current::set_session_cookie(&call, "", 0);
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(endpoint = "account")]
pub async fn my_account() -> Result<AccountView, AppError> {
    use super::views::ActivityView;
    use crate::otp_devices::views::DeviceView;
    use crate::otp_devices::{Channel, repo as devices_repo};
    let call = current::call(None)?;
    let holder = current::signed_in(&call).await?;
    let mut conn = call.svc.db.pool().acquire().await?;
    let devices = devices_repo::for_account(&mut conn, &holder.account.id)
        .await?
        .into_iter()
        .map(|d| DeviceView {
            is_current: holder.session.device_id.as_deref() == Some(d.id.as_str()),
            channel_label: Channel::parse(&d.source_channel)
                .map(Channel::label)
                .unwrap_or("-")
                .to_string(),
            id: d.id,
            name: d.name,
            added_at: d.created_at,
            last_used_at: d.last_used_at,
        })
        .collect();
    let recent_activity = crate::audit::for_account(&mut conn, &holder.account.id, 30)
        .await?
        .iter()
        .filter_map(|row| {
            crate::audit::describe_for_holder(row).map(|text| ActivityView { at: row.at, text })
        })
        .take(8)
        .collect();
    let account = &holder.account;
    Ok(AccountView {
        full_name: account.full_name.clone(),
        email: account.email.clone(),
        nik_masked: account.nik_masked.clone(),
        agency: account.agency.clone(),
        status_label: account.status().label().to_string(),
        devices,
        max_devices: call.svc.settings.max_devices,
        confirmed_for_adding: holder.is_confirmed(call.now),
        recent_activity,
    })
}

#[server(endpoint = "account/confirm")]
pub async fn confirm_with_code(code: String) -> Result<(), AppError> {
    use crate::platform::rate_limit::Action;
    let call = current::call(Some(Action::Login))?;
    let holder = current::signed_in(&call).await?;
    super::service::confirm_session(&call.svc, &holder, &code, &call.client, call.now).await
}

#[server(endpoint = "account/devices/rename")]
pub async fn rename_device(device_id: String, name: String) -> Result<(), AppError> {
    use crate::otp_devices::types::DeviceName;
    let call = current::call(None)?;
    let holder = current::signed_in(&call).await?;
    let name = DeviceName::parse(&name).map_err(AppError::Invalid)?;
    crate::otp_devices::service::rename_device(
        &call.svc,
        &holder.account,
        &device_id,
        &name,
        &call.client,
        call.now,
    )
    .await?;
    Ok(())
}

#[server(endpoint = "account/devices/remove")]
pub async fn remove_device(device_id: String, password: String) -> Result<(), AppError> {
    use crate::platform::rate_limit::Action;
    let call = current::call(Some(Action::Login))?;
    let holder = current::signed_in(&call).await?;
    super::service::reconfirm_password(&holder, &password).await?;
    let removed = crate::otp_devices::service::remove_device(
        &call.svc,
        &holder.account,
        &device_id,
        &call.client,
        call.now,
    )
    .await?;
    if holder.session.device_id.as_deref() == Some(removed.id.as_str()) {
        // This session was opened with the removed device and has just ended.
        current::set_session_cookie(&call, "", 0);
        leptos_axum::redirect("/login");
    }
    Ok(())
}

#[server(endpoint = "account/devices/new")]
pub async fn new_device_enrollment() -> Result<EnrollmentView, AppError> {
    let call = current::call(None)?;
    let holder = current::signed_in(&call).await?;
    super::service::self_enrollment(&call.svc, &holder, call.now).await
}

#[server(endpoint = "account/devices/add")]
pub async fn add_device(name: String, code: String) -> Result<AddedDeviceView, AppError> {
    use crate::otp_devices::types::{DeviceName, OtpCode};
    use crate::platform::rate_limit::Action;
    let call = current::call(Some(Action::Enroll))?;
    let holder = current::signed_in(&call).await?;
    let name = DeviceName::parse(&name).map_err(AppError::Invalid)?;
    let code = OtpCode::parse(&code).map_err(AppError::Invalid)?;
    let added = super::service::finish_self_enrollment(
        &call.svc,
        &holder,
        &name,
        &code,
        &call.client,
        call.now,
    )
    .await?;
    Ok(added.into())
}
