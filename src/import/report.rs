//! What an import tells its user: counts, warnings, every rejected row with its line,
//! column and reason, and the errors CSV (the original rows plus a reason column, ready to
//! fix and re-import).
//!
//! The report may hold the user's own cell values (that is its purpose); log lines must
//! not: log the counts only.

use std::io::Write;

use serde::Serialize;

/// Name of the column the errors CSV adds; the importer ignores it (with a warning) when the
/// fixed file comes back.
pub const REASON_COLUMN: &str = "Import error";

/// Rejected rows kept in [`ImportReport::errors`]; the counts and the errors CSV are always
/// complete.
pub const MAX_REPORTED_ERRORS: usize = 10_000;

/// Why one row, or one of its cells, was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Physical line of the row's first line in the file (header = 1).
    pub line: u64,
    /// The file's header text of the column at fault (empty for the whole row).
    pub column: String,
    /// What is wrong.
    pub reason: String,
}

/// A rejected row: its errors and its original cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// Physical line.
    pub line: u64,
    /// One entry per problem found.
    pub errors: Vec<RowError>,
    /// The cells as read.
    pub cells: Vec<String>,
}

impl RejectedRow {
    /// The reasons, joined for one CSV cell.
    #[must_use]
    pub fn reason_text(&self) -> String {
        self.errors
            .iter()
            .map(|e| {
                if e.column.is_empty() {
                    e.reason.clone()
                } else {
                    format!("{}: {}", e.column, e.reason)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Counts and problems of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// `customers` or `contacts`.
    pub kind: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// Data rows read (blank rows excluded).
    pub rows: u64,
    /// Records created.
    pub created: u64,
    /// Records updated (restored ones included).
    pub updated: u64,
    /// Records soft-deleted.
    pub deleted: u64,
    /// Rows that matched a record and changed nothing.
    pub unchanged: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Bulk updates: rows whose stored value no longer equalled `[old]` (skipped, unless
    /// forced).
    pub conflicts: u64,
    /// Columns ignored and other notices.
    pub warnings: Vec<String>,
    /// Rejected rows' errors, at most [`MAX_REPORTED_ERRORS`] rows' worth.
    pub errors: Vec<RowError>,
}

impl ImportReport {
    /// A human-readable summary, one line per count.
    #[must_use]
    pub fn summary(&self) -> String {
        format!(
            "{} import{}: {} rows read, {} created, {} updated, {} deleted, {} unchanged, {} rejected",
            self.kind,
            if self.dry_run {
                " (dry run, nothing written)"
            } else {
                ""
            },
            self.rows,
            self.created,
            self.updated,
            self.deleted,
            self.unchanged,
            self.rejected
        ) + &if self.conflicts > 0 || matches!(self.kind.as_str(), "criteria" | "authorizations") {
            format!(", {} conflicts", self.conflicts)
        } else {
            String::new()
        }
    }
}

/// Receives each rejected row as it is found.
pub trait RejectSink: Send {
    /// One rejected row.
    ///
    /// # Errors
    /// When the row cannot be recorded (e.g. a write error).
    fn reject(&mut self, row: &RejectedRow) -> std::io::Result<()>;
}

/// Keeps nothing.
#[derive(Debug, Default)]
pub struct NoSink;

impl RejectSink for NoSink {
    fn reject(&mut self, _row: &RejectedRow) -> std::io::Result<()> {
        Ok(())
    }
}

/// Keeps every rejected row in memory (the API stores them after the import).
#[derive(Debug, Default)]
pub struct VecSink(pub Vec<RejectedRow>);

impl RejectSink for VecSink {
    fn reject(&mut self, row: &RejectedRow) -> std::io::Result<()> {
        self.0.push(row.clone());
        Ok(())
    }
}

/// Writes the errors CSV: the original header plus [`REASON_COLUMN`], then each rejected
/// row's original cells plus its reasons. UTF-8 with a BOM, so spreadsheets open it right.
pub struct ErrorsCsv<W: Write> {
    writer: csv::Writer<W>,
    width: usize,
}

impl<W: Write> std::fmt::Debug for ErrorsCsv<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorsCsv").finish_non_exhaustive()
    }
}

impl<W: Write> ErrorsCsv<W> {
    /// Starts the file with `header`.
    ///
    /// # Errors
    /// On write errors.
    pub fn new(mut out: W, header: &[String], delimiter: u8) -> std::io::Result<Self> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_writer(out);
        let width = header.len();
        let mut record: Vec<&str> = header.iter().map(String::as_str).collect();
        record.push(REASON_COLUMN);
        writer
            .write_record(&record)
            .map_err(std::io::Error::other)?;
        Ok(Self { writer, width })
    }

    /// Writes one row.
    ///
    /// # Errors
    /// On write errors.
    pub fn write(&mut self, cells: &[String], reason: &str) -> std::io::Result<()> {
        let mut record: Vec<&str> = cells.iter().take(self.width).map(String::as_str).collect();
        record.resize(self.width, "");
        record.push(reason);
        self.writer
            .write_record(&record)
            .map_err(std::io::Error::other)
    }

    /// Flushes and returns the output.
    ///
    /// # Errors
    /// On write errors.
    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner().map_err(|e| e.into_error())
    }
}

impl<W: Write + Send> RejectSink for ErrorsCsv<W> {
    fn reject(&mut self, row: &RejectedRow) -> std::io::Result<()> {
        self.write(&row.cells, &row.reason_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_csv_keeps_the_original_cells_and_adds_the_reason() {
        let header = vec!["Email".to_owned(), "Note".to_owned()];
        let mut csv = ErrorsCsv::new(Vec::new(), &header, b';').expect("header");
        let row = RejectedRow {
            line: 3,
            errors: vec![RowError {
                line: 3,
                column: "Email".into(),
                reason: "email has no @".into(),
            }],
            cells: vec!["x".into(), "a;b".into()],
        };
        csv.reject(&row).expect("row");
        let out = String::from_utf8(csv.finish().expect("flush")).expect("utf8");
        assert_eq!(
            out,
            "\u{feff}Email;Note;Import error\nx;\"a;b\";Email: email has no @\n"
        );
    }
}
