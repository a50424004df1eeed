//! OTP devices: an account holds up to a maximum of named TOTP
//! authenticators; adding one more removes the one added longest ago, and a
//! code from any of them completes a login.

pub mod pages;
pub mod types;
pub mod views;

#[cfg(feature = "ssr")]
pub mod accepted;
#[cfg(feature = "ssr")]
pub mod enrollment;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod totp;

/// Where a device was added from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Channel {
    /// The "Atur Perangkat OTP" link after an approved identity check.
    SetupLink,
    /// A logged-in signer on /akun.
    AccountPage,
    /// An administrator on the command line (first device of a new account).
    Administrator,
}

crate::text_enum::text_enum!(Channel {
    SetupLink => "setup_link",
    AccountPage => "account_page",
    Administrator => "administrator",
});

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Self::SetupLink => "tautan Atur Perangkat OTP",
            Self::AccountPage => "halaman Akun Saya",
            Self::Administrator => "administrator",
        }
    }
}
