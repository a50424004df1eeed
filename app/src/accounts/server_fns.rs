//! The one server function of accounts every signed-in page shares.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::current;
use crate::error::AppError;

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let call = crate::platform::context::call(None)?;
    if let Some(value) = crate::platform::request::cookie(super::sessions::COOKIE) {
        super::service::logout(&call.svc, &value, &call.client, call.now).await?;
    }
    current::set_session_cookie(&call, "", 0);
    leptos_axum::redirect("/login");
    Ok(())
}
