//! Tickets in the console: the filtered list, and one ticket's page with
//! its timeline, mails, selfies and, for a "Pertanyaan Umum", the answer.

pub mod pages;
pub mod server_fns;
pub mod views;

#[cfg(feature = "ssr")]
pub mod service;
