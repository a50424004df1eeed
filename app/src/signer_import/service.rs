//! Applying an AMS export: every valid row through
//! [`upsert_signer_in`](crate::accounts::service::upsert_signer_in) and, with
//! a photo, [`store_reference_photo_in`], all in one write transaction that
//! a dry run rolls back, so the dry run's report is the one applying gives.
//!
//! Photos are checked (one face, re-encoded without metadata) before the
//! transaction opens, so the database is not held while faces are found.
//! A photo counts as unchanged when its re-encoding equals the stored
//! reference byte for byte: re-encoding is deterministic, so importing the
//! same file again changes nothing, and no digest of the input has to be
//! kept.

use std::collections::HashMap;
use std::path::PathBuf;

use sqlx::AnyConnection;

use super::parse::{self, FileError, ImportRow, RowError};
use super::views::{ImportReport, RowOutcome, RowReport};

use crate::accounts::service::{SignerRecord, UpsertError, Upserted, upsert_signer_in};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::identity_check::photo::{self, Selfie};
use crate::identity_check::reference::{
    check_reference_photo, is_current_reference, store_reference_photo_in,
};
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::tickets::service::end_access_in;
use crate::time::UnixTime;

/// The largest console upload (the CSV and its photos together).
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// Check only (report what would happen), or apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Apply,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole is unusable: nothing was imported.
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Where the files named in the `photo` column come from. The error is the
/// row's message for the `photo` column.
pub trait PhotoFiles: Sync {
    fn read(&self, name: &str) -> Result<Vec<u8>, String>;
}

/// Photos in a folder (the command line's `--photos`), or none given.
pub struct PhotoFolder(pub Option<PathBuf>);

impl PhotoFiles for PhotoFolder {
    fn read(&self, name: &str) -> Result<Vec<u8>, String> {
        let Some(folder) = &self.0 else {
            return Err(format!(
                "berkas foto \"{name}\" disebut, tetapi tidak ada folder foto (beri --photos FOLDER)."
            ));
        };
        let path = folder.join(name);
        let missing = || format!("berkas foto \"{name}\" tidak ada di {}.", folder.display());
        let size = std::fs::metadata(&path).map_err(|_| missing())?.len();
        if size > photo::MAX_UPLOAD_BYTES as u64 {
            return Err(format!(
                "berkas foto \"{name}\" lebih dari {} MB.",
                photo::MAX_UPLOAD_BYTES / 1024 / 1024
            ));
        }
        std::fs::read(&path).map_err(|_| missing())
    }
}

/// Photos uploaded with the CSV in the console, by file name.
pub struct UploadedPhotos(pub HashMap<String, Vec<u8>>);

impl PhotoFiles for UploadedPhotos {
    fn read(&self, name: &str) -> Result<Vec<u8>, String> {
        self.0.get(name).cloned().ok_or_else(|| {
            format!(
                "berkas foto \"{name}\" tidak ikut diunggah; pilih juga berkas itu di kolom foto."
            )
        })
    }
}

/// A row ready for the transaction: its signer, its checked photo.
struct Checked {
    row: ImportRow,
    photo: Option<Selfie>,
}

