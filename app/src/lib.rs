//! Tambah Perangkat OTP: the Leptos application shared by the server (SSR)
//! and the browser (hydration). One module per capability; server-only
//! code sits behind the `ssr` feature.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod error;
pub mod format;
pub mod helpdesk;
pub mod identity_check;
pub mod mail;
pub mod otp_devices;
pub mod otp_setup;
pub mod telegram;
mod text_enum;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod platform;

pub use ui::shell::{App, shell};
