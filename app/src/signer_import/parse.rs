//! Reading an AMS export: a UTF-8 CSV file with a header row naming the
//! columns (any order, any case), comma- or semicolon-separated. A problem
//! with the file as a whole (size, encoding, header) is one [`FileError`]
//! and nothing is imported; a problem with a row is that row's
//! [`RowError`], naming the line and the column, and the other rows go on.

use std::collections::HashMap;
use std::fmt;

use csv::{ReaderBuilder, StringRecord, Trim};

use crate::accounts::service::SignerRecord;
use crate::accounts::types::{AccountStatus, AmsId, Nik, OfficialEmail, PersonName, PhoneNumber};

/// The columns of the export, in their usual order; all of them required.
pub const COLUMNS: [&str; 8] = [
    "email",
    "full_name",
    "nik",
    "phone",
    "agency",
    "status",
    "photo",
    "photo_consent",
];

/// Columns an export may have: `ams_id`, AMS's own id for the signer
/// (the key of the sync API, so AMS can later change the email).
pub const OPTIONAL_COLUMNS: [&str; 1] = ["ams_id"];

/// An export of this size holds some 30,000 signers.
pub const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_ROWS: usize = 20_000;
const MAX_AGENCY_CHARS: usize = 200;
const MAX_PHOTO_NAME_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("Berkas CSV kosong.")]
    Empty,
    #[error("Berkas CSV terlalu besar: maksimal {} MB. Bagi menjadi beberapa berkas.", MAX_CSV_BYTES / 1024 / 1024)]
    TooLarge,
    #[error(
        "Berkas CSV bukan teks UTF-8 (baris {line}). Simpan ulang dari aplikasi lembar kerja sebagai \"CSV UTF-8\"."
    )]
    NotUtf8 { line: u64 },
    #[error(
        "Baris judul CSV tidak sesuai: {problem}. Baris pertama harus berisi kolom email, full_name, nik, phone, agency, status, photo, photo_consent (kolom ams_id boleh ditambahkan)."
    )]
    Header { problem: String },
    #[error("Berkas CSV tidak dapat dibaca pada baris {line}: {problem}.")]
    Malformed { line: u64, problem: String },
    #[error("Berkas CSV tidak berisi baris data.")]
    NoRows,
    #[error("Berkas CSV berisi lebih dari {MAX_ROWS} baris data. Bagi menjadi beberapa berkas.")]
    TooManyRows,
}

/// What is wrong with one row: the line and, per column, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub problems: Vec<(&'static str, String)>,
}

impl RowError {
    pub fn new(line: u64, column: &'static str, message: impl Into<String>) -> Self {
        Self {
            line,
            problems: vec![(column, message.into())],
        }
    }
}

impl fmt::Display for RowError {
    /// `Baris 4, kolom nik: NIK harus terdiri dari 16 angka.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Baris {}, ", self.line)?;
        for (i, (column, message)) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "kolom {column}: {message}")?;
        }
        Ok(())
    }
}

/// A valid row: the signer and the name of their reference photo, if any
/// (given only with the signer's consent at registration).
#[derive(Debug, Clone)]
pub struct SignerRow {
    pub record: SignerRecord,
    pub photo: Option<String>,
}

/// One data row of the file.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    /// The `email` column as written, for the report.
    pub email: String,
    pub parsed: Result<SignerRow, RowError>,
}

