//! The console's "Pengaturan": the [`Tunables`](crate::tunables::Tunables)
//! kept in the database, reloaded by every process every few seconds, and
//! changed by an admin with an audit entry per value.

#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;

pub mod pages;
pub mod server_fns;
