//! Row ids as types of their own, so an account id cannot be passed where a
//! ticket id is expected. Each is 128 random bits as 32 lowercase hex
//! characters; `parse` accepts nothing else, so an id from a form or URL
//! that is not one is refused before any query runs.

use serde::{Deserialize, Serialize};

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text).ok_or_else(|| format!("not a {}", stringify!($name)))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl $name {
            /// A new random id.
            #[cfg(feature = "ssr")]
            pub fn generate() -> Self {
                let mut bytes = [0u8; 16];
                getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
                Self(hex::encode(bytes))
            }

            pub fn parse(text: &str) -> Option<Self> {
                is_row_id(text).then(|| Self(text.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

fn is_row_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

row_id!(
    /// A signer's or staff member's account.
    AccountId
);
row_id!(
    /// One OTP device (authenticator) of an account.
    DeviceId
);
row_id!(
    /// A helpdesk ticket (not its number, which people see).
    TicketId
);
row_id!(
    /// A mailed single-use link (not its token, which only the mail holds).
    LinkId
);
row_id!(
    /// One submitted selfie.
    SelfieId
);
row_id!(
    /// A secret shown as a QR code and waiting for its first code.
    PendingEnrollmentId
);
row_id!(
    /// A machine client of the integration API (AMS), named in its bearer token.
    ServiceClientId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_their_own_shape() {
        assert!(AccountId::parse("0123456789abcdef0123456789abcdef").is_some());
        assert!(AccountId::parse("0123456789ABCDEF0123456789ABCDEF").is_none());
        assert!(AccountId::parse("0123").is_none());
        assert!(DeviceId::parse("' OR 1=1 --                     ").is_none());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn generated_ids_parse_and_differ() {
        let id = TicketId::generate();
        assert_eq!(TicketId::parse(id.as_str()), Some(id.clone()));
        assert_ne!(id, TicketId::generate());
    }
}
