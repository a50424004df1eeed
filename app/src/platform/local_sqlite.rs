//! SQLite on the thread that asks: the hottest reads, and the group
//! commit's write transactions.
//!
//! sqlx runs each SQLite connection on a thread of its own: a read is a
//! message to that thread and an answer back, two thread switches, and on
//! a 2-core machine each switch waits for a core. At the login code step
//! the switches were a fifth of the request threads' time, more than the
//! read itself (a few B-tree lookups in memory, tens of µs). A read here
//! runs on the calling thread instead, on a connection that thread keeps
//! open for its database (query only). A request thread is held for that
//! read; only short lookups on the hottest paths come here
//! ([`Db::fetch_all`](super::db::Db::fetch_all)).
//!
//! The same goes for the writer: a batch of right codes sent to sqlx's
//! writer thread left that thread idle more than half the time, waiting
//! for the hops there and back ([`LocalWriter`]).
//!
//! Rows come back as sqlx's `AnyRow`, built the way sqlx's SQLite driver
//! builds them (each value by its own type), so the repositories' row
//! mappings serve both paths. That needs the row's fields, which sqlx
//! documents as exempt from semver: the exact sqlx version is pinned in
//! the workspace, and the tests here fail if the mapping drifts.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use rusqlite::OpenFlags;
use rusqlite::types::ValueRef;
use sqlx::any::AnyRow;
use sqlx_core::any::{AnyColumn, AnyTypeInfo, AnyTypeInfoKind, AnyValue, AnyValueKind};
use sqlx_core::ext::ustr::UStr;

use super::connections::{SQLITE_WRITER_SETTINGS, sqlite_settings};
use super::statements::{Bound, Changes, Statement};

/// How long a statement here waits for a lock: the calling thread, a
/// request's or the group commit's, is held meanwhile, so not for the sqlx
/// connections' 15 s. A reader of a WAL database waits only while another
/// connection rebuilds the log's index (after a crash); the writer only
/// while another process writes (a `seed-bulk` beside the server).
const BUSY_TIMEOUT_MS: u32 = 2_000;

/// The database one `Db` reads on the calling thread; clones share it.
#[derive(Clone)]
pub struct LocalReads(Arc<Database>);

struct Database {
    path: PathBuf,
}

/// A thread's connection to one database, closed once that `Db` is gone
/// (the `Weak` keeps the identity apart from any later database's).
struct Open {
    database: Weak<Database>,
    connection: rusqlite::Connection,
}

thread_local! {
    static OPEN: RefCell<Vec<Open>> = const { RefCell::new(Vec::new()) };
}

impl LocalReads {
    pub fn new(path: &Path) -> Self {
        Self(Arc::new(Database {
            path: path.to_path_buf(),
        }))
    }

    /// The rows of `sql` (anonymous `?` placeholders, bound in order from
    /// `values`), read on this thread.
    pub fn fetch_all(&self, sql: &str, values: &[Bound]) -> Result<Vec<AnyRow>, sqlx::Error> {
        OPEN.with_borrow_mut(|open| {
            open.retain(|o| o.database.strong_count() > 0);
            let mine = Arc::downgrade(&self.0);
            let at = match open.iter().position(|o| o.database.ptr_eq(&mine)) {
                Some(at) => at,
                None => {
                    open.push(Open {
                        database: mine,
                        connection: connect(&self.0.path)?,
                    });
                    open.len() - 1
                }
            };
            let read = query(&open[at].connection, sql, values).map_err(driver_error);
            // As the connection sets do after an I/O error: the next read
            // opens the file afresh.
            if let Err(sqlx::Error::Io(_)) = read {
                open.swap_remove(at);
            }
            read
        })
    }
}

fn connect(path: &Path) -> Result<rusqlite::Connection, sqlx::Error> {
    // NO_MUTEX: the connection never leaves its thread.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = rusqlite::Connection::open_with_flags(path, flags).map_err(driver_error)?;
    connection
        .execute_batch(&format!(
            "PRAGMA query_only = ON; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"
        ))
        .map_err(driver_error)?;
    Ok(connection)
}

