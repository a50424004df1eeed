//! Parsed account data: a value of these types is valid by construction.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An official ("dinas") email address, trimmed and lowercased.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficialEmail(String);

impl OfficialEmail {
    pub fn parse(input: &str) -> Result<Self, String> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err("Email wajib diisi.".into());
        }
        let invalid = || "Format email tidak valid. Contoh: nama@instansi.go.id".to_string();
        if email.len() > 254 {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if !is_valid_local_part(local) || !is_valid_domain(domain) {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `na**@instansi.go.id`: enough for the owner to recognise, little for others.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let shown: String = local.chars().take(2).collect();
        format!(
            "{shown}{}@{domain}",
            "*".repeat(local.chars().count().saturating_sub(2).max(2))
        )
    }
}

fn is_valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || SPECIALS.contains(c))
}

fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    labels.len() >= 2
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_lowercase())
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

impl TryFrom<String> for OfficialEmail {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OfficialEmail> for String {
    fn from(value: OfficialEmail) -> Self {
        value.0
    }
}

impl AsRef<str> for OfficialEmail {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OfficialEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OfficialEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfficialEmail({})", self.masked())
    }
}

/// An Indonesian population number (Nomor Induk Kependudukan): 16 digits made
/// of a region code (province, regency/city, district), the birth date (day
/// plus 40 for women) and a serial number. Personal data: `Debug` shows only
/// the masked form.
#[derive(Clone, PartialEq, Eq)]
pub struct Nik(String);

/// Province codes of the Ministry of Home Affairs, including the Papua
/// provinces created in 2022 (older NIKs of Papua begin with 91 or 94).
const PROVINCE_CODES: &[u8] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
    71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96,
];

impl Nik {
    pub fn parse(input: &str) -> Result<Self, String> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err("NIK wajib diisi.".into());
        }
        if digits.len() != 16 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("NIK harus terdiri dari 16 angka.".into());
        }
        let number =
            |range: std::ops::Range<usize>| -> u32 { digits[range].parse().unwrap_or_default() };
        if !PROVINCE_CODES.contains(&(number(0..2) as u8)) {
            return Err("Kode provinsi pada NIK (2 angka pertama) tidak dikenal.".into());
        }
        if number(2..4) == 0 || number(4..6) == 0 {
            return Err("Kode kabupaten/kota atau kecamatan pada NIK tidak valid.".into());
        }
        let day = match number(6..8) {
            day @ 41..=71 => day - 40,
            day => day,
        };
        if !is_possible_birth_date(day, number(8..10)) {
            return Err("Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid.".into());
        }
        if number(12..16) == 0 {
            return Err("Nomor urut pada NIK (4 angka terakhir) tidak valid.".into());
        }
        Ok(Self(digits))
    }

    /// The 16 digits, for keyed hashing only: never display or log this.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `32************01`: the only way a NIK is ever shown. Two digits at
    /// each end let the owner recognise it; the first four would name the
    /// regency and the last four narrow the person down among its births.
    /// Stored masks of the older, wider form are rewritten by migration 0016.
    pub fn masked(&self) -> String {
        format!("{}************{}", &self.0[..2], &self.0[14..])
    }
}

/// The year is two digits, so February 29 is allowed.
fn is_possible_birth_date(day: u32, month: u32) -> bool {
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 29,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

/// A person's full name as recorded in AMS: whitespace collapsed, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("Nama lengkap wajib diisi.".into());
        }
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(
                "Nama lengkap maksimal 100 karakter dan hanya berisi huruf, spasi dan tanda baca."
                    .into(),
            );
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two spellings name the same person as far as a form can tell:
    /// case, spacing and the punctuation of titles ("Dr.", "S.Kom") are ignored.
    pub fn matches(&self, other: &PersonName) -> bool {
        fn key(name: &str) -> String {
            name.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        }
        key(&self.0) == key(&other.0)
    }
}

