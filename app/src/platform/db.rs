//! The database, SQLite (default) or PostgreSQL, chosen by the URL.
//!
//! Queries are written once in the portable subset both accept (`$n`
//! placeholders, `RETURNING`, `ON CONFLICT`) and run through sqlx's `Any`
//! driver; the schema lives in `migrations/{sqlite,postgres}`.
//!
//! Every request's reads ([`Db::read`]) and every write transaction
//! ([`Db::begin_write`]) run on connections lent without the round trip
//! sqlx's pool makes on each release (`platform::connections`); the pool
//! serves the rest (consoles, workers, reports). On SQLite, write
//! transactions run on one writer connection whose COMMIT never
//! checkpoints; a checkpointer task copies the write-ahead log into the
//! database file instead, within 100 ms of a write (and not at all while
//! nothing is written), and starts the log over once it passes 64 MB. On
//! PostgreSQL a resting connection is pinged only when it was idle for a
//! second or more.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnectionMetadata;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use super::connections::Backend;
use super::connections::{
    ConnectionSet, PING_IF_IDLE_FOR, Purpose, SQLITE_BUSY_TIMEOUT_MS, SQLITE_LOG_SIZE_LIMIT,
    apply_sqlite_settings,
};
use super::local_sqlite::{LocalReads, LocalWriter};
use super::statements::{Bound, Changes, Statement, arguments, commit_checked};

#[derive(Clone)]
pub struct Db {
    /// For the less frequent work (consoles, workers, reports).
    pool: AnyPool,
    /// Connections for every request's reads (see [`Db::read`]), lent
    /// without the pool's round trips (`platform::connections`); on
    /// PostgreSQL, write transactions too.
    connections: Arc<ConnectionSet>,
    /// Where write transactions run: on SQLite one connection of its own
    /// (SQLite has one writer at a time anyway), so writers queue in order
    /// here instead of polling for the file's write lock with the busy
    /// handler's sleeps (up to 100 ms each: the p99 of a busy login); on
    /// PostgreSQL the same set as the reads.
    writer: Arc<ConnectionSet>,
    backend: Backend,
    wal: Arc<WalActivity>,
    /// On SQLite, the hottest reads' way around the connection threads
    /// ([`Db::fetch_all`]).
    local_reads: Option<LocalReads>,
    /// On SQLite, the group commit's way around the writer's thread
    /// ([`Db::commit_checked`]).
    local_writer: Option<Arc<LocalWriter>>,
}

/// What SQLite's checkpointer did: its ticks and the checkpoints it ran.
#[derive(Default)]
struct WalActivity {
    ticks: AtomicU64,
    checkpoints: AtomicU64,
}

/// What SQLite's checkpointer did since the pool opened (zeros on
/// PostgreSQL, which has none): ticks where it had nothing to copy are
/// those without a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointerCounts {
    pub ticks: u64,
    pub checkpoints: u64,
}

pub use super::connections::Tx;

fn sqlite_session_settings<'c>(
    conn: &'c mut AnyConnection,
    _meta: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>> {
    Box::pin(apply_sqlite_settings(conn))
}

/// How often the checkpointer copies the write-ahead log into the database
/// file. Once a checkpoint has caught up and no reader is in the log, the
/// next write starts the log over from its beginning.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The log's length (4 KB pages, 64 MB) from which the checkpointer starts
/// it over itself (`WholeLog::Restart`). Under steady load some reader is
/// always in the log and writes never stop, so it was never found all
/// copied and unused: it grew without end (941 MB after 24,000 logins in
/// the bench), every write extending the file instead of overwriting
/// blocks it already has. Each restart holds the writer up for a
/// millisecond or more (the busy handler's first sleep, if a reader is
/// still in the log), which is where the code step's slowest answers came
/// from: at 16 MB it ran several times a second, and the p99 on a million
/// signers was 9.5-10.7 ms against 6.4-7.6 ms at 64 MB.
pub const RESTART_LOG_AT_PAGES: i32 = 16_384;
const _: () = assert!(SQLITE_LOG_SIZE_LIMIT == 2 * RESTART_LOG_AT_PAGES as i64 * 4096);

