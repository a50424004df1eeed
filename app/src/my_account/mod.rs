//! "Akun Saya": the signed-in signer's details, devices (rename, remove,
//! add after a fresh code) and recent activity.

pub mod pages;
pub mod server_fns;
pub mod views;

#[cfg(feature = "ssr")]
pub mod service;
