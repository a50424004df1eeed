//! Mail: what each message says (templates) and the durable outbox that
//! carries it. A message is queued in the same transaction as the change it
//! reports and sent later by the outbox worker, so a slow or absent mail
//! server never fails or delays a request, and nothing queued is lost.

pub mod views;

#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod templates;
