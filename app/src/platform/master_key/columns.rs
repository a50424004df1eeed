//! Which columns hold sealed values, and what each is bound to: the
//! inventory a key rotation walks (`rotation`) and reads and rewrites
//! (`repo`).

use sqlx::Row;
use sqlx::any::AnyRow;

/// The primary key of a row holding a sealed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    Text(String),
    Integer(i64),
}

#[derive(Debug, Clone, Copy)]
pub enum KeyKind {
    Text,
    Integer,
}

impl KeyKind {
    pub(super) fn read(self, row: &AnyRow, index: usize) -> Result<RowKey, sqlx::Error> {
        Ok(match self {
            Self::Text => RowKey::Text(row.try_get(index)?),
            Self::Integer => RowKey::Integer(row.try_get(index)?),
        })
    }
}

/// What a sealed value is bound to (its associated data), as its module
/// seals it: the row key's text, the row key as 8 big-endian bytes, or a
/// prefix and another column's text.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    KeyText,
    KeyBigEndian,
    Prefixed {
        prefix: &'static str,
        column: &'static str,
    },
}

/// A column of sealed values.
#[derive(Debug, Clone, Copy)]
pub struct SealedColumn {
    pub table: &'static str,
    pub key: &'static str,
    pub key_kind: KeyKind,
    pub column: &'static str,
    pub owner: Owner,
    /// The keyed NIK digest computed from the opened value, rewritten with it.
    pub digest_column: Option<&'static str>,
}

impl SealedColumn {
    pub(super) fn owner_column(&self) -> &'static str {
        match self.owner {
            Owner::KeyText | Owner::KeyBigEndian => self.key,
            Owner::Prefixed { column, .. } => column,
        }
    }

    /// The associated data a value of this column is sealed with, made of
    /// `owner_text` (the owner column's value as text). An integer key that
    /// is no integer (SQLite stores text in any column) binds nothing the
    /// module could have sealed with: an error, never empty bytes.
    pub(super) fn owner_bytes(&self, owner_text: &str) -> Result<Vec<u8>, NotAnInteger> {
        Ok(match self.owner {
            Owner::KeyText => owner_text.as_bytes().to_vec(),
            Owner::KeyBigEndian => owner_text
                .parse::<i64>()
                .map_err(|_| NotAnInteger(owner_text.to_string()))?
                .to_be_bytes()
                .to_vec(),
            Owner::Prefixed { prefix, .. } => format!("{prefix}{owner_text}").into_bytes(),
        })
    }
}

/// An integer row key, the owner of its sealed value, that held this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnInteger(pub String);

/// Every sealed value the application stores, with the owner its module
/// binds it to: `accounts::service::seal_nik`, `otp_devices` (device and
/// pending secrets), `telegram::service` (chat state),
/// `service_clients::service::webhook_owner`, `mail::repo::seal_bodies`.
/// A new sealed column belongs here, or a rotation leaves it under the
/// retired key (`tests/tests/api/key_rotation.rs` checks a whole journey).
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn {
        table: "accounts",
        key: "id",
        key_kind: KeyKind::Text,
        column: "nik_sealed",
        owner: Owner::KeyText,
        digest_column: Some("nik_digest"),
    },
    SealedColumn {
        table: "otp_devices",
        key: "id",
        key_kind: KeyKind::Text,
        column: "secret_sealed",
        owner: Owner::KeyText,
        digest_column: None,
    },
    SealedColumn {
        table: "pending_enrollments",
        key: "id",
        key_kind: KeyKind::Text,
        column: "secret_sealed",
        owner: Owner::KeyText,
        digest_column: None,
    },
    SealedColumn {
        table: "telegram_chats",
        key: "chat_id",
        key_kind: KeyKind::Integer,
        column: "state_sealed",
        owner: Owner::KeyBigEndian,
        digest_column: None,
    },
    SealedColumn {
        table: "service_clients",
        key: "id",
        key_kind: KeyKind::Text,
        column: "webhook_secret_sealed",
        owner: Owner::Prefixed {
            prefix: "webhook:",
            column: "id",
        },
        digest_column: None,
    },
    SealedColumn {
        table: "mail_outbox",
        key: "id",
        key_kind: KeyKind::Integer,
        column: "bodies_sealed",
        owner: Owner::Prefixed {
            prefix: "mail_outbox:",
            column: "recipient",
        },
        digest_column: None,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn telegram_chats() -> &'static SealedColumn {
        SEALED_COLUMNS
            .iter()
            .find(|column| column.table == "telegram_chats")
            .unwrap()
    }

    #[test]
    fn an_integer_key_binds_its_big_endian_bytes() {
        assert_eq!(
            telegram_chats().owner_bytes("-1001234"),
            Ok((-1_001_234_i64).to_be_bytes().to_vec())
        );
    }

    #[test]
    fn an_integer_key_that_is_no_integer_binds_nothing() {
        for text in ["", "abc", "12.5", "99999999999999999999"] {
            assert_eq!(
                telegram_chats().owner_bytes(text),
                Err(NotAnInteger(text.to_string())),
                "{text:?}"
            );
        }
    }
}
