//! The import report, as the command line prints it and the console shows it.

use serde::{Deserialize, Serialize};

/// What an import did (or, in a dry run, would do) with each row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// A dry run: computed in a transaction that was rolled back.
    pub dry_run: bool,
    pub rows: Vec<RowReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReport {
    /// The line of the CSV file (the header is line 1).
    pub line: u64,
    /// The `email` column as written, even when it is not a valid address.
    pub email: String,
    pub outcome: RowOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    /// The columns whose values changed, named as in the CSV header.
    Updated {
        changed: Vec<String>,
    },
    Unchanged,
    /// Skipped; the message names the row and the column.
    Failed {
        message: String,
    },
}

impl RowOutcome {
    /// `dibuat`, `diperbarui`, `tidak berubah` or `galat`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Created => "dibuat",
            Self::Updated { .. } => "diperbarui",
            Self::Unchanged => "tidak berubah",
            Self::Failed { .. } => "galat",
        }
    }

    /// What to show beside the label: the changed columns or the error.
    pub fn detail(&self) -> String {
        match self {
            Self::Updated { changed } => changed.join(", "),
            Self::Failed { message } => message.clone(),
            Self::Created | Self::Unchanged => String::new(),
        }
    }
}

/// How many rows had each result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
}

impl ImportReport {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for row in &self.rows {
            match row.outcome {
                RowOutcome::Created => counts.created += 1,
                RowOutcome::Updated { .. } => counts.updated += 1,
                RowOutcome::Unchanged => counts.unchanged += 1,
                RowOutcome::Failed { .. } => counts.failed += 1,
            }
        }
        counts
    }

    /// `3 dibuat, 1 diperbarui, 0 tidak berubah, 1 galat`
    pub fn summary(&self) -> String {
        let c = self.counts();
        format!(
            "{} dibuat, {} diperbarui, {} tidak berubah, {} galat",
            c.created, c.updated, c.unchanged, c.failed
        )
    }
}

/// The limits of an upload in the console, shown beside the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadLimits {
    pub max_csv_megabytes: usize,
    pub max_rows: usize,
    pub max_upload_megabytes: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_every_result() {
        let row = |outcome| RowReport {
            line: 2,
            email: "a@b.go.id".into(),
            outcome,
        };
        let report = ImportReport {
            dry_run: false,
            rows: vec![
                row(RowOutcome::Created),
                row(RowOutcome::Created),
                row(RowOutcome::Updated {
                    changed: vec!["phone".into()],
                }),
                row(RowOutcome::Failed {
                    message: "x".into(),
                }),
            ],
        };
        assert_eq!(
            report.summary(),
            "2 dibuat, 1 diperbarui, 0 tidak berubah, 1 galat"
        );
    }
}
