//! Parsed OTP device input.

use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

use crate::time::UnixTime;

/// The name a signer gives an authenticator ("Hp Jackie 2606"): NFKC-normalised,
/// so full-width and other compatibility forms fold to their plain letters
/// ("ＨＰ Ｂｕｄｉ" is "HP Budi", "ﬁ" is "fi") and two names that read the same
/// are the same name; whitespace runs collapsed to one space and trimmed, 1–64 characters, and
/// nothing invisible (control, zero-width or bidirectional override characters
/// would let two names look alike or reorder text on the account page), and
/// no word mixing Latin, Greek and Cyrillic letters ("Hp Вudi" with a
/// Cyrillic "В" would look like "Hp Budi"; words of one script each are fine).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceName(String);

pub const DEVICE_NAME_MAX_CHARS: usize = 64;

fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// The scripts whose letters look alike (Latin "a", Cyrillic "а", Greek "α").
#[derive(Clone, Copy, PartialEq, Eq)]
enum LookAlikeScript {
    Latin,
    Greek,
    Cyrillic,
}

fn look_alike_script(c: char) -> Option<LookAlikeScript> {
    if !c.is_alphabetic() {
        return None;
    }
    match c {
        'A'..='Z' | 'a'..='z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => {
            Some(LookAlikeScript::Latin)
        }
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Some(LookAlikeScript::Greek),
        '\u{0400}'..='\u{052F}' => Some(LookAlikeScript::Cyrillic),
        _ => None,
    }
}

/// Whether a word mixes letters of look-alike scripts.
fn mixes_look_alike_scripts(word: &str) -> bool {
    let mut scripts = word.chars().filter_map(look_alike_script);
    scripts
        .next()
        .is_some_and(|first| scripts.any(|other| other != first))
}

impl DeviceName {
    pub fn parse(input: &str) -> Result<Self, String> {
        let normalised: String = input.nfkc().collect();
        // Invisible characters are refused, not stripped: a name must look like
        // what was stored. Tabs and newlines are whitespace and only collapse.
        if normalised
            .chars()
            .any(|c| is_invisible(c) && !c.is_whitespace())
        {
            return Err("Nama perangkat mengandung karakter yang tidak dapat ditampilkan.".into());
        }
        let name = normalised.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("Nama perangkat wajib diisi.".into());
        }
        if name.chars().count() > DEVICE_NAME_MAX_CHARS {
            return Err(format!(
                "Nama perangkat maksimal {DEVICE_NAME_MAX_CHARS} karakter."
            ));
        }
        if name.split(' ').any(mixes_look_alike_scripts) {
            return Err(
                "Nama perangkat mencampur huruf Latin, Yunani atau Kiril dalam satu kata: huruf yang mirip membuat dua nama tampak sama. Tulis setiap kata dengan satu jenis huruf."
                    .into(),
            );
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key that makes names unique per account regardless of case.
    pub fn unique_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<String> for DeviceName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DeviceName> for String {
    fn from(value: DeviceName) -> Self {
        value.0
    }
}

impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceName({:?})", self.0)
    }
}

/// A 6-digit code from an authenticator; spaces people type ("123 456") are ignored.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

pub const OTP_DIGITS: usize = 6;
/// A TOTP code is valid for one 30-second step (RFC 6238 default).
pub const STEP_SECONDS: i64 = 30;

/// Seconds until the code shown at `time` changes (30 down to 1).
pub fn seconds_left_in_step(time: UnixTime) -> i64 {
    STEP_SECONDS - time.secs().rem_euclid(STEP_SECONDS)
}

