//! The Telegram bot channel: "Permohonan OTP" by chat, ending in the same
//! ticket and email journey as the web helpdesk. The conversation is a pure
//! state machine; `service` handles each update exactly once (deduplicated by
//! update id, in one transaction with the state change, the ticket and the
//! queued replies); the server polls or receives webhooks and sends replies.

pub mod conversation;

#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod types;
