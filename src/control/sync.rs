//! Sync endpoints (spec §6.3): run a connection now, the failed-record journal (list,
//! retry, ignore) and the review list (list, link by hand, dismiss).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::store::sync::{Failure, ReviewItem};
use crate::sync::engine::{EngineError, RunSummary};

/// `POST /api/v1/sync/{tenant}/{connector}`: runs the connection now and answers with what
/// the run did (a run in progress is waited for first).
#[utoipa::path(post, path = "/api/v1/sync/{tenant}/{connector}", tag = "sync",
    params(("tenant" = String, Path), ("connector" = String, Path, description = "hubspot, syneton or adminpulse")),
    responses((status = 200, body = RunSummary), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn run_now(
    State(state): State<AppState>,
    ApiPath((tenant, connector)): ApiPath<(String, String)>,
) -> Result<Json<RunSummary>, ApiError> {
    state.require_tenant(&tenant)?;
    let engine = state.engine.as_ref().ok_or_else(not_running)?;
    match engine.run_now(&tenant, &connector, "api").await {
        Ok(summary) => Ok(Json(summary)),
        Err(EngineError::Unknown { .. }) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("connection {connector} is not configured or not connected for this tenant"),
        )
        .with_details(serde_json::json!({"entity": "connection"}))),
        Err(EngineError::Store(e)) => Err(e.into()),
    }
}

fn not_running() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the sync engine is not running",
    )
}

/// Filters of the failure list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FailureQuery {
    /// Tenant.
    pub tenant: Option<String>,
    /// `pending`, `ignored` or `resolved`.
    pub state: Option<String>,
    /// At most this many (default 100, max 1000).
    pub limit: Option<i64>,
}

/// `GET /api/v1/failures`
#[utoipa::path(get, path = "/api/v1/failures", tag = "sync", params(FailureQuery),
    responses((status = 200, body = Vec<Failure>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_failures(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FailureQuery>,
) -> Result<Json<Vec<Failure>>, ApiError> {
    if let Some(s) = &q.state
        && !["pending", "ignored", "resolved"].contains(&s.as_str())
    {
        return Err(ApiError::bad_request(
            "state must be pending, ignored or resolved",
        ));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        state
            .store
            .failures(q.tenant.as_deref(), q.state.as_deref(), limit)
            .await?,
    ))
}

async fn set_failure(state: &AppState, id: i64, retry: bool) -> Result<Json<Failure>, ApiError> {
    state
        .store
        .set_failure(id, retry)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "failure not found"))
}

/// `POST /api/v1/failures/{id}/retry`: due at the next run.
#[utoipa::path(post, path = "/api/v1/failures/{id}/retry", tag = "sync", params(("id" = i64, Path)),
    responses((status = 200, body = Failure), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn retry_failure(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Failure>, ApiError> {
    set_failure(&state, id, true).await
}

/// `POST /api/v1/failures/{id}/ignore`: never retried again.
#[utoipa::path(post, path = "/api/v1/failures/{id}/ignore", tag = "sync", params(("id" = i64, Path)),
    responses((status = 200, body = Failure), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn ignore_failure(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Failure>, ApiError> {
    set_failure(&state, id, false).await
}

/// Filters of the review list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// Tenant.
    pub tenant: Option<String>,
    /// `open` (default), `linked` or `dismissed`.
    pub state: Option<String>,
}

/// `GET /api/v1/review`: remote records waiting for a key or an admin.
#[utoipa::path(get, path = "/api/v1/review", tag = "sync", params(ReviewQuery),
    responses((status = 200, body = Vec<ReviewItem>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_review(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> Result<Json<Vec<ReviewItem>>, ApiError> {
    let s = q.state.as_deref().unwrap_or("open");
    if !["open", "linked", "dismissed"].contains(&s) {
        return Err(ApiError::bad_request(
            "state must be open, linked or dismissed",
        ));
    }
    Ok(Json(
        state
            .store
            .review_items(q.tenant.as_deref(), Some(s))
            .await?,
    ))
}

/// Body of a manual link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// The local record to link the remote one to.
    pub local_id: i64,
}

/// `POST /api/v1/review/{id}/link`
#[utoipa::path(post, path = "/api/v1/review/{id}/link", tag = "sync", params(("id" = i64, Path)), request_body = LinkBody,
    responses((status = 200, body = ReviewItem), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn link_review(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LinkBody>,
) -> Result<Json<ReviewItem>, ApiError> {
    Ok(Json(state.store.link_review(id, body.local_id).await?))
}

/// `POST /api/v1/review/{id}/dismiss`
#[utoipa::path(post, path = "/api/v1/review/{id}/dismiss", tag = "sync", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewItem), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn dismiss_review(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReviewItem>, ApiError> {
    state.store.dismiss_review(id).await?;
    Ok(Json(state.store.review_item(id).await?))
}
