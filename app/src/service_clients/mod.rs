//! Service clients: the machines (the signing service AMS) that call the
//! integration API under `/api/v1`. Each has a name, a secret shown once
//! and stored as a digest, scopes, and an address allow-list; revocation
//! takes effect on the next call. A client with the `events` scope may
//! have a webhook (URL and a sealed signing secret) that `crate::events`
//! are delivered to. The command line and the console
//! (/admin/klien-layanan) create, revoke and budget them through `service`.

pub mod types;
pub mod views;

#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
