//! Routing (legacy and date-versioned path families from one handler set) and the gate
//! every non-admin call passes: min interval, faults, auth, rate limits, request log.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

use super::errors::ApiError;
use super::faults;
use super::limits::{self, Bucket};
use super::{
    Inner, admin, associations, associations_writes, auth, batch, merge, object_associations,
    objects, pipelines_owners as po, properties, properties_batch, search, upsert,
};
use crate::simulate::kit::traffic::is_admin;
use crate::simulate::kit::{LoggedRequest, lock};

type S = Arc<Inner>;

/// Longer request URIs (path + query) answer 414, as HubSpot's edge does.
pub const MAX_URI: usize = 15_000;

fn objects_router() -> Router<S> {
    Router::new()
        .route("/{object_type}", get(objects::list).post(objects::create))
        .route(
            "/{object_type}/{id}",
            get(objects::read)
                .patch(objects::update)
                .delete(objects::archive),
        )
        .route("/{object_type}/batch/read", post(batch::read))
        .route("/{object_type}/batch/create", post(batch::create))
        .route("/{object_type}/batch/update", post(batch::update))
        .route("/{object_type}/batch/upsert", post(upsert::upsert))
        .route("/{object_type}/batch/archive", post(batch::archive))
        .route("/{object_type}/search", post(search::search))
        .route("/{object_type}/merge", post(merge::merge))
        .route("/{object_type}/gdpr-delete", post(merge::gdpr_delete))
        .route(
            "/{object_type}/{id}/associations/{to_type}",
            get(object_associations::list_for_object),
        )
        .route(
            "/{object_type}/{id}/associations/{to_type}/{to_id}",
            put(object_associations::put_labels).delete(object_associations::delete_pair),
        )
        .route(
            "/{object_type}/{id}/associations/default/{to_type}/{to_id}",
            put(object_associations::put_default),
        )
}

fn associations_router() -> Router<S> {
    Router::new()
        .route("/{from}/{to}/batch/read", post(associations::batch_read))
        .route(
            "/{from}/{to}/batch/create",
            post(associations::batch_create),
        )
        .route(
            "/{from}/{to}/batch/associate/default",
            post(associations_writes::batch_default),
        )
        .route(
            "/{from}/{to}/batch/archive",
            post(associations_writes::batch_archive),
        )
        .route(
            "/{from}/{to}/batch/labels/archive",
            post(associations_writes::batch_labels_archive),
        )
        .route("/{from}/{to}/labels", get(object_associations::labels))
}

fn properties_router() -> Router<S> {
    Router::new()
        .route(
            "/{object_type}",
            get(properties::list).post(properties::create),
        )
        .route("/{object_type}/groups", get(properties::groups))
        .route("/{object_type}/batch/read", post(properties_batch::read))
        .route(
            "/{object_type}/batch/create",
            post(properties_batch::create),
        )
        .route(
            "/{object_type}/batch/archive",
            post(properties_batch::archive),
        )
        .route(
            "/{object_type}/{name}",
            get(properties::read)
                .patch(properties::update)
                .delete(properties::archive),
        )
}

fn pipelines_router() -> Router<S> {
    Router::new()
        .route("/{object_type}", get(po::pipelines))
        .route("/{object_type}/{pipeline_id}", get(po::pipeline))
        .route(
            "/{object_type}/{pipeline_id}/stages",
            get(po::stages).post(po::create_stage),
        )
        .route(
            "/{object_type}/{pipeline_id}/stages/{stage_id}",
            get(po::stage).patch(po::update_stage),
        )
}

