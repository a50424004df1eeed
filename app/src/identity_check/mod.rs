//! The identity check: from the "Pengecekan Data Diri" link the signer takes
//! a selfie ("Ambil Foto"); a verifier approves it (mail "Perbarui Akun Anda"
//! with the "Atur Perangkat OTP" link) or rejects it with a reason (mail with
//! the "Pengecekan Ulang" link). Photos are kept for staff only and deleted
//! some days after the ticket closes.

pub mod camera;
pub mod pages;
pub mod server_fns;
pub mod types;
pub mod views;

#[cfg(feature = "ssr")]
pub mod photo;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod review;
#[cfg(feature = "ssr")]
pub mod service;
