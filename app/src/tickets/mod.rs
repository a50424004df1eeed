//! Tickets, every channel's: a request from the web helpdesk or the Telegram
//! bot becomes a numbered ticket ("#d1q0517") with a timeline of states;
//! single-use links mailed to the signer move it on. The OTP request itself
//! (match the AMS data, supersede older requests, mail the first link) lives
//! here because both channels make it.

pub mod pages;
pub mod server_fns;
pub mod types;
pub mod views;

#[cfg(feature = "ssr")]
pub mod links;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod stats;
#[cfg(feature = "ssr")]
pub mod ticket_number;
