//! The validation request as sent (JSON) and as parsed, and the answer.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::otp_devices::types::OtpCode;

/// `POST /api/v1/validate`'s body, as sent. Unknown fields are ignored.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
pub struct ValidateRequest {
    pub signer: String,
    pub code: String,
    #[serde(default)]
    pub context: Option<RequestContext>,
}

/// What the caller says about the signing request, for the audit log.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestContext {
    #[serde(default)]
    pub client_ip: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
}

pub const MAX_SIGNER_CHARS: usize = 254;
pub const MAX_PURPOSE_CHARS: usize = 32;
pub const MAX_REFERENCE_CHARS: usize = 200;

/// A field that cannot be used, in Indonesian and in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub id: String,
    pub en: String,
}

impl FieldError {
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            en: en.into(),
        }
    }
}

/// A validation request that can be acted on.
#[derive(Debug, Clone)]
pub struct Validation {
    /// AMS's id for the signer, or their official email.
    pub signer: String,
    pub code: OtpCode,
    pub client_ip: Option<IpAddr>,
    pub purpose: Option<String>,
    pub reference: Option<String>,
}

fn bounded(value: Option<String>, field: &str, max: usize) -> Result<Option<String>, FieldError> {
    let Some(value) = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(FieldError::new(
            format!("`{field}` paling banyak {max} karakter, tanpa karakter kendali."),
            format!("`{field}` must be at most {max} characters, without control characters."),
        ));
    }
    Ok(Some(value))
}

impl Validation {
    pub fn parse(request: ValidateRequest) -> Result<Self, FieldError> {
        let signer =
            bounded(Some(request.signer), "signer", MAX_SIGNER_CHARS)?.ok_or_else(|| {
                FieldError::new(
                    "`signer` wajib diisi: id signer di AMS atau email dinasnya.",
                    "`signer` is required: the signer's AMS id or official email.",
                )
            })?;
        let code = OtpCode::parse(&request.code).map_err(|_| {
            FieldError::new(
                "`code` harus 6 angka (spasi diabaikan).",
                "`code` must be 6 digits (spaces are ignored).",
            )
        })?;
        let context = request.context.unwrap_or_default();
        let client_ip = match bounded(context.client_ip, "context.client_ip", 45)? {
            None => None,
            Some(text) => Some(text.parse::<IpAddr>().map_err(|_| {
                FieldError::new(
                    "`context.client_ip` harus alamat IPv4 atau IPv6.",
                    "`context.client_ip` must be an IPv4 or IPv6 address.",
                )
            })?),
        };
        Ok(Self {
            signer,
            code,
            client_ip,
            purpose: bounded(context.purpose, "context.purpose", MAX_PURPOSE_CHARS)?,
            reference: bounded(context.reference, "context.reference", MAX_REFERENCE_CHARS)?,
        })
    }
}

/// The answer's `result`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationResult {
    /// The code is right and was not used before; it is now used.
    Accepted,
    /// Wrong code, a code already used, or a signer that is unknown, not
    /// verified or suspended: deliberately one answer.
    Rejected,
    /// Too many wrong codes: the signer's code check waits or is blocked.
    Locked,
}

crate::text_enum::text_enum!(ValidationResult {
    Accepted => "accepted",
    Rejected => "rejected",
    Locked => "locked",
});

/// `POST /api/v1/validate`'s answer.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidateResponse {
    pub result: ValidationResult,
    /// The device whose code it was, only when accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// RFC 3339, UTC.
    pub checked_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(signer: &str, code: &str) -> ValidateRequest {
        ValidateRequest {
            signer: signer.into(),
            code: code.into(),
            context: None,
        }
    }

    #[test]
    fn a_request_parses_with_or_without_context() {
        let v = Validation::parse(request(" ams-123 ", "123 456")).unwrap();
        assert_eq!(v.signer, "ams-123");
        assert_eq!(v.code.as_str(), "123456");
        assert!(v.client_ip.is_none() && v.purpose.is_none());
        let mut with = request("budi@kominfo.go.id", "123456");
        with.context = Some(RequestContext {
            client_ip: Some("2001:db8::1".into()),
            purpose: Some("sign".into()),
            reference: Some("DOC-2026-0001".into()),
        });
        let v = Validation::parse(with).unwrap();
        assert_eq!(v.client_ip, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(v.reference.as_deref(), Some("DOC-2026-0001"));
    }

    #[test]
    fn bad_fields_are_named_in_both_languages() {
        let e = Validation::parse(request("", "123456")).unwrap_err();
        assert!(e.id.contains("`signer`") && e.en.contains("`signer`"));
        assert!(Validation::parse(request("x", "12345")).is_err());
        assert!(Validation::parse(request(&"x".repeat(255), "123456")).is_err());
        let mut long = request("x", "123456");
        long.context = Some(RequestContext {
            reference: Some("r".repeat(201)),
            ..Default::default()
        });
        assert!(
            Validation::parse(long)
                .unwrap_err()
                .en
                .contains("context.reference")
        );
        let mut ip = request("x", "123456");
        ip.context = Some(RequestContext {
            client_ip: Some("not-an-ip".into()),
            ..Default::default()
        });
        assert!(Validation::parse(ip).is_err());
    }
}
