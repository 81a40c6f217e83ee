//! Deal pipelines with stages (`metadata.probability`) and owners (`email` filter).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Inner;
use super::errors::{ApiError, ApiResult, parse_body};
use super::state::{Owner, Pipeline, Stage};
use super::types::iso;

fn stage_json(s: &Stage) -> Value {
    json!({"id": s.id, "label": s.label, "displayOrder": s.display_order,
           "metadata": {"probability": s.probability, "isClosed": s.is_closed.to_string()},
           "archived": false, "createdAt": iso(s.created_ms), "updatedAt": iso(s.updated_ms),
           "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"})
}

fn pipeline_json(p: &Pipeline) -> Value {
    json!({"id": p.id, "label": p.label, "displayOrder": p.display_order, "archived": false,
           "createdAt": iso(p.created_ms), "updatedAt": iso(p.updated_ms),
           "stages": p.stages.iter().map(stage_json).collect::<Vec<_>>()})
}

fn check_type(p: &HashMap<String, String>) -> ApiResult<()> {
    match p.get("object_type").map(String::as_str) {
        Some("deals" | "deal" | "0-3") => Ok(()),
        Some(other) => Err(ApiError::validation(format!(
            "Pipelines are simulated for deals only, not {other}"
        ))),
        None => Err(ApiError::validation("missing object type")),
    }
}

fn pipeline_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Unable to find pipeline {id}"))
}

pub async fn pipelines(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    check_type(&p)?;
    let store = s.store();
    Ok(Json(
        json!({"results": store.pipelines.iter().map(pipeline_json).collect::<Vec<_>>()}),
    ))
}

pub async fn pipeline(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    check_type(&p)?;
    let id = p.get("pipeline_id").cloned().unwrap_or_default();
    let store = s.store();
    store
        .pipelines
        .iter()
        .find(|x| x.id == id)
        .map(|x| Json(pipeline_json(x)))
        .ok_or_else(|| pipeline_not_found(&id))
}

pub async fn stages(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    check_type(&p)?;
    let id = p.get("pipeline_id").cloned().unwrap_or_default();
    let store = s.store();
    let pl = store
        .pipelines
        .iter()
        .find(|x| x.id == id)
        .ok_or_else(|| pipeline_not_found(&id))?;
    Ok(Json(
        json!({"results": pl.stages.iter().map(stage_json).collect::<Vec<_>>()}),
    ))
}

