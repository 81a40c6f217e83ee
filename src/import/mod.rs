//! File imports (spec §5, issue 6): customers and contacts from CSV or XLSX; `[old]`/`[new]`
//! bulk updates of criteria and authorizations ([`bulk`]); contact operations ([`ops`]) by
//! keys file or [`segment`]; the summary e-mail ([`notice`]).
//!
//! Flow: [`PreparedImport::open`] reads the header and maps the columns (a bad file or a
//! missing required column fails here, before any row); [`PreparedImport::run`] preloads
//! the tenant's users, reference codes and merge keys into hash maps, then streams the rows:
//! each is validated without a query ([`rows`]) and merged ([`apply`]) in ONE transaction
//! marked `import`, committed at the end; the transaction's statements run on a task of
//! their own (`writer`), so the database works on one batch while the next rows are parsed.
//! Any store error drops the transaction: the store is left as it was. A dry run does the
//! same reads and writes nothing.
//!
//! Invariants: a contacts import's memory does not grow with the file: rows are streamed,
//! rejected rows go to a [`RejectSink`], stored contacts are read chunk by chunk, and what
//! the import must remember of contact keys is limited to keys a later row names again
//! (`key_filters.rs`); XLSX sheets are read whole by calamine. A customers import holds the
//! customers' merge keys (as 64-bit digests, about 35 bytes a key), which grow with the
//! customers.
//! Logs carry counts and ids, never cell values.

pub mod apply;
pub mod bulk;
pub mod cli;
pub mod columns;
mod first_pass;
mod index;
mod key_filters;
pub mod notice;
pub mod ops;
pub mod reader;
pub mod report;
pub mod rows;
pub mod segment;
mod writer;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::store::{Store, StoreError};
pub use columns::{ColumnMap, Field};
pub use reader::{Format, RowReader};
pub use report::{ErrorsCsv, ImportReport, NoSink, RejectSink, RejectedRow, RowError, VecSink};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ImportKind {
    /// Customers (companies), seed 000's first table.
    Customers,
    /// Contacts of customers, seed 000's second table.
    Contacts,
    /// `[old]`/`[new]` bulk update of contact criteria (seed 004).
    Criteria,
    /// `[old]`/`[new]` bulk update of contact authorizations (seed 004).
    Authorizations,
}

impl ImportKind {
    /// `customers` or `contacts`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Contacts => "contacts",
            Self::Criteria => "criteria",
            Self::Authorizations => "authorizations",
        }
    }

    /// The bulk update this kind is, if it is one.
    #[must_use]
    pub fn bulk(self) -> Option<bulk::BulkKind> {
        match self {
            Self::Criteria => Some(bulk::BulkKind::Criteria),
            Self::Authorizations => Some(bulk::BulkKind::Authorizations),
            Self::Customers | Self::Contacts => None,
        }
    }

    /// Parses `customers`, `contacts`, `criteria` or `authorizations` (case-insensitive).
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "customers" | "customer" | "companies" => Some(Self::Customers),
            "contacts" | "contact" => Some(Self::Contacts),
            "criteria" => Some(Self::Criteria),
            "authorizations" => Some(Self::Authorizations),
            _ => None,
        }
    }
}

/// How to run an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// What the file holds.
    pub kind: ImportKind,
    /// Tenant to import into.
    pub tenant: String,
    /// Validate and count only; write nothing.
    pub dry_run: bool,
    /// `(header, field)` overrides of the automatic column mapping.
    pub mapping: Vec<(String, String)>,
    /// XLSX sheet (default: the first).
    pub sheet: Option<String>,
    /// Bulk updates: apply rows whose stored value no longer equals `[old]`.
    pub force: bool,
}

/// Why an import could not run at all. A bad row is not an error: it is reported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read.
    #[error("cannot read {file}: {reason}")]
    Unreadable {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// A required column is missing.
    #[error("missing required column: {0}")]
    MissingColumns(String),
    /// A `--map` override is wrong.
    #[error("{0}")]
    Mapping(String),
    /// No such tenant in the store.
    #[error("unknown tenant")]
    UnknownTenant,
    /// Writing rejected rows failed.
    #[error("cannot write the rejected rows")]
    Sink(#[source] std::io::Error),
    /// The store failed; the transaction was rolled back.
    #[error("the store failed, nothing was imported")]
    Store(#[source] StoreError),
}

impl ImportError {
    /// Bad usage or an unusable file (exit status 2), rather than a failure while running.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::Unreadable { .. }
                | Self::MissingColumns(_)
                | Self::Mapping(_)
                | Self::UnknownTenant
        )
    }
}

impl From<StoreError> for ImportError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { entity: "tenant" } => Self::UnknownTenant,
            other => Self::Store(other),
        }
    }
}

/// Receives progress while rows are processed.
pub trait Progress: Send {
    /// `rows` data rows done; `fraction` of the file read (0.0 to 1.0).
    fn update(&mut self, rows: u64, fraction: f64);
}

/// Ignores progress.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&mut self, _rows: u64, _fraction: f64) {}
}

/// A file opened and mapped, ready to run.
#[derive(Debug)]
pub struct PreparedImport {
    path: PathBuf,
    options: ImportOptions,
    reader: RowReader,
    columns: ColumnMap,
}

impl PreparedImport {
    /// Opens `path` and maps its header.
    ///
    /// # Errors
    /// [`ImportError::Unreadable`], [`ImportError::Mapping`] or
    /// [`ImportError::MissingColumns`], before any data row is read.
    pub fn open(path: &Path, options: ImportOptions) -> Result<Self, ImportError> {
        let reader = RowReader::open(path, options.sheet.as_deref())?;
        let columns = ColumnMap::build(options.kind, reader.header(), &options.mapping)?;
        Ok(Self {
            path: path.to_owned(),
            options,
            reader,
            columns,
        })
    }

    /// The file's header.
    #[must_use]
    pub fn header(&self) -> &[String] {
        self.reader.header()
    }

    /// The delimiter to write an errors CSV with (the file's own, comma for XLSX).
    #[must_use]
    pub fn delimiter(&self) -> u8 {
        match self.reader.format() {
            Format::Csv { delimiter, .. } => delimiter,
            Format::Xlsx => b',',
        }
    }

    /// Warnings about the columns (ignored ones).
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.columns.warnings
    }

    /// Runs the import.
    ///
    /// # Errors
    /// [`ImportError::UnknownTenant`], [`ImportError::Store`] (then nothing was written),
    /// [`ImportError::Unreadable`] when the file breaks mid-way (likewise),
    /// [`ImportError::Sink`].
    pub async fn run(
        self,
        store: &Store,
        sink: &mut dyn RejectSink,
        progress: &mut dyn Progress,
    ) -> Result<ImportReport, ImportError> {
        let started = std::time::Instant::now();
        let kind = self.options.kind;
        let tenant = self.options.tenant.clone();
        let dry_run = self.options.dry_run;
        let report = match kind.bulk() {
            Some(bulk) => bulk::apply::run(self, bulk, store, sink, progress).await?,
            None => apply::Engine::run(self, store, sink, progress).await?,
        };
        tracing::info!(
            tenant.id = %tenant,
            import.kind = kind.as_str(),
            import.dry_run = dry_run,
            rows = report.rows,
            created = report.created,
            updated = report.updated,
            deleted = report.deleted,
            unchanged = report.unchanged,
            rejected = report.rejected,
            conflicts = report.conflicts,
            duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "import finished"
        );
        Ok(report)
    }
}
