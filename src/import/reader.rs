//! Reading an import file row by row: CSV streamed from disk (memory flat in the file size)
//! or the first (or a named) sheet of an XLSX workbook.
//!
//! CSV: the delimiter is detected on the header line (`,` by default, `;` and tab when they
//! are more frequent outside quotes); the encoding is UTF-8 (a BOM is skipped) unless the
//! first 64 KiB are not valid UTF-8, in which case the file is read as Windows-1252. Records
//! are parsed as bytes, which is safe in both encodings because every byte the parser
//! cares about is ASCII, and each field is decoded on its own; a field that is not valid
//! UTF-8 in a "UTF-8" file is read as Windows-1252 too.
//!
//! Must not: read the whole CSV into memory, or put cell values in errors.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::ops::ControlFlow;
use std::path::Path;

use calamine::{Data, Reader as _, Xlsx};

use super::ImportError;

/// Bytes examined for the encoding and the delimiter.
const SAMPLE: usize = 64 * 1024;

/// Text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without BOM.
    Utf8,
    /// Windows-1252 (Excel's "CSV" on Western Windows).
    Windows1252,
}

/// What the file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Csv {
        /// Field delimiter.
        delimiter: u8,
        /// Encoding.
        encoding: Encoding,
    },
    /// Excel workbook.
    Xlsx,
}

/// A source of rows: the header first, then data rows with their physical line numbers.
pub struct RowReader {
    inner: Inner,
    format: Format,
    header: Vec<String>,
    file_size: u64,
}

enum Inner {
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        record: csv::ByteRecord,
        encoding: Encoding,
    },
    Xlsx {
        rows: std::vec::IntoIter<(u64, Vec<String>)>,
        total: usize,
    },
}

impl std::fmt::Debug for RowReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowReader")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// The one CSV file a zip holds (as `export template --out X.zip` writes it), unpacked to
/// an unnamed temporary file so it streams like any CSV; `None` for an XLSX workbook.
fn zipped_csv(path: &Path) -> Result<Option<File>, ImportError> {
    let file = File::open(path).map_err(|e| unreadable(path, e.to_string()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| unreadable(path, format!("not a readable zip or XLSX file ({e})")))?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(std::borrow::Cow::into_owned))
        .collect::<Result<_, _>>()
        .map_err(|e| unreadable(path, format!("not a readable zip file ({e})")))?;
    if names
        .iter()
        .any(|n| n == "[Content_Types].xml" || n.starts_with("xl/"))
    {
        return Ok(None);
    }
    let csvs: Vec<&String> = names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".csv") && !n.starts_with("__MACOSX/"))
        .collect();
    let [name] = csvs.as_slice() else {
        return Err(unreadable(
            path,
            format!(
                "a zip must hold exactly one CSV file; this one holds {}",
                csvs.len()
            ),
        ));
    };
    let mut entry = zip
        .by_name(name)
        .map_err(|e| unreadable(path, format!("cannot unpack {name} ({e})")))?;
    let fail = |e: std::io::Error| unreadable(path, format!("cannot unpack {name} ({e})"));
    let mut out = tempfile::tempfile().map_err(fail)?;
    std::io::copy(&mut entry, &mut out).map_err(fail)?;
    out.seek(std::io::SeekFrom::Start(0)).map_err(fail)?;
    Ok(Some(out))
}

fn unreadable(path: &Path, reason: impl Into<String>) -> ImportError {
    ImportError::Unreadable {
        file: path.display().to_string(),
        reason: reason.into(),
    }
}

impl RowReader {
    /// Opens `path`, detects its format and reads the header row.
    ///
    /// # Errors
    /// [`ImportError::Unreadable`] naming the file and why (missing, empty, not a
    /// spreadsheet, unknown sheet, malformed CSV).
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<Self, ImportError> {
        let file = File::open(path).map_err(|e| unreadable(path, e.to_string()))?;
        Self::open_file(path, file, sheet, true)
    }

