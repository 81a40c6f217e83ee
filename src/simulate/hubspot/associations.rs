//! Associations v4: batch read (≤ 1,000 inputs, per-record paging), batch create,
//! default, archive, labels archive, per-object read/put/delete, labels.

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
use super::errors::{ApiError, ApiResult, parse_body};
use super::state::{Store, category_code, category_name};
use super::types::{ObjectType, assoc_type, default_assoc, iso, now_ms};

pub const MAX_BATCH_READ: usize = 1000;
pub const MAX_BATCH_WRITE: usize = 2000;
/// Associations returned per record and page by batch read.
pub const PER_RECORD_PAGE: usize = 100;
pub const MAX_OBJECT_PAGE: usize = 500;

pub fn types_of(
    p: &HashMap<String, String>,
    a: &str,
    b: &str,
) -> ApiResult<(ObjectType, ObjectType)> {
    let get = |k: &str| {
        let raw = p.get(k).map(String::as_str).unwrap_or_default();
        ObjectType::parse(raw)
            .ok_or_else(|| ApiError::validation(format!("Unable to infer object type from: {raw}")))
    };
    Ok((get(a)?, get(b)?))
}

pub fn id_in(v: &Value) -> Option<u64> {
    let id = v.get("id").unwrap_or(v);
    id.as_u64()
        .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
}

/// The `from` and `to` ids of a batch input, resolved through merges (0 when absent).
pub fn resolve_pair(store: &Store, from: ObjectType, to: ObjectType, input: &Value) -> (u64, u64) {
    let side = |key: &str, t: ObjectType| {
        input
            .get(key)
            .and_then(id_in)
            .map_or(0, |x| store.ts(t).resolve(x))
    };
    (side("from", from), side("to", to))
}

pub fn type_json(from: ObjectType, to: ObjectType, (cat, id): (u8, u32)) -> Value {
    let label = assoc_type(from, to, id).and_then(|a| a.label);
    json!({"category": category_name(cat), "typeId": id, "label": label})
}

pub fn too_many(n: usize, max: usize) -> ApiResult<()> {
    if n > max {
        return Err(ApiError::validation(format!(
            "Too many inputs: {n}. The maximum number of inputs is {max}."
        )));
    }
    Ok(())
}

pub fn batch_body(
    ok: StatusCode,
    started: i64,
    results: Vec<Value>,
    errors: Vec<Value>,
) -> Response {
    let mut body = json!({"status": "COMPLETE", "results": results, "startedAt": iso(started), "completedAt": iso(now_ms())});
    let status = if errors.is_empty() {
        ok
    } else {
        body["numErrors"] = json!(errors.len());
        body["errors"] = Value::Array(errors);
        StatusCode::MULTI_STATUS
    };
    (status, Json(body)).into_response()
}

pub fn item_error(category: &str, sub: &str, message: String, ids: Vec<String>) -> Value {
    json!({"status": "error", "category": category, "subCategory": sub, "message": message, "context": {"fromObjectId": ids}, "errors": [], "links": {}})
}

#[derive(Deserialize)]
pub struct Inputs {
    #[serde(default)]
    pub inputs: Vec<Value>,
}

pub async fn batch_read(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let (from, to) = types_of(&p, "from", "to")?;
    let started = now_ms();
    let input: Inputs = parse_body(&body)?;
    too_many(input.inputs.len(), MAX_BATCH_READ)?;
    let store = s.store();
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for i in &input.inputs {
        let raw = i
            .get("id")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
            .unwrap_or_default();
        let after: u64 = i
            .get("after")
            .and_then(|a| {
                a.as_str()
                    .map(String::from)
                    .or_else(|| a.as_u64().map(|n| n.to_string()))
            })
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        let id = id_in(i).map(|id| store.ts(from).resolve(id));
        let all = id
            .map(|id| store.assoc_of((from, id), to))
            .unwrap_or_default();
        if all.is_empty() {
            errors.push(item_error(
                "OBJECT_NOT_FOUND",
                "crm.associations.NO_ASSOCIATIONS_FOUND",
                format!(
                    "No {} is associated with {} {raw}.",
                    to.singular(),
                    from.singular()
                ),
                vec![raw],
            ));
            continue;
        }
        let rest: Vec<&(u64, Vec<(u8, u32)>)> =
            all.iter().filter(|(tid, _)| *tid >= after).collect();
        let page: Vec<Value> = rest.iter().take(PER_RECORD_PAGE).map(|(tid, types)| {
            json!({"toObjectId": tid.to_string(), "associationTypes": types.iter().map(|t| type_json(from, to, *t)).collect::<Vec<_>>()})
        }).collect();
        let mut r = json!({"from": {"id": raw}, "to": page});
        if let Some((next, _)) = rest.get(PER_RECORD_PAGE) {
            r["paging"] = json!({"next": {"after": next.to_string(), "link": null}});
        }
        results.push(r);
    }
    Ok(batch_body(StatusCode::OK, started, results, errors))
}

