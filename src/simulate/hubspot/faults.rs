//! Faults injected for the next N calls ([`crate::simulate::kit::faults`]), answered as
//! HubSpot would: HTTP errors, malformed JSON and expired tokens.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::errors::{ApiError, correlation_id, json_response};
use crate::simulate::kit::{Effect, Fault, with_retry_after};

/// The fault kinds `GET /_sim/faults` lists; any other HTTP status 400-599 is accepted too
/// and answers a generic error.
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

fn error_body(status: StatusCode, category: &'static str, message: &str) -> Response {
    ApiError::new(status, category, message).into_response()
}

/// What `f` does to the call that takes it, in HubSpot's shapes.
pub fn effect(f: &Fault) -> Effect {
    f.effect(own, |status| error_body(status, "ERROR", "simulated error"))
}

/// The kinds HubSpot answers in its own shapes; `None` for `timeout`, `reset` and the
/// other statuses.
fn own(f: &Fault) -> Option<Response> {
    let answer = match f.kind.as_str() {
        "429" => with_retry_after(
            super::limits::too_many("TEN_SECONDLY_ROLLING"),
            f.retry_after_s,
        ),
        "423" => error_body(
            StatusCode::LOCKED,
            "LOCKED",
            "The resource is locked after high-volume writes; wait at least 2 seconds.",
        ),
        "477" => {
            let r = error_body(
                StatusCode::from_u16(477).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                "MIGRATION_IN_PROGRESS",
                "Migration in progress",
            );
            with_retry_after(r, Some(f.retry_after_s.unwrap_or(60)))
        }
        "500" => error_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal error",
        ),
        "502" => (
            StatusCode::BAD_GATEWAY,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
        "503" => error_body(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "Service unavailable",
        ),
        "504" => (
            StatusCode::GATEWAY_TIMEOUT,
            "<html><body><h1>504 Gateway Time-out</h1></body></html>",
        )
            .into_response(),
        "403" => error_body(
            StatusCode::FORBIDDEN,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call.",
        ),
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
            r
        }
        "expired_token" => {
            let now = super::types::now_ms();
            let e = super::auth::expired_error(0, now);
            let cid = correlation_id();
            json_response(e.status, &e.body(&cid), &cid)
        }
        _ => return None,
    };
    Some(answer)
}
