//! "Atur Perangkat OTP": the page behind the link in "Perbarui Akun Anda".
//! It shows the three steps of the source document (install an app, scan
//! the QR code or use the key, name the device and enter a code) and adds
//! the device through the one add-device operation of `otp_devices`.

pub mod pages;
pub mod server_fns;
pub mod views;

#[cfg(feature = "ssr")]
pub mod service;
