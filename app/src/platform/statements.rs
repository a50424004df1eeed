//! Statements written together, each with the number of rows it must
//! change (a group commit's writes: one statement per kind of row), in one
//! round trip instead of one each. On SQLite they go to the connection's
//! thread as one script, run in order. PostgreSQL's extended protocol
//! takes one statement per query, so there they become the parts of one
//! `WITH` query, each `RETURNING 1`, whose answer counts each part's rows;
//! the parts run on one snapshot and may not see each other's changes:
//! statements written together must touch apart rows.
//!
//! [`execute_checked`] runs them in the caller's transaction and compares
//! the counts itself; [`commit_checked`] runs them on PostgreSQL as a
//! transaction of their own, with the counts compared in the database, so
//! that the whole transaction is one round trip (SQLite's counterpart runs
//! on the calling thread: `platform::local_sqlite::LocalWriter`).

use futures_util::TryStreamExt;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{AnyConnection, Arguments, Either, Executor, Row};

/// One statement, its placeholders numbered from `$1`, and their values.
#[derive(Debug, Clone)]
pub struct Statement {
    sql: String,
    values: Vec<Bound>,
}

impl Statement {
    pub fn new(sql: String) -> Self {
        Self {
            sql,
            values: Vec::new(),
        }
    }

    /// Binds the next placeholder.
    pub fn bind(mut self, value: impl Into<Bound>) -> Self {
        self.values.push(value.into());
        self
    }

    /// Runs it alone; the rows it changed.
    pub async fn execute(&self, conn: &mut AnyConnection) -> Result<u64, sqlx::Error> {
        let done = if is_sqlite(conn) {
            let (sql, values) = self.for_sqlite()?;
            conn.execute(sqlx::query_with(&sql, arguments(&values)?))
                .await?
        } else {
            conn.execute(sqlx::query_with(&self.sql, arguments(&self.values)?))
                .await?
        };
        Ok(done.rows_affected())
    }

    /// The rows it reads, on `conn`.
    pub async fn fetch_all(&self, conn: &mut AnyConnection) -> Result<Vec<AnyRow>, sqlx::Error> {
        if is_sqlite(conn) {
            let (sql, values) = self.for_sqlite()?;
            conn.fetch_all(sqlx::query_with(&sql, arguments(&values)?))
                .await
        } else {
            conn.fetch_all(sqlx::query_with(&self.sql, arguments(&self.values)?))
                .await
        }
    }

    /// The SQL and its values as SQLite binds them fastest (see
    /// [`Statement::anonymous`]).
    pub(super) fn for_sqlite(&self) -> Result<(String, Vec<Bound>), sqlx::Error> {
        let mut values = Vec::new();
        let sql = self.anonymous(&mut values)?;
        Ok((sql, values))
    }

    /// The SQL with every placeholder an anonymous `?`, each placeholder's
    /// value pushed on `values` in the order they appear (a value used
    /// twice is bound twice), for SQLite. sqlx binds a `$n` by asking
    /// SQLite the name of every parameter up to the highest number, each a
    /// walk of the statement's list of names: time quadratic in the
    /// values, most of `seed-bulk`'s time with 3,000 values a statement.
    /// `?`s are bound in order, with no lookup.
    fn anonymous(&self, values: &mut Vec<Bound>) -> Result<String, sqlx::Error> {
        let mut unbound = None;
        let sql = each_placeholder(&self.sql, |n| {
            match n.checked_sub(1).and_then(|i| self.values.get(i)) {
                Some(value) => values.push(value.clone()),
                None => unbound = Some(n),
            }
            "?".to_string()
        });
        match unbound {
            Some(n) => Err(sqlx::Error::Protocol(format!(
                "placeholder ${n} has no value"
            ))),
            None => Ok(sql),
        }
    }
}

/// A value bound to a placeholder of a [`Statement`] or of a
/// `platform::db::Conditions` clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
    /// Text or NULL.
    OptionalText(Option<String>),
    /// Bytes or NULL.
    OptionalBytes(Option<Vec<u8>>),
}