/// Reads the whole file; rows come back in file order.
pub fn parse(bytes: &[u8]) -> Result<Vec<ImportRow>, FileError> {
    if bytes.len() > MAX_CSV_BYTES {
        return Err(FileError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| FileError::NotUtf8 {
        line: line_ends(&bytes[..e.valid_up_to()]).len() as u64 + 1,
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let mut reader = ReaderBuilder::new()
        .delimiter(delimiter_of(text))
        .has_headers(true)
        .flexible(true)
        .trim(Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| malformed(&e, 1))?
        .iter()
        .map(str::to_lowercase)
        .collect::<Vec<_>>();
    let positions = column_positions(&header)?;
    let newlines = line_ends(text.as_bytes());
    let mut rows = Vec::new();
    let mut first_line_of: HashMap<OfficialEmail, u64> = HashMap::new();
    let mut first_line_of_ams_id: HashMap<AmsId, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| malformed(&e, 0))?;
        if rows.len() == MAX_ROWS {
            return Err(FileError::TooManyRows);
        }
        // Rows left empty in a spreadsheet come out as `,,,,,,,`.
        if record.iter().all(str::is_empty) {
            continue;
        }
        // The csv crate counts lines without the blank ones, and its byte
        // offset is where the blank lines before a record begin: skip them
        // and count, so the report names the line an editor shows.
        let line = record.position().map_or(0, |p| {
            let start = p.byte() as usize;
            let skipped = text.as_bytes()[start.min(text.len())..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            line_at(&newlines, start + skipped)
        });
        let field = |name: &str| record.get(positions[name]).unwrap_or_default();
        let email = field("email").to_string();
        let mut parsed = parse_row(&record, &positions, header.len(), line);
        if let Ok(row) = &parsed {
            if let Some(first) = first_line_of.get(&row.record.email) {
                parsed = Err(RowError::new(
                    line,
                    "email",
                    format!("email ini sudah ada di baris {first}; satu email satu baris."),
                ));
            } else if let Some(first) = row
                .record
                .ams_id
                .as_ref()
                .and_then(|id| first_line_of_ams_id.get(id))
            {
                parsed = Err(RowError::new(
                    line,
                    "ams_id",
                    format!("ID AMS ini sudah ada di baris {first}; satu signer satu baris."),
                ));
            } else {
                first_line_of.insert(row.record.email.clone(), line);
                if let Some(id) = &row.record.ams_id {
                    first_line_of_ams_id.insert(id.clone(), line);
                }
            }
        }
        rows.push(ImportRow {
            line,
            email,
            parsed,
        });
    }
    if rows.is_empty() {
        return Err(FileError::NoRows);
    }
    Ok(rows)
}

/// Where lines end: at `\n`, and at a `\r` not followed by one (the line
/// ends of older Mac spreadsheets, which the csv crate also reads so).
fn line_ends(bytes: &[u8]) -> Vec<usize> {
    bytes
        .iter()
        .enumerate()
        .filter(|&(at, b)| *b == b'\n' || (*b == b'\r' && bytes.get(at + 1) != Some(&b'\n')))
        .map(|(at, _)| at)
        .collect()
}

/// The 1-based line of the byte at `offset`.
fn line_at(newlines: &[usize], offset: usize) -> u64 {
    newlines.partition_point(|at| *at < offset) as u64 + 1
}

/// A semicolon when the header uses semicolons and no commas (spreadsheets
/// set to Indonesian write that), else a comma.
fn delimiter_of(text: &str) -> u8 {
    let header = text.split(['\r', '\n']).next().unwrap_or_default();
    if header.contains(';') && !header.contains(',') {
        b';'
    } else {
        b','
    }
}

fn malformed(error: &csv::Error, fallback_line: u64) -> FileError {
    let line = error.position().map_or(fallback_line, |p| p.line());
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => FileError::NotUtf8 { line },
        _ => FileError::Malformed {
            line,
            problem: "format CSV tidak valid".into(),
        },
    }
}

/// Where each known column is; every column present exactly once.
fn column_positions(header: &[String]) -> Result<HashMap<&'static str, usize>, FileError> {
    let mut positions = HashMap::new();
    let mut unknown = Vec::new();
    for (at, name) in header.iter().enumerate() {
        match COLUMNS
            .iter()
            .chain(&OPTIONAL_COLUMNS)
            .find(|c| **c == name.as_str())
        {
            Some(column) => {
                if positions.insert(*column, at).is_some() {
                    return Err(FileError::Header {
                        problem: format!("kolom {column} muncul dua kali"),
                    });
                }
            }
            None if name.is_empty() => unknown.push("(kosong)".to_string()),
            None => unknown.push(name.clone()),
        }
    }
    if !unknown.is_empty() {
        return Err(FileError::Header {
            problem: format!("kolom tidak dikenal: {}", unknown.join(", ")),
        });
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| !positions.contains_key(*c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(FileError::Header {
            problem: format!("kolom tidak ada: {}", missing.join(", ")),
        });
    }
    Ok(positions)
}

fn parse_row(
    record: &StringRecord,
    positions: &HashMap<&'static str, usize>,
    columns: usize,
    line: u64,
) -> Result<SignerRow, RowError> {
    if record.len() != columns {
        return Err(RowError {
            line,
            problems: vec![(
                "(semua)",
                format!(
                    "baris ini berisi {} kolom, seharusnya {columns} seperti baris judul.",
                    record.len()
                ),
            )],
        });
    }
    let field = |name: &str| record.get(positions[name]).unwrap_or_default();
    let mut problems = Vec::new();
    let ams_id = take(
        &mut problems,
        "ams_id",
        match positions.get("ams_id").and_then(|at| record.get(*at)) {
            None | Some("") => Ok(None),
            Some(text) => AmsId::parse(text).map(Some),
        },
    );
    let email = take(&mut problems, "email", OfficialEmail::parse(field("email")));
    let full_name = take(
        &mut problems,
        "full_name",
        PersonName::parse(field("full_name")),
    );
    let nik = take(&mut problems, "nik", Nik::parse(field("nik")));
    let phone = take(
        &mut problems,
        "phone",
        match field("phone") {
            "" => Ok(None),
            text => PhoneNumber::parse(text).map(Some),
        },
    );
    let agency = take(&mut problems, "agency", agency(field("agency")));
    let status = take(&mut problems, "status", status(field("status")));
    let photo = take(&mut problems, "photo", photo_name(field("photo")));
    let consent = take(
        &mut problems,
        "photo_consent",
        consent(field("photo_consent")),
    );
    if let (Some(Some(_)), Some(consent)) = (&photo, consent)
        && consent != Some(true)
    {
        problems.push((
            "photo_consent",
            "foto referensi adalah data biometrik: isi \"ya\" hanya bila Signer menyetujuinya saat registrasi, atau kosongkan kolom photo.".into(),
        ));
    }
    match (ams_id, email, full_name, nik, phone, agency, status, photo) {
        (
            Some(ams_id),
            Some(email),
            Some(full_name),
            Some(nik),
            Some(phone),
            Some(agency),
            Some(status),
            Some(photo),
        ) if problems.is_empty() => Ok(SignerRow {
            record: SignerRecord {
                ams_id,
                email,
                full_name,
                nik,
                phone,
                agency,
                status,
            },
            photo,
        }),
        _ => Err(RowError { line, problems }),
    }
}

/// The value, or `None` with the column's problem noted.
fn take<T>(
    problems: &mut Vec<(&'static str, String)>,
    column: &'static str,
    result: Result<T, String>,
) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(message) => {
            problems.push((column, message));
            None
        }
    }
}

