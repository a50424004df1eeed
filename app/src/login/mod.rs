//! Login: email and password, then a code from any of the account's OTP
//! devices. Above both `accounts` and `otp_devices`, because it needs both.

pub mod pages;
pub mod server_fns;
pub mod views;

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod unlock;