/// The full router with state applied.
pub fn router(inner: S) -> Router {
    Router::new()
        .nest("/crm/v3/objects", objects_router())
        .nest("/crm/v4/objects", objects_router())
        .nest("/crm/objects/{version}", objects_router())
        .nest("/crm/v4/associations", associations_router())
        .nest("/crm/associations/{version}", associations_router())
        .nest("/crm/v3/properties", properties_router())
        .nest("/crm/properties/{version}", properties_router())
        .nest("/crm/v3/pipelines", pipelines_router())
        .nest("/crm/pipelines/{version}", pipelines_router())
        .route("/crm/v3/owners", get(po::owners))
        .route("/crm/v3/owners/", get(po::owners))
        .route("/crm/v3/owners/{owner_id}", get(po::owner))
        .route("/crm/owners/{version}", get(po::owners))
        .route("/crm/owners/{version}/", get(po::owners))
        .route("/crm/owners/{version}/{owner_id}", get(po::owner))
        .route("/oauth/{version}/token", post(auth::token_endpoint))
        .route(
            "/oauth/{version}/access-tokens/{token}",
            get(auth::access_token_info),
        )
        .route(
            "/oauth/{version}/refresh-tokens/{token}",
            delete(auth::revoke_refresh_token),
        )
        .nest("/_sim", admin::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(inner.clone(), gate))
        .with_state(inner)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        "resource not found",
    )
}

fn bucket_of(method: &axum::http::Method, path: &str) -> Bucket {
    if path.starts_with("/oauth/") {
        Bucket::None
    } else if method == axum::http::Method::POST && path.ends_with("/search") {
        Bucket::Search
    } else if path.contains("/associations/") && path.contains("/batch/") {
        Bucket::AssocBatch
    } else {
        Bucket::Standard
    }
}

/// The request's full path before nesting stripped it, for `paging.next.link`.
#[derive(Clone)]
pub struct OriginalPath(pub String);

async fn gate(State(s): State<S>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_admin(&path) {
        return next.run(req).await;
    }
    req.extensions_mut().insert(OriginalPath(path.clone()));
    let entry = LoggedRequest::arriving(&req, path.clone());
    let started = entry.started_at;
    let bucket = bucket_of(req.method(), &path);
    let headers = req.headers().clone();
    let uri_len = req.uri().path().len() + req.uri().query().map_or(0, str::len);
    let resp = match admit(&s, &headers, uri_len, &path, bucket, started).await {
        Ok(with_daily) => {
            let mut resp = next.run(req).await;
            if bucket == Bucket::Standard {
                let headers =
                    lock(&s.limits).headers(&lock(&s.settings).clone(), with_daily, Instant::now());
                resp.headers_mut().extend(headers);
            }
            resp
        }
        Err(Some(mut resp)) => {
            if bucket == Bucket::Standard && resp.status() == StatusCode::TOO_MANY_REQUESTS {
                let headers =
                    lock(&s.limits).headers(&lock(&s.settings).clone(), true, Instant::now());
                resp.headers_mut().extend(headers);
            }
            resp
        }
        Err(None) => s.traffic.reset(entry),
    };
    s.traffic.record(entry, resp.status().as_u16());
    resp
}

/// Everything before the handler; `Err(None)` means reset the connection.
async fn admit(
    s: &S,
    headers: &axum::http::HeaderMap,
    uri_len: usize,
    path: &str,
    bucket: Bucket,
    started: Instant,
) -> Result<bool, Option<Response>> {
    if bucket != Bucket::None {
        lock(&s.limits)
            .check_interval(&lock(&s.settings).clone(), started)
            .map_err(|p| Some(limits::too_many(p)))?;
    }
    if uri_len > MAX_URI {
        let e = ApiError::new(StatusCode::URI_TOO_LONG, "VALIDATION_ERROR", "URI Too Long");
        return Err(Some(e.into_response()));
    }
    if let Some(f) = s.traffic.take_fault(path) {
        return Err(faults::effect(&f).answer().await);
    }
    let oauth = if bucket == Bucket::None {
        false
    } else {
        auth::check(s, headers).map_err(|e| Some(e.into_response()))?
    };
    lock(&s.limits)
        .admit(&lock(&s.settings).clone(), bucket, started)
        .map_err(|p| Some(limits::too_many(p)))?;
    Ok(!oauth)
}