pub(super) fn agency(text: &str) -> Result<Option<String>, String> {
    let agency = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if agency.chars().count() > MAX_AGENCY_CHARS || agency.chars().any(char::is_control) {
        return Err(format!(
            "nama instansi maksimal {MAX_AGENCY_CHARS} karakter tanpa karakter kontrol."
        ));
    }
    Ok((!agency.is_empty()).then_some(agency))
}

pub(super) fn status(text: &str) -> Result<AccountStatus, String> {
    AccountStatus::parse(text).ok_or_else(|| {
        if text.is_empty() {
            "status wajib diisi: verified, unverified atau suspended.".into()
        } else {
            format!("status \"{text}\" tidak dikenal; isi verified, unverified atau suspended.")
        }
    })
}

/// The file name of the photo, without any folder.
fn photo_name(text: &str) -> Result<Option<String>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.contains(['/', '\\'])
        || text.starts_with('.')
        || text.chars().any(char::is_control)
        || text.chars().count() > MAX_PHOTO_NAME_CHARS
    {
        return Err(format!(
            "\"{text}\" bukan nama berkas foto; tulis nama berkasnya saja, tanpa folder."
        ));
    }
    Ok(Some(text.to_string()))
}

/// `ya`/`yes`/`true`/`1` or `tidak`/`no`/`false`/`0`; empty is no answer.
fn consent(text: &str) -> Result<Option<bool>, String> {
    match text.to_lowercase().as_str() {
        "" => Ok(None),
        "ya" | "yes" | "true" | "1" => Ok(Some(true)),
        "tidak" | "no" | "false" | "0" => Ok(Some(false)),
        _ => Err(format!(
            "\"{text}\" tidak dikenal; isi ya atau tidak (juga yes/no, true/false, 1/0)."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "email,full_name,nik,phone,agency,status,photo,photo_consent\n";

    fn rows(body: &str) -> Vec<ImportRow> {
        parse(format!("{HEADER}{body}").as_bytes()).expect("the file parses")
    }

    fn error_of(body: &str) -> String {
        let rows = rows(body);
        rows[0].parsed.as_ref().unwrap_err().to_string()
    }

    #[test]
    fn good_rows_become_signer_records() {
        let rows = rows(
            "Budi.Santoso@Kominfo.go.id, Budi  Santoso ,3201011508900001,+62 812 3456 7890,Kominfo,verified,budi.jpg,ya\n\
             siti@bssn.go.id,Siti Rahmawati,3273015508920002,,,suspended,,\n\
             \n\
             ,,,,,,,\n\
             \"ani@bssn.go.id\",\"Ani, S.Kom\",3201011508900002,081234567891,\"Badan Siber, Jakarta\",unverified,,tidak\n",
        );
        assert_eq!(rows.len(), 3);
        let budi = rows[0].parsed.as_ref().unwrap();
        assert_eq!(rows[0].line, 2);
        assert_eq!(budi.record.email.as_str(), "budi.santoso@kominfo.go.id");
        assert_eq!(budi.record.full_name.as_str(), "Budi Santoso");
        assert_eq!(budi.record.nik.masked(), "32************01");
        assert_eq!(budi.record.phone.as_ref().unwrap().as_str(), "081234567890");
        assert_eq!(budi.record.agency.as_deref(), Some("Kominfo"));
        assert_eq!(budi.record.status, AccountStatus::Verified);
        assert_eq!(budi.photo.as_deref(), Some("budi.jpg"));
        let siti = rows[1].parsed.as_ref().unwrap();
        assert_eq!(
            (siti.record.phone.clone(), siti.record.agency.clone()),
            (None, None)
        );
        assert_eq!(siti.record.status, AccountStatus::Suspended);
        assert_eq!(siti.photo, None);
        let ani = rows[2].parsed.as_ref().unwrap();
        assert_eq!(rows[2].line, 6, "blank and empty lines still count");
        assert_eq!(ani.record.full_name.as_str(), "Ani, S.Kom");
        assert_eq!(ani.record.agency.as_deref(), Some("Badan Siber, Jakarta"));
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_case() {
        let text = "\u{feff}STATUS;Email;nik;full_name;phone;agency;photo_consent;photo\n\
                    verified;budi@kominfo.go.id;3201011508900001;Budi Santoso;;;;\n";
        let rows = parse(text.as_bytes()).unwrap();
        let budi = rows[0].parsed.as_ref().unwrap();
        assert_eq!(budi.record.email.as_str(), "budi@kominfo.go.id");
        assert_eq!(budi.record.full_name.as_str(), "Budi Santoso");
    }

    #[test]
    fn old_mac_line_ends_are_lines_too() {
        // Found by fuzzing: with `\r` alone between rows, every row was
        // reported on line 2, and commas in the data chose the delimiter.
        let text = "email;full_name;nik;phone;agency;status;photo;photo_consent\r\
                    budi@kominfo.go.id;Budi, S.Kom;3201011508900001;;;verified;;\r\
                    \r\
                    siti@bssn.go.id;Siti;3273015508920002;;;bogus;;\r";
        let rows = parse(text.as_bytes()).unwrap();
        let lines: Vec<u64> = rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, [2, 4]);
        let budi = rows[0].parsed.as_ref().unwrap();
        assert_eq!(budi.record.full_name.as_str(), "Budi, S.Kom");
        assert!(
            rows[1]
                .parsed
                .as_ref()
                .unwrap_err()
                .to_string()
                .starts_with("Baris 4, kolom status")
        );
    }

    #[test]
    fn each_bad_column_is_named_with_its_line() {
        let cases = [
            (
                "budi@,Budi,3201011508900001,,,verified,,",
                "Baris 2, kolom email: Format email tidak valid. Contoh: nama@instansi.go.id",
            ),
            (
                "budi@kominfo.go.id, ,3201011508900001,,,verified,,",
                "Baris 2, kolom full_name: Nama lengkap wajib diisi.",
            ),
            (
                "budi@kominfo.go.id,Budi,320101150890000,,,verified,,",
                "Baris 2, kolom nik: NIK harus terdiri dari 16 angka.",
            ),
            (
                "budi@kominfo.go.id,Budi,3201011508900001,0212345678,,verified,,",
                "Baris 2, kolom phone: Nomor ponsel tidak valid. Contoh: 0812 3456 7890 atau +62 812 3456 7890.",
            ),
            (
                "budi@kominfo.go.id,Budi,3201011508900001,,,Verified,,",
                "Baris 2, kolom status: status \"Verified\" tidak dikenal; isi verified, unverified atau suspended.",
            ),
            (
                "budi@kominfo.go.id,Budi,3201011508900001,,,,,",
                "Baris 2, kolom status: status wajib diisi: verified, unverified atau suspended.",
            ),
            (
                "budi@kominfo.go.id,Budi,3201011508900001,,,verified,../etc/passwd,ya",
                "Baris 2, kolom photo: \"../etc/passwd\" bukan nama berkas foto; tulis nama berkasnya saja, tanpa folder.",
            ),
            (
                "budi@kominfo.go.id,Budi,3201011508900001,,,verified,,mungkin",
                "Baris 2, kolom photo_consent: \"mungkin\" tidak dikenal; isi ya atau tidak (juga yes/no, true/false, 1/0).",
            ),
            (
                "budi@kominfo.go.id,Budi,3201011508900001,,,verified",
                "Baris 2, kolom (semua): baris ini berisi 6 kolom, seharusnya 8 seperti baris judul.",
            ),
        ];
        for (row, expected) in cases {
            assert_eq!(error_of(&format!("{row}\n")), expected, "row {row:?}");
        }
        let long_agency = format!(
            "budi@kominfo.go.id,Budi,3201011508900001,,{},verified,,\n",
            "x".repeat(201)
        );
        assert!(error_of(&long_agency).starts_with("Baris 2, kolom agency: "));
    }

    #[test]
    fn a_photo_needs_consent() {
        for consent in ["", "tidak", "no", "0", "false"] {
            let message = error_of(&format!(
                "budi@kominfo.go.id,Budi,3201011508900001,,,verified,budi.jpg,{consent}\n"
            ));
            assert!(
                message.starts_with(
                    "Baris 2, kolom photo_consent: foto referensi adalah data biometrik"
                ),
                "{consent:?}: {message}"
            );
        }
        for consent in ["ya", "YES", "true", "1"] {
            let rows = rows(&format!(
                "budi@kominfo.go.id,Budi,3201011508900001,,,verified,budi.jpg,{consent}\n"
            ));
            assert!(rows[0].parsed.is_ok(), "{consent:?}");
        }
    }

    #[test]
    fn several_problems_in_a_row_are_all_named() {
        let message = error_of("budi,Budi,123,,,aktif,,\n");
        assert!(message.starts_with("Baris 2, kolom email: "), "{message}");
        assert!(message.contains("; kolom nik: NIK harus terdiri dari 16 angka."));
        assert!(message.contains("; kolom status: "));
    }

    #[test]
    fn a_repeated_email_is_an_error_on_its_second_row() {
        let rows = rows(
            "budi@kominfo.go.id,Budi,3201011508900001,,,verified,,\n\
             BUDI@kominfo.go.id,Budi S,3201011508900002,,,verified,,\n",
        );
        assert!(rows[0].parsed.is_ok());
        assert_eq!(
            rows[1].parsed.as_ref().unwrap_err().to_string(),
            "Baris 3, kolom email: email ini sudah ada di baris 2; satu email satu baris."
        );
        assert_eq!(rows[1].email, "BUDI@kominfo.go.id");
    }

    #[test]
    fn an_ams_id_column_is_optional_and_names_one_signer_once() {
        let file = "ams_id,email,full_name,nik,phone,agency,status,photo,photo_consent\n\
                    AMS-1,budi@kominfo.go.id,Budi,3201011508900001,,,verified,,\n\
                    ,siti@bssn.go.id,Siti,3273015508920002,,,verified,,\n\
                    AMS-1,eko@kominfo.go.id,Eko,3201011508900003,,,verified,,\n\
                    AMS 2,ani@bssn.go.id,Ani,3201011508900004,,,verified,,\n";
        let parsed = parse(file.as_bytes()).unwrap();
        let ams_id = |at: usize| parsed[at].parsed.as_ref().unwrap().record.ams_id.clone();
        assert_eq!(ams_id(0).unwrap().as_str(), "AMS-1");
        assert_eq!(ams_id(1), None);
        assert_eq!(
            parsed[2].parsed.as_ref().unwrap_err().to_string(),
            "Baris 4, kolom ams_id: ID AMS ini sudah ada di baris 2; satu signer satu baris."
        );
        let message = parsed[3].parsed.as_ref().unwrap_err().to_string();
        assert!(message.starts_with("Baris 5, kolom ams_id: "), "{message}");
        // Without the column every row has none.
        assert_eq!(
            rows("budi@kominfo.go.id,Budi,3201011508900001,,,verified,,\n")[0]
                .parsed
                .as_ref()
                .unwrap()
                .record
                .ams_id,
            None
        );
    }

    #[test]
    fn header_problems_refuse_the_whole_file() {
        let header = |text: &str| match parse(text.as_bytes()) {
            Err(FileError::Header { problem }) => problem,
            other => panic!("{text:?} gave {other:?}"),
        };
        assert_eq!(
            header("email,full_name,nik,phone,agency,status,photo\nx,y,z,,,,\n"),
            "kolom tidak ada: photo_consent"
        );
        assert_eq!(
            header("email,nama,nik,phone,agency,status,photo,photo_consent\n"),
            "kolom tidak dikenal: nama"
        );
        assert_eq!(
            header("email,email,full_name,nik,phone,agency,status,photo,photo_consent\n"),
            "kolom email muncul dua kali"
        );
        // Data where the header should be.
        assert!(
            header("budi@kominfo.go.id,Budi,3201011508900001,,,verified,,\n")
                .starts_with("kolom tidak dikenal: budi@kominfo.go.id")
        );
        let message = parse(b"nama\nx\n").unwrap_err().to_string();
        assert!(
            message.starts_with("Baris judul CSV tidak sesuai: "),
            "{message}"
        );
    }

    #[test]
    fn files_that_are_not_csv_text_are_refused() {
        assert_eq!(parse(b"").unwrap_err(), FileError::Empty);
        assert_eq!(parse(b" \n\n").unwrap_err(), FileError::Empty);
        assert_eq!(parse(HEADER.as_bytes()).unwrap_err(), FileError::NoRows);
        let mut latin1 = HEADER.as_bytes().to_vec();
        latin1.extend_from_slice(b"budi@kominfo.go.id,Jos\xe9,3201011508900001,,,verified,,\n");
        assert_eq!(parse(&latin1).unwrap_err(), FileError::NotUtf8 { line: 2 });
        let huge = vec![b'a'; MAX_CSV_BYTES + 1];
        assert_eq!(parse(&huge).unwrap_err(), FileError::TooLarge);
        let mut many = HEADER.to_string();
        for _ in 0..=MAX_ROWS {
            many.push_str("a,b,c,d,e,f,g,h\n");
        }
        assert_eq!(parse(many.as_bytes()).unwrap_err(), FileError::TooManyRows);
    }
}
