//! Admin endpoints under `/_sim/` (never rate limited nor logged): change records as a
//! HubSpot user would, inject faults, read the request log, manage OAuth, reset.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::errors::{ApiError, ApiResult, parse_body};
use super::objects::{CreateInput, create_one, lookup, object_type};
use super::state::category_code;
use super::types::ObjectType;
use super::write::{self, stringify};
use super::{Inner, auth, seed};
use crate::simulate::kit::{self, Fault, lock};

type S = Arc<Inner>;

pub fn router() -> Router<S> {
    kit::admin::router::<Inner>()
        .route("/faults", post(add_fault))
        .route("/reset", post(reset))
        .route("/objects/{object_type}", post(create))
        .route(
            "/objects/{object_type}/{id}",
            get(read).patch(update).delete(archive),
        )
        .route("/merge/{object_type}", post(merge))
        .route("/associations", post(associate))
        .route("/oauth/refresh-tokens", post(refresh_token))
        .route("/oauth/codes", post(code))
        .route("/oauth/expire", post(expire))
        .route("/oauth/portal", post(portal))
        .route("/stats", get(stats))
        .route("/config", get(get_config).patch(patch_config))
}

async fn reset(State(s): State<S>) -> StatusCode {
    *s.store() = seed::seed(&s.config);
    *lock(&s.settings) = super::settings::Settings::from_config(&s.config);
    *lock(&s.limits) = super::limits::Limits::default();
    s.traffic.clear();
    StatusCode::NO_CONTENT
}

/// `POST /_sim/faults`: answers the queue, and refuses an unknown kind as HubSpot refuses
/// a bad request.
async fn add_fault(State(s): State<S>, body: Bytes) -> ApiResult<Response> {
    let f: Fault = parse_body(&body)?;
    if !f.valid(s.traffic.kinds) {
        return Err(ApiError::validation(format!(
            "unknown fault kind {}; one of {:?}",
            f.kind, s.traffic.kinds
        )));
    }
    lock(&s.traffic.faults).push_back(f);
    Ok((
        StatusCode::CREATED,
        Json(kit::admin::faults_json(&s.traffic)),
    )
        .into_response())
}

async fn create(
    State(s): State<S>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let mut input: CreateInput = parse_body(&body)?;
    // A record made by a user in HubSpot's UI carries its creator, which the API may not set.
    let creator = input.properties.remove("hs_created_by_user_id");
    let mut store = s.store();
    let id = create_one(&mut store, t, &input, &mut HashSet::new())?;
    if let Some(creator) = creator
        && let Some(rec) = store.ts_mut(t).records.get_mut(&id)
    {
        let value = creator
            .as_str()
            .map_or_else(|| creator.to_string(), str::to_owned);
        rec.properties.insert("hs_created_by_user_id".into(), value);
    }
    let rec = store
        .ts(t)
        .records
        .get(&id)
        .ok_or_else(|| write::not_found(t, id))?;
    Ok((StatusCode::CREATED, Json(full(&store, t, rec))).into_response())
}

fn full(store: &super::state::Store, t: ObjectType, rec: &super::state::Record) -> Value {
    let names: Vec<String> = rec.properties.keys().cloned().collect();
    store.render(t, rec, Some(&names))
}

async fn read(
    State(s): State<S>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let raw = p.get("id").cloned().unwrap_or_default();
    let store = s.store();
    let rec = lookup(&store, t, &raw, None)
        .and_then(|id| store.ts(t).records.get(&id))
        .ok_or_else(|| write::not_found(t, &raw))?;
    Ok(Json(full(&store, t, rec)))
}

#[derive(Deserialize)]
struct Props {
    #[serde(default)]
    properties: Map<String, Value>,
}

/// A user's edit: validated like the API, but the lifecycle stage may move backward.
async fn update(
    State(s): State<S>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let raw = p.get("id").cloned().unwrap_or_default();
    let input: Props = parse_body(&body)?;
    let props = stringify(&input.properties);
    let mut store = s.store();
    let id = lookup(&store, t, &raw, None).ok_or_else(|| write::not_found(t, &raw))?;
    write::check_update(&store, t, id, &props, &mut HashSet::new())?;
    let now = store.write_time();
    write::apply_update(&mut store, t, id, props, now, false);
    let rec = store
        .ts(t)
        .records
        .get(&id)
        .ok_or_else(|| write::not_found(t, id))?;
    Ok(Json(full(&store, t, rec)))
}

