//! Batch endpoints: read, create, update, upsert, archive (≤ 100 inputs).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Inner;
use super::errors::{ApiError, ApiResult, parse_body};
use super::objects::{CreateInput, create_one, lookup, object_type, resolve_assocs, update_one};
use super::state::Store;
use super::types::{ObjectType, iso, now_ms};
use super::write::{self, stringify};

pub const MAX_INPUTS: usize = 100;

pub fn check_size(n: usize, max: usize) -> ApiResult<()> {
    if n > max {
        return Err(ApiError::validation(format!(
            "Too many inputs: {n}. The maximum number of inputs is {max}."
        ))
        .with_context(json!({"maxInputs": [max.to_string()]})));
    }
    Ok(())
}

/// Batch body; 207 with `errors`/`numErrors` when any input failed.
pub fn batch_response(
    ok: StatusCode,
    started: i64,
    results: Vec<Value>,
    errors: Vec<Value>,
) -> Response {
    let now = iso(now_ms());
    let mut body = json!({"status": "COMPLETE", "results": results, "requestedAt": iso(started), "startedAt": iso(started), "completedAt": now});
    let status = if errors.is_empty() {
        ok
    } else {
        body["numErrors"] = json!(errors.len());
        body["errors"] = Value::Array(errors);
        StatusCode::MULTI_STATUS
    };
    (status, Json(body)).into_response()
}

fn traced(e: &ApiError, trace: Option<&String>) -> Value {
    let mut v = e.batch_item();
    if let Some(t) = trace {
        v["context"]["objectWriteTraceId"] = json!([t]);
    }
    v
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReadInput {
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    properties_with_history: Vec<String>,
    #[serde(default)]
    id_property: Option<String>,
    #[serde(default)]
    inputs: Vec<Value>,
}

fn input_id(v: &Value) -> String {
    let id = v.get("id").unwrap_or(v);
    id.as_str().map_or_else(|| id.to_string(), String::from)
}

pub async fn read(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let started = now_ms();
    let input: ReadInput = parse_body(&body)?;
    check_size(
        input.inputs.len(),
        if input.properties_with_history.is_empty() {
            MAX_INPUTS
        } else {
            50
        },
    )?;
    let archived = q
        .get("archived")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let store = s.store();
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for raw in input.inputs.iter().map(input_id) {
        match lookup(&store, t, &raw, input.id_property.as_deref())
            .and_then(|id| store.ts(t).records.get(&id))
            .filter(|r| r.archived_at.is_some() == archived)
        {
            Some(rec) => {
                let mut v = store.render(t, rec, Some(&input.properties));
                store.add_history(t, rec, &input.properties_with_history, &mut v);
                results.push(v);
            }
            None => missing.push(raw),
        }
    }
    let errors = if missing.is_empty() {
        vec![]
    } else {
        vec![
            json!({"status": "error", "category": "OBJECT_NOT_FOUND", "message": format!("Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.", t.singular().to_uppercase()),
                    "context": {"ids": missing}, "errors": [], "links": {}}),
        ]
    };
    Ok(batch_response(StatusCode::OK, started, results, errors))
}

#[derive(Deserialize)]
pub struct Inputs<T> {
    #[serde(default = "Vec::new")]
    pub inputs: Vec<T>,
}

pub async fn create(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let started = now_ms();
    let input: Inputs<CreateInput> = parse_body(&body)?;
    check_size(input.inputs.len(), MAX_INPUTS)?;
    let multi = input
        .inputs
        .iter()
        .any(|i| i.object_write_trace_id.is_some());
    let mut store = s.store();
    if !multi {
        let mut claimed = HashSet::new();
        for i in &input.inputs {
            write::check_create(&store, t, &stringify(&i.properties), &mut claimed)?;
            resolve_assocs(&store, t, &i.associations)?;
        }
    }
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    let mut claimed = HashSet::new();
    for i in &input.inputs {
        match create_one(&mut store, t, i, &mut claimed) {
            Ok(id) => results.push(render_written(
                &store,
                t,
                id,
                i.properties.keys().cloned().collect(),
                i.object_write_trace_id.as_ref(),
            )),
            Err(e) => errors.push(traced(&e, i.object_write_trace_id.as_ref())),
        }
    }
    Ok(batch_response(
        StatusCode::CREATED,
        started,
        results,
        errors,
    ))
}

pub fn render_written(
    store: &Store,
    t: ObjectType,
    id: u64,
    mut names: Vec<String>,
    trace: Option<&String>,
) -> Value {
    names.extend(["hs_object_id", "createdate", t.modified_property()].map(String::from));
    let mut v = store
        .ts(t)
        .records
        .get(&id)
        .map(|r| store.render(t, r, Some(&names)))
        .unwrap_or(Value::Null);
    if let Some(tr) = trace {
        v["objectWriteTraceId"] = json!(tr);
    }
    v
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateItem {
    pub id: Value,
    #[serde(default)]
    pub id_property: Option<String>,
    #[serde(default)]
    pub properties: Map<String, Value>,
    #[serde(default)]
    pub object_write_trace_id: Option<String>,
}

pub fn item_id(i: &UpdateItem) -> String {
    i.id.as_str().map_or_else(|| i.id.to_string(), String::from)
}

pub fn check_id_property(store: &Store, t: ObjectType, prop: Option<&str>) -> ApiResult<()> {
    match prop {
        None | Some("hs_object_id") => Ok(()),
        Some(p) if store.unique_props(t).iter().any(|u| u == p) => Ok(()),
        Some(_) => Err(ApiError::validation(format!(
            "Unable to perform update/upsert by non-unique {} property",
            t.type_id()
        ))),
    }
}

pub async fn update(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let started = now_ms();
    let input: Inputs<UpdateItem> = parse_body(&body)?;
    check_size(input.inputs.len(), MAX_INPUTS)?;
    let multi = input
        .inputs
        .iter()
        .any(|i| i.object_write_trace_id.is_some());
    let mut store = s.store();
    let resolve = |store: &Store, i: &UpdateItem| -> ApiResult<u64> {
        check_id_property(store, t, i.id_property.as_deref())?;
        let raw = item_id(i);
        lookup(store, t, &raw, i.id_property.as_deref())
            .filter(|id| store.is_active(t, *id))
            .ok_or_else(|| write::not_found(t, &raw))
    };
    if !multi {
        let mut claimed = HashSet::new();
        for i in &input.inputs {
            let id = resolve(&store, i)?;
            write::check_update(&store, t, id, &stringify(&i.properties), &mut claimed)?;
        }
    }
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    let mut claimed = HashSet::new();
    for i in &input.inputs {
        let r = resolve(&store, i)
            .and_then(|id| update_one(&mut store, t, id, stringify(&i.properties), &mut claimed));
        match r {
            Ok(mut v) => {
                if let Some(tr) = &i.object_write_trace_id {
                    v["objectWriteTraceId"] = json!(tr);
                }
                results.push(v);
            }
            Err(e) => errors.push(traced(&e, i.object_write_trace_id.as_ref())),
        }
    }
    Ok(batch_response(StatusCode::OK, started, results, errors))
}

pub async fn archive(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let t = object_type(&p)?;
    let input: Inputs<Value> = parse_body(&body)?;
    check_size(input.inputs.len(), MAX_INPUTS)?;
    let mut store = s.store();
    let now = store.write_time();
    for raw in input.inputs.iter().map(input_id) {
        if let Some(id) = lookup(&store, t, &raw, None) {
            write::archive(&mut store, t, id, now);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