/// An Indonesian mobile number, kept in the national form `08…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, String> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')'))
            .collect();
        if digits.is_empty() {
            return Err("Nomor ponsel wajib diisi.".into());
        }
        let national = if let Some(rest) = digits.strip_prefix("+62") {
            format!("0{rest}")
        } else if let Some(rest) = digits.strip_prefix("62") {
            format!("0{rest}")
        } else {
            digits
        };
        if !national.starts_with("08")
            || !(10..=14).contains(&national.len())
            || !national.chars().all(|c| c.is_ascii_digit())
        {
            return Err(
                "Nomor ponsel tidak valid. Contoh: 0812 3456 7890 atau +62 812 3456 7890.".into(),
            );
        }
        Ok(Self(national))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// AMS's own id for a signer (the `{ams_id}` of the sync API, the
/// `ams_id` column of an import): 1 to 64 printable ASCII characters,
/// without spaces or slashes, so it always fits in one URL path segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AmsId(String);

impl AmsId {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(input: &str) -> Result<Self, String> {
        if input.is_empty() {
            return Err("ID AMS wajib diisi.".into());
        }
        if input.len() > Self::MAX_CHARS
            || !input.bytes().all(|b| b.is_ascii_graphic() && b != b'/')
        {
            return Err(format!(
                "ID AMS harus 1 sampai {} karakter ASCII yang terlihat, tanpa spasi dan garis miring.",
                Self::MAX_CHARS
            ));
        }
        // A dot segment is resolved away by every URL parser (RFC 3986
        // 5.2.4): `/api/v1/signers/..` names another route, not this signer.
        if matches!(input, "." | "..") {
            return Err("ID AMS tidak boleh hanya berisi titik (\".\" atau \"..\").".into());
        }
        Ok(Self(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AmsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password being set: 8 to 128 characters (NIST SP 800-63B for a
/// password used with a second factor). `Debug` hides it.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.chars().count() {
            0..=7 => Err("Kata sandi minimal 8 karakter.".into()),
            129.. => Err("Kata sandi maksimal 128 karakter.".into()),
            _ => Ok(Self(input.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Verified,
    Unverified,
    Suspended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Signer,
    Verifier,
    Admin,
}

crate::text_enum::text_enum!(AccountStatus { Verified => "verified", Unverified => "unverified", Suspended => "suspended" });
crate::text_enum::text_enum!(Role { Signer => "signer", Verifier => "verifier", Admin => "admin" });

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Verified => "Terverifikasi",
            Self::Unverified => "Belum terverifikasi",
            Self::Suspended => "Ditangguhkan",
        }
    }
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Self::Signer => "Signer",
            Self::Verifier => "Verifikator",
            Self::Admin => "Admin",
        }
    }

    pub fn is_staff(self) -> bool {
        matches!(self, Self::Verifier | Self::Admin)
    }