/// How long a checkpoint of the whole log waits for the readers still in
/// it (milliseconds); past that the checkpointer tries again on a later
/// tick, so a long reader (a backup) never holds the writer up for long.
/// (At close no reader is left.)
const WHOLE_LOG_WAITS_FOR_READERS_MS: u32 = 100;

/// SQLite's checkpointer: a `PASSIVE` checkpoint (it never waits for
/// readers or the writer) from a pooled connection every
/// [`CHECKPOINT_EVERY`] while there is something to copy, until the pool
/// closes. A tick is skipped when no write transaction ended since a
/// checkpoint that copied the whole log (an idle server does no work); one
/// that a reader kept from finishing is tried again on the next tick. A
/// log past [`RESTART_LOG_AT_PAGES`] is then started over
/// (`WholeLog::Restart`).
/// Writes outside the writer (a few workers' bookkeeping on the pool) do
/// not wake it: they are copied with the next write, and their connections
/// keep SQLite's automatic checkpoint. Durability does not depend on it: a
/// committed transaction is in the log (WAL with `synchronous = NORMAL`);
/// the checkpoint only moves it into the file.
async fn checkpoint_periodically(pool: AnyPool, writer: Arc<ConnectionSet>, wal: Arc<WalActivity>) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // None until the first complete checkpoint: the log may hold writes of
    // an earlier run.
    let mut copied_up_to = None;
    loop {
        every.tick().await;
        if pool.is_closed() {
            return;
        }
        // Read before checkpointing: a write that ends meanwhile is seen on
        // the next tick.
        let writes_ended = writer.returns();
        if copied_up_to == Some(writes_ended) {
            wal.ticks.fetch_add(1, Ordering::Release);
            continue;
        }
        // (busy, log frames, checkpointed frames); PASSIVE is never busy.
        let done: Result<(i32, i32, i32), _> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await;
        match done {
            Ok((_, log, checkpointed)) => {
                wal.checkpoints.fetch_add(1, Ordering::Relaxed);
                if checkpointed == log {
                    copied_up_to = Some(writes_ended);
                }
                if log >= RESTART_LOG_AT_PAGES {
                    match checkpoint_whole_log(&writer, WholeLog::Restart).await {
                        Ok(()) => {}
                        // Closed since the checkpoint (`Db::close`): so
                        // is this task.
                        Err(sqlx::Error::PoolClosed) => return,
                        Err(e) => tracing::warn!(error = %e, "WAL restart failed; retrying"),
                    }
                }
            }
            Err(e) => {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "WAL checkpoint failed; retrying");
            }
        }
        wal.ticks.fetch_add(1, Ordering::Release);
    }
}

/// A checkpoint of the whole log, which copies the rest of it and waits for
/// the readers still in it. It runs on the writer connection: writers wait
/// their turn in its queue meanwhile, rather than in the busy handler's
/// sleeps.
#[derive(Debug, Clone, Copy)]
enum WholeLog {
    /// `RESTART`: the next write starts the log over.
    Restart,
    /// `TRUNCATE`: the log file is also cut to nothing, so the database
    /// file alone holds every write (`Db::close`).
    Truncate,
}

async fn checkpoint_whole_log(
    writer: &Arc<ConnectionSet>,
    how: WholeLog,
) -> Result<(), sqlx::Error> {
    let mode = match how {
        WholeLog::Restart => "RESTART",
        WholeLog::Truncate => "TRUNCATE",
    };
    let mut conn = writer.lend().await?;
    let checkpoint = format!(
        "PRAGMA busy_timeout = {WHOLE_LOG_WAITS_FOR_READERS_MS}; PRAGMA wal_checkpoint({mode}); \
         PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"
    );
    let done = (&mut *conn).execute(checkpoint.as_str()).await;
    // Failed half way, the connection may keep the short wait: closed.
    if done.is_ok() {
        conn.keep_after(&done);
    }
    done.map(|_| ())
}