/// Imports `csv`: each row is created, updated, unchanged or an error (its
/// message naming line and column); rows with errors are skipped and the
/// others applied. A bad file changes nothing. In [`Mode::DryRun`] the same
/// work runs and is rolled back.
pub async fn import(
    svc: &Services,
    csv: &[u8],
    photos: &dyn PhotoFiles,
    mode: Mode,
    actor: Actor<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<ImportReport, ImportError> {
    let rows = parse::parse(csv)?;
    let mut checked = Vec::with_capacity(rows.len());
    for mut row in rows {
        let mut photo = None;
        if let Ok(Some(name)) = row.parsed.as_ref().map(|r| r.photo.clone()) {
            let line = row.line;
            let loaded = match photos.read(&name) {
                Ok(bytes) => check_reference_photo(bytes)
                    .await
                    .map_err(|e| format!("berkas \"{name}\": {e}")),
                Err(message) => Err(message),
            };
            match loaded {
                Ok(selfie) => photo = Some(selfie),
                Err(message) => row.parsed = Err(RowError::new(line, "photo", message)),
            }
        }
        checked.push(Checked { row, photo });
    }

    let mut tx = svc.db.begin_write().await?;
    let mut report = ImportReport {
        dry_run: mode == Mode::DryRun,
        rows: Vec::with_capacity(checked.len()),
    };
    for Checked { row, photo } in checked {
        let outcome = match &row.parsed {
            Err(error) => RowOutcome::Failed {
                message: error.to_string(),
            },
            Ok(signer) => {
                let applied = apply_signer_in(
                    &mut tx,
                    svc,
                    &signer.record,
                    photo.as_ref(),
                    actor,
                    client,
                    now,
                )
                .await;
                match applied {
                    Err(
                        e @ (UpsertError::StaffAccount
                        | UpsertError::EmailTaken
                        | UpsertError::OtherAmsId(_)),
                    ) => failed(row.line, "email", e),
                    Err(UpsertError::NikTaken) => failed(row.line, "nik", UpsertError::NikTaken),
                    Err(e @ UpsertError::Concurrent) => {
                        return Err(ImportError::Conflict(format!("Baris {}: {e}", row.line)));
                    }
                    Err(UpsertError::Database(e)) => return Err(e.into()),
                    Ok(applied) => applied.outcome(),
                }
            }
        };
        report.rows.push(RowReport {
            line: row.line,
            email: row.email,
            outcome,
        });
    }
    let counts = report.counts();
    let event = AuditEvent::SignersImported {
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        failed: counts.failed,
    };
    audit::record(&mut tx, AuditEntry::new(actor, event), client, now).await?;
    match mode {
        Mode::Apply => tx.commit().await?,
        Mode::DryRun => tx.rollback().await?,
    }
    Ok(report)
}

fn failed(line: u64, column: &'static str, error: UpsertError) -> RowOutcome {
    RowOutcome::Failed {
        message: RowError::new(line, column, error.to_string()).to_string(),
    }
}

/// What [`apply_signer_in`] did with one signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub upserted: Upserted,
    pub photo_changed: bool,
}

impl Applied {
    /// The fields that changed, named as in the CSV header (`photo` for
    /// the reference photo); empty for a new signer.
    pub fn changed(&self) -> Vec<String> {
        let mut changed: Vec<String> = match &self.upserted {
            Upserted::Updated { changed, .. } => {
                changed.iter().map(|f| f.as_str().to_string()).collect()
            }
            Upserted::Created(_) | Upserted::Unchanged(_) => Vec::new(),
        };
        if self.photo_changed && !matches!(self.upserted, Upserted::Created(_)) {
            changed.push("photo".into());
        }
        changed
    }

    pub fn outcome(&self) -> RowOutcome {
        match (&self.upserted, self.changed()) {
            (Upserted::Created(_), _) => RowOutcome::Created,
            (_, changed) if changed.is_empty() => RowOutcome::Unchanged,
            (_, changed) => RowOutcome::Updated { changed },
        }
    }
}

/// One signer from AMS, in the caller's write transaction: the account
/// through [`upsert_signer_in`], the reference photo (checked beforehand
/// with `check_reference_photo`) when it differs from the stored one, and,
/// when this suspends the signer, the end of their sessions and open
/// tickets. The one path of both the import and the sync API.
pub async fn apply_signer_in(
    conn: &mut AnyConnection,
    svc: &Services,
    record: &SignerRecord,
    photo: Option<&Selfie>,
    actor: Actor<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<Applied, UpsertError> {
    let upserted = upsert_signer_in(conn, &svc.keys, record, actor, client, now).await?;
    if upserted.suspended(record) {
        let ended = end_access_in(conn, upserted.id(), now).await?;
        let event = AuditEvent::SignerAccessEnded {
            sessions_ended: ended.sessions,
            tickets_closed: ended.tickets,
        };
        let entry = AuditEntry::new(actor, event).subject(upserted.id());
        audit::record(conn, entry, client, now).await?;
    }
    let photo_changed = match photo {
        Some(photo) if !is_current_reference(conn, upserted.id(), photo).await? => {
            store_reference_photo_in(conn, upserted.id(), photo, actor, client, now).await?;
            true
        }
        _ => false,
    };
    Ok(Applied {
        upserted,
        photo_changed,
    })
}