pub async fn stage(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    check_type(&p)?;
    let id = p.get("pipeline_id").cloned().unwrap_or_default();
    let sid = p.get("stage_id").cloned().unwrap_or_default();
    let store = s.store();
    let pl = store
        .pipelines
        .iter()
        .find(|x| x.id == id)
        .ok_or_else(|| pipeline_not_found(&id))?;
    pl.stages
        .iter()
        .find(|x| x.id == sid)
        .map(|x| Json(stage_json(x)))
        .ok_or_else(|| ApiError::not_found(format!("Unable to find stage {sid}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StageInput {
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    display_order: Option<i64>,
    #[serde(default)]
    metadata: HashMap<String, Value>,
}

fn probability(meta: &HashMap<String, Value>) -> ApiResult<Option<String>> {
    let Some(v) = meta.get("probability") else {
        return Ok(None);
    };
    let text = v.as_str().map_or_else(|| v.to_string(), String::from);
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(Some(text)),
        _ => Err(ApiError::validation(format!(
            "metadata.probability must be between 0.0 and 1.0, got {text}"
        ))),
    }
}

fn is_closed(meta: &HashMap<String, Value>) -> Option<bool> {
    meta.get("isClosed")
        .map(|v| v.as_bool().unwrap_or_else(|| v.as_str() == Some("true")))
}

pub async fn create_stage(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    check_type(&p)?;
    let id = p.get("pipeline_id").cloned().unwrap_or_default();
    let input: StageInput = parse_body(&body)?;
    let label = input
        .label
        .filter(|l| !l.is_empty())
        .ok_or_else(|| ApiError::validation("label is required"))?;
    let prob = probability(&input.metadata)?
        .ok_or_else(|| ApiError::validation("Deal stages require metadata.probability"))?;
    let mut store = s.store();
    let now = store.write_time();
    let sid = store.new_id().to_string();
    let pl = store
        .pipelines
        .iter_mut()
        .find(|x| x.id == id)
        .ok_or_else(|| pipeline_not_found(&id))?;
    if pl.stages.iter().any(|x| x.label == label) {
        return Err(ApiError::conflict(format!(
            "A stage with label {label} already exists in pipeline {id}"
        )));
    }
    let st = Stage {
        id: sid,
        label,
        display_order: input.display_order.unwrap_or(pl.stages.len() as i64),
        probability: prob,
        is_closed: is_closed(&input.metadata).unwrap_or(false),
        created_ms: now,
        updated_ms: now,
    };
    let body = stage_json(&st);
    pl.stages.push(st);
    pl.updated_ms = now;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn update_stage(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    check_type(&p)?;
    let id = p.get("pipeline_id").cloned().unwrap_or_default();
    let sid = p.get("stage_id").cloned().unwrap_or_default();
    let input: StageInput = parse_body(&body)?;
    let prob = probability(&input.metadata)?;
    let mut store = s.store();
    let now = store.write_time();
    let pl = store
        .pipelines
        .iter_mut()
        .find(|x| x.id == id)
        .ok_or_else(|| pipeline_not_found(&id))?;
    let st = pl
        .stages
        .iter_mut()
        .find(|x| x.id == sid)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find stage {sid}")))?;
    if let Some(l) = input.label {
        st.label = l;
    }
    if let Some(d) = input.display_order {
        st.display_order = d;
    }
    if let Some(p) = prob {
        st.probability = p;
    }
    if let Some(c) = is_closed(&input.metadata) {
        st.is_closed = c;
    }
    st.updated_ms = now;
    Ok(Json(stage_json(st)))
}

fn owner_json(o: &Owner) -> Value {
    json!({"id": o.id.to_string(), "email": o.email, "firstName": o.first_name, "lastName": o.last_name,
           "userId": o.user_id, "userIdIncludingInactive": o.user_id, "type": "PERSON",
           "teams": [{"id": "1001", "name": "Commerciaux", "primary": true}],
           "archived": o.archived, "createdAt": iso(o.created_ms), "updatedAt": iso(o.updated_ms)})
}

pub async fn owners(
    State(s): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
    if limit == 0 || limit > 500 {
        return Err(ApiError::validation(format!(
            "limit must be between 1 and 500, got {limit}"
        )));
    }
    let after: u64 = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let archived = q
        .get("archived")
        .is_some_and(|a| a.eq_ignore_ascii_case("true"));
    let email = q.get("email").map(|e| e.to_lowercase());
    let store = s.store();
    let all: Vec<&Owner> = store
        .owners
        .iter()
        .filter(|o| {
            o.archived == archived
                && o.id >= after
                && email.as_ref().is_none_or(|e| o.email.to_lowercase() == *e)
        })
        .collect();
    let mut out =
        json!({"results": all.iter().take(limit).map(|o| owner_json(o)).collect::<Vec<_>>()});
    if let Some(next) = all.get(limit) {
        out["paging"] = json!({"next": {"after": next.id.to_string()}});
    }
    Ok(Json(out))
}

pub async fn owner(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let raw = p.get("owner_id").cloned().unwrap_or_default();
    let by_user = q.get("idProperty").is_some_and(|v| v == "userId");
    let archived = q
        .get("archived")
        .is_some_and(|a| a.eq_ignore_ascii_case("true"));
    let id: u64 = raw
        .parse()
        .map_err(|_| ApiError::validation(format!("Invalid owner id {raw}")))?;
    let store = s.store();
    store
        .owners
        .iter()
        .find(|o| (if by_user { o.user_id } else { o.id }) == id && (archived || !o.archived))
        .map(|o| Json(owner_json(o)))
        .ok_or_else(|| ApiError::not_found(format!("Owner {raw} not found")))
}
