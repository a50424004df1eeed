//! Server functions of the console's service-client screen (admins only,
//! under `admin/` so the staff gate checks the role first).

use leptos::prelude::*;

use super::views::{CreateOutcome, NewWebhook};
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

#[cfg(feature = "ssr")]
impl From<crate::service_clients::service::WebhookError> for AppError {
    fn from(e: crate::service_clients::service::WebhookError) -> Self {
        use crate::service_clients::service::WebhookError as E;
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

/// Creates a client from the form (with its webhook when a URL was
/// typed); a wrong field answers its message and stores nothing.
#[server(endpoint = "admin/service-clients/create")]
pub async fn create_service_client(form: ClientForm) -> Result<CreateOutcome, AppError> {
    use crate::service_clients::service::{self, WebhookError};
    use crate::service_clients::types::FormErrors;
    let call = crate::platform::context::call(None)?;
    let admin = crate::accounts::current::admin(&call).await?;
    let (client, webhook) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => return Ok(CreateOutcome::Invalid(errors)),
    };
    let (actor, from) = (admin.account.actor(), Some(&call.client));
    let created = match &webhook {
        None => service::create(&call.svc, &client, actor, from, call.now).await?,
        Some(url) => {
            match service::create_with_webhook(&call.svc, &client, url, actor, from, call.now).await
            {
                Ok(created) => created,
                Err(e @ WebhookError::NoEventsScope) => {
                    return Ok(CreateOutcome::Invalid(FormErrors {
                        webhook_url: Some(e.to_string()),
                        ..FormErrors::default()
                    }));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    Ok(CreateOutcome::Created {
        id: created.id,
        name: client.name.to_string(),
        token: created.token,
        webhook_secret: created.webhook_secret,
    })
}

/// Sets or replaces the client's webhook with `url` as typed; the new
/// secret is in the answer only. A URL that does not parse changes nothing.
#[server(endpoint = "admin/service-clients/webhook")]
pub async fn set_service_client_webhook(
    id: ServiceClientId,
    url: String,
) -> Result<NewWebhook, AppError> {
    use crate::service_clients::types::WebhookUrl;
    let url = WebhookUrl::parse(&url).map_err(AppError::Invalid)?;
    let secret = change_webhook(&id, Some(&url))
        .await?
        .ok_or_else(|| crate::error::internal("a webhook was set without a secret"))?;
    Ok(NewWebhook {
        id,
        url: url.to_string(),
        secret,
    })
}

/// Removes the client's webhook; its undelivered events are dropped.
#[server(endpoint = "admin/service-clients/webhook-remove")]
pub async fn remove_service_client_webhook(id: ServiceClientId) -> Result<(), AppError> {
    change_webhook(&id, None).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
async fn change_webhook(
    id: &ServiceClientId,
    url: Option<&crate::service_clients::types::WebhookUrl>,
) -> Result<Option<String>, AppError> {
    let call = crate::platform::context::call(None)?;
    let admin = crate::accounts::current::admin(&call).await?;
    Ok(crate::service_clients::service::set_webhook(
        &call.svc,
        id,
        url,
        admin.account.actor(),
        Some(&call.client),
        call.now,
    )
    .await?)
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
