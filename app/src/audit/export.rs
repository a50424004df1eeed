//! The audit log as a CSV file (the console's "Unduh CSV"): one row per
//! entry, newest first, with both UTC and WIB times. Cells a spreadsheet
//! would run as a formula are defused, and a long log is cut at a limit
//! that the last row states.

use std::borrow::Cow;

use sqlx::AnyConnection;

use super::repo::{AuditFilter, matching};
use super::views::AuditLine;
use crate::format::{rfc3339_utc, wib_timestamp};

pub const HEADER: [&str; 9] = [
    "waktu_utc",
    "waktu_wib",
    "pelaku",
    "tindakan",
    "rincian",
    "akun",
    "tiket",
    "alamat",
    "peramban",
];

/// The most entries one file holds.
pub const MAX_ROWS: usize = 100_000;

/// Entries read per query while exporting.
const CHUNK: usize = 1_000;

/// A cell as written: one that starts like a formula (`=`, `+`, `-`, `@`,
/// or a tab or carriage return before one) gets a leading `'`, so a
/// spreadsheet shows it as text instead of running it (CSV injection).
pub fn defuse(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A CSV file being written: the header, then one row per entry.
pub struct CsvFile {
    writer: csv::Writer<Vec<u8>>,
    rows: usize,
}

impl Default for CsvFile {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvFile {
    pub fn new() -> Self {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(HEADER)
            .expect("writing to memory does not fail");
        Self { writer, rows: 0 }
    }

    pub fn push(&mut self, line: &AuditLine) {
        let account = line
            .subject_email
            .clone()
            .or_else(|| line.subject_account_id.as_ref().map(|id| id.to_string()));
        let ticket = line
            .ticket_number
            .clone()
            .or_else(|| line.ticket_id.as_ref().map(|id| id.to_string()));
        let cells = [
            rfc3339_utc(line.at),
            wib_timestamp(line.at),
            line.actor.clone(),
            line.action.clone(),
            line.detail.clone(),
            account.unwrap_or_default(),
            ticket.unwrap_or_default(),
            line.ip.clone().unwrap_or_default(),
            line.user_agent.clone().unwrap_or_default(),
        ];
        self.writer
            .write_record(cells.iter().map(|cell| defuse(cell).into_owned()))
            .expect("writing to memory does not fail");
        self.rows += 1;
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The file's bytes; after a cut, a last row says where it was cut.
    pub fn finish(mut self, cut_at: Option<usize>) -> Vec<u8> {
        if let Some(limit) = cut_at {
            let mut note = vec![String::new(); HEADER.len()];
            note[0] = format!(
                "DIPOTONG: hanya {limit} catatan terbaru yang disertakan; persempit saringan untuk sisanya."
            );
            self.writer
                .write_record(&note)
                .expect("writing to memory does not fail");
        }
        self.writer
            .into_inner()
            .expect("flushing to memory does not fail")
    }
}

/// An export: the file, how many entries it holds, whether it was cut.
#[derive(Debug)]
pub struct Export {
    pub csv: Vec<u8>,
    pub rows: usize,
    pub cut: bool,
}

/// The entries matching `filter` as CSV, newest first, at most `max_rows`.
/// Read in chunks after the last entry read, so entries written meanwhile
/// neither repeat nor shift rows.
pub async fn export_csv(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    max_rows: usize,
) -> Result<Export, sqlx::Error> {
    let mut file = CsvFile::new();
    let mut chunk_filter = filter.clone();
    let mut cut = false;
    loop {
        let wanted = (max_rows - file.rows()).min(CHUNK) + 1;
        let records = matching(conn, &chunk_filter, wanted as i64, 0).await?;
        let last_chunk = records.len() < wanted;
        for record in records {
            if file.rows() == max_rows {
                cut = true;
                break;
            }
            chunk_filter.before = Some((record.at, record.id));
            file.push(&AuditLine::from(record));
        }
        if last_chunk || cut {
            break;
        }
    }
    let rows = file.rows();
    Ok(Export {
        csv: file.finish(cut.then_some(max_rows)),
        rows,
        cut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::UnixTime;

    fn line(actor: &str, detail: &str) -> AuditLine {
        AuditLine {
            id: 1,
            at: UnixTime::from_secs(1_795_858_920),
            actor: actor.into(),
            action: "setting_changed".into(),
            detail: detail.into(),
            subject_account_id: None,
            subject_email: Some("budi@kominfo.go.id".into()),
            ticket_id: None,
            ticket_number: None,
            ip: Some("127.0.0.1".into()),
            user_agent: None,
        }
    }

    #[test]
    fn formulas_are_defused_and_other_text_is_kept() {
        for (cell, written) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("budi@kominfo.go.id", "budi@kominfo.go.id"),
            ("", ""),
        ] {
            assert_eq!(defuse(cell), written);
        }
    }

    #[test]
    fn rows_round_trip_and_a_cut_is_stated() {
        let mut file = CsvFile::new();
        file.push(&line("=HYPERLINK(\"x\")", "to: a, \"b\"\nc"));
        let bytes = file.finish(Some(1));
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(reader.headers().unwrap(), HEADER.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][0], "2026-11-28T09:42:00Z");
        assert_eq!(&rows[0][1], "2026-11-28 16:42:00");
        assert_eq!(&rows[0][2], "'=HYPERLINK(\"x\")");
        assert_eq!(&rows[0][4], "to: a, \"b\"\nc");
        assert_eq!(&rows[0][5], "budi@kominfo.go.id");
        assert!(rows[1][0].starts_with("DIPOTONG: hanya 1 catatan"));
    }
}
