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

    pub(super) fn owner_bytes(&self, owner_text: &str) -> Vec<u8> {
        match self.owner {
            Owner::KeyText => owner_text.as_bytes().to_vec(),
            Owner::KeyBigEndian => owner_text
                .parse::<i64>()
                .map(|n| n.to_be_bytes().to_vec())
                .unwrap_or_default(),
            Owner::Prefixed { prefix, .. } => format!("{prefix}{owner_text}").into_bytes(),
        }
    }
}

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
