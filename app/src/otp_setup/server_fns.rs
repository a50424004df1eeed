//! Server functions of /otp/atur/:token.

use leptos::prelude::*;

use super::views::SetupPageState;
use crate::error::AppError;
use crate::otp_devices::views::AddedDeviceView;

#[server(endpoint = "otp-setup/page")]
pub async fn otp_setup_page(token: String) -> Result<SetupPageState, AppError> {
    let call = crate::platform::context::call(None)?;
    Ok(super::service::page(&call.svc, &token, call.now).await?)
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
