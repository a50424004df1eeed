//! The validation API's domain: a service client (AMS) asks whether a code
//! is right for a signer. The same code check as the site's login (one
//! replay guard, one failure counter and lockout for every channel), with
//! the client as the audit actor.

pub mod types;

#[cfg(feature = "ssr")]
pub mod service;
