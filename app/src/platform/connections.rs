//! The connections every request's reads and every write transaction run
//! on, lent outside sqlx's pool.
//!
//! sqlx 0.8's pool pings each connection it takes back, in a task of its
//! own, and a waiting `acquire` gets the connection only after that: on
//! SQLite a round trip to the connection's thread, on PostgreSQL one to
//! the server. On SQLite's one writer connection that was a third of each
//! write's time under load. A lent connection goes back to its set as soon
//! as it is dropped, with no round trip. What the ping was for is kept
//! another way: a connection whose work failed other than with an answer
//! from the database (an I/O or protocol error) or with PostgreSQL's
//! answer that its session ended (a terminated backend), was dropped half
//! way, or still has a transaction open is closed instead of kept (closing
//! rolls that transaction back); on PostgreSQL one that rested for a second
//! or more is pinged before it is lent again, as the pool did (the server
//! may have restarted since).

use sqlx::any::AnyTransactionManager;
use sqlx::postgres::{PgDatabaseError, PgSeverity};
use sqlx::{AnyConnection, Connection, Executor, TransactionManager};
use std::borrow::Cow;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Durable at every checkpoint and fast enough under WAL; writers wait for
/// each other instead of failing with SQLITE_BUSY; deleted and overwritten
/// content (sent mail bodies with their links, purged selfies) is zeroed in
/// the file instead of lingering in free space; a log file that grew long
/// (a long transaction, a reader that held it) is cut back when the log
/// starts over, rather than kept at its largest.
pub(super) async fn apply_sqlite_settings(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let settings = sqlite_settings(SQLITE_BUSY_TIMEOUT_MS);
    conn.execute(settings.as_str()).await.map(|_| ())
}

/// The settings above as SQL, waiting `busy_timeout_ms` for a lock.
pub(super) fn sqlite_settings(busy_timeout_ms: u32) -> String {
    format!(
        "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {busy_timeout_ms}; \
         PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
         PRAGMA journal_size_limit = {SQLITE_LOG_SIZE_LIMIT};"
    )
}

/// What SQLite cuts the log file back to (bytes) when the log starts over:
/// twice the length from which the checkpointer restarts it
/// (`db::RESTART_LOG_AT_PAGES`).
pub(super) const SQLITE_LOG_SIZE_LIMIT: i64 = 128 << 20;

/// How long a SQLite statement waits for a lock before it fails busy.
pub(super) const SQLITE_BUSY_TIMEOUT_MS: u32 = 15_000;

/// The writer connection's settings: those of every connection, no
/// automatic checkpoint and statement journals in memory.
///
/// SQLite runs an auto-checkpoint inside the COMMIT that finds the log past
/// 1,000 pages, with two fsyncs, while the write lock is held and the
/// answer waits; the checkpointer task (see `db::checkpoint_periodically`)
/// does that work beside the writer instead. The other connections keep
/// the automatic one, as a backstop.
///
/// A statement that changes many rows inside a transaction keeps the pages
/// it changes in a statement journal, to undo itself alone if it fails;
/// past 64 KB SQLite spills that journal to a temporary file. `seed-bulk`'s
/// multi-row inserts did so for each statement, three writes in four of
/// its `pwrite`s. The writer sorts nothing large, so its temporary storage
/// can stay in memory.
///
/// The writer keeps SQLite's page cache of 2 MB. A page split
/// (`balance_nonroot`) renumbers pages through a temporary page number at
/// 1 GB, and the COMMIT that follows then walks the whole cache to drop
/// pages past the end of the database (`pcache1TruncateUnsafe`, SQLite
/// 3.46). With 64 MB that walk was a quarter of the writer's time at the
/// login code step on 100,000 signers, and a login cost 125 µs of the
/// writer's CPU instead of 100. A bulk load, which commits seldom, widens
/// the cache (`LentConnection::widen_cache_for_bulk_load`).
async fn apply_sqlite_writer_settings(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    apply_sqlite_settings(conn).await?;
    conn.execute(SQLITE_WRITER_SETTINGS).await.map(|_| ())
}

