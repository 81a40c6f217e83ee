//! Routing and the gate every non-admin call passes: faults, 480 calls per 60 s (429),
//! `Authorization: Bearer` (API key or live OAuth token, else 401), and the request log.
//! The OAuth endpoints under `/auth` are logged but neither limited nor authenticated.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Inner, admin, api, oauth};
use crate::simulate::kit::traffic::is_admin;
use crate::simulate::kit::{Fault, LoggedRequest, lock, with_retry_after};

type S = Arc<Inner>;

/// Fault kinds besides HTTP statuses.
pub const FAULT_KINDS: &[&str] = &["expired_token", "malformed", "timeout", "reset"];

/// The full router with state applied.
pub fn router(inner: S) -> Router {
    Router::new()
        .route("/relations", get(api::relations))
        .route("/relations/{identifier}", get(api::relation))
        .route("/companies", get(api::companies))
        .route("/auth/authorize", get(oauth::authorize))
        .route("/auth/token", post(oauth::token))
        .nest("/_sim", admin::router())
        .fallback(|| async { api::error(StatusCode::NOT_FOUND, "Not found") })
        .layer(middleware::from_fn_with_state(inner.clone(), gate))
        .with_state(inner)
}

/// 429 as documented, with `Retry-After` when configured.
pub fn too_many(retry_after: Option<u64>) -> Response {
    with_retry_after(
        api::error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests: the rate limit is currently set at 480 calls/min",
        ),
        retry_after,
    )
}

async fn gate(State(s): State<S>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_admin(&path) {
        return next.run(req).await;
    }
    let entry = LoggedRequest::arriving(&req, path.clone());
    let admission = if path.starts_with("/auth/") {
        Ok(())
    } else {
        admit(&s, req.headers(), &path, entry.started_at).await
    };
    s.traffic.answer(entry, admission, next.run(req)).await
}

async fn admit(
    s: &S,
    headers: &HeaderMap,
    path: &str,
    started: Instant,
) -> Result<(), Option<Response>> {
    let settings = s.settings();
    if let Some(f) = s.traffic.take_fault(path) {
        let own = |f: &Fault| match f.kind.as_str() {
            "429" => Some(too_many(f.retry_after_s.or(settings.retry_after_s))),
            "expired_token" => Some(api::error(
                StatusCode::UNAUTHORIZED,
                "invalid or missing access token",
            )),
            "malformed" => Some(
                (
                    StatusCode::OK,
                    [("content-type", "application/json")],
                    "{\"results\":[{\"id\":",
                )
                    .into_response(),
            ),
            _ => None,
        };
        let effect = f.effect(own, |status| api::error(status, "Simulated error"));
        return Err(effect.answer().await);
    }
    if !lock(&s.window).admit(
        started,
        settings.rate_limit,
        Duration::from_millis(settings.rate_window_ms),
    ) {
        return Err(Some(too_many(settings.retry_after_s)));
    }
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or_default();
    if token.is_empty()
        || !(s.config.api_keys.iter().any(|k| k == token) || oauth::is_live(s, token))
    {
        return Err(Some(api::error(
            StatusCode::UNAUTHORIZED,
            "invalid or missing access token",
        )));
    }
    Ok(())
}
