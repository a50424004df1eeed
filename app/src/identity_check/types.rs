//! Parsed review input and the reasons a photo is refused.

/// Why a verifier rejects a selfie, as the signer will read it: 5–500 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionReason(String);

impl RejectionReason {
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.split_whitespace().collect::<Vec<_>>().join(" ");
        match text.chars().count() {
            0 => Err("Alasan penolakan wajib diisi: signer akan membacanya di email.".into()),
            1..=4 => {
                Err("Alasan penolakan terlalu singkat; jelaskan apa yang perlu diperbaiki.".into())
            }
            501.. => Err("Alasan penolakan maksimal 500 karakter.".into()),
            _ => Ok(Self(text)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a face-match score means to the verifier, by the thresholds in the
/// settings. Only words for a person: nothing is decided by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceMatchBand {
    /// At or above the acceptance threshold.
    Match,
    /// Between the two thresholds: look closer.
    Doubt,
    /// Below the doubt threshold.
    NoMatch,
}

impl FaceMatchBand {
    pub fn label(self) -> &'static str {
        match self {
            FaceMatchBand::Match => "cocok",
            FaceMatchBand::Doubt => "ragu",
            FaceMatchBand::NoMatch => "tidak cocok",
        }
    }
}

/// A verifier's decision on a selfie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfieDecision {
    Approved,
    Rejected,
}

crate::text_enum::text_enum!(SelfieDecision { Approved => "approved", Rejected => "rejected" });

impl SelfieDecision {
    pub fn label(self) -> &'static str {
        match self {
            Self::Approved => "Disetujui",
            Self::Rejected => "Ditolak",
        }
    }
}

/// "Budi Santoso" -> "Bu** Sa*****": enough for the owner to recognise.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let shown: String = word.chars().take(2).collect();
            let hidden = word.chars().count().saturating_sub(2);
            format!("{shown}{}", "*".repeat(hidden))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why an uploaded selfie was refused, with a message that helps retake it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error(
        "File bukan foto JPEG atau PNG. Ambil foto dengan kamera, atau pilih file foto JPEG/PNG."
    )]
    NotAnImage,
    #[error(
        "Foto terlalu besar. Ukuran file maksimal 10 MB dan resolusi maksimal 8000×8000 piksel."
    )]
    TooLarge,
    #[error("Foto terlalu kecil. Gunakan foto minimal 240×240 piksel.")]
    TooSmall,
    #[error("Foto rusak atau tidak lengkap. Ambil ulang foto, lalu kirim lagi.")]
    Unreadable,
    #[error(
        "Wajah tidak terdeteksi. Pastikan wajah Anda terlihat jelas dan menghadap kamera, dengan cahaya yang cukup dan tanpa masker atau kacamata hitam."
    )]
    NoFace,
    #[error("Terdeteksi lebih dari satu wajah. Pastikan hanya wajah Anda yang ada di dalam foto.")]
    SeveralFaces,
}

impl PhotoError {
    /// A short stable code, for URLs of the form fallback (`?galat=…`).
    pub fn code(self) -> &'static str {
        match self {
            Self::NotAnImage => "bukan-foto",
            Self::TooLarge => "terlalu-besar",
            Self::TooSmall => "terlalu-kecil",
            Self::Unreadable => "rusak",
            Self::NoFace => "tanpa-wajah",
            Self::SeveralFaces => "banyak-wajah",
        }
    }

    pub const ALL: [PhotoError; 6] = [
        Self::NotAnImage,
        Self::TooLarge,
        Self::TooSmall,
        Self::Unreadable,
        Self::NoFace,
        Self::SeveralFaces,
    ];

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

/// The multipart field, and its value, that carries the signer's consent to
/// the selfie (UU PDP: a face photo is biometric, specific personal data).
pub const CONSENT_FIELD: &str = "consent";
pub const CONSENT_GIVEN: &str = "ya";

/// Whether a consent field's value says yes.
pub fn consent_given(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case(CONSENT_GIVEN)
}

