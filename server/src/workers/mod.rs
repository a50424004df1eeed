//! Background work beside the web server: sending mail and webhook
//! events, sweeping expired rows and reloading the settings. Each loop stops when the shutdown token is cancelled.

pub mod mail;
pub mod settings;
pub mod sweeper;
pub mod webhooks;
