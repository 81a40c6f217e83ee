//! Record endpoints: list, read, create, update, archive, merge (`/crm/v3/objects/{type}`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Inner;
use super::errors::{ApiError, ApiResult, parse_body};
pub use super::params::{ReadParams, lookup, object_type};
use super::routes::OriginalPath;
use super::state::{Store, category_code};
use super::types::{ObjectType, assoc_target};
use super::write::{self, Props, stringify};

pub async fn list(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    orig: Option<Extension<OriginalPath>>,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let params = ReadParams::parse(&q)?;
    let limit = params.limit.unwrap_or(10);
    let max = if params.properties_with_history.is_empty() {
        100
    } else {
        50
    };
    if limit == 0 || limit > max {
        return Err(ApiError::validation(format!(
            "limit must be between 1 and {max}, got {limit}"
        )));
    }
    let start: u64 = match &params.after {
        Some(a) => a
            .parse()
            .map_err(|_| ApiError::validation(format!("Invalid after: {a}")))?,
        None => 0,
    };
    let store = s.store();
    let mut results = Vec::with_capacity(limit);
    let mut next = None;
    for (id, rec) in store.ts(t).records.range(start..) {
        if rec.archived_at.is_some() != params.archived {
            continue;
        }
        if results.len() == limit {
            next = Some(*id);
            break;
        }
        let mut v = store.render(t, rec, Some(&params.properties));
        store.add_history(t, rec, &params.properties_with_history, &mut v);
        if !params.associations.is_empty() {
            let a = store.inline_associations(t, *id, &params.associations);
            if a.as_object().is_some_and(|m| !m.is_empty()) {
                v["associations"] = a;
            }
        }
        results.push(v);
    }
    let mut body = json!({"results": results});
    if let Some(n) = next {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let path = orig.map(|o| o.0.0).unwrap_or_default();
        body["paging"] = json!({"next": {"after": n.to_string(), "link": format!("http://{host}{path}?after={n}")}});
    }
    Ok(Json(body))
}

pub async fn read(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let params = ReadParams::parse(&q)?;
    let raw = p.get("id").cloned().unwrap_or_default();
    let store = s.store();
    let rec = lookup(&store, t, &raw, params.id_property.as_deref())
        .and_then(|id| store.ts(t).records.get(&id))
        .filter(|r| r.archived_at.is_some() == params.archived)
        .ok_or_else(|| write::not_found(t, &raw))?;
    let mut v = store.render(t, rec, Some(&params.properties));
    store.add_history(t, rec, &params.properties_with_history, &mut v);
    if !params.associations.is_empty() {
        let a = store.inline_associations(t, rec.id, &params.associations);
        if a.as_object().is_some_and(|m| !m.is_empty()) {
            v["associations"] = a;
        }
    }
    Ok(Json(v))
}

#[derive(Deserialize, Default)]
pub struct AssocInput {
    #[serde(default)]
    pub to: Option<Value>,
    #[serde(default)]
    pub types: Vec<AssocSpec>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct AssocSpec {
    #[serde(default)]
    pub association_category: Option<String>,
    #[serde(default)]
    pub association_type_id: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateInput {
    #[serde(default)]
    pub properties: Map<String, Value>,
    #[serde(default)]
    pub associations: Vec<AssocInput>,
    #[serde(default)]
    pub object_write_trace_id: Option<String>,
}

/// Resolves inline create associations into (to type, to id, category, type id).
pub fn resolve_assocs(
    store: &Store,
    t: ObjectType,
    inputs: &[AssocInput],
) -> ApiResult<Vec<(ObjectType, u64, u8, u32)>> {
    let mut out = Vec::new();
    for a in inputs {
        let to_raw =
            a.to.as_ref()
                .and_then(|v| v.get("id"))
                .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                .unwrap_or_default();
        for ty in &a.types {
            let id = ty
                .association_type_id
                .ok_or_else(|| ApiError::validation("associationTypeId is required"))?;
            let cat = category_code(
                ty.association_category
                    .as_deref()
                    .unwrap_or("HUBSPOT_DEFINED"),
            )
            .ok_or_else(|| ApiError::validation("Invalid associationCategory"))?;
            let target = assoc_target(t, id).ok_or_else(|| {
                ApiError::validation(format!(
                    "{id} is not a valid association type id for {}",
                    t.name()
                ))
            })?;
            let to_id = to_raw
                .parse::<u64>()
                .ok()
                .map(|x| store.ts(target.to).resolve(x))
                .filter(|x| store.is_active(target.to, *x));
            let to_id = to_id.ok_or_else(|| {
                ApiError::validation(format!(
                    "One or more associations are invalid: {} {to_raw} does not exist",
                    target.to.singular()
                ))
            })?;
            out.push((target.to, to_id, cat, id));
        }
    }
    Ok(out)
}

/// Checks, then creates one record with its associations.
pub fn create_one(
    store: &mut Store,
    t: ObjectType,
    input: &CreateInput,
    claimed: &mut HashSet<(String, String)>,
) -> ApiResult<u64> {
    let props = stringify(&input.properties);
    write::check_create(store, t, &props, claimed)?;
    let assocs = resolve_assocs(store, t, &input.associations)?;
    let now = store.write_time();
    let id = write::apply_create(store, t, props, now);
    for (to_t, to_id, cat, type_id) in assocs {
        store.associate((t, id), (to_t, to_id), cat, type_id);
    }
    Ok(id)
}

pub async fn create(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let input: CreateInput = parse_body(&body)?;
    let mut store = s.store();
    let id = create_one(&mut store, t, &input, &mut HashSet::new())?;
    let rec = store
        .ts(t)
        .records
        .get(&id)
        .ok_or_else(|| write::not_found(t, id))?;
    let names: Vec<String> = rec.properties.keys().cloned().collect();
    Ok((
        StatusCode::CREATED,
        Json(store.render(t, rec, Some(&names))),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct UpdateInput {
    #[serde(default)]
    pub properties: Map<String, Value>,
}

/// Checks, then updates one record; returns the JSON of the written properties.
pub fn update_one(
    store: &mut Store,
    t: ObjectType,
    id: u64,
    props: Props,
    claimed: &mut HashSet<(String, String)>,
) -> ApiResult<Value> {
    write::check_update(store, t, id, &props, claimed)?;
    let now = store.write_time();
    let mut names: Vec<String> = props.keys().cloned().collect();
    write::apply_update(store, t, id, props, now, true);
    names.extend([
        "hs_object_id".to_string(),
        t.modified_property().to_string(),
    ]);
    let rec = store
        .ts(t)
        .records
        .get(&id)
        .ok_or_else(|| write::not_found(t, id))?;
    Ok(store.render(t, rec, Some(&names)))
}

pub async fn update(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<Vec<(String, String)>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let params = ReadParams::parse(&q)?;
    let raw = p.get("id").cloned().unwrap_or_default();
    let input: UpdateInput = parse_body(&body)?;
    let mut store = s.store();
    let id = lookup(&store, t, &raw, params.id_property.as_deref())
        .ok_or_else(|| write::not_found(t, &raw))?;
    update_one(
        &mut store,
        t,
        id,
        stringify(&input.properties),
        &mut HashSet::new(),
    )
    .map(Json)
}

pub async fn archive(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<StatusCode> {
    let t = object_type(&p)?;
    let raw = p.get("id").cloned().unwrap_or_default();
    let mut store = s.store();
    if let Some(id) = lookup(&store, t, &raw, None) {
        let now = store.write_time();
        write::archive(&mut store, t, id, now);
    }
    Ok(StatusCode::NO_CONTENT)
}
