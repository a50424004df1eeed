//! The mail outbox in the console (/admin/surat, admins only): queued and
//! sent mail, newest first, by state, and "Kirim ulang sekarang" for a mail
//! that waits. Bodies are never shown: they hold single-use links.

pub mod pages;
pub mod server_fns;
pub mod views;

#[cfg(feature = "ssr")]
pub mod service;
