//! Accounts: signers and staff, passwords, the two-step login and the
//! signed-in signer's own page.

pub mod api;
pub mod pages;
pub mod types;
pub mod views;

#[cfg(feature = "ssr")]
pub mod current;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod throttle;
