//! The web helpdesk: "Periksa" an official email, then the form for a
//! "Permohonan OTP" (which starts the identity check) or a general question.
//! The tickets it opens belong to `tickets`.

pub mod pages;
pub mod server_fns;
pub mod views;
