//! Faults injected for the next N calls: HTTP errors, timeouts, connection resets,
//! malformed JSON and expired tokens.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::errors::{ApiError, correlation_id, json_response};

/// One queued fault.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// `429`, `403`, `423`, `477`, `500`, `502`, `503`, `504` (any 4xx/5xx), `timeout`, `reset`, `malformed`, `expired_token`.
    pub kind: String,
    /// How many of the next calls it affects.
    #[serde(default = "one")]
    pub count: u32,
    /// Only calls whose path contains this string.
    #[serde(default)]
    pub path_contains: Option<String>,
    /// Delay of a `timeout` before it answers 504 (default 30 s).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// `Retry-After` seconds for 477 (and 429 when set).
    #[serde(default)]
    pub retry_after_s: Option<u64>,
}

fn one() -> u32 {
    1
}

pub const KINDS: &[&str] = &[
    "429",
    "403",
    "423",
    "477",
    "500",
    "502",
    "503",
    "504",
    "timeout",
    "reset",
    "malformed",
    "expired_token",
];

/// What the gate must do for a faulted call.
pub enum Effect {
    Respond(Response),
    /// Sleep, then answer 504.
    Timeout(Duration),
    /// Drop the connection without an answer.
    Reset,
}

fn error_body(status: StatusCode, category: &'static str, message: &str) -> Response {
    ApiError::new(status, category, message).into_response()
}

/// Whether `kind` names a fault: one of [`KINDS`] or any HTTP status 400-599.
pub fn valid_kind(kind: &str) -> bool {
    KINDS.contains(&kind) || kind.parse::<u16>().is_ok_and(|c| (400..=599).contains(&c))
}

/// Takes the next fault that matches `path`, if any.
pub fn take(queue: &mut std::collections::VecDeque<Fault>, path: &str) -> Option<Fault> {
    let idx = queue
        .iter()
        .position(|f| f.count > 0 && f.path_contains.as_deref().is_none_or(|p| path.contains(p)))?;
    let f = queue.get_mut(idx)?;
    f.count -= 1;
    let out = f.clone();
    if f.count == 0 {
        queue.remove(idx);
    }
    Some(out)
}

pub fn effect(f: &Fault) -> Effect {
    let with_retry_after = |mut r: Response, secs: Option<u64>| {
        if let Some(v) = secs.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            r.headers_mut().insert("retry-after", v);
        }
        r
    };
    match f.kind.as_str() {
        "429" => Effect::Respond(with_retry_after(
            super::limits::too_many("TEN_SECONDLY_ROLLING"),
            f.retry_after_s,
        )),
        "423" => Effect::Respond(error_body(
            StatusCode::LOCKED,
            "LOCKED",
            "The resource is locked after high-volume writes; wait at least 2 seconds.",
        )),
        "477" => {
            let r = error_body(
                StatusCode::from_u16(477).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                "MIGRATION_IN_PROGRESS",
                "Migration in progress",
            );
            Effect::Respond(with_retry_after(r, Some(f.retry_after_s.unwrap_or(60))))
        }
        "500" => Effect::Respond(error_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal error",
        )),
        "502" => Effect::Respond(
            (
                StatusCode::BAD_GATEWAY,
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
                .into_response(),
        ),
        "503" => Effect::Respond(error_body(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "Service unavailable",
        )),
        "504" => Effect::Respond(
            (
                StatusCode::GATEWAY_TIMEOUT,
                "<html><body><h1>504 Gateway Time-out</h1></body></html>",
            )
                .into_response(),
        ),
        "403" => Effect::Respond(error_body(
            StatusCode::FORBIDDEN,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call.",
        )),
        "timeout" => Effect::Timeout(Duration::from_millis(f.delay_ms.unwrap_or(30_000))),
        "reset" => Effect::Reset,
        other if other.parse::<u16>().is_ok_and(|c| (400..=599).contains(&c)) => {
            let code = other.parse::<u16>().unwrap_or(500);
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Effect::Respond(error_body(status, "ERROR", "simulated error"))
        }
        "malformed" => {
            let cid = correlation_id();
            let mut r = (
                StatusCode::OK,
                [("content-type", "application/json")],
                "{\"results\":[{\"id\":\"1\",\"properties\":{\"name\":",
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&cid) {
                r.headers_mut().insert("x-hubspot-correlation-id", v);
            }
            Effect::Respond(r)
        }
        _ => {
            let now = super::types::now_ms();
            let e = super::auth::expired_error(0, now);
            let cid = correlation_id();
            Effect::Respond(json_response(e.status, &e.body(&cid), &cid))
        }
    }
}

pub fn describe(queue: &std::collections::VecDeque<Fault>) -> serde_json::Value {
    json!({"faults": queue.iter().collect::<Vec<_>>(), "kinds": KINDS})
}