impl OtpCode {
    pub fn parse(input: &str) -> Result<Self, String> {
        let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if code.is_empty() {
            return Err("Kode OTP wajib diisi.".into());
        }
        if code.len() != OTP_DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err("Kode OTP harus 6 angka (spasi diabaikan).".into());
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_normalised() {
        let cases = [
            ("Hp Jackie 2606", "Hp Jackie 2606"),
            ("  Hp   Jackie\t2606  ", "Hp Jackie 2606"),
            ("Ponsel\u{00A0}Kantor", "Ponsel Kantor"),
            ("Ponsel\u{3000}Kantor", "Ponsel Kantor"),
            ("Hp Bu Déwi", "Hp Bu Déwi"),
            // Decomposed é becomes the composed form.
            ("Hp Bu De\u{0301}wi", "Hp Bu Déwi"),
            // Full-width and other compatibility forms fold to plain ones.
            ("ＨＰ Ｂｕｄｉ", "HP Budi"),
            ("Hp Ｂｕｄｉ ２６０６", "Hp Budi 2606"),
            ("Hp Kantor\u{FB01}", "Hp Kantorfi"),
            ("Hp Budi²", "Hp Budi2"),
            ("Телефон 🔐 مكتب", "Телефон 🔐 مكتب"),
            ("a", "a"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                DeviceName::parse(input).unwrap().as_str(),
                expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn device_names_reject_empty_long_and_invisible() {
        let too_long = "x".repeat(65);
        let cases = [
            ("", "Nama perangkat wajib diisi."),
            ("   \t\n ", "Nama perangkat wajib diisi."),
            (too_long.as_str(), "Nama perangkat maksimal 64 karakter."),
            (
                "Hp\u{200B}Jackie",
                "Nama perangkat mengandung karakter yang tidak dapat ditampilkan.",
            ),
            (
                "Hp \u{202E}eikcaJ",
                "Nama perangkat mengandung karakter yang tidak dapat ditampilkan.",
            ),
            (
                "Hp\u{0007}",
                "Nama perangkat mengandung karakter yang tidak dapat ditampilkan.",
            ),
            (
                "\u{FEFF}Hp",
                "Nama perangkat mengandung karakter yang tidak dapat ditampilkan.",
            ),
            (
                "Hp\u{2066}x",
                "Nama perangkat mengandung karakter yang tidak dapat ditampilkan.",
            ),
            // Cyrillic "В" and Greek "ο" among Latin letters.
            ("Hp \u{0412}udi", MIXED_SCRIPTS),
            ("Ph\u{03BF}ne", MIXED_SCRIPTS),
            ("Hp Budi\u{0430}", MIXED_SCRIPTS),
        ];
        for (input, message) in cases {
            assert_eq!(
                DeviceName::parse(input).unwrap_err(),
                message,
                "input {input:?}"
            );
        }
    }

    const MIXED_SCRIPTS: &str = "Nama perangkat mencampur huruf Latin, Yunani atau Kiril dalam satu kata: huruf yang mirip membuat dua nama tampak sama. Tulis setiap kata dengan satu jenis huruf.";

    #[test]
    fn device_names_keep_one_script_per_word() {
        for good in [
            "Hp Budi Телефон",
            "Ωμέγα 2026",
            "Ноутбук-2 Kantor",
            "Hp Déwi ß×2",
        ] {
            assert!(DeviceName::parse(good).is_ok(), "{good:?} was refused");
        }
    }

    #[test]
    fn device_name_length_counts_characters_not_bytes() {
        let sixty_four_wide = "é".repeat(64);
        assert!(DeviceName::parse(&sixty_four_wide).is_ok());
        assert!(DeviceName::parse(&"é".repeat(65)).is_err());
    }

    #[test]
    fn device_name_key_ignores_case() {
        let a = DeviceName::parse("HP Jackie").unwrap();
        let b = DeviceName::parse("hp jackie").unwrap();
        let c = DeviceName::parse("ÉCRAN").unwrap();
        assert_eq!(a.unique_key(), b.unique_key());
        assert_eq!(c.unique_key(), "écran");
    }

    #[test]
    fn otp_codes_ignore_spaces() {
        for input in ["123456", "123 456", " 12 34 56 ", "123\u{00A0}456"] {
            assert_eq!(OtpCode::parse(input).unwrap().as_str(), "123456");
        }
    }

    #[test]
    fn otp_codes_must_be_six_ascii_digits() {
        let cases = [
            ("", "Kode OTP wajib diisi."),
            ("  ", "Kode OTP wajib diisi."),
            ("12345", "Kode OTP harus 6 angka (spasi diabaikan)."),
            ("1234567", "Kode OTP harus 6 angka (spasi diabaikan)."),
            ("12345a", "Kode OTP harus 6 angka (spasi diabaikan)."),
            ("123-456", "Kode OTP harus 6 angka (spasi diabaikan)."),
            ("١٢٣٤٥٦", "Kode OTP harus 6 angka (spasi diabaikan)."),
        ];
        for (input, message) in cases {
            assert_eq!(
                OtpCode::parse(input).unwrap_err(),
                message,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn countdown_counts_to_the_next_step() {
        assert_eq!(seconds_left_in_step(UnixTime::from_secs(60)), 30);
        assert_eq!(seconds_left_in_step(UnixTime::from_secs(89)), 1);
    }

    #[test]
    fn otp_code_debug_hides_the_code() {
        assert_eq!(
            format!("{:?}", OtpCode::parse("123456").unwrap()),
            "OtpCode(******)"
        );
    }
}