/// What the writer sets beyond every connection's settings (see above).
pub(super) const SQLITE_WRITER_SETTINGS: &str =
    "PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;";

/// How long a PostgreSQL connection may rest (in a set or in the pool)
/// before it is pinged on its way out.
pub(super) const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// How long a caller waits for a connection, as the pool's acquire does.
const WAIT_AT_MOST: Duration = Duration::from_secs(10);

/// What a set's connections are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// Reads, and on PostgreSQL write transactions too.
    General,
    /// SQLite's one writer: no automatic checkpoint in its COMMIT (see
    /// `db::checkpoint_periodically`).
    SqliteWriter,
}

/// A connection back in its set.
struct Resting {
    connection: AnyConnection,
    since: Instant,
}

pub(super) struct ConnectionSet {
    url: String,
    backend: Backend,
    purpose: Purpose,
    resting: Mutex<Vec<Resting>>,
    /// One permit per connection that may be open.
    permits: Arc<Semaphore>,
    size: u32,
    /// How many times a connection came back (or was closed instead).
    returns: AtomicU64,
}

impl ConnectionSet {
    pub(super) fn new(url: &str, backend: Backend, purpose: Purpose, size: u32) -> Arc<Self> {
        Arc::new(Self {
            url: url.to_string(),
            backend,
            purpose,
            resting: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
            returns: AtomicU64::new(0),
        })
    }

    /// How many times a lent connection came back so far.
    pub(super) fn returns(&self) -> u64 {
        self.returns.load(Ordering::Acquire)
    }

    /// A connection of the set, for as long as the result lives: a
    /// resting one (pinged first if PostgreSQL's rested long), or a new one.
    pub(super) async fn lend(self: &Arc<Self>) -> Result<LentConnection, sqlx::Error> {
        let permit = tokio::time::timeout(WAIT_AT_MOST, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let connection = loop {
            let resting = self.resting.lock().expect("never poisoned").pop();
            let Some(mut resting) = resting else {
                break self.open().await?;
            };
            if self.backend == Backend::Postgres
                && resting.since.elapsed() >= PING_IF_IDLE_FOR
                && resting.connection.ping().await.is_err()
            {
                continue;
            }
            break resting.connection;
        };
        Ok(LentConnection {
            connection: Some(connection),
            set: self.clone(),
            _permit: permit,
            keep: false,
            single_use: false,
        })
    }

    async fn open(&self) -> Result<AnyConnection, sqlx::Error> {
        let mut connection = AnyConnection::connect(&self.url).await?;
        match (self.backend, self.purpose) {
            (Backend::Sqlite, Purpose::General) => apply_sqlite_settings(&mut connection).await?,
            (Backend::Sqlite, Purpose::SqliteWriter) => {
                apply_sqlite_writer_settings(&mut connection).await?
            }
            (Backend::Postgres, _) => {}
        }
        Ok(connection)
    }

    /// Lends no more, waits (at most [`WAIT_AT_MOST`]) for the lent
    /// connections to come back, and closes every connection (the process
    /// is stopping). A connection still lent when the process exits is
    /// never closed: a `seed-bulk` whose final log restart was still
    /// running on the writer exited mid-checkpoint and left a 70-200 MB
    /// log beside the database file.
    pub(super) async fn close(&self) {
        // Queued before any later `lend` (the semaphore is fair), so every
        // connection is back or ours once it is granted.
        let all = self.permits.acquire_many(self.size);
        let all = tokio::time::timeout(WAIT_AT_MOST, all).await;
        let resting = std::mem::take(&mut *self.resting.lock().expect("never poisoned"));
        for resting in resting {
            let _ = resting.connection.close().await;
        }
        self.permits.close();
        drop(all);
    }
}

/// A connection out of its set. It goes back when dropped if it was
/// marked to be kept and has no transaction open; otherwise it is closed.
/// (A COMMIT that failed on a full disk leaves sqlx counting a transaction
/// open that SQLite already rolled back, and every later `BEGIN` on that
/// connection would fail.)
pub(super) struct LentConnection {
    connection: Option<AnyConnection>,
    set: Arc<ConnectionSet>,
    _permit: OwnedSemaphorePermit,
    keep: bool,
    /// Closed rather than kept when it comes back (its settings were
    /// changed for one use).
    single_use: bool,
}

impl LentConnection {
    /// Gives SQLite's writer a 64 MB page cache for a bulk load, which
    /// otherwise reads back from the file the index pages that random keys
    /// (ids, email, NIK digests) land on, every few rows (100,000 signers:
    /// 13-16 s with 2 MB, 8.5-9.2 s with 64 MB kept from one transaction to
    /// the next). The connection is closed when it comes back, so that
    /// serving writes get a writer with 2 MB again (see
    /// `apply_sqlite_writer_settings`); a seed's next transaction starts
    /// with a cold cache (9.3-10.4 s).
    pub(super) async fn widen_cache_for_bulk_load(&mut self) -> Result<(), sqlx::Error> {
        self.single_use = true;
        let connection: &mut AnyConnection = self;
        connection
            .execute("PRAGMA cache_size = -65536")
            .await
            .map(|_| ())
    }

