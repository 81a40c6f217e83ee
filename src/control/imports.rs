//! `POST /api/v1/{tenant}/imports` (multipart: `file`, `kind`, `dry_run`, `mapping`, and for
//! the `[old]`/`[new]` bulk updates `force`),
//! `GET /api/v1/imports/{id}` (state, progress, counts) and
//! `GET /api/v1/imports/{id}/errors.csv` (the rejected rows plus a reason column).
//!
//! The upload is streamed to a temporary file, its header checked (a bad file or a missing
//! column answers 422 at once), then the import runs as a background task and the answer
//! is 202 with the job. The job's row (`import_job`) is written before and after the run,
//! never during it: on SQLite the import's transaction holds the only write lock. Progress
//! of running jobs is therefore kept in memory, in this process: with several replicas,
//! poll the replica that took the upload. Rejected rows are stored after the run, the
//! file's header first (line 0).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sqlx::types::Json as SqlJson;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiPath, ErrorBody};
use crate::import::{
    ErrorsCsv, ImportKind, ImportOptions, PreparedImport, Progress, VecSink, columns,
};
use crate::store::Timestamp;
use crate::store::import_support::{ImportErrorRow, ImportJob, JobCounts};

/// Progress of the jobs running in this process: id → (rows done, fraction of the file).
static RUNNING: LazyLock<Mutex<HashMap<String, (u64, f64)>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn set_running(id: &str, value: Option<(u64, f64)>) {
    // A poisoned lock only means a progress update panicked; the map is still usable.
    let mut map = RUNNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match value {
        Some(v) => map.insert(id.to_owned(), v),
        None => map.remove(id),
    };
}

fn running(id: &str) -> Option<(u64, f64)> {
    RUNNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(id)
        .copied()
}

/// The multipart form of `POST /api/v1/{tenant}/imports` (for the OpenAPI document).
#[derive(Debug, ToSchema)]
#[expect(
    dead_code,
    reason = "only describes the multipart form in the OpenAPI document"
)]
pub struct ImportUpload {
    /// The CSV or XLSX file (or a zip holding one CSV file).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `customers`, `contacts`, or the bulk updates `criteria` and `authorizations`.
    kind: String,
    /// `true` to check the file and write nothing.
    dry_run: Option<bool>,
    /// Bulk updates: `true` to apply rows changed since the export too.
    force: Option<bool>,
    /// Column overrides, one `Header=field` per line.
    mapping: Option<String>,
}

/// Progress of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProgress {
    /// Data rows processed.
    pub processed_rows: i64,
    /// Share of the file read, 0 to 1.
    pub fraction: f64,
}

/// Counts of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportCounts {
    /// Records created.
    pub created: i64,
    /// Records updated.
    pub updated: i64,
    /// Records deleted.
    pub deleted: i64,
    /// Rows that changed nothing.
    pub unchanged: i64,
    /// Rows rejected.
    pub rejected: i64,
    /// Bulk updates: rows changed since the export, skipped (see `force`).
    pub conflicts: i64,
}

/// An import job.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportStatus {
    /// Job id.
    pub id: String,
    /// Tenant.
    pub tenant: String,
    /// `customers`, `contacts`, `criteria` or `authorizations`.
    pub kind: String,
    /// Uploaded file name.
    pub file_name: String,
    /// Nothing is written.
    pub dry_run: bool,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// Progress.
    pub progress: ImportProgress,
    /// Counts (final once `succeeded`).
    pub counts: ImportCounts,
    /// Why the job failed.
    pub error: Option<String>,
    /// Column warnings (answer to the upload only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Start.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// End.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<Timestamp>,
    /// Where to get the rejected rows.
    pub errors_url: String,
}

