//! Server functions of the console's audit screen.

use leptos::prelude::*;

use super::views::{AuditList, AuditQuery};
use crate::error::AppError;

#[cfg(feature = "ssr")]
impl From<super::service::AuditSearchError> for AppError {
    fn from(e: super::service::AuditSearchError) -> Self {
        use super::service::AuditSearchError as E;
        match e {
            E::Invalid(message) => AppError::Invalid(message),
            E::Database(e) => e.into(),
        }
    }
}

#[server(endpoint = "admin/audit/list")]
pub async fn list_audit(query: AuditQuery) -> Result<AuditList, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::admin(&call).await?;
    Ok(super::service::list(&call.svc, &query).await?)
}
