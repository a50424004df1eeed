//! Server functions of the console's account screens.

use leptos::prelude::*;

use super::views::{AccountDetail, AccountHit};
use crate::error::AppError;
use crate::ids::{AccountId, DeviceId};

#[cfg(feature = "ssr")]
impl From<super::service::AccountError> for AppError {
    fn from(e: super::service::AccountError) -> Self {
        use super::service::AccountError as E;
        match e {
            E::Invalid(message) => AppError::Invalid(message),
            E::NotFound => AppError::NotFound,
            E::Device(e) => e.into(),
            E::Database(e) => e.into(),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

#[server(endpoint = "staff/accounts/search")]
pub async fn search_accounts(query: String) -> Result<Vec<AccountHit>, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::staff(&call).await?;
    Ok(super::service::search(&call.svc, &query).await?)
}

#[server(endpoint = "staff/accounts/load")]
pub async fn load_account(id: AccountId) -> Result<AccountDetail, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::staff(&call).await?;
    Ok(super::service::detail(&call.svc, &id).await?)
}

/// `status`: `verified`, `unverified` or `suspended`.
#[server(endpoint = "admin/accounts/status")]
pub async fn set_account_status(id: AccountId, status: String) -> Result<(), AppError> {
    use crate::accounts::types::AccountStatus;
    let call = crate::platform::context::call(None)?;
    let admin = crate::accounts::current::admin(&call).await?;
    let status = AccountStatus::parse(&status)
        .ok_or_else(|| AppError::invalid("Status akun tidak dikenal."))?;
    Ok(super::service::set_status(&call.svc, &admin, &id, status, &call.client, call.now).await?)
}

#[server(endpoint = "admin/accounts/remove-device")]
pub async fn remove_account_device(
    account_id: AccountId,
    device_id: DeviceId,
) -> Result<(), AppError> {
    let call = crate::platform::context::call(None)?;
    let admin = crate::accounts::current::admin(&call).await?;
    super::service::remove_signer_device(
        &call.svc,
        &admin,
        &account_id,
        &device_id,
        &call.client,
        call.now,
    )
    .await?;
    Ok(())
}
