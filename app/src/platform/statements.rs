//! Statements written together, each with the number of rows it must
//! change (a group commit's writes: one statement per kind of row), in one
//! round trip instead of one each. On SQLite they go to the connection's
//! thread as one script, run in order. PostgreSQL's extended protocol
//! takes one statement per query, so there they become the parts of one
//! `WITH` query, each `RETURNING 1`, whose answer counts each part's rows;
//! the parts run on one snapshot and may not see each other's changes:
//! statements written together must touch apart rows.

use futures_util::TryStreamExt;
use sqlx::{AnyConnection, Either, Executor, Row};

use super::db::{Bound, arguments};

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
        let query = sqlx::query_with(&self.sql, arguments(&self.values)?);
        Ok(query.execute(conn).await?.rows_affected())
    }
}

/// How many rows a statement must change for its writes to stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changes {
    Exactly(u64),
    Any,
}

impl Changes {
    fn allow(self, changed: u64) -> bool {
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
    let mut parts = Vec::with_capacity(statements.len());
    let mut values = Vec::new();
    for (statement, _) in statements {
        parts.push(renumbered(&statement.sql, values.len()));
        values.extend(statement.values.iter().cloned());
    }
    let changed = if conn.backend_name() == "SQLite" {
        run_script(conn, &parts.join(";\n"), &values).await?
    } else {
        let with: Vec<String> = (parts.iter().enumerate())
            .map(|(n, part)| format!("part{n} AS ({part} RETURNING 1)"))
            .collect();
        let counts: Vec<String> = (0..parts.len())
            .map(|n| format!("(SELECT COUNT(*) FROM part{n})"))
            .collect();
        let sql = format!("WITH {} SELECT {}", with.join(", "), counts.join(", "));
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

/// `sql` with each placeholder `$n` numbered `$n + offset`, for a place in
/// a script whose earlier statements take the first `offset` values.
fn renumbered(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..=dollar]);
        rest = &rest[dollar + 1..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        match rest[..digits].parse::<usize>() {
            Ok(number) => out.push_str(&(number + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_after_the_earlier_statements_values() {
        assert_eq!(
            renumbered("UPDATE t SET a = $1 WHERE id IN ($2, $10) AND b = $1", 7),
            "UPDATE t SET a = $8 WHERE id IN ($9, $17) AND b = $8"
        );
        assert_eq!(renumbered("SELECT 1", 3), "SELECT 1");
        assert_eq!(renumbered("a = $", 3), "a = $");
    }
}