/// Whether a SQLite connection coming back to the pool may serve again.
/// A COMMIT that fails (a full disk: SQLITE_FULL) makes SQLite roll the
/// transaction back itself; sqlx's own rollback then fails and it keeps
/// counting the connection as inside a transaction, so every later `BEGIN`
/// on it would fail. Such a connection is closed instead (the pool opens a
/// fresh one). The ping first lets a pending rollback finish (the worker
/// counts a dropped transaction as open until its rollback ran); a
/// connection outside any transaction has nothing pending.
fn sqlite_release_check<'c>(
    conn: &'c mut AnyConnection,
    _meta: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<bool, sqlx::Error>> + Send + 'c>> {
    Box::pin(async move {
        if conn.is_in_transaction() {
            conn.ping().await?;
        }
        Ok(!conn.is_in_transaction())
    })
}

fn postgres_check_if_idle<'c>(
    conn: &'c mut AnyConnection,
    meta: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<bool, sqlx::Error>> + Send + 'c>> {
    Box::pin(async move {
        if meta.idle_for >= PING_IF_IDLE_FOR {
            conn.ping().await?;
        }
        Ok(true)
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
        let (local_reads, local_writer) = match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?;
                let file = options.get_filename();
                (
                    Some(LocalReads::new(file)),
                    Some(Arc::new(LocalWriter::new(file))),
                )
            }
            Backend::Postgres => (None, None),
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
        options = match backend {
            // A file does not hang up: no ping before each acquire (a round
            // trip to the connection's thread); the release check above
            // keeps broken connections out of the pool.
            Backend::Sqlite => options
                .test_before_acquire(false)
                .after_connect(sqlite_session_settings)
                .after_release(sqlite_release_check),
            // No ping before each acquire either (a round trip to the
            // database server per acquire), unless the connection rested
            // in the pool for a while: the server may have restarted since.
            // One that broke while in use fails its request as "unavailable,
            // try again", and sqlx's own check on release closes it.
            Backend::Postgres => options
                .test_before_acquire(false)
                .before_acquire(postgres_check_if_idle),
        };
        let wal = Arc::new(WalActivity::default());
        let connections = ConnectionSet::new(url, backend, Purpose::General, max_connections);
        let writer = match backend {
            Backend::Sqlite => ConnectionSet::new(url, backend, Purpose::SqliteWriter, 1),
            Backend::Postgres => connections.clone(),
        };
        let pool = options.connect(url).await?;
        if backend == Backend::Sqlite {
            let checkpointer = checkpoint_periodically(pool.clone(), writer.clone(), wal.clone());
            tokio::spawn(checkpointer);
        }
        Ok(Self {
            pool,
            connections,
            writer,
            backend,
            wal,
            local_reads,
            local_writer,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// What SQLite's checkpointer did so far.
    pub fn checkpointer_counts(&self) -> CheckpointerCounts {
        CheckpointerCounts {
            ticks: self.wal.ticks.load(Ordering::Acquire),
            checkpoints: self.wal.checkpoints.load(Ordering::Relaxed),
        }
    }

    /// A transaction that will write. On SQLite it runs on the writer
    /// connection and takes the write lock at once (`BEGIN IMMEDIATE`): a
    /// deferred transaction that reads first cannot upgrade if another
    /// writer committed meanwhile. On PostgreSQL, writers serialise on the
    /// rows they lock. Do only database work while it is open (read first,
    /// compute first): on SQLite every other writer waits for it.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Tx::begin(self.writer.lend().await?, self.begin_statement()).await
    }

    /// A write transaction for a bulk load (`seed-bulk`): as
    /// [`Db::begin_write`], on SQLite on a writer connection with a larger
    /// page cache, closed afterwards
    /// (`connections::LentConnection::widen_cache_for_bulk_load`).
    pub async fn begin_bulk_write(&self) -> Result<Tx, sqlx::Error> {
        let mut writer = self.writer.lend().await?;
        if self.backend == Backend::Sqlite {
            writer.widen_cache_for_bulk_load().await?;
        }
        Tx::begin(writer, self.begin_statement()).await
    }

    /// How a write transaction begins: SQLite's takes the write lock at
    /// once; PostgreSQL's is sqlx's plain `BEGIN`.
    fn begin_statement(&self) -> Option<&'static str> {
        match self.backend {
            Backend::Sqlite => Some("BEGIN IMMEDIATE"),
            Backend::Postgres => None,
        }
    }

    /// Writes `statements` as one transaction of their own, committed only
    /// when each changed the rows it must (false otherwise: nothing
    /// written): on SQLite on the calling thread, which it holds meanwhile
    /// (`platform::local_sqlite::LocalWriter`), while holding the writer so
    /// that no other write transaction runs; on PostgreSQL in one round
    /// trip (`platform::statements::commit_checked`).
    pub async fn commit_checked(
        &self,
        statements: &[(Statement, Changes)],
    ) -> Result<bool, sqlx::Error> {
        let mut writer = self.writer.lend().await?;
        let committed = match &self.local_writer {
            Some(local) => local.commit_checked(statements),
            None => commit_checked(&mut writer, statements).await,
        };
        writer.keep_after(&committed);
        committed
    }

    /// Gathers the query planner's statistics on `tables` after a bulk
    /// load. PostgreSQL's planner otherwise knows nothing of the new rows
    /// until autovacuum analyzes them, a minute or more later and then
    /// beside whatever load follows. SQLite's planner does without (its
    /// plans on the hot paths are checked by the query plan test): nothing
    /// to do there. The names are the caller's constants, never input.
    pub async fn refresh_statistics(&self, tables: &[&'static str]) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres && !tables.is_empty() {
            let analyze = format!("ANALYZE {}", tables.join(", "));
            sqlx::query(&analyze).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// `/readyz`: the database answers a query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await
    }

    /// On SQLite, copies the write-ahead log into the database file and
    /// empties it: the log keeps whole page images, so content overwritten
    /// since (a sent mail's body) would otherwise rest there until the log
    /// wraps. False when readers kept part of it (try again later). Nothing
    /// to do on PostgreSQL.
    pub async fn truncate_wal(&self) -> Result<bool, sqlx::Error> {
        if self.backend != Backend::Sqlite {
            return Ok(true);
        }
        // (busy, log frames, checkpointed frames); busy = 1 when it could not finish.
        let (busy, _, _): (i32, i32, i32) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await?;
        Ok(busy == 0)
    }

    /// SQLite's online backup: a consistent copy of the whole database,
    /// taken while the server runs, written to `path` (which must not
    /// exist). PostgreSQL is backed up with `pg_dump` instead.
    pub async fn sqlite_backup_into(&self, path: &str) -> Result<(), sqlx::Error> {
        if self.backend != Backend::Sqlite {
            return Err(sqlx::Error::Configuration(
                "an online backup by the server is for SQLite; use pg_dump for PostgreSQL".into(),
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The rows `statement` reads, for a lookup on the hottest paths (the
    /// login code step, the validation API): on SQLite read on the calling thread
    /// (`platform::local_sqlite`), which it holds meanwhile; on PostgreSQL
    /// on a lent connection, as [`Db::read`].
    pub async fn fetch_all(&self, statement: &Statement) -> Result<Vec<AnyRow>, sqlx::Error> {
        match &self.local_reads {
            Some(local) => {
                let (sql, values) = statement.for_sqlite()?;
                local.fetch_all(&sql, &values)
            }
            None => {
                self.read(async |conn| statement.fetch_all(conn).await)
                    .await
            }
        }
    }

    /// Runs `read` on a connection of its own, lent and taken back without
    /// the round trip sqlx's pool makes on each release (see
    /// `platform::connections`): for the reads on every request's path. A
    /// write in it runs in autocommit; a transaction belongs on
    /// [`Db::begin_write`].
    pub async fn read<T>(
        &self,
        read: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let mut connection = self.connections.lend().await?;
        let result = read(&mut connection).await;
        connection.keep_after(&result);
        result
    }

    /// Closes every connection, after the lent ones came back (a
    /// checkpoint the checkpointer is running included; with the pool
    /// closed it stops). On SQLite the writer goes last, after a `TRUNCATE`
    /// checkpoint: the database file alone then holds every write, and can
    /// be copied on its own once the process stopped. (SQLite's own
    /// checkpoint in the last close does not always run: a pooled
    /// connection that never ran a query has no log open, and when it was
    /// the last to close, a 128 MB log stayed beside the file.)
    pub async fn close(&self) {
        self.connections.close().await;
        self.pool.close().await;
        if let Some(local) = &self.local_writer {
            local.close();
        }
        if self.backend == Backend::Sqlite {
            match checkpoint_whole_log(&self.writer, WholeLog::Truncate).await {
                // Closed by an earlier `close`: done then.
                Ok(()) | Err(sqlx::Error::PoolClosed) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the last WAL checkpoint failed; the log stays beside the file");
                }
            }
        }
        self.writer.close().await;
    }
}

/// Whether an insert failed on a UNIQUE constraint (the other side of a
/// race), which callers turn into their own "already taken" answer.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// A `LIKE` pattern matching values that contain `text`, with `\`, `%` and
/// `_` escaped; use it with `ESCAPE '\'`. (`instr`/`strpos` differ between
/// the databases; LIKE with escaped wildcards is the same on both.)
pub fn like_contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The `VALUES` list of a multi-row insert: `rows` tuples of `columns`
/// placeholders each, numbered `$1`… in row order (bind row by row).
pub fn values_placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let cells: Vec<String> = (1..=columns)
                .map(|column| format!("${}", row * columns + column))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// For a multi-row `UPDATE` (rows of `columns` placeholders, numbered as in
/// [`values_placeholders`]): `CASE key_column WHEN <key> THEN <value> … END`,
/// the row's `value` column (1-based) for the row whose `key` column
/// matches; with [`column_placeholders`] of the key in `WHERE … IN (…)`.
/// Planned as lookups by the key's index on both databases (a join with
/// a `VALUES` list may be planned as a scan of the table).
pub fn case_by_row(
    key_column: &str,
    rows: usize,
    columns: usize,
    key: usize,
    value: usize,
) -> String {
    let branches: Vec<String> = (0..rows)
        .map(|row| {
            format!(
                "WHEN ${} THEN ${}",
                row * columns + key,
                row * columns + value
            )
        })
        .collect();
    format!("CASE {key_column} {} END", branches.join(" "))
}

/// The placeholders of column `column` (1-based) of every row: `$1, $5, $9`.
pub fn column_placeholders(rows: usize, columns: usize, column: usize) -> String {
    (0..rows)
        .map(|row| format!("${}", row * columns + column))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The placeholders of an `IN (…)` list of `count` values, numbered from
/// `$first`: `$4, $5, $6`.
pub fn list_placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `WHERE` clause built from optional filters: each value gets the next
/// `$n` placeholder, each condition is joined with `AND`, and the values are
/// bound in order. Only placeholders carry input; conditions are code.
#[derive(Debug, Default)]
pub struct Conditions {
    conditions: Vec<String>,
    values: Vec<Bound>,
}

impl Conditions {
    /// Binds `value` and returns its placeholder (`$3`) for a condition.
    pub fn value(&mut self, value: impl Into<Bound>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    /// Adds a condition (written with placeholders from [`Self::value`]).
    pub fn and(&mut self, condition: String) {
        self.conditions.push(condition);
    }

    /// `WHERE … AND …`, or nothing without conditions.
    pub fn clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// `sql` (a query over the clause) with the values bound in
    /// placeholder order.
    pub fn query_as<'q, O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>>(
        &self,
        sql: &'q str,
    ) -> Result<sqlx::query::QueryAs<'q, Any, O, AnyArguments<'q>>, sqlx::Error> {
        Ok(sqlx::query_as_with(sql, arguments(&self.values)?))
    }
}

#[cfg(test)]
mod conditions_tests {
    use super::*;

    #[test]
    fn multi_row_values_number_placeholders_row_by_row() {
        assert_eq!(values_placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_placeholders(1, 1), "($1)");
        assert_eq!(list_placeholders(4, 3), "$4, $5, $6");
        assert_eq!(column_placeholders(3, 4, 1), "$1, $5, $9");
        assert_eq!(
            case_by_row("id", 2, 4, 1, 3),
            "CASE id WHEN $1 THEN $3 WHEN $5 THEN $7 END"
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[test]
    fn conditions_number_their_placeholders_in_order() {
        let mut conditions = Conditions::default();
        assert_eq!(conditions.clause(), "");
        let a = conditions.value("x");
        let b = conditions.value(7_i64);
        conditions.and(format!("a = {a}"));
        conditions.and(format!("(b < {b} OR a = {a})"));
        assert_eq!(conditions.clause(), "WHERE a = $1 AND (b < $2 OR a = $1)");
        assert_eq!(conditions.values, [Bound::from("x"), Bound::Int(7)]);
    }
}
