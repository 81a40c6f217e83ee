//! Routing and the gate every non-admin call passes: URI length, faults, `RateLimit` per
//! 60 s (403 "You are throttling the system"), the `synetonToken` check, per-key endpoint
//! enablement, and the request log (with the API key redacted from token paths).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Inner, admin, api};
use crate::simulate::kit::traffic::is_admin;
use crate::simulate::kit::{Fault, LoggedRequest, lock, with_retry_after};

type S = Arc<Inner>;

/// Fault kinds besides HTTP statuses.
pub const FAULT_KINDS: &[&str] = &[
    "throttle",
    "expired_token",
    "not_enabled",
    "malformed",
    "timeout",
    "reset",
];

/// The full router with state applied.
pub fn router(inner: S) -> Router {
    Router::new()
        .route("/api/v1/token/{key}", get(api::token))
        .route("/api/v1/apisettings", get(api::settings))
        .route(
            "/api/v1/customers",
            get(api::customers).post(api::create).put(api::put),
        )
        .route("/api/v1/customers/{id}", get(api::customer))
        .route(
            "/api/v1/customers/{id}/activatedeactivate",
            post(api::activate),
        )
        .route("/api/v1/customeraddresses", get(api::addresses))
        .route("/api/v1/customerlinkcustomer", get(api::links))
        .route("/api/v1/customer/changes", get(api::changes))
        .route("/api/v1/changedetails", get(api::details))
        .route("/api/v1/lists/{id}", get(api::list_values))
        .route("/api/v1/countries", get(api::countries))
        .route("/api/v1/customerlinktypes", get(api::link_types))
        .route("/api/v1/customercrmtypes", get(api::crm_types))
        .nest("/_sim", admin::router())
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not Found") })
        .layer(middleware::from_fn_with_state(inner.clone(), gate))
        .with_state(inner)
}

/// `{"ErrorMessage": …}` with a status.
pub fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "ErrorMessage": message })),
    )
        .into_response()
}

/// 403 "You are throttling the system", with `Retry-After` when configured.
fn throttled(retry_after: Option<u64>) -> Response {
    with_retry_after(
        error(StatusCode::FORBIDDEN, "You are throttling the system"),
        retry_after,
    )
}

/// The path as logged: the API key of a token call never reaches the log.
pub fn redact(path: &str) -> String {
    match path.strip_prefix("/api/v1/token/") {
        Some(_) => "/api/v1/token/[redacted]".to_owned(),
        None => path.to_owned(),
    }
}

async fn gate(State(s): State<S>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_admin(&path) {
        return next.run(req).await;
    }
    let entry = LoggedRequest::arriving(&req, redact(&path));
    let uri_len = path.len() + req.uri().query().map_or(0, str::len);
    let admission = admit(&s, req.headers(), uri_len, &path, entry.started_at).await;
    s.traffic.answer(entry, admission, next.run(req)).await
}

/// Everything before the handler; `Err(None)` drops the connection.
async fn admit(
    s: &S,
    headers: &axum::http::HeaderMap,
    uri_len: usize,
    path: &str,
    started: Instant,
) -> Result<(), Option<Response>> {
    let settings = s.settings();
    if uri_len > settings.max_uri {
        return Err(Some(
            (StatusCode::URI_TOO_LONG, "URI Too Long").into_response(),
        ));
    }
    if let Some(f) = s.traffic.take_fault(path) {
        let own = |f: &Fault| match f.kind.as_str() {
            "throttle" => Some(throttled(
                f.retry_after_s.or(settings.throttle_retry_after_s),
            )),
            "expired_token" => Some(error(StatusCode::UNAUTHORIZED, "Invalid token")),
            "not_enabled" => Some(error(
                StatusCode::FORBIDDEN,
                "No valid configuration for token",
            )),
            "malformed" => Some(
                (
                    StatusCode::OK,
                    [("content-type", "application/json")],
                    "[{\"CustomerId\":1,\"Name\":",
                )
                    .into_response(),
            ),
            _ => None,
        };
        let effect = f.effect(own, |status| error(status, "Simulated error"));
        return Err(effect.answer().await);
    }
    if !lock(&s.window).admit(
        started,
        settings.rate_limit,
        Duration::from_millis(settings.rate_window_ms),
    ) {
        return Err(Some(throttled(settings.throttle_retry_after_s)));
    }
    if path.starts_with("/api/v1/token/") {
        return Ok(());
    }
    let token = headers
        .get("synetonToken")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = s.now_utc().unix_timestamp();
    let valid = lock(&s.tokens).get(token).is_some_and(|exp| *exp > now);
    if !valid {
        return Err(Some(error(StatusCode::UNAUTHORIZED, "Invalid token")));
    }
    let endpoint = path
        .strip_prefix("/api/v1/")
        .and_then(|p| p.split('/').next())
        .unwrap_or_default();
    if settings
        .disabled_endpoints
        .iter()
        .any(|d| d.eq_ignore_ascii_case(endpoint))
    {
        return Err(Some(error(
            StatusCode::FORBIDDEN,
            "No valid configuration for token",
        )));
    }
    Ok(())
}
