//! Server functions of the console's outbox screen.

use leptos::prelude::*;

use super::views::{MailList, MailQuery};
use crate::error::AppError;

#[cfg(feature = "ssr")]
impl From<super::service::OutboxError> for AppError {
    fn from(e: super::service::OutboxError) -> Self {
        use super::service::OutboxError as E;
        match e {
            E::Invalid(message) => AppError::Invalid(message),
            E::NotFound => AppError::NotFound,
            E::Database(e) => e.into(),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

#[server(endpoint = "admin/mail/list")]
pub async fn list_mail(query: MailQuery) -> Result<MailList, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::admin(&call).await?;
    Ok(super::service::list(&call.svc, &query).await?)
}

/// "Kirim ulang sekarang": the mail is due now and the mail worker wakes.
#[server(endpoint = "admin/mail/send-now")]
pub async fn send_mail_now(mail_id: i64) -> Result<(), AppError> {
    let call = crate::platform::context::call(None)?;
    let admin = crate::accounts::current::admin(&call).await?;
    super::service::send_now(&call.svc, &admin, mail_id, &call.client, call.now).await?;
    call.svc.mail_queued.notify_one();
    Ok(())
}
