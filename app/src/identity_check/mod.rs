//! The identity check: from the "Pengecekan Data Diri" link the signer takes
//! a selfie ("Ambil Foto"); a verifier approves it (mail "Perbarui Akun Anda"
//! with the "Atur Perangkat OTP" link) or rejects it with a reason (mail with
//! the "Pengecekan Ulang" link), looking at it beside the account's reference
//! photo (the registration photo of the real person) and, where a service
//! is configured, a face-match score (`face_match`). Photos are kept for
//! staff only; selfies are deleted some days after the ticket closes,
//! reference photos live as long as the account.

pub mod camera;
pub mod pages;
pub mod server_fns;
pub mod types;
pub mod views;

#[cfg(feature = "ssr")]
pub mod face_match;
#[cfg(feature = "ssr")]
pub mod photo;
#[cfg(feature = "ssr")]
pub mod reference;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod review;
#[cfg(feature = "ssr")]
pub mod service;
