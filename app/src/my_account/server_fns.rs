//! Server functions of /akun and /akun/perangkat-baru: thin wrappers that
//! read the session and client and call `service`.

use leptos::prelude::*;

use super::views::{AccountView, SelfEnrollment};
#[cfg(feature = "ssr")]
use crate::accounts::current;
use crate::error::AppError;
use crate::otp_devices::views::AddedDeviceView;

#[server(endpoint = "account")]
pub async fn my_account() -> Result<AccountView, AppError> {
    let call = crate::platform::context::call(None)?;
    let holder = current::signed_in(&call).await?;
    Ok(super::service::overview(&call.svc, &holder, call.now).await?)
}

#[server(endpoint = "account/confirm")]
pub async fn confirm_with_code(code: String) -> Result<(), AppError> {
    use crate::otp_devices::types::OtpCode;
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Login))?;
    let holder = current::signed_in(&call).await?;
    let code = OtpCode::parse(&code).map_err(AppError::Invalid)?;
    Ok(super::service::confirm_session(&call.svc, &holder, &code, &call.client, call.now).await?)
}

#[server(endpoint = "account/devices/rename")]
pub async fn rename_device(device_id: String, name: String) -> Result<(), AppError> {
    use crate::ids::DeviceId;
    use crate::otp_devices::types::DeviceName;
    let call = crate::platform::context::call(None)?;
    let holder = current::signed_in(&call).await?;
    let device_id = DeviceId::parse(&device_id).ok_or(AppError::NotFound)?;
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
    use crate::ids::DeviceId;
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Login))?;
    let holder = current::signed_in(&call).await?;
    let device_id = DeviceId::parse(&device_id).ok_or(AppError::NotFound)?;
    crate::accounts::service::reconfirm_password(
        &call.svc,
        &holder,
        &password,
        &call.client,
        call.now,
    )
    .await?;
    let removed = crate::otp_devices::service::remove_device(
        &call.svc,
        &holder.account,
        crate::otp_devices::service::Remover::Holder,
        &device_id,
        &call.client,
        call.now,
    )
    .await?;
    if holder.session.device_id.as_ref() == Some(&removed.id) {
        // This session was opened with the removed device and has just ended.
        current::set_session_cookie(&call, "", 0);
        leptos_axum::redirect("/login");
    }
    Ok(())
}

#[server(endpoint = "account/devices/new")]
pub async fn new_device_enrollment() -> Result<SelfEnrollment, AppError> {
    let call = crate::platform::context::call(None)?;
    let holder = current::signed_in(&call).await?;
    Ok(super::service::self_enrollment(&call.svc, &holder, call.now).await?)
}

#[server(endpoint = "account/devices/add")]
pub async fn add_device(name: String, code: String) -> Result<AddedDeviceView, AppError> {
    use crate::otp_devices::types::{DeviceName, OtpCode};
    use crate::platform::rate_limit::Action;
    let call = crate::platform::context::call(Some(Action::Enroll))?;
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