impl From<ImportJob> for ImportStatus {
    fn from(job: ImportJob) -> Self {
        let live = if job.state == "running" {
            running(&job.import_id)
        } else {
            None
        };
        let (processed_rows, fraction) = match live {
            Some((rows, f)) => (i64::try_from(rows).unwrap_or(i64::MAX), f),
            None if job.state == "running" => (job.processed_rows, 0.0),
            None => (job.processed_rows, 1.0),
        };
        Self {
            errors_url: format!("/api/v1/imports/{}/errors.csv", job.import_id),
            id: job.import_id,
            tenant: job.tenant_id,
            kind: job.kind,
            file_name: job.file_name,
            dry_run: job.dry_run,
            state: job.state,
            progress: ImportProgress {
                processed_rows,
                fraction,
            },
            counts: ImportCounts {
                created: job.created_count,
                updated: job.updated_count,
                deleted: job.deleted_count,
                unchanged: job.unchanged_count,
                rejected: job.rejected_count,
                conflicts: job.conflict_count,
            },
            error: job.error,
            warnings: Vec::new(),
            created_at: job.created_at,
            finished_at: job.finished_at,
        }
    }
}

struct JobProgress(String);

impl Progress for JobProgress {
    fn update(&mut self, rows: u64, fraction: f64) {
        set_running(&self.0, Some((rows, fraction)));
    }
}

/// Removes the uploaded file when dropped.
struct TempUpload(PathBuf);

impl Drop for TempUpload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The kinds an upload may be.
const KINDS: &str = "customers, contacts, criteria or authorizations";

fn is_true(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        message,
    )
}

/// Parses `mapping`: one `Header=field` per line.
fn parse_mapping(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    columns::parse_overrides(&lines).map_err(|e| invalid(format!("mapping: {e}")))
}

/// `POST /api/v1/{tenant}/imports`
#[utoipa::path(post, path = "/api/v1/{tenant}/imports", tag = "imports", security(("bearer" = [])),
    params(("tenant" = String, Path, description = "Tenant id")),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 202, body = ImportStatus), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_import(
    State(state): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<ImportStatus>), ApiError> {
    state.require_tenant(&tenant)?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(e.status(), "bad_request", e.body_text())
    };
    let mut upload: Option<(TempUpload, String)> = None;
    let (mut kind, mut dry_run, mut force, mut mapping) = (None, false, false, Vec::new());
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let path = std::env::temp_dir()
                    .join(format!("crmsync-import-{}", uuid::Uuid::new_v4().simple()));
                let temp = TempUpload(path);
                let mut out = tokio::fs::File::create(&temp.0).await.map_err(|_| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "cannot store the upload",
                    )
                })?;
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    out.write_all(&chunk).await.map_err(|_| {
                        ApiError::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal",
                            "cannot store the upload",
                        )
                    })?;
                }
                out.flush().await.ok();
                upload = Some((temp, name));
            }
            "kind" => {
                let text = field.text().await.map_err(bad)?;
                kind = Some(
                    ImportKind::parse(&text)
                        .ok_or_else(|| invalid(format!("kind: must be one of {KINDS}")))?,
                );
            }
            "dry_run" => dry_run = is_true(&field.text().await.map_err(bad)?),
            "force" => force = is_true(&field.text().await.map_err(bad)?),
            "mapping" => mapping = parse_mapping(&field.text().await.map_err(bad)?)?,
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| invalid(format!("kind: is required ({KINDS})")))?;
    let (temp, file_name) = upload.ok_or_else(|| invalid("file: is required"))?;
    let options = ImportOptions {
        kind,
        tenant: tenant.clone(),
        dry_run,
        mapping,
        sheet: None,
        force,
    };
    let prepared = PreparedImport::open(&temp.0, options).map_err(|e| match e {
        crate::import::ImportError::Unreadable { reason, .. } => {
            invalid(format!("cannot read {file_name}: {reason}"))
        }
        other => invalid(other.to_string()),
    })?;
    let warnings = prepared.warnings().to_vec();
    let header = prepared.header().to_vec();
    let id = uuid::Uuid::new_v4().to_string();
    state
        .store
        .create_import_job(&id, &tenant, kind.as_str(), &file_name, dry_run)
        .await?;
    set_running(&id, Some((0, 0.0)));
    let store = state.store.clone();
    let config = state.config.clone();
    let job_id = id.clone();
    tokio::spawn(async move {
        let _temp = temp;
        let mut sink = VecSink::default();
        let mut progress = JobProgress(job_id.clone());
        let result = prepared.run(&store, &mut sink, &mut progress).await;
        let outcome = match result {
            Ok(report) => {
                let mut rows = vec![ImportErrorRow {
                    line: 0,
                    column_name: None,
                    reason: String::new(),
                    raw_row: SqlJson(header),
                }];
                rows.extend(sink.0.into_iter().map(|r| ImportErrorRow {
                    line: i64::try_from(r.line).unwrap_or(i64::MAX),
                    column_name: r.errors.first().map(|e| e.column.clone()),
                    reason: r.reason_text(),
                    raw_row: SqlJson(r.cells),
                }));
                let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
                let counts = JobCounts {
                    processed: n(report.rows),
                    created: n(report.created),
                    updated: n(report.updated),
                    deleted: n(report.deleted),
                    unchanged: n(report.unchanged),
                    rejected: n(report.rejected),
                    conflicts: n(report.conflicts),
                };
                let recorded = match store.add_import_errors(&tenant, &job_id, &rows).await {
                    Ok(()) => store.finish_import_job(&job_id, counts, None).await,
                    Err(e) => Err(e),
                };
                let url = format!("/api/v1/imports/{job_id}/errors.csv");
                crate::import::notice::notify(config.smtp.as_ref(), &report, &tenant, Some(&url))
                    .await;
                recorded
            }
            Err(e) => {
                tracing::warn!(import.id = %job_id, error = %e, "import failed");
                store
                    .finish_import_job(&job_id, JobCounts::default(), Some(&e.to_string()))
                    .await
            }
        };
        if let Err(e) = outcome {
            tracing::error!(import.id = %job_id, error = %format!("{e:#}"), "cannot record the end of an import");
        }
        set_running(&job_id, None);
    });
    let mut status = ImportStatus::from(state.store.import_job(&id).await?);
    status.warnings = warnings;
    Ok((StatusCode::ACCEPTED, Json(status)))
}