/// SQLite's writer for [`Db::commit_checked`](super::db::Db::commit_checked):
/// a connection of its own, with the settings of sqlx's writer connection,
/// that runs a transaction on the thread that asks. The caller holds sqlx's
/// writer meanwhile, so that this and sqlx's write transactions take turns
/// in order rather than through the busy handler's sleeps.
pub struct LocalWriter {
    path: PathBuf,
    /// Opened at the first write; `None` again after an I/O error (opened
    /// afresh at the next) and once closed.
    connection: Mutex<Option<rusqlite::Connection>>,
}

impl LocalWriter {
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            connection: Mutex::new(None),
        }
    }

    /// Runs `statements` as one transaction, committed only when each
    /// changed the rows it must: false (nothing written) otherwise. The
    /// caller must hold sqlx's writer (see above).
    pub fn commit_checked(&self, statements: &[(Statement, Changes)]) -> Result<bool, sqlx::Error> {
        // Never contended (the caller holds the writer): the lock is what
        // lets the connection be shared between threads.
        let mut open = self.connection.lock().unwrap_or_else(|e| e.into_inner());
        let connection = match open.take() {
            Some(connection) => connection,
            None => open_writer(&self.path)?,
        };
        let committed = commit_on(&connection, statements);
        // As sqlx's writer after an I/O error or with a transaction left
        // open (a failed COMMIT): closed, and opened afresh next time.
        if !matches!(committed, Err(sqlx::Error::Io(_))) && connection.is_autocommit() {
            *open = Some(connection);
        }
        committed
    }

    /// Closes the connection (the database is closing); a later write
    /// would open it again.
    pub fn close(&self) {
        *self.connection.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn open_writer(path: &Path) -> Result<rusqlite::Connection, sqlx::Error> {
    // NO_MUTEX: `LocalWriter`'s lock keeps it to one thread at a time.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = rusqlite::Connection::open_with_flags(path, flags).map_err(driver_error)?;
    connection
        .execute_batch(&sqlite_settings(BUSY_TIMEOUT_MS))
        .and_then(|()| connection.execute_batch(SQLITE_WRITER_SETTINGS))
        .map_err(driver_error)?;
    // A batch's statements differ by their number of rows: room for each
    // kind at every batch size, so that none is compiled again.
    connection.set_prepared_statement_cache_capacity(512);
    Ok(connection)
}

fn commit_on(
    connection: &rusqlite::Connection,
    statements: &[(Statement, Changes)],
) -> Result<bool, sqlx::Error> {
    connection
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(driver_error)?;
    let written = execute_all(connection, statements);
    let ended = match written {
        Ok(true) => connection.execute_batch("COMMIT"),
        _ => connection.execute_batch("ROLLBACK"),
    };
    match (written, ended) {
        (Ok(committed), Ok(())) => Ok(committed),
        // A failed statement: its own error (SQLite may have rolled back
        // already, and then the ROLLBACK's error says only that).
        (Err(error), _) => Err(error),
        // A COMMIT that failed (a full disk): nothing was written.
        (Ok(_), Err(error)) => Err(driver_error(error)),
    }
}

/// Runs `statements` in order: false as soon as one changed other rows
/// than it must (the rest are not run).
fn execute_all(
    connection: &rusqlite::Connection,
    statements: &[(Statement, Changes)],
) -> Result<bool, sqlx::Error> {
    for (statement, changes) in statements {
        let (sql, values) = statement.for_sqlite()?;
        let mut prepared = connection.prepare_cached(&sql).map_err(driver_error)?;
        bind_all(&mut prepared, &values).map_err(driver_error)?;
        let changed = prepared.raw_execute().map_err(driver_error)?;
        if !changes.allow(changed as u64) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Binds `values` to the statement's anonymous placeholders, in order.
fn bind_all(
    statement: &mut rusqlite::CachedStatement<'_>,
    values: &[Bound],
) -> rusqlite::Result<()> {
    for (at, value) in (1..).zip(values) {
        match value {
            Bound::Text(text) => statement.raw_bind_parameter(at, text),
            Bound::Int(number) => statement.raw_bind_parameter(at, number),
            Bound::Bytes(bytes) => statement.raw_bind_parameter(at, bytes),
            Bound::OptionalText(text) => statement.raw_bind_parameter(at, text),
            Bound::OptionalBytes(bytes) => statement.raw_bind_parameter(at, bytes),
        }?;
    }
    Ok(())
}

fn query(
    connection: &rusqlite::Connection,
    sql: &str,
    values: &[Bound],
) -> rusqlite::Result<Vec<AnyRow>> {
    let mut statement = connection.prepare_cached(sql)?;
    bind_all(&mut statement, values)?;
    let names: Vec<UStr> = statement
        .column_names()
        .into_iter()
        .map(UStr::new)
        .collect();
    let column_names: Arc<sqlx_core::HashMap<UStr, usize>> =
        Arc::new(names.iter().cloned().zip(0..).collect());
    // Dropping `rows` resets the statement: its read transaction ends
    // here and holds back no checkpoint.
    let mut rows = statement.raw_query();
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        let mut columns = Vec::with_capacity(names.len());
        let mut values = Vec::with_capacity(names.len());
        for (ordinal, name) in names.iter().enumerate() {
            let kind = any_value(row.get_ref(ordinal)?)?;
            let type_info = AnyTypeInfo {
                kind: kind_of(&kind),
            };
            columns.push(AnyColumn {
                ordinal,
                name: name.clone(),
                type_info,
            });
            values.push(AnyValue { kind });
        }
        read.push(AnyRow {
            column_names: column_names.clone(),
            columns,
            values,
        });
    }
    Ok(read)
}

/// A value as sqlx's SQLite driver hands it to `Any`: by the value's own
/// storage class, integers as 64-bit.
fn any_value(value: ValueRef<'_>) -> rusqlite::Result<AnyValueKind<'static>> {
    Ok(match value {
        ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
        ValueRef::Integer(number) => AnyValueKind::BigInt(number),
        ValueRef::Real(number) => AnyValueKind::Double(number),
        ValueRef::Text(_) => AnyValueKind::Text(value.as_str()?.to_string().into()),
        ValueRef::Blob(bytes) => AnyValueKind::Blob(bytes.to_vec().into()),
    })
}

fn kind_of(value: &AnyValueKind<'_>) -> AnyTypeInfoKind {
    match value {
        AnyValueKind::BigInt(_) => AnyTypeInfoKind::BigInt,
        AnyValueKind::Double(_) => AnyTypeInfoKind::Double,
        AnyValueKind::Text(_) => AnyTypeInfoKind::Text,
        AnyValueKind::Blob(_) => AnyTypeInfoKind::Blob,
        _ => AnyTypeInfoKind::Null,
    }
}

/// A file that cannot be opened or read is an outage (`sqlx::Error::Io`,
/// answered "try again later" as sqlx's own SQLite errors of these codes
/// are, see `error::is_outage`); anything else is the statement's failure.
fn driver_error(error: rusqlite::Error) -> sqlx::Error {
    use rusqlite::ErrorCode::{CannotOpen, NotADatabase, SystemIoFailure};
    match error.sqlite_error_code() {
        Some(CannotOpen | NotADatabase | SystemIoFailure) => {
            sqlx::Error::Io(std::io::Error::other(error))
        }
        _ => sqlx::Error::AnyDriverError(Box::new(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    fn database(test: &str) -> (PathBuf, rusqlite::Connection) {
        let dir =
            std::env::temp_dir().join(format!("tpo-local-reads-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db.sqlite");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, secret BLOB, until INTEGER);
                 INSERT INTO t VALUES (1, 'satu', x'0102', NULL), (2, 'dua', NULL, 1700000000);",
            )
            .unwrap();
        (path, writer)
    }

    fn open_on_this_thread() -> usize {
        OPEN.with_borrow(Vec::len)
    }

    #[test]
    fn rows_decode_as_sqlx_decodes_them_by_column_name() {
        let (path, _writer) = database("decode");
        let reads = LocalReads::new(&path);
        let rows = reads
            .fetch_all(
                "SELECT id, name AS label, secret, until FROM t WHERE id >= ? ORDER BY id",
                &[Bound::Int(1)],
            )
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].try_get::<i64, _>("id").unwrap(), 1);
        assert_eq!(rows[0].try_get::<String, _>("label").unwrap(), "satu");
        assert_eq!(rows[0].try_get::<Vec<u8>, _>("secret").unwrap(), [1, 2]);
        assert_eq!(rows[0].try_get::<Option<i64>, _>("until").unwrap(), None);
        assert_eq!(
            rows[1].try_get::<Option<Vec<u8>>, _>("secret").unwrap(),
            None
        );
        assert_eq!(
            rows[1].try_get::<Option<i64>, _>("until").unwrap(),
            Some(1_700_000_000)
        );
        // A type the column does not hold is an error, as through sqlx.
        assert!(rows[0].try_get::<i64, _>("label").is_err());
        assert!(rows[0].try_get::<String, _>("missing").is_err());
    }

    #[test]
    fn a_read_sees_the_latest_commit_and_holds_back_no_checkpoint() {
        let (path, writer) = database("fresh");
        let reads = LocalReads::new(&path);
        let count = |reads: &LocalReads| {
            reads.fetch_all("SELECT COUNT(*) AS n FROM t", &[]).unwrap()[0]
                .try_get::<i64, _>("n")
                .unwrap()
        };
        assert_eq!(count(&reads), 2);
        writer
            .execute("INSERT INTO t (id, name) VALUES (3, 'tiga')", [])
            .unwrap();
        assert_eq!(count(&reads), 3);
        // (busy, log frames, checkpointed frames): busy 0, the log emptied.
        let busy: i64 = writer
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .unwrap();
        assert_eq!(busy, 0);
        assert_eq!(
            std::fs::metadata(path.with_extension("sqlite-wal"))
                .unwrap()
                .len(),
            0
        );
    }

    #[test]
    fn a_thread_closes_its_connection_once_its_database_is_dropped() {
        let (first, _) = database("close-first");
        let (second, _) = database("close-second");
        let reads = LocalReads::new(&first);
        let also = reads.clone();
        reads.fetch_all("SELECT 1", &[]).unwrap();
        also.fetch_all("SELECT 1", &[]).unwrap();
        assert_eq!(open_on_this_thread(), 1, "clones share the connection");
        drop((reads, also));
        LocalReads::new(&second).fetch_all("SELECT 1", &[]).unwrap();
        assert_eq!(open_on_this_thread(), 1, "the first database's was closed");
    }

    #[test]
    fn a_file_that_is_no_database_is_an_outage_and_is_opened_afresh_next_time() {
        let (path, writer) = database("not-a-database");
        drop(writer);
        std::fs::write(&path, vec![7u8; 8192]).unwrap();
        let reads = LocalReads::new(&path);
        let Err(error) = reads.fetch_all("SELECT COUNT(*) FROM t", &[]) else {
            panic!("garbage read as a database");
        };
        assert_eq!(
            crate::error::AppError::from(error),
            crate::error::AppError::Unavailable
        );
        assert_eq!(open_on_this_thread(), 0, "no broken connection is kept");
    }

    fn names_in_t(path: &Path) -> Vec<String> {
        let reader = rusqlite::Connection::open(path).unwrap();
        let mut names = reader.prepare("SELECT name FROM t ORDER BY id").unwrap();
        names
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// A statement on row `id` of `t` that must change that one row.
    fn on_row(sql: &str, id: i64, name: &str) -> (Statement, Changes) {
        let statement = Statement::new(sql.to_string()).bind(id).bind(name);
        (statement, Changes::Exactly(1))
    }

    fn insert(id: i64, name: &str) -> (Statement, Changes) {
        on_row("INSERT INTO t (id, name) VALUES ($1, $2)", id, name)
    }

    fn rename(id: i64, name: &str) -> (Statement, Changes) {
        on_row("UPDATE t SET name = $2 WHERE id = $1", id, name)
    }

    #[test]
    fn a_checked_transaction_commits_when_each_statement_changed_the_rows_it_must() {
        let (path, _writer) = database("commit");
        let writer = LocalWriter::new(&path);
        let committed = writer.commit_checked(&[insert(3, "tiga"), rename(1, "SATU")]);
        assert!(committed.unwrap());
        assert_eq!(names_in_t(&path), ["SATU", "dua", "tiga"]);
    }

    #[test]
    fn a_statement_that_changed_other_rows_rolls_the_whole_transaction_back() {
        let (path, _writer) = database("mismatch");
        let writer = LocalWriter::new(&path);
        // No row 9: the rename changes none, the insert before it is undone.
        let committed = writer.commit_checked(&[insert(3, "tiga"), rename(9, "sembilan")]);
        assert!(!committed.unwrap());
        assert_eq!(names_in_t(&path), ["satu", "dua"]);
        // No transaction was left open: the next one commits.
        assert!(writer.commit_checked(&[insert(4, "empat")]).unwrap());
        assert_eq!(names_in_t(&path), ["satu", "dua", "empat"]);
    }

    #[test]
    fn a_failed_statement_is_an_error_and_writes_nothing() {
        let (path, _writer) = database("failure");
        let writer = LocalWriter::new(&path);
        // Row 2 exists: the second insert fails on the primary key.
        let failed = writer.commit_checked(&[insert(3, "tiga"), insert(2, "lagi")]);
        let Err(error) = failed else {
            panic!("a duplicate key was written");
        };
        assert!(error.to_string().contains("UNIQUE"), "{error}");
        assert_eq!(names_in_t(&path), ["satu", "dua"]);
        assert!(writer.commit_checked(&[insert(3, "tiga")]).unwrap());
        assert_eq!(names_in_t(&path), ["satu", "dua", "tiga"]);
    }

    #[test]
    fn a_file_gone_bad_under_the_writer_is_an_outage_and_its_connection_is_not_kept() {
        let (path, setup) = database("writer-outage");
        let writer = LocalWriter::new(&path);
        assert!(writer.commit_checked(&[insert(3, "tiga")]).unwrap());
        setup
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        std::fs::write(&path, vec![7u8; 8192]).unwrap();
        let Err(error) = writer.commit_checked(&[insert(4, "empat")]) else {
            panic!("a write went into garbage");
        };
        assert_eq!(
            crate::error::AppError::from(error),
            crate::error::AppError::Unavailable
        );
        assert!(
            writer.connection.lock().unwrap().is_none(),
            "the broken connection was kept"
        );
    }

    #[test]
    fn the_writer_enforces_foreign_keys_as_every_connection_does() {
        let (path, setup) = database("foreign-keys");
        setup
            .execute_batch("CREATE TABLE child (t_id INTEGER NOT NULL REFERENCES t (id));")
            .unwrap();
        let writer = LocalWriter::new(&path);
        let orphan = "INSERT INTO child (t_id) VALUES ($1)".to_string();
        let failed = writer.commit_checked(&[(Statement::new(orphan).bind(7), Changes::Any)]);
        assert!(failed.is_err(), "a child of no row was written");
    }

    #[test]
    fn a_query_only_connection_refuses_to_write() {
        let (path, _writer) = database("query-only");
        let Err(error) = LocalReads::new(&path).fetch_all("DELETE FROM t RETURNING id", &[]) else {
            panic!("a delete went through");
        };
        assert!(error.to_string().contains("readonly"), "{error}");
    }
}