    /// `file` is `path`'s content, or the CSV a zip at `path` holds (`zipped` false).
    fn open_file(
        path: &Path,
        file: File,
        sheet: Option<&str>,
        zipped: bool,
    ) -> Result<Self, ImportError> {
        let file_size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut file = BufReader::with_capacity(256 * 1024, file);
        let mut sample = Vec::with_capacity(SAMPLE);
        (&mut file)
            .take(SAMPLE as u64)
            .read_to_end(&mut sample)
            .map_err(|e| unreadable(path, e.to_string()))?;
        if zipped && sample.starts_with(b"PK\x03\x04") {
            drop(file);
            return match zipped_csv(path)? {
                Some(csv) => Self::open_file(path, csv, None, false),
                None => Self::open_xlsx(path, sheet, file_size),
            };
        }
        if sample.is_empty() {
            return Err(unreadable(path, "the file is empty"));
        }
        let body = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&sample);
        let encoding = detect_encoding(body, sample.len() < SAMPLE);
        let delimiter = detect_delimiter(body);
        let start = sample.len() - body.len();
        let mut head = Cursor::new(sample);
        head.set_position(start as u64);
        // A final newline makes every record end with one, which the line numbers rely on.
        let source: Box<dyn Read + Send> = Box::new(head.chain(file).chain(&b"\n"[..]));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            // `\n` alone ends records (a `\r` before it is trimmed from the last field), so
            // that every record consumes its own line end and the line count stays exact.
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(256 * 1024)
            .from_reader(source);
        let mut record = csv::ByteRecord::new();
        let header = loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) if is_blank(&record) => continue,
                Ok(true) => {
                    let mut header = Vec::new();
                    decode_record_into(&record, encoding, &mut header, None);
                    break header;
                }
                Ok(false) => return Err(unreadable(path, "the file has no header row")),
                Err(e) => return Err(unreadable(path, csv_reason(&e))),
            }
        };
        Ok(Self {
            inner: Inner::Csv {
                reader,
                record,
                encoding,
            },
            format: Format::Csv {
                delimiter,
                encoding,
            },
            header,
            file_size,
        })
    }

    fn open_xlsx(path: &Path, sheet: Option<&str>, file_size: u64) -> Result<Self, ImportError> {
        let mut book: Xlsx<_> =
            calamine::open_workbook(path).map_err(|e: calamine::XlsxError| {
                unreadable(path, format!("not a readable XLSX workbook ({e})"))
            })?;
        let name = match sheet {
            Some(name) => name.to_owned(),
            None => book
                .sheet_names()
                .first()
                .cloned()
                .ok_or_else(|| unreadable(path, "the workbook has no sheet"))?,
        };
        let range = book.worksheet_range(&name).map_err(|_| {
            unreadable(
                path,
                format!("the workbook has no readable sheet named {name:?}"),
            )
        })?;
        let first_row = u64::from(range.start().map_or(0, |(r, _)| r));
        let mut rows = Vec::with_capacity(range.height());
        for (i, row) in range.rows().enumerate() {
            let cells: Vec<String> = row.iter().map(cell_text).collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows.push((first_row + i as u64 + 1, cells));
        }
        let total = rows.len().saturating_sub(1);
        let mut rows = rows.into_iter();
        let header = rows
            .next()
            .map(|(_, cells)| cells)
            .ok_or_else(|| unreadable(path, format!("sheet {name:?} is empty")))?;
        Ok(Self {
            inner: Inner::Xlsx { rows, total },
            format: Format::Xlsx,
            header,
            file_size,
        })
    }

    /// The header row's cells.
    #[must_use]
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// What the file is.
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    /// The file's length in bytes.
    #[must_use]
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The number of data rows of an XLSX sheet (known before they are read); `None` for
    /// CSV.
    #[must_use]
    pub fn sheet_rows(&self) -> Option<usize> {
        match &self.inner {
            Inner::Xlsx { total, .. } => Some(*total),
            Inner::Csv { .. } => None,
        }
    }

    /// Share of the file read so far, 0.0 to 1.0 (CSV: bytes; XLSX: rows).
    #[must_use]
    pub fn fraction_read(&self) -> f64 {
        match &self.inner {
            Inner::Csv { reader, .. } if self.file_size > 0 => {
                (reader.position().byte() as f64 / self.file_size as f64).min(1.0)
            }
            Inner::Csv { .. } => 1.0,
            Inner::Xlsx { rows, total } if *total > 0 => 1.0 - rows.len() as f64 / *total as f64,
            Inner::Xlsx { .. } => 1.0,
        }
    }

    /// Reads the next non-blank data row into `cells`; returns its first physical line, or
    /// `None` at the end.
    ///
    /// # Errors
    /// [`ImportError::Unreadable`] on an I/O error or malformed CSV (e.g. an unclosed quote
    /// is not an error: the field runs to the end of the file, as spreadsheets do).
    pub fn next_row(
        &mut self,
        cells: &mut Vec<String>,
        file: &Path,
    ) -> Result<Option<u64>, ImportError> {
        match &mut self.inner {
            Inner::Csv {
                reader,
                record,
                encoding,
            } => {
                if !next_record(reader, record, file)? {
                    return Ok(None);
                }
                decode_record_into(record, *encoding, cells, None);
                // The reader's line count is past this record's final `\n`; line breaks
                // inside quoted fields are counted too.
                let inside = record.as_slice().iter().filter(|b| **b == b'\n').count();
                Ok(Some(
                    reader.position().line().saturating_sub(inside as u64 + 1),
                ))
            }
            Inner::Xlsx { rows, .. } => Ok(rows.next().map(|(line, row)| {
                *cells = row;
                line
            })),
        }
    }

    /// Calls `f` with each data row not read yet, in order, with only the cells at the
    /// indexes `wanted` decoded (the others empty), until `f` breaks. A CSV reader reads on
    /// (a pass that must not move the reader of the merge opens the file again); an XLSX
    /// reader's rows stay where they are, its sheet being in memory already. For a quick
    /// pass over a few columns before the merge reads the rows.
    ///
    /// # Errors
    /// As [`RowReader::next_row`].
    pub fn scan_rows(
        &mut self,
        file: &Path,
        wanted: &[usize],
        mut f: impl FnMut(&[String]) -> ControlFlow<()>,
    ) -> Result<(), ImportError> {
        match &mut self.inner {
            Inner::Csv {
                reader,
                record,
                encoding,
            } => {
                let mut cells = Vec::new();
                while next_record(reader, record, file)? {
                    decode_record_into(record, *encoding, &mut cells, Some(wanted));
                    if f(&cells).is_break() {
                        break;
                    }
                }
            }
            Inner::Xlsx { rows, .. } => {
                for (_, cells) in rows.as_slice() {
                    if f(cells).is_break() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads the next non-blank record into `record`; false at the end.
fn next_record(
    reader: &mut csv::Reader<Box<dyn Read + Send>>,
    record: &mut csv::ByteRecord,
    file: &Path,
) -> Result<bool, ImportError> {
    loop {
        match reader.read_byte_record(record) {
            Ok(false) => return Ok(false),
            Ok(true) if is_blank(record) => {}
            Ok(true) => return Ok(true),
            Err(e) => return Err(unreadable(file, csv_reason(&e))),
        }
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("read error: {io}"),
        _ => match e.position() {
            Some(p) => format!("malformed CSV at line {}", p.line()),
            None => "malformed CSV".to_owned(),
        },
    }
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// Decodes each field of `record` (or only those at the indexes `wanted`, leaving the others
/// empty) into `cells` (a `\r` ending the last field is dropped), reusing the strings'
/// memory: a caller that hands the same vector back row after row allocates nothing per
/// cell once the strings are long enough.
fn decode_record_into(
    record: &csv::ByteRecord,
    encoding: Encoding,
    cells: &mut Vec<String>,
    wanted: Option<&[usize]>,
) {
    cells.truncate(record.len());
    cells.resize_with(record.len(), String::new);
    let last = record.len().saturating_sub(1);
    for (i, (f, cell)) in record.iter().zip(cells.iter_mut()).enumerate() {
        if wanted.is_some_and(|w| !w.contains(&i)) {
            cell.clear();
            continue;
        }
        let f = if i == last {
            f.strip_suffix(b"\r").unwrap_or(f)
        } else {
            f
        };
        cell.clear();
        match (encoding, std::str::from_utf8(f)) {
            (Encoding::Utf8, Ok(text)) => cell.push_str(text),
            _ => cell.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(f).0),
        }
    }
}

/// UTF-8 unless the sample is not; a multi-byte character cut by the sample's end does not
/// count against UTF-8 (`complete` = the sample is the whole file).
fn detect_encoding(sample: &[u8], complete: bool) -> Encoding {
    match std::str::from_utf8(sample) {
        Ok(_) => Encoding::Utf8,
        Err(e) if !complete && e.error_len().is_none() => Encoding::Utf8,
        Err(_) => Encoding::Windows1252,
    }
}

/// The most frequent of `,` `;` tab on the first record (outside quotes); comma on a tie.
fn detect_delimiter(sample: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in sample {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = [b',', b';', b'\t']
        .into_iter()
        .zip(counts)
        .fold(
            (b',', 0),
            |acc, (d, n)| if n > acc.1 { (d, n) } else { acc },
        );
    best.0
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(content: &[u8]) -> Vec<(u64, Vec<String>)> {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("f.csv");
        std::fs::write(&path, content).expect("write");
        let mut reader = RowReader::open(&path, None).expect("opens");
        let mut out = Vec::new();
        let mut cells = Vec::new();
        while let Some(line) = reader.next_row(&mut cells, &path).expect("reads") {
            out.push((line, cells.clone()));
        }
        out
    }

    #[test]
    fn line_numbers_are_physical_with_crlf_blank_lines_and_quoted_breaks() {
        let rows = lines_of(b"a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z\r\n3,\"q\"");
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 5, 6]);
        assert_eq!(rows[0].1, ["1", "x\r\ny"]);
        assert_eq!(rows[1].1, ["2", "z"]);
        assert_eq!(rows[2].1, ["3", "q"]);
    }

    #[test]
    fn delimiter_is_detected_on_the_header_line_outside_quotes() {
        assert_eq!(detect_delimiter(b"a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(detect_delimiter(b"a;b;\"c,d,e\"\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(detect_delimiter(b"single\n"), b',');
    }

    #[test]
    fn encoding_falls_back_to_windows_1252_only_on_invalid_utf8() {
        assert_eq!(detect_encoding("Prénom".as_bytes(), true), Encoding::Utf8);
        assert_eq!(detect_encoding(b"Pr\xe9nom", true), Encoding::Windows1252);
        // A character cut by the end of the sample is not evidence against UTF-8.
        assert_eq!(detect_encoding(b"Pr\xc3", false), Encoding::Utf8);
        let record = csv::ByteRecord::from(vec![&b"Pr\xe9nom"[..], b"Nom\r"]);
        let mut cells = vec!["a much longer previous value".to_owned()];
        decode_record_into(&record, Encoding::Windows1252, &mut cells, None);
        assert_eq!(cells, ["Prénom", "Nom"]);
        decode_record_into(&record, Encoding::Utf8, &mut cells, None);
        assert_eq!(cells, ["Prénom", "Nom"]);
        decode_record_into(&record, Encoding::Utf8, &mut cells, Some(&[1]));
        assert_eq!(cells, ["", "Nom"], "only the wanted cells are decoded");
    }
}
