//! Associations v4 of one record: list, put (labels or default), delete; and type labels.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Inner;
use super::associations::{
    MAX_OBJECT_PAGE, batch_body, check_pair, default_json, default_spec, pair_json, parse_specs,
    type_json, types_of,
};
use super::errors::{ApiError, ApiResult, parse_body};
use super::types::{ASSOC_TYPES, ObjectType, now_ms};

pub async fn labels(Path(p): Path<HashMap<String, String>>) -> ApiResult<Json<Value>> {
    let (from, to) = types_of(&p, "from", "to")?;
    let results: Vec<Value> = ASSOC_TYPES
        .iter()
        .filter(|a| a.from == from && a.to == to)
        .map(|a| json!({"category": "HUBSPOT_DEFINED", "typeId": a.id, "label": a.label}))
        .collect();
    Ok(Json(json!({"results": results})))
}

fn object_pair(p: &HashMap<String, String>) -> ApiResult<(ObjectType, u64, ObjectType)> {
    let (from, to) = types_of(p, "object_type", "to_type")?;
    let id = p
        .get("id")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError::validation("Invalid object id"))?;
    Ok((from, id, to))
}

pub async fn list_for_object(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let (from, id, to) = object_pair(&p)?;
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(MAX_OBJECT_PAGE)
        .clamp(1, MAX_OBJECT_PAGE);
    let after: u64 = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let store = s.store();
    let id = store.ts(from).resolve(id);
    let all: Vec<(u64, Vec<(u8, u32)>)> = store
        .assoc_of((from, id), to)
        .into_iter()
        .filter(|(t, _)| *t >= after)
        .collect();
    let results: Vec<Value> = all.iter().take(limit).map(|(tid, types)| json!({"toObjectId": tid.to_string(), "associationTypes": types.iter().map(|t| type_json(from, to, *t)).collect::<Vec<_>>()})).collect();
    let mut out = json!({"results": results});
    if let Some((next, _)) = all.get(limit) {
        out["paging"] = json!({"next": {"after": next.to_string()}});
    }
    Ok(Json(out))
}

fn to_id(p: &HashMap<String, String>) -> ApiResult<u64> {
    p.get("to_id")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError::validation("Invalid toObjectId"))
}

pub async fn put_labels(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let (from, id, to) = object_pair(&p)?;
    let b = to_id(&p)?;
    let v: Value = parse_body(&body)?;
    let specs = parse_specs(Some(&v))?;
    let mut store = s.store();
    let (a, b) = (store.ts(from).resolve(id), store.ts(to).resolve(b));
    check_pair(&store, from, to, a, b, &specs).map_err(|(cat, msg)| {
        if cat == "OBJECT_NOT_FOUND" {
            ApiError::not_found(msg)
        } else {
            ApiError::validation(msg)
        }
    })?;
    for (cat, tid) in &specs {
        store.associate((from, a), (to, b), *cat, *tid);
    }
    Ok((StatusCode::CREATED, Json(pair_json(from, to, a, b, &specs))).into_response())
}

pub async fn put_default(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<Response> {
    let (from, id, to) = object_pair(&p)?;
    let b = to_id(&p)?;
    let spec = default_spec(from, to)?;
    let started = now_ms();
    let mut store = s.store();
    let (a, b) = (store.ts(from).resolve(id), store.ts(to).resolve(b));
    check_pair(&store, from, to, a, b, &[]).map_err(|(_, msg)| ApiError::not_found(msg))?;
    store.associate((from, a), (to, b), spec.0, spec.1);
    Ok(batch_body(
        StatusCode::OK,
        started,
        vec![default_json(from, to, a, b, spec)],
        vec![],
    ))
}

pub async fn delete_pair(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<StatusCode> {
    let (from, id, to) = object_pair(&p)?;
    let b = to_id(&p)?;
    let mut store = s.store();
    store.dissociate((from, id), (to, b), None);
    Ok(StatusCode::NO_CONTENT)
}