pub fn parse_specs(v: Option<&Value>) -> ApiResult<Vec<(u8, u32)>> {
    let Some(Value::Array(items)) = v else {
        return Ok(vec![]);
    };
    items
        .iter()
        .map(|t| {
            let cat = t
                .get("associationCategory")
                .and_then(Value::as_str)
                .unwrap_or("HUBSPOT_DEFINED");
            let cat = category_code(cat).ok_or_else(|| {
                ApiError::validation(format!("Invalid associationCategory {cat}"))
            })?;
            let id = t
                .get("associationTypeId")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| ApiError::validation("associationTypeId is required"))?;
            Ok((cat, id))
        })
        .collect()
}

pub fn check_pair(
    store: &Store,
    from: ObjectType,
    to: ObjectType,
    a: u64,
    b: u64,
    specs: &[(u8, u32)],
) -> Result<(), (String, String)> {
    if !store.is_active(from, a) {
        return Err((
            "OBJECT_NOT_FOUND".into(),
            format!("{} {a} does not exist", from.singular()),
        ));
    }
    if !store.is_active(to, b) {
        return Err((
            "OBJECT_NOT_FOUND".into(),
            format!("{} {b} does not exist", to.singular()),
        ));
    }
    for (cat, id) in specs {
        if *cat == 0 && assoc_type(from, to, *id).is_none() {
            return Err((
                "VALIDATION_ERROR".into(),
                format!(
                    "{id} is not a valid HUBSPOT_DEFINED association type from {} to {}",
                    from.singular(),
                    to.singular()
                ),
            ));
        }
    }
    Ok(())
}

pub fn pair_json(from: ObjectType, to: ObjectType, a: u64, b: u64, specs: &[(u8, u32)]) -> Value {
    let labels: Vec<&str> = specs
        .iter()
        .filter_map(|(_, id)| assoc_type(from, to, *id).and_then(|t| t.label))
        .collect();
    json!({"fromObjectTypeId": from.type_id(), "fromObjectId": a.to_string(), "toObjectTypeId": to.type_id(), "toObjectId": b.to_string(), "labels": labels})
}

pub async fn batch_create(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let (from, to) = types_of(&p, "from", "to")?;
    let started = now_ms();
    let input: Inputs = parse_body(&body)?;
    too_many(input.inputs.len(), MAX_BATCH_WRITE)?;
    let mut store = s.store();
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for i in &input.inputs {
        let (a, b) = resolve_pair(&store, from, to, i);
        let specs = parse_specs(i.get("types"))?;
        match check_pair(&store, from, to, a, b, &specs) {
            Ok(()) => {
                for (cat, id) in &specs {
                    store.associate((from, a), (to, b), *cat, *id);
                }
                results.push(pair_json(from, to, a, b, &specs));
            }
            Err((cat, msg)) => errors.push(item_error(
                &cat,
                "crm.associations.INVALID_INPUT",
                msg,
                vec![a.to_string()],
            )),
        }
    }
    Ok(batch_body(StatusCode::CREATED, started, results, errors))
}

pub fn default_spec(from: ObjectType, to: ObjectType) -> ApiResult<(u8, u32)> {
    default_assoc(from, to).map(|d| (0, d.id)).ok_or_else(|| {
        ApiError::validation(format!(
            "No default association from {} to {}",
            from.name(),
            to.name()
        ))
    })
}

pub fn default_json(
    from: ObjectType,
    to: ObjectType,
    a: u64,
    b: u64,
    (cat, id): (u8, u32),
) -> Value {
    let _ = (from, to);
    json!({"from": {"id": a.to_string()}, "to": {"id": b.to_string()}, "associationSpec": {"associationCategory": category_name(cat), "associationTypeId": id}})
}
