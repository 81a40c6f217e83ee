//! Properties batch endpoints: `POST /crm/v3/properties/{objectType}/batch/{read|create|archive}`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Inner;
use super::errors::{ApiResult, parse_body};
use super::properties::{PropertyInput, create_def, object_type};
use super::types::{iso, now_ms};

#[derive(Deserialize)]
struct Inputs<T> {
    #[serde(default = "Vec::new")]
    inputs: Vec<T>,
    #[serde(default)]
    archived: bool,
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

fn body(ok: StatusCode, started: i64, results: Vec<Value>, errors: Vec<Value>) -> Response {
    let mut b = json!({"status": "COMPLETE", "results": results, "startedAt": iso(started), "completedAt": iso(now_ms())});
    let status = if errors.is_empty() {
        ok
    } else {
        b["numErrors"] = json!(errors.len());
        b["errors"] = Value::Array(errors);
        StatusCode::MULTI_STATUS
    };
    (status, Json(b)).into_response()
}

pub async fn read(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    raw: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let started = now_ms();
    let input: Inputs<Name> = parse_body(&raw)?;
    let store = s.store();
    let defs = store.props.get(&t);
    let (mut results, mut missing) = (Vec::new(), Vec::new());
    for n in input.inputs {
        match defs
            .and_then(|m| m.get(&n.name))
            .filter(|d| d.archived == input.archived)
        {
            Some(d) => results.push(d.to_json()),
            None => missing.push(n.name),
        }
    }
    let errors = if missing.is_empty() {
        vec![]
    } else {
        vec![
            json!({"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Some properties do not exist",
                    "context": {"properties": missing}, "errors": [], "links": {}}),
        ]
    };
    Ok(body(StatusCode::OK, started, results, errors))
}

pub async fn create(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    raw: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let started = now_ms();
    let input: Inputs<PropertyInput> = parse_body(&raw)?;
    let mut store = s.store();
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for i in &input.inputs {
        match create_def(&mut store, t, i) {
            Ok(v) => results.push(v),
            Err(e) => errors.push(e.batch_item()),
        }
    }
    Ok(body(StatusCode::CREATED, started, results, errors))
}

pub async fn archive(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    raw: Bytes,
) -> ApiResult<StatusCode> {
    let t = object_type(&p)?;
    let input: Inputs<Name> = parse_body(&raw)?;
    let mut store = s.store();
    let now = store.write_time();
    if let Some(m) = store.props.get_mut(&t) {
        for n in input.inputs {
            if let Some(d) = m.get_mut(&n.name).filter(|d| !d.hubspot_defined) {
                d.archived = true;
                d.updated_ms = now;
            }
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
