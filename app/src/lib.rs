//! Tambah Perangkat OTP: the Leptos application shared by the server (SSR)
//! and the browser (hydration). One module per capability; server-only
//! code sits behind the `ssr` feature.
//!
//! Modules only import from floors below their own (checked by
//! `tests/layering.rs`), bottom to top:
//! 1. `ids`, `text_enum`, `time`, `tunables`
//! 2. `error`, `format`
//! 3. `platform` (database, clock, keys, request context, limits)
//! 4. `audit`, `events`, `mail`, `ui`
//! 5. `accounts`, `service_clients`
//! 6. `otp_devices`
//! 7. `tickets`
//! 8. `helpdesk`, `identity_check`, `login`, `my_account`, `otp_setup`, `settings`, `telegram`, `validation`
//! 9. `admin`, `signer_import`
//! 10. `routes` (the document and the route table)

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod error;
#[cfg(feature = "ssr")]
pub mod events;
pub mod format;
pub mod helpdesk;
pub mod identity_check;
pub mod ids;
pub mod login;
pub mod mail;
pub mod my_account;
pub mod otp_devices;
pub mod otp_setup;
pub mod routes;
pub mod service_clients;
pub mod settings;
pub mod signer_import;
pub mod telegram;
mod text_enum;
pub mod tickets;
pub mod time;
pub mod tunables;
pub mod ui;
pub mod validation;

#[cfg(feature = "ssr")]
pub mod platform;

pub use routes::App;
#[cfg(feature = "ssr")]
pub use routes::shell;
