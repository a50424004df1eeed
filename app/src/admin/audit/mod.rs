//! The audit log in the console (/admin/audit, admins only): entries
//! filtered by actor, account, action and days, newest first, and the same
//! selection as a CSV download (`/admin/audit.csv`, served by the server
//! crate through [`service::export`]).

pub mod pages;
pub mod server_fns;
pub mod views;

#[cfg(feature = "ssr")]
pub mod service;
