//! The audit log: every state change, who made it, when and from where.
//! Rows are appended in the same transaction as the change they describe.
//!
//! An entry's event is one variant of [`AuditEvent`]: its name goes to the
//! `action` column and its fields to `detail` (JSON), and both are read back
//! through the same type, so a renamed field fails to compile or to parse
//! instead of silently showing nothing.

pub mod views;

#[cfg(feature = "ssr")]
mod events;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
mod repo;
#[cfg(feature = "ssr")]
pub use events::AuditEvent;
#[cfg(feature = "ssr")]
pub use repo::*;
