//! Server functions of accounts every signed-in page shares.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::current;
use crate::error::AppError;

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let call = crate::platform::context::call(None)?;
    if let Some(value) =
        crate::platform::request::cookie(super::sessions::cookie_name(&call.svc.settings))
    {
        super::service::logout(&call.svc, &value, &call.client, call.now).await?;
    }
    current::set_session_cookie(&call, "", 0);
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in staff member, for the console's navigation.
#[server(endpoint = "staff/me")]
pub async fn staff_me() -> Result<StaffMember, AppError> {
    let call = crate::platform::context::call(None)?;
    let holder = current::staff(&call).await?;
    Ok(StaffMember {
        email: holder.account.email,
        full_name: holder.account.full_name,
        role: holder.account.role,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StaffMember {
    pub email: String,
    pub full_name: String,
    pub role: super::types::Role,
}