/// A selfie sent without the signer's consent: refused, nothing stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "Swafoto belum dikirim: centang persetujuan penggunaan swafoto terlebih dahulu. Tanpa persetujuan Anda, swafoto tidak diproses."
)]
pub struct ConsentMissing;

impl ConsentMissing {
    /// Its code in URLs of the form fallback (`?galat=…`).
    pub const CODE: &'static str = "tanpa-persetujuan";
}

/// The message for a `?galat=` code of the selfie upload, if it is one.
pub fn upload_refusal_message(code: &str) -> Option<String> {
    if code == ConsentMissing::CODE {
        return Some(ConsentMissing.to_string());
    }
    PhotoError::from_code(code).map(|e| e.to_string())
}

/// Why the console refused a reference photo, as the account page reads it
/// back from `?galat=…` after a plain form post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceProblem {
    #[error(
        "Foto referensi adalah data biometrik: simpan hanya bila Signer telah menyetujuinya saat registrasi."
    )]
    NoConsent,
    #[error("Foto referensi hanya untuk akun Signer.")]
    NotASigner,
    #[error("Pilih berkas foto referensi terlebih dahulu.")]
    NoPhoto,
    #[error(transparent)]
    Photo(PhotoError),
    #[error("Terjadi gangguan; foto referensi belum disimpan. Coba lagi.")]
    Failed,
}

impl ReferenceProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::NoConsent => "tanpa-persetujuan",
            Self::NotASigner => "bukan-signer",
            Self::NoPhoto => "tanpa-foto",
            Self::Photo(problem) => problem.code(),
            Self::Failed => "gangguan",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::NoConsent,
            Self::NotASigner,
            Self::NoPhoto,
            Self::Failed,
        ]
        .into_iter()
        .chain(PhotoError::ALL.into_iter().map(Self::Photo))
        .find(|p| p.code() == code)
    }
}

/// The kind of a stored outcome (column `selfies.match_outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOutcomeKind {
    Score,
    NoRecord,
    Unavailable,
    NothingToCompare,
}

crate::text_enum::text_enum!(MatchOutcomeKind {
    Score => "score",
    NoRecord => "no_record",
    Unavailable => "unavailable",
    NothingToCompare => "nothing_to_compare",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_need_some_words() {
        assert!(RejectionReason::parse("   ").is_err());
        assert!(RejectionReason::parse("buram").is_ok());
        assert!(RejectionReason::parse("ok").is_err());
        assert_eq!(
            RejectionReason::parse(" Wajah  tertutup\nmasker ")
                .unwrap()
                .as_str(),
            "Wajah tertutup masker"
        );
        assert!(RejectionReason::parse(&"x".repeat(501)).is_err());
    }

    #[test]
    fn photo_error_codes_round_trip() {
        for error in PhotoError::ALL {
            assert_eq!(PhotoError::from_code(error.code()), Some(error));
        }
        assert_eq!(PhotoError::from_code("lain"), None);
    }

    #[test]
    fn consent_and_reference_codes_round_trip() {
        assert!(consent_given("ya") && consent_given(" YA "));
        assert!(!consent_given("") && !consent_given("tidak"));
        assert_eq!(
            upload_refusal_message(ConsentMissing::CODE),
            Some(ConsentMissing.to_string())
        );
        assert!(upload_refusal_message("tanpa-wajah").is_some());
        assert_eq!(upload_refusal_message("lain"), None);
        for problem in [
            ReferenceProblem::NoConsent,
            ReferenceProblem::NotASigner,
            ReferenceProblem::NoPhoto,
            ReferenceProblem::Failed,
            ReferenceProblem::Photo(PhotoError::NoFace),
        ] {
            assert_eq!(ReferenceProblem::from_code(problem.code()), Some(problem));
        }
    }

    #[test]
    fn names_are_masked_word_by_word() {
        assert_eq!(mask_name("Budi Santoso"), "Bu** Sa*****");
        assert_eq!(mask_name("Ni Luh Putu"), "Ni Lu* Pu**");
    }
}
