//! Accounts: signers and staff, passwords, sessions and the throttles that
//! slow guessing. The login flow and the account page sit higher up
//! (`login`, `my_account`) because they also need OTP devices.

pub mod server_fns;
pub mod types;

#[cfg(feature = "ssr")]
pub mod current;
#[cfg(feature = "ssr")]
pub mod device_cookie;
#[cfg(feature = "ssr")]
pub mod failures;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod throttle;
