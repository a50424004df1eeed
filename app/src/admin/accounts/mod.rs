//! Accounts in the console: search by email, name or NIK (matched by its
//! digest), and an account's page with its status, devices, reference
//! photo, tickets and audit entries. Verifiers read; admins change.

pub mod pages;
pub mod server_fns;
pub mod views;

#[cfg(feature = "ssr")]
pub mod service;
