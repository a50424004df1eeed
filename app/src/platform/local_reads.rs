//! SQLite reads run on the thread that asks for them.
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
//! Rows come back as sqlx's `AnyRow`, built the way sqlx's SQLite driver
//! builds them (each value by its own type), so the repositories' row
//! mappings serve both paths. That needs the row's fields, which sqlx
//! documents as exempt from semver: the exact sqlx version is pinned in
//! the workspace, and the tests here fail if the mapping drifts.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use rusqlite::OpenFlags;
use rusqlite::types::ValueRef;
use sqlx::any::AnyRow;
use sqlx_core::any::{AnyColumn, AnyTypeInfo, AnyTypeInfoKind, AnyValue, AnyValueKind};
use sqlx_core::ext::ustr::UStr;

use super::statements::Bound;

/// How long a read waits for a lock. A reader of a WAL database waits only
/// while another connection rebuilds the log's index (after a crash); the
/// request thread is held meanwhile, so not for the writers' 15 s.
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

fn query(
    connection: &rusqlite::Connection,
    sql: &str,
    values: &[Bound],
) -> rusqlite::Result<Vec<AnyRow>> {
    let mut statement = connection.prepare_cached(sql)?;
    for (at, value) in (1..).zip(values) {
        match value {
            Bound::Text(text) => statement.raw_bind_parameter(at, text),
            Bound::Int(number) => statement.raw_bind_parameter(at, number),
            Bound::Bytes(bytes) => statement.raw_bind_parameter(at, bytes),
            Bound::OptionalText(text) => statement.raw_bind_parameter(at, text),
            Bound::OptionalBytes(bytes) => statement.raw_bind_parameter(at, bytes),
        }?;
    }
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

    #[test]
    fn a_query_only_connection_refuses_to_write() {
        let (path, _writer) = database("query-only");
        let Err(error) = LocalReads::new(&path).fetch_all("DELETE FROM t RETURNING id", &[]) else {
            panic!("a delete went through");
        };
        assert!(error.to_string().contains("readonly"), "{error}");
    }
}
