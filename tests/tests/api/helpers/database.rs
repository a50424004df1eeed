//! The two database backends, and a fresh database for each test app.

use sqlx::Connection;

use super::spawn::random;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test command's PostgreSQL cluster listens.
pub const POSTGRES_URL_VAR: &str = "TPO_TEST_POSTGRES_URL";

pub(super) async fn fresh_postgres_database() -> String {
    let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
        panic!("{POSTGRES_URL_VAR} is not set: run the tests with `make test`, which starts a PostgreSQL cluster")
    });
    let name = format!("tpo_{}", hex::encode(random::<6>()));
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("URL with a database name");
    format!("{base}/{name}")
}
