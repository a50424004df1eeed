//! Background work beside the web server: sending mail and sweeping
//! expired rows. Each loop stops when the shutdown token is cancelled.

pub mod mail;
pub mod sweeper;
