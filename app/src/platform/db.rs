//! One pool for SQLite (default) or PostgreSQL, chosen by the URL.
//!
//! Queries are written once in the portable subset both accept (`$n`
//! placeholders, `RETURNING`, `ON CONFLICT`) and run through sqlx's `Any`
//! driver; the schema lives in `migrations/{sqlite,postgres}`.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnectionMetadata;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Transaction};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

pub type Tx = Transaction<'static, Any>;

/// Durable at every checkpoint and fast enough under WAL; writers wait for
/// each other instead of failing with SQLITE_BUSY.
fn sqlite_session_settings<'c>(
    conn: &'c mut AnyConnection,
    _meta: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 15000; PRAGMA foreign_keys = ON;",
        )
        .await
        .map(|_| ())
    })
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite: or postgres:".into(),
            ));
        };
        if backend == Backend::Sqlite {
            // WAL is a property of the file: set it once, on one connection,
            // before the pool opens several (switching needs an exclusive lock).
            SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .connect()
                .await?
                .close()
                .await?;
        }
        let mut options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            options = options.after_connect(sqlite_session_settings);
        }
        let pool = options.connect(url).await?;
        Ok(Self { pool, backend })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred transaction that reads first
    /// cannot upgrade if another writer committed meanwhile. On PostgreSQL,
    /// writers serialise on the rows they lock.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// `/readyz`: the database answers a query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Whether an insert failed on a UNIQUE constraint (the other side of a
/// race), which callers turn into their own "already taken" answer.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}