    /// Keeps the connection unless `result` is an error that may have
    /// broken it.
    pub(super) fn keep_after<T>(&mut self, result: &Result<T, sqlx::Error>) {
        self.keep = match result {
            Ok(_) => true,
            Err(error) => !breaks_connection(error),
        };
    }
}

impl Deref for LentConnection {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.connection.as_ref().expect("lent until dropped")
    }
}

impl DerefMut for LentConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.connection.as_mut().expect("lent until dropped")
    }
}

impl Drop for LentConnection {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take()
            && self.keep
            && !self.single_use
            && !connection.is_in_transaction()
            && !self.set.permits.is_closed()
        {
            self.set
                .resting
                .lock()
                .expect("never poisoned")
                .push(Resting {
                    connection,
                    since: Instant::now(),
                });
        }
        self.set.returns.fetch_add(1, Ordering::Release);
    }
}

/// A write transaction on a lent connection. Dropped without a commit or
/// rollback, it is rolled back in a task of its own before its connection
/// goes back: a rollback only queued on the connection (as sqlx's own
/// transaction does) would keep PostgreSQL's row locks until that
/// connection is next used, and the writers waiting on them might hold
/// every other connection of the set.
pub struct Tx(Option<LentConnection>);

impl Tx {
    pub(super) async fn begin(
        mut connection: LentConnection,
        statement: Option<&'static str>,
    ) -> Result<Self, sqlx::Error> {
        let begun = AnyTransactionManager::begin(&mut connection, statement.map(Cow::Borrowed));
        let begun = begun.await;
        connection.keep_after(&begun);
        begun.map(|()| Self(Some(connection)))
    }

    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let connection = self.0.as_mut().expect("open until dropped");
        let done = AnyTransactionManager::commit(connection).await;
        connection.keep_after(&done);
        done
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let connection = self.0.as_mut().expect("open until dropped");
        let done = AnyTransactionManager::rollback(connection).await;
        connection.keep_after(&done);
        done
    }
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.0.as_ref().expect("open until dropped")
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.0.as_mut().expect("open until dropped")
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        let Some(mut connection) = self.0.take() else {
            return;
        };
        // Outside a runtime (it is shutting down) the connection is closed,
        // which rolls the transaction back too.
        if connection.is_in_transaction()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let done = AnyTransactionManager::rollback(&mut connection).await;
                connection.keep_after(&done);
            });
        }
    }
}

/// Whether an error leaves the connection unusable or in an unknown state:
/// anything but the database's own answer or a row that did not decode,
/// and among PostgreSQL's answers those that end the session (a backend
/// terminated, the server shutting down), after which the connection only
/// fails.
fn breaks_connection(error: &sqlx::Error) -> bool {
    if let sqlx::Error::Database(answer) = error {
        return answer
            .try_downcast_ref::<PgDatabaseError>()
            .is_some_and(|pg| matches!(pg.severity(), PgSeverity::Fatal | PgSeverity::Panic));
    }
    !matches!(
        error,
        sqlx::Error::RowNotFound
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::Encode(_)
            | sqlx::Error::TypeNotFound { .. }
    )
}
