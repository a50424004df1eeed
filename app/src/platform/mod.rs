//! Server-side plumbing every capability uses: database, clock, keys,
//! request details, addresses, rate limits, metrics and the face-match port. No business rules live here.

pub mod clock;
mod connections;
pub mod context;
pub mod crypto;
pub mod db;
pub mod face_match;
pub mod group_commit;
mod local_sqlite;
pub mod master_key;
pub mod metrics;
pub mod net;
pub mod queue;
pub mod rate_limit;
pub mod request;
pub mod state;
pub mod statements;
