//! Importing signers from an AMS export: a CSV file (and the reference
//! photos it names) creates and updates signer accounts, from the command
//! line (`server import-signers`) or the admin console (`/admin/impor`).
//! Every row gets a result (`dibuat`, `diperbarui`, `tidak berubah` or
//! `galat` with the row and column); a dry run computes the same report in
//! a transaction that is rolled back. The write of one signer is
//! `service::apply_signer_in`, shared with the signer sync of the
//! integration API (`sync`).

pub mod pages;
pub mod server_fns;
pub mod views;

#[cfg(feature = "ssr")]
pub mod parse;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod sync;