/// `GET /api/v1/imports/{id}`
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", security(("bearer" = [])),
    params(("id" = String, Path, description = "Import id")),
    responses((status = 200, body = ImportStatus), (status = 404, body = ErrorBody)))]
pub async fn get_import(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ImportStatus>, ApiError> {
    Ok(Json(ImportStatus::from(state.store.import_job(&id).await?)))
}

/// `GET /api/v1/imports/{id}/errors.csv`
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors.csv", tag = "imports", security(("bearer" = [])),
    params(("id" = String, Path, description = "Import id")),
    responses((status = 200, content_type = "text/csv", body = String,
        description = "The rejected rows as uploaded, plus an `Import error` column"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn import_errors_csv(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let job = state.store.import_job(&id).await?;
    if job.state == "running" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the import is still running",
        ));
    }
    let rows = state.store.import_errors(&id).await?;
    let header = rows
        .iter()
        .find(|r| r.line == 0)
        .map(|r| r.raw_row.0.clone())
        .unwrap_or_default();
    let internal = |_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    };
    let mut csv = ErrorsCsv::new(Vec::new(), &header, b',').map_err(internal)?;
    for row in rows.iter().filter(|r| r.line > 0) {
        csv.write(&row.raw_row.0, &row.reason).map_err(internal)?;
    }
    let body = csv.finish().map_err(internal)?;
    let disposition = format!("attachment; filename=\"import-{id}-errors.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_mapping;

    #[test]
    fn mapping_is_one_override_per_line() {
        let m = parse_mapping("Mail perso=Email\n\n Site = Domain \n").expect("valid");
        assert_eq!(
            m,
            [
                ("Mail perso".to_owned(), "Email".to_owned()),
                ("Site".to_owned(), "Domain".to_owned())
            ]
        );
        assert!(parse_mapping("nonsense").is_err());
    }
}
