//! `export template criteria|authorizations [--segment F] --out FILE[.csv|.zip]`: the
//! contacts of a segment (all live contacts without one) with their keys and, per criterion
//! or authorization, an `[old] X` column holding today's value and an empty `[new] X`.
//!
//! Written as UTF-8 CSV with a BOM (spreadsheets then read the accents right), page by page
//! (memory flat in the number of contacts), zipped with deflate when the name ends in
//! `.zip`. Every cell that would start a formula is neutralized.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::import::segment::{self, SegmentError};
use crate::store::contact::Contact;
use crate::store::{Store, StoreError};

use super::{BulkKind, NEW_PREFIX, OLD_PREFIX, bool_text, neutralize};

/// Contacts read per query.
const PAGE: i64 = 1000;

/// What to export.
#[derive(Debug, Clone)]
pub struct TemplateOptions {
    /// Criteria or authorizations.
    pub kind: BulkKind,
    /// Tenant.
    pub tenant: String,
    /// Segment filter (module [`segment`]); all live contacts without one.
    pub segment: Option<String>,
    /// Output file; `.zip` zips the CSV.
    pub out: PathBuf,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateReport {
    /// Contacts written.
    pub contacts: u64,
    /// Criteria or authorizations, i.e. `[old]`/`[new]` column pairs.
    pub fields: usize,
    /// The CSV was zipped.
    pub zipped: bool,
}

/// Why a template could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The segment does not parse.
    #[error(transparent)]
    Segment(#[from] SegmentError),
    /// No such tenant.
    #[error("unknown tenant")]
    UnknownTenant,
    /// The tenant has no criteria (or authorizations) to put in columns.
    #[error("the tenant has no {0} to export")]
    NoFields(&'static str),
    /// The file cannot be written.
    #[error("cannot write {file}")]
    Write {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The store failed.
    #[error("the store failed")]
    Store(#[from] StoreError),
}

impl TemplateError {
    /// Bad usage (exit status 2) rather than a failure while running.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::Segment(_) | Self::UnknownTenant | Self::NoFields(_)
        )
    }
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Writes the template.
///
/// # Errors
/// See [`TemplateError`]; a failed write removes the partial file.
pub async fn export(
    store: &Store,
    options: &TemplateOptions,
) -> Result<TemplateReport, TemplateError> {
    let compiled = match &options.segment {
        Some(text) => Some(segment::compile(&segment::parse(text)?, store.backend(), 4)),
        None => None,
    };
    if !store.tenant_ids().await?.contains(&options.tenant) {
        return Err(TemplateError::UnknownTenant);
    }
    let codes: Vec<String> = match options.kind {
        BulkKind::Criteria => store
            .criteria(&options.tenant)
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect(),
        BulkKind::Authorizations => store
            .authorization_names(&options.tenant)
            .await?
            .into_iter()
            .map(|(name, _)| name)
            .collect(),
    };
    if codes.is_empty() {
        return Err(TemplateError::NoFields(options.kind.as_str()));
    }
    let write_err = |source: std::io::Error| TemplateError::Write {
        file: options.out.display().to_string(),
        source,
    };
    let file = File::create(&options.out).map_err(write_err)?;
    let result = write_all(store, options, compiled.as_ref(), &codes, file).await;
    if result.is_err() {
        let _ = std::fs::remove_file(&options.out);
    }
    let contacts = result?;
    Ok(TemplateReport {
        contacts,
        fields: codes.len(),
        zipped: is_zip(&options.out),
    })
}

async fn write_all(
    store: &Store,
    options: &TemplateOptions,
    compiled: Option<&segment::Compiled>,
    codes: &[String],
    file: File,
) -> Result<u64, TemplateError> {
    let write_err = |source: std::io::Error| TemplateError::Write {
        file: options.out.display().to_string(),
        source,
    };
    let zip_err = |e: zip::result::ZipError| write_err(std::io::Error::other(e));
    if is_zip(&options.out) {
        let mut zip = zip::ZipWriter::new(BufWriter::new(file));
        let stem = options.out.file_stem().map_or_else(
            || "template".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        );
        let entry = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(format!("{stem}.csv"), entry)
            .map_err(zip_err)?;
        let n = write_csv(store, options, compiled, codes, &mut zip).await?;
        zip.finish().map_err(zip_err)?.flush().map_err(write_err)?;
        Ok(n)
    } else {
        let mut out = BufWriter::new(file);
        let n = write_csv(store, options, compiled, codes, &mut out).await?;
        out.flush().map_err(write_err)?;
        Ok(n)
    }
}

async fn write_csv<W: Write>(
    store: &Store,
    options: &TemplateOptions,
    compiled: Option<&segment::Compiled>,
    codes: &[String],
    out: &mut W,
) -> Result<u64, TemplateError> {
    let write_err = |source: std::io::Error| TemplateError::Write {
        file: options.out.display().to_string(),
        source,
    };
    let csv_err = |e: csv::Error| write_err(std::io::Error::other(e));
    out.write_all(b"\xEF\xBB\xBF").map_err(write_err)?;
    let mut csv = csv::Writer::from_writer(out);
    let mut header = vec!["Contact ID".to_owned(), "Email".to_owned()];
    for code in codes {
        header.push(format!("{OLD_PREFIX} {code}"));
        header.push(format!("{NEW_PREFIX} {code}"));
    }
    let header: Vec<String> = header.iter().map(|h| neutralize(h).into_owned()).collect();
    csv.write_record(&header).map_err(csv_err)?;
    let condition = compiled.map(|c| (c.sql.as_str(), c.args.as_slice()));
    let (mut after, mut written) = (0, 0u64);
    loop {
        let page: Vec<Contact> = store
            .segment_page(&options.tenant, condition, after, PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.contact_id;
        for contact in &page {
            let f = &contact.fields;
            let mut record: Vec<String> = vec![
                f.external_id.clone().unwrap_or_default(),
                f.email.clone().unwrap_or_default(),
            ];
            for code in codes {
                record.push(match options.kind {
                    BulkKind::Criteria => f.criteria.get(code).cloned().unwrap_or_default(),
                    BulkKind::Authorizations => {
                        bool_text(f.authorizations.get(code).copied()).to_owned()
                    }
                });
                record.push(String::new());
            }
            csv.write_record(record.iter().map(|c| neutralize(c).into_owned()))
                .map_err(csv_err)?;
            written += 1;
        }
    }
    csv.flush().map_err(write_err)?;
    Ok(written)
}
