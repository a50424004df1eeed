//! Events for the signing service (AMS): what happened to a signer's devices,
//! account and tickets, told to every service client subscribed to them
//! (active, `events` scope, a webhook set) through a durable outbox.
//!
//! An event is written in the transaction of the change it describes, one
//! row per subscribed client, so nothing accepted is lost and nothing rolled
//! back is told. The server's webhook worker delivers each client's events
//! in order, signed (see [`signature`]), at least once: receivers dedupe on
//! the event id (`X-TPO-Delivery`).
//!
//! Bodies carry the signer's AMS id and email, device names, ticket numbers
//! and channels: never a NIK, a secret or a photo.

pub mod body;
pub mod repo;
pub mod signature;

pub use body::{Event, EventType};
