//! Server functions of the console's service-client screen (admins only,
//! under `admin/` so the staff gate checks the role first).

use leptos::prelude::*;

use super::views::CreateOutcome;
use crate::error::AppError;
use crate::ids::ServiceClientId;
use crate::service_clients::types::ClientForm;
use crate::service_clients::views::ClientSummary;

#[cfg(feature = "ssr")]
impl From<crate::service_clients::service::ChangeError> for AppError {
    fn from(e: crate::service_clients::service::ChangeError) -> Self {
        use crate::service_clients::service::ChangeError as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Database(e) => e.into(),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

#[server(endpoint = "admin/service-clients/list")]
pub async fn list_service_clients() -> Result<Vec<ClientSummary>, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::admin(&call).await?;
    Ok(crate::service_clients::service::list(&call.svc).await?)
}

/// Creates a client from the form; a wrong field answers its message and
/// stores nothing.
#[server(endpoint = "admin/service-clients/create")]
pub async fn create_service_client(form: ClientForm) -> Result<CreateOutcome, AppError> {
    let call = crate::platform::context::call(None)?;
    let admin = crate::accounts::current::admin(&call).await?;
    let client = match form.parse() {
        Ok(client) => client,
        Err(errors) => return Ok(CreateOutcome::Invalid(errors)),
    };
    let created = crate::service_clients::service::create(
        &call.svc,
        &client,
        admin.account.actor(),
        Some(&call.client),
        call.now,
    )
    .await?;
    Ok(CreateOutcome::Created {
        id: created.id,
        name: client.name.to_string(),
        token: created.token,
    })
}

/// `calls_per_minute` as typed: 1 to 100 000.
#[server(endpoint = "admin/service-clients/budget")]
pub async fn set_service_client_budget(
    id: ServiceClientId,
    calls_per_minute: String,
) -> Result<(), AppError> {
    use crate::service_clients::service::Change;
    use crate::service_clients::types::CallsPerMinute;
    let budget = CallsPerMinute::parse(&calls_per_minute).map_err(AppError::Invalid)?;
    change_client(id, Change::Budget(budget)).await
}

#[server(endpoint = "admin/service-clients/revoke")]
pub async fn revoke_service_client(id: ServiceClientId) -> Result<(), AppError> {
    change_client(id, crate::service_clients::service::Change::Revoke).await
}

#[cfg(feature = "ssr")]
async fn change_client(
    id: ServiceClientId,
    change: crate::service_clients::service::Change,
) -> Result<(), AppError> {
    let call = crate::platform::context::call(None)?;
    let admin = crate::accounts::current::admin(&call).await?;
    crate::service_clients::service::change(
        &call.svc,
        &id,
        change,
        admin.account.actor(),
        Some(&call.client),
        call.now,
    )
    .await?;
    Ok(())
}
