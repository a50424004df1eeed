//! Integration tests: the real server over HTTP, on SQLite and PostgreSQL.

mod helpers;

mod foundation;
mod login;
mod devices;