/// `values` as a query's arguments, in placeholder order.
pub fn arguments(values: &[Bound]) -> Result<AnyArguments<'static>, sqlx::Error> {
    let mut arguments = AnyArguments::default();
    for value in values {
        match value.clone() {
            Bound::Text(text) => arguments.add(text),
            Bound::Int(number) => arguments.add(number),
            Bound::Bytes(bytes) => arguments.add(bytes),
            Bound::OptionalText(text) => arguments.add(text),
            Bound::OptionalBytes(bytes) => arguments.add(bytes),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

impl From<Option<String>> for Bound {
    fn from(text: Option<String>) -> Self {
        Self::OptionalText(text)
    }
}

impl From<Option<&str>> for Bound {
    fn from(text: Option<&str>) -> Self {
        Self::OptionalText(text.map(str::to_string))
    }
}

impl From<Option<&[u8]>> for Bound {
    fn from(bytes: Option<&[u8]>) -> Self {
        Self::OptionalBytes(bytes.map(<[u8]>::to_vec))
    }
}

impl From<&[u8]> for Bound {
    fn from(bytes: &[u8]) -> Self {
        Self::Bytes(bytes.to_vec())
    }
}

impl From<String> for Bound {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Bound {
    fn from(text: &str) -> Self {
        Self::Text(text.to_string())
    }
}

impl From<crate::time::UnixTime> for Bound {
    fn from(time: crate::time::UnixTime) -> Self {
        Self::Int(time.secs())
    }
}

impl From<i64> for Bound {
    fn from(number: i64) -> Self {
        Self::Int(number)
    }
}

/// How many rows a statement must change for its writes to stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changes {
    Exactly(u64),
    Any,
}

impl Changes {
    pub(super) fn allow(self, changed: u64) -> bool {
        match self {
            Changes::Exactly(expected) => changed == expected,
            Changes::Any => true,
        }
    }
}

/// Runs `statements` in order on `conn` (in the caller's transaction):
/// false when one changed other rows than it must (roll back).
pub async fn execute_checked(
    conn: &mut AnyConnection,
    statements: &[(Statement, Changes)],
) -> Result<bool, sqlx::Error> {
    let changed = if is_sqlite(conn) {
        let (parts, values) = in_order(statements)?;
        run_script(conn, &parts.join(";\n"), &values).await?
    } else {
        let (parts, values) = joined(statements);
        let sql = with_query(&parts, statements, CheckedBy::Caller);
        let row = sqlx::query_with(&sql, arguments(&values)?)
            .fetch_one(&mut *conn)
            .await?;
        (0..parts.len())
            .map(|n| row.try_get::<i64, _>(n).map(|count| count as u64))
            .collect::<Result<_, _>>()?
    };
    if changed.len() != statements.len() {
        return Err(sqlx::Error::Protocol(format!(
            "{} counts for {} statements",
            changed.len(),
            statements.len()
        )));
    }
    Ok(statements
        .iter()
        .zip(changed)
        .all(|((_, changes), changed)| changes.allow(changed)))
}

/// Runs `statements` on PostgreSQL in a transaction of their own, outside
/// any other, and commits it only when each changed the rows it must:
/// false (nothing written) otherwise. One round trip: the `WITH` query is
/// its own transaction and passes each count to `write_check()` (migration
/// `0023_write_check`), which fails the query on a mismatch. SQLite's
/// writer runs them on the calling thread instead
/// (`platform::local_sqlite::LocalWriter`).
pub(super) async fn commit_checked(
    conn: &mut AnyConnection,
    statements: &[(Statement, Changes)],
) -> Result<bool, sqlx::Error> {
    let (parts, values) = joined(statements);
    let sql = with_query(&parts, statements, CheckedBy::Database);
    let written = conn
        .execute(sqlx::query_with(&sql, arguments(&values)?))
        .await;
    match written {
        Ok(_) => Ok(true),
        Err(error) if is_write_check_failure(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

fn is_sqlite(conn: &AnyConnection) -> bool {
    conn.backend_name() == "SQLite"
}

/// The error `write_check` raises (migration `0023_write_check`).
fn is_write_check_failure(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.message() == "write check failed")
}

/// Each statement's SQL, its placeholders numbered after the earlier
/// statements' values, and all the values in order (PostgreSQL's `WITH`).
fn joined(statements: &[(Statement, Changes)]) -> (Vec<String>, Vec<Bound>) {
    let mut parts = Vec::with_capacity(statements.len());
    let mut values = Vec::new();
    for (statement, _) in statements {
        let offset = values.len();
        parts.push(each_placeholder(&statement.sql, |n| {
            format!("${}", n + offset)
        }));
        values.extend(statement.values.iter().cloned());
    }
    (parts, values)
}

/// Each statement's SQL with anonymous placeholders (see
/// [`Statement::anonymous`]) and all their values in order: a SQLite script.
fn in_order(statements: &[(Statement, Changes)]) -> Result<(Vec<String>, Vec<Bound>), sqlx::Error> {
    let mut values = Vec::new();
    let parts = (statements.iter())
        .map(|(statement, _)| statement.anonymous(&mut values))
        .collect::<Result<_, _>>()?;
    Ok((parts, values))
}

/// Who compares a PostgreSQL query's counts with what they must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CheckedBy {
    Caller,
    Database,
}

/// The `WITH` query of `parts`, answering one row with each part's count.
fn with_query(parts: &[String], statements: &[(Statement, Changes)], checked: CheckedBy) -> String {
    let with: Vec<String> = (parts.iter().enumerate())
        .map(|(n, part)| format!("part{n} AS ({part} RETURNING 1)"))
        .collect();
    let counts: Vec<String> = (statements.iter().enumerate())
        .map(|(n, (_, changes))| {
            let count = format!("(SELECT COUNT(*) FROM part{n})");
            match (checked, changes) {
                (CheckedBy::Database, Changes::Exactly(expected)) => {
                    format!("write_check({count}, {expected})")
                }
                _ => count,
            }
        })
        .collect();
    format!("WITH {} SELECT {}", with.join(", "), counts.join(", "))
}

/// The rows each statement of a SQLite script changed, in order.
async fn run_script(
    conn: &mut AnyConnection,
    script: &str,
    values: &[Bound],
) -> Result<Vec<u64>, sqlx::Error> {
    let mut results = conn.fetch_many(sqlx::query_with(script, arguments(values)?));
    // One result per statement, after the rows it returned (none here).
    let mut changed = Vec::new();
    while let Some(result) = results.try_next().await? {
        if let Either::Left(done) = result {
            changed.push(done.rows_affected());
        }
    }
    Ok(changed)
}

/// `sql` with each placeholder `$n` replaced by `placeholder(n)`, in the
/// order they appear; a `$` without digits stays.
fn each_placeholder(sql: &str, mut placeholder: impl FnMut(usize) -> String) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        match rest[..digits].parse::<usize>() {
            Ok(number) => out.push_str(&placeholder(number)),
            Err(_) => out.push('$'),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sql: &str, values: &[i64]) -> (Statement, Changes) {
        let statement = (values.iter()).fold(Statement::new(sql.into()), |s, v| s.bind(*v));
        (statement, Changes::Any)
    }

    #[test]
    fn placeholders_are_renumbered_after_the_earlier_statements_values() {
        let statements = [
            statement("SELECT $1", &(1..=7).collect::<Vec<_>>()),
            statement(
                "UPDATE t SET a = $1 WHERE id IN ($2, $10) AND b = $1",
                &[0; 10],
            ),
            statement("SELECT 1", &[]),
            statement("a = $", &[]),
        ];
        let (parts, values) = joined(&statements);
        assert_eq!(
            parts[1],
            "UPDATE t SET a = $8 WHERE id IN ($9, $17) AND b = $8"
        );
        assert_eq!(parts[2..], ["SELECT 1", "a = $"]);
        assert_eq!(values.len(), 17);
    }

    #[test]
    fn a_sqlite_script_binds_each_placeholder_in_the_order_it_appears() {
        let statements = [
            statement(
                "UPDATE t SET a = $2 WHERE id IN ($1, $3) AND b = $2",
                &[10, 20, 30],
            ),
            statement("DELETE FROM u WHERE c = $1 AND d <> '$'", &[40]),
        ];
        let (parts, values) = in_order(&statements).unwrap();
        assert_eq!(
            parts,
            [
                "UPDATE t SET a = ? WHERE id IN (?, ?) AND b = ?",
                "DELETE FROM u WHERE c = ? AND d <> '$'"
            ]
        );
        let ints = |values: Vec<Bound>| -> Vec<i64> {
            (values.into_iter())
                .map(|v| match v {
                    Bound::Int(n) => n,
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(ints(values), [20, 10, 30, 20, 40]);
        let unbound = in_order(&[statement("SELECT $2", &[1])]);
        assert!(
            matches!(unbound, Err(sqlx::Error::Protocol(m)) if m == "placeholder $2 has no value")
        );
        assert!(in_order(&[statement("SELECT $0", &[1])]).is_err());
    }
}
