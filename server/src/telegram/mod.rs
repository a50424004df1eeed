//! The Telegram channel's transport: a small Bot API client, the long-poll
//! loop (one process at a time, by a lease in the database), the webhook
//! endpoint, and the sender of queued replies. The conversation and the
//! exactly-once handling live in `app::telegram`.

pub mod client;
pub mod poller;
pub mod sender;
pub mod webhook;
