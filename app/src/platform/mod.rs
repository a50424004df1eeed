//! Server-side plumbing every capability uses: database, clock, keys,
//! request details and rate limits. No business rules live here.

pub mod clock;
pub mod context;
pub mod crypto;
pub mod db;
pub mod queue;
pub mod rate_limit;
pub mod request;
pub mod state;
