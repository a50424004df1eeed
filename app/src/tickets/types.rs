//! Parsed helpdesk values and the ticket vocabulary.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::tunables::Tunables;

/// A ticket number as people see it in mail subjects: 7 characters of
/// `[a-z0-9]`, like `d1q0517`. Typed input may carry `#`, spaces or capitals.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketNumber(String);

pub const TICKET_NUMBER_LEN: usize = 7;

impl TicketNumber {
    pub fn parse(input: &str) -> Result<Self, String> {
        let number = input
            .trim()
            .trim_start_matches('#')
            .trim()
            .to_ascii_lowercase();
        if number.is_empty() {
            return Err("Nomor tiket wajib diisi.".into());
        }
        if number.len() != TICKET_NUMBER_LEN
            || !number
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err("Nomor tiket terdiri dari 7 huruf atau angka, contoh: d1q0517.".into());
        }
        Ok(Self(number))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TicketNumber {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TicketNumber> for String {
    fn from(value: TicketNumber) -> Self {
        value.0
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TicketNumber({})", self.0)
    }
}

/// A helpdesk message, a signer's question or a staff answer: 10–2000
/// characters of printable text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        let length = text.chars().count();
        if length == 0 {
            return Err("Pesan wajib diisi.".into());
        }
        if length < 10 {
            return Err(
                "Pesan terlalu singkat: jelaskan pertanyaan Anda (minimal 10 karakter).".into(),
            );
        }
        if length > 2000 {
            return Err("Pesan maksimal 2000 karakter.".into());
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err("Pesan mengandung karakter yang tidak dapat ditampilkan.".into());
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Category {
    /// "Permohonan OTP": starts the identity check and device enrollment.
    OtpRequest,
    /// "Pertanyaan Umum": a plain ticket for the helpdesk staff.
    GeneralQuestion,
}

crate::text_enum::text_enum!(Category { OtpRequest => "otp_request", GeneralQuestion => "general_question" });

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Self::OtpRequest => "Permohonan OTP",
            Self::GeneralQuestion => "Pertanyaan Umum",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketChannel {
    Web,
    Telegram,
}

crate::text_enum::text_enum!(TicketChannel { Web => "web", Telegram => "telegram" });

impl TicketChannel {
    pub fn label(self) -> &'static str {
        match self {
            Self::Web => "Helpdesk web",
            Self::Telegram => "Telegram",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketStatus {
    Submitted,
    AwaitingSelfie,
    SelfieSubmitted,
    Approved,
    Rejected,
    Completed,
    Expired,
    Superseded,
    Closed,
}

crate::text_enum::text_enum!(TicketStatus {
    Submitted => "submitted",
    AwaitingSelfie => "awaiting_selfie",
    SelfieSubmitted => "selfie_submitted",
    Approved => "approved",
    Rejected => "rejected",
    Completed => "completed",
    Expired => "expired",
    Superseded => "superseded",
    Closed => "closed",
});

impl TicketStatus {
    /// States in which an OTP request still waits for someone.
    pub const OPEN: &'static [TicketStatus] = &[
        Self::Submitted,
        Self::AwaitingSelfie,
        Self::SelfieSubmitted,
        Self::Approved,
        Self::Rejected,
    ];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "Diterima",
            Self::AwaitingSelfie => "Menunggu pengecekan data diri (swafoto)",
            Self::SelfieSubmitted => "Menunggu verifikasi petugas",
            Self::Approved => "Disetujui, menunggu pengaturan perangkat OTP",
            Self::Rejected => "Swafoto ditolak, menunggu pengecekan ulang",
            Self::Completed => "Selesai",
            Self::Expired => "Kedaluwarsa",
            Self::Superseded => "Digantikan oleh permohonan yang lebih baru",
            Self::Closed => "Ditutup",
        }
    }
}

/// What a mailed link is for: each opens one page and lives its own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    IdentityCheck,
    OtpSetup,
}

crate::text_enum::text_enum!(LinkPurpose { IdentityCheck => "identity_check", OtpSetup => "otp_setup" });

impl LinkPurpose {
    pub fn lifetime_seconds(self, tunables: &Tunables) -> i64 {
        3600 * match self {
            Self::IdentityCheck => tunables.identity_link_hours,
            Self::OtpSetup => tunables.setup_link_hours,
        }
    }

    pub fn path(self, token: &str) -> String {
        match self {
            Self::IdentityCheck => format!("/verifikasi/{token}"),
            Self::OtpSetup => format!("/otp/atur/{token}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_accept_what_people_type() {
        for input in ["d1q0517", "#d1q0517", " D1Q0517 ", "# d1q0517"] {
            assert_eq!(
                TicketNumber::parse(input).unwrap().as_str(),
                "d1q0517",
                "{input:?}"
            );
        }
    }

    #[test]
    fn ticket_numbers_reject_other_shapes() {
        assert_eq!(
            TicketNumber::parse("").unwrap_err(),
            "Nomor tiket wajib diisi."
        );
        for bad in ["d1q051", "d1q05177", "d1q-517", "d1q 517", "d1q051é"] {
            assert!(TicketNumber::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn questions_have_sensible_lengths() {
        assert_eq!(MessageText::parse("  ").unwrap_err(), "Pesan wajib diisi.");
        assert!(MessageText::parse("halo").is_err());
        assert!(MessageText::parse("Bagaimana cara memperbarui sertifikat?").is_ok());
        assert!(MessageText::parse(&"a".repeat(2001)).is_err());
        assert!(MessageText::parse("Baris satu\nbaris dua yang panjang").is_ok());
    }

    #[test]
    fn open_states_are_the_ones_that_wait() {
        assert!(TicketStatus::Rejected.is_open());
        assert!(!TicketStatus::Completed.is_open());
        assert!(!TicketStatus::Superseded.is_open());
    }
}
