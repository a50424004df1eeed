//! Tunables between the database and memory.

use std::sync::Arc;

use sqlx::AnyConnection;

use super::repo;
use crate::accounts::service::SessionHolder;
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;
use crate::tunables::Tunables;

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// At start: stores the configured value of every tunable the database does
/// not hold yet, then loads what the database holds.
pub async fn seed_and_load(svc: &Services) -> Result<(), sqlx::Error> {
    let configured = svc.tunables();
    let mut tx = svc.db.begin_write().await?;
    for (key, value) in configured.entries() {
        repo::insert_missing(&mut tx, key, &value, svc.now()).await?;
    }
    tx.commit().await?;
    reload(svc).await
}

/// Replaces the tunables in memory with the database's (every few seconds,
/// so a change made in one process is in force in all of them).
pub async fn reload(svc: &Services) -> Result<(), sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let stored = stored(&mut conn, &svc.tunables()).await?;
    replace(svc, stored);
    Ok(())
}

/// The stored tunables over `fallback`; a value that does not parse (edited
/// by hand) keeps the fallback's and is logged rather than stopping anything.
async fn stored(conn: &mut AnyConnection, fallback: &Tunables) -> Result<Tunables, sqlx::Error> {
    let mut tunables = fallback.clone();
    for (key, value) in repo::all(conn).await? {
        if let Err(why) = tunables.set(&key, &value) {
            tracing::warn!(key, value, why, "ignoring a stored setting");
        }
    }
    if let Err(why) = tunables.check() {
        tracing::warn!(why, "ignoring stored settings that contradict each other");
        return Ok(fallback.clone());
    }
    Ok(tunables)
}

fn replace(svc: &Services, tunables: Tunables) {
    *svc.tunables
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(tunables);
}

/// An admin's change: every value is checked first and nothing is stored if
/// one is invalid; each value that changed is stored and audited.
pub async fn change(
    svc: &Services,
    admin: &SessionHolder,
    changes: &[(String, String)],
    client: &ClientInfo,
    now: UnixTime,
) -> Result<Tunables, ChangeError> {
    let mut tx = svc.db.begin_write().await?;
    let current = stored(&mut tx, &svc.tunables()).await?;
    let next = current
        .with_changes(changes.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(ChangeError::Invalid)?;
    for ((key, from), (_, to)) in current.entries().into_iter().zip(next.entries()) {
        if from == to {
            continue;
        }
        repo::store(&mut tx, key, &to, now).await?;
        let event = AuditEvent::SettingChanged {
            key: key.to_string(),
            from,
            to,
        };
        audit::record(
            &mut tx,
            AuditEntry::new(admin.account.actor(), event),
            Some(client),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    replace(svc, next.clone());
    Ok(next)
}