    /// Whether this role may do what `needed` may: an admin may do all a
    /// verifier may, a verifier all a signer may.
    pub fn may_act_as(self, needed: Role) -> bool {
        let rank = |role: Role| match role {
            Role::Signer => 0,
            Role::Verifier => 1,
            Role::Admin => 2,
        };
        rank(self) >= rank(needed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ams_ids_fit_one_path_segment() {
        assert_eq!(AmsId::parse("AMS-0001").unwrap().as_str(), "AMS-0001");
        assert!(AmsId::parse(&"x".repeat(64)).is_ok());
        for bad in [
            "",
            "a b",
            "a/b",
            "ä",
            "tab\there",
            &"x".repeat(65),
            ".",
            "..",
        ] {
            assert!(AmsId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn email_is_normalised() {
        let email = OfficialEmail::parse("  Budi.Santoso@Kominfo.GO.ID ").unwrap();
        assert_eq!(email.as_str(), "budi.santoso@kominfo.go.id");
    }

    #[test]
    fn email_rejects_what_is_not_an_address() {
        for bad in [
            "",
            "   ",
            "budi",
            "budi@",
            "@kominfo.go.id",
            "budi@@kominfo.go.id",
            "budi@kominfo",
            "budi@kominfo.",
            "budi@-kominfo.go.id",
            ".budi@kominfo.go.id",
            "bu..di@kominfo.go.id",
            "budi santoso@kominfo.go.id",
            "búdi@kominfo.go.id",
            "budi@kominfo.go.i1",
            "budi@kom_info.go.id",
        ] {
            assert!(OfficialEmail::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn email_is_masked_for_display() {
        let email = OfficialEmail::parse("budi@bssn.go.id").unwrap();
        assert_eq!(email.masked(), "bu**@bssn.go.id");
        assert_eq!(format!("{email:?}"), "OfficialEmail(bu**@bssn.go.id)");
    }

    #[test]
    fn nik_accepts_valid_numbers_for_men_and_women() {
        for good in [
            "3201011508900001",
            "3273015508920002",
            "3201 0115 0890 0001",
            "9401012902000123",
            "1101017112991234",
        ] {
            assert!(Nik::parse(good).is_ok(), "{good:?} was refused");
        }
    }

    #[test]
    fn nik_rejects_structural_errors_with_a_precise_message() {
        let cases = [
            ("", "NIK wajib diisi."),
            ("320101150890000", "NIK harus terdiri dari 16 angka."),
            ("32010115089000011", "NIK harus terdiri dari 16 angka."),
            ("320101150890000a", "NIK harus terdiri dari 16 angka."),
            (
                "３２０１０１１５０８９００００１",
                "NIK harus terdiri dari 16 angka.",
            ),
            (
                "9901011508900001",
                "Kode provinsi pada NIK (2 angka pertama) tidak dikenal.",
            ),
            (
                "2001011508900001",
                "Kode provinsi pada NIK (2 angka pertama) tidak dikenal.",
            ),
            (
                "3200011508900001",
                "Kode kabupaten/kota atau kecamatan pada NIK tidak valid.",
            ),
            (
                "3201001508900001",
                "Kode kabupaten/kota atau kecamatan pada NIK tidak valid.",
            ),
            (
                "3201013208900001",
                "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid.",
            ),
            (
                "3201010008900001",
                "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid.",
            ),
            (
                "3201017208900001",
                "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid.",
            ),
            (
                "3201013102900001",
                "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid.",
            ),
            (
                "3201011513900001",
                "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid.",
            ),
            (
                "3201017104900001",
                "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid.",
            ),
            (
                "3201011508900000",
                "Nomor urut pada NIK (4 angka terakhir) tidak valid.",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(Nik::parse(input).unwrap_err(), message, "input {input:?}");
        }
    }

    #[test]
    fn nik_never_shows_in_full() {
        let nik = Nik::parse("3201011508900001").unwrap();
        assert_eq!(nik.masked(), "32************01");
        assert_eq!(format!("{nik:?}"), "Nik(32************01)");
    }

    #[test]
    fn names_match_ignoring_case_spacing_and_title_punctuation() {
        let recorded = PersonName::parse("Dr. Budi  Santoso, S.Kom").unwrap();
        for typed in [
            "dr budi santoso skom",
            "DR. BUDI SANTOSO, S.KOM",
            " Dr.  Budi Santoso,S.Kom ",
        ] {
            let typed = PersonName::parse(typed).unwrap();
            assert!(recorded.matches(&typed), "{typed:?}");
        }
        assert!(!recorded.matches(&PersonName::parse("Budi Santoso").unwrap()));
        assert_eq!(
            PersonName::parse(" ").unwrap_err(),
            "Nama lengkap wajib diisi."
        );
    }

    #[test]
    fn phone_numbers_are_kept_in_national_form() {
        for input in [
            "081234567890",
            "0812-3456-7890",
            "+62 812 3456 7890",
            "62812 3456 7890",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                "081234567890",
                "{input}"
            );
        }
        for bad in [
            "",
            "12345",
            "0212345678",
            "08123",
            "0812345678901234",
            "0812abc45678",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn new_passwords_have_length_limits() {
        assert_eq!(
            NewPassword::parse("1234567").unwrap_err(),
            "Kata sandi minimal 8 karakter."
        );
        assert!(NewPassword::parse("kata sandi panjang").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("rahasia123").unwrap()),
            "NewPassword(..)"
        );
    }

    #[test]
    fn text_enums_round_trip() {
        for status in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(status.as_str()), Some(*status));
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(AccountStatus::parse("VERIFIED"), None);
    }
}
