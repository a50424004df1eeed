//! The server: configuration, start-up, HTTP surface and background workers
//! around the `app` crate's capabilities.

pub mod cli;
pub mod config;
pub mod demo;
pub mod face_match;
pub mod http;
pub mod key_rotation;
pub mod keys;
pub mod mailer;
pub mod seed_bulk;
pub mod startup;
pub mod telegram;
pub mod telemetry;
pub mod workers;

pub use config::Config;
pub use startup::Application;
