//! The web helpdesk: "Periksa" an official email, then a "Permohonan OTP"
//! (which starts the identity check) or a general question; tickets with a
//! timeline; single-use mailed links; the ticket status page.

pub mod api;
pub mod pages;
pub mod types;
pub mod views;

#[cfg(feature = "ssr")]
pub mod links;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod ticket_number;
