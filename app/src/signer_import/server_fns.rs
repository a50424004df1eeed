//! Server functions of /admin/impor. The upload itself is multipart and
//! goes to the server's `/admin/impor/periksa` and `/admin/impor/terapkan`
//! routes (a multipart server function cannot refuse a caller before it
//! reads the body).

use leptos::prelude::*;

use super::views::UploadLimits;
use crate::error::AppError;

/// The upload limits, for an admin only: the page asks first, so that
/// anyone else is sent to the login or told they have no access.
#[server(endpoint = "admin/import/limits")]
pub async fn import_page() -> Result<UploadLimits, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::admin(&call).await?;
    Ok(UploadLimits {
        max_csv_megabytes: super::parse::MAX_CSV_BYTES / 1024 / 1024,
        max_rows: super::parse::MAX_ROWS,
        max_upload_megabytes: super::service::MAX_UPLOAD_BYTES / 1024 / 1024,
    })
}