async fn archive(
    State(s): State<S>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<StatusCode> {
    let t = object_type(&p)?;
    let raw = p.get("id").cloned().unwrap_or_default();
    let mut store = s.store();
    let id = lookup(&store, t, &raw, None).ok_or_else(|| write::not_found(t, &raw))?;
    let now = store.write_time();
    write::archive(&mut store, t, id, now);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MergeInput {
    primary_object_id: u64,
    object_id_to_merge: u64,
}

async fn merge(
    State(s): State<S>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let input: MergeInput = parse_body(&body)?;
    let mut store = s.store();
    let now = store.write_time();
    super::merge::merge_records(
        &mut store,
        t,
        input.primary_object_id,
        input.object_id_to_merge,
        now,
    )?;
    let survivor = store.ts(t).resolve(input.primary_object_id);
    let rec = store
        .ts(t)
        .records
        .get(&survivor)
        .ok_or_else(|| write::not_found(t, input.primary_object_id))?;
    Ok(Json(full(&store, t, rec)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssocInput {
    from_type: String,
    from_id: u64,
    to_type: String,
    to_id: u64,
    #[serde(default)]
    type_id: Option<u32>,
    #[serde(default)]
    category: Option<String>,
}

async fn associate(State(s): State<S>, body: Bytes) -> ApiResult<StatusCode> {
    let a: AssocInput = parse_body(&body)?;
    let from =
        ObjectType::parse(&a.from_type).ok_or_else(|| ApiError::validation("unknown fromType"))?;
    let to = ObjectType::parse(&a.to_type).ok_or_else(|| ApiError::validation("unknown toType"))?;
    let type_id = match a.type_id {
        Some(t) => t,
        None => super::types::default_assoc(from, to)
            .map(|d| d.id)
            .ok_or_else(|| ApiError::validation("no default association type"))?,
    };
    let cat = category_code(a.category.as_deref().unwrap_or("HUBSPOT_DEFINED"))
        .ok_or_else(|| ApiError::validation("bad category"))?;
    let mut store = s.store();
    if !store.is_active(from, a.from_id) || !store.is_active(to, a.to_id) {
        return Err(ApiError::not_found("one of the records does not exist"));
    }
    store.associate((from, a.from_id), (to, a.to_id), cat, type_id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientInput {
    #[serde(default)]
    client_id: Option<String>,
}

fn client_of(s: &S, body: &[u8]) -> String {
    let input: Option<ClientInput> = serde_json::from_slice(body).ok();
    input
        .and_then(|c| c.client_id)
        .or_else(|| s.config.oauth_clients.first().map(|c| c.0.clone()))
        .unwrap_or_default()
}

async fn refresh_token(State(s): State<S>, body: Bytes) -> Json<Value> {
    let client = client_of(&s, &body);
    Json(json!({"refreshToken": auth::issue_refresh_token(&s, &client), "clientId": client}))
}

async fn code(State(s): State<S>, body: Bytes) -> Json<Value> {
    let client = client_of(&s, &body);
    Json(json!({"code": auth::issue_code(&s, &client), "clientId": client}))
}

async fn expire(State(s): State<S>) -> StatusCode {
    auth::expire_all(&s);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct PortalInput {
    revoked: bool,
}

async fn portal(State(s): State<S>, body: Bytes) -> ApiResult<StatusCode> {
    let p: PortalInput = parse_body(&body)?;
    lock(&s.auth).portal_revoked = p.revoked;
    Ok(StatusCode::NO_CONTENT)
}

async fn stats(State(s): State<S>) -> Json<Value> {
    let store = s.store();
    let mut out = Map::new();
    for t in ObjectType::ALL {
        let ts = store.ts(t);
        let archived = ts
            .records
            .values()
            .filter(|r| r.archived_at.is_some())
            .count();
        out.insert(t.name().into(), json!({"active": ts.records.len() - archived, "archived": archived, "merged": ts.merged.len()}));
    }
    Json(
        json!({"objects": out, "owners": store.owners.len(), "associations": store.assoc.values().map(|m| m.len()).sum::<usize>() / 2}),
    )
}

async fn get_config(State(s): State<S>) -> Json<Value> {
    Json(serde_json::to_value(lock(&s.settings).clone()).unwrap_or(Value::Null))
}

async fn patch_config(State(s): State<S>, body: Bytes) -> ApiResult<Json<Value>> {
    let patch: super::settings::SettingsPatch = parse_body(&body)?;
    let mut settings = lock(&s.settings);
    settings.apply(patch);
    Ok(Json(
        serde_json::to_value(settings.clone()).unwrap_or(Value::Null),
    ))
}
