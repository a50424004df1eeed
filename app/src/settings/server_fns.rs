//! The settings screen's server functions (admin only).

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::error::AppError;
use crate::tunables::Tunables;

#[server(endpoint = "admin/settings/get")]
pub async fn current_settings() -> Result<Tunables, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::admin(&call).await?;
    Ok((*call.svc.tunables()).clone())
}

/// `values` maps each tunable's key to the text typed for it.
#[server(endpoint = "admin/settings/save")]
pub async fn save_settings(values: BTreeMap<String, String>) -> Result<Tunables, AppError> {
    use super::service::{ChangeError, change};
    let call = crate::platform::context::call(None)?;
    let admin = crate::accounts::current::admin(&call).await?;
    let changes: Vec<(String, String)> = values.into_iter().collect();
    change(&call.svc, &admin, &changes, &call.client, call.now)
        .await
        .map_err(|e| match e {
            ChangeError::Invalid(message) => AppError::Invalid(message),
            ChangeError::Database(e) => e.into(),
        })
}
