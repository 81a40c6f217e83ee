//! The admin endpoints every simulator has under `/_sim/`: the request log and the fault
//! queue, with the plain `{"error"}` answers of the accounting simulators' admin side.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::faults::Fault;
use super::lock;
use super::traffic::{Traffic, requests_json};

/// `GET|DELETE /requests` and `GET|DELETE /faults` of a simulator whose state is `T`;
/// each simulator adds `POST /faults` ([`add_fault`], or its own answer to it).
pub fn router<T: AsRef<Traffic> + Send + Sync + 'static>() -> Router<Arc<T>> {
    Router::new()
        .route("/requests", get(requests::<T>).delete(clear_requests::<T>))
        .route("/faults", get(list_faults::<T>).delete(clear_faults::<T>))
}

async fn requests<T: AsRef<Traffic>>(State(s): State<Arc<T>>) -> Json<Value> {
    Json(requests_json(&lock(&(*s).as_ref().log)))
}

async fn clear_requests<T: AsRef<Traffic>>(State(s): State<Arc<T>>) -> StatusCode {
    lock(&(*s).as_ref().log).clear();
    StatusCode::NO_CONTENT
}

/// `{"faults": […], "kinds": […]}`: the queue and the simulator's own kinds.
pub fn faults_json(traffic: &Traffic) -> Value {
    json!({"faults": lock(&traffic.faults).iter().collect::<Vec<_>>(), "kinds": traffic.kinds})
}

async fn list_faults<T: AsRef<Traffic>>(State(s): State<Arc<T>>) -> Json<Value> {
    Json(faults_json((*s).as_ref()))
}

async fn clear_faults<T: AsRef<Traffic>>(State(s): State<Arc<T>>) -> StatusCode {
    lock(&(*s).as_ref().faults).clear();
    StatusCode::NO_CONTENT
}

/// `POST /faults`: queues a fault of a known kind; answers 201 without a body.
pub async fn add_fault<T: AsRef<Traffic>>(State(s): State<Arc<T>>, body: Bytes) -> Response {
    let traffic = (*s).as_ref();
    let f: Fault = match parse(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    if !f.valid(traffic.kinds) {
        return bad(format!(
            "unknown fault kind {}; one of {:?} or an HTTP status",
            f.kind, traffic.kinds
        ));
    }
    lock(&traffic.faults).push_back(f);
    StatusCode::CREATED.into_response()
}

/// 400 with `{"error": message}`.
pub fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": message.into()})),
    )
        .into_response()
}

/// A JSON body, or the 400 that refuses it.
///
/// # Errors
/// The 400 answer, when the body is not a `T`.
pub fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| Box::new(bad(format!("invalid JSON: {e}"))))
}
