//! Admin endpoints under `/_sim/` (never rate limited nor logged): change relations as an
//! office user would, issue OAuth codes and refresh tokens, expire access tokens, inject
//! faults, read the request log, tune settings, reset.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Inner, Settings, oauth, seed};
use crate::simulate::kit::admin::{self, bad, parse};
use crate::simulate::kit::lock;

type S = Arc<Inner>;

pub fn router() -> Router<S> {
    admin::router::<Inner>()
        .route("/faults", post(admin::add_fault::<Inner>))
        .route("/reset", post(reset))
        .route("/config", get(get_config).patch(patch_config))
        .route("/relations", post(create))
        .route("/relations/{identifier}", get(read).patch(update))
        .route("/relations/{identifier}/deactivate", post(deactivate))
        .route("/oauth/codes", post(code))
        .route("/oauth/refresh-tokens", post(refresh_token))
        .route("/oauth/expire", post(expire))
}

async fn reset(State(s): State<S>) -> StatusCode {
    *lock(&s.relations) = seed::seed(&s.config);
    *lock(&s.settings) = s.config.settings.clone();
    s.traffic.clear();
    lock(&s.window).clear();
    StatusCode::NO_CONTENT
}

async fn get_config(State(s): State<S>) -> Json<Value> {
    Json(serde_json::to_value(s.settings()).unwrap_or(Value::Null))
}

/// Merges the given fields into the settings.
async fn patch_config(State(s): State<S>, body: Bytes) -> Response {
    let patch: Map<String, Value> = match parse(&body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let mut settings = lock(&s.settings);
    let mut current = serde_json::to_value(settings.clone()).unwrap_or(Value::Null);
    for (k, v) in patch {
        if current.get(&k).is_none() {
            return bad(format!("unknown setting {k}"));
        }
        current[&k] = v;
    }
    match serde_json::from_value::<Settings>(current) {
        Ok(new) => {
            *settings = new.clone();
            Json(serde_json::to_value(new).unwrap_or(Value::Null)).into_response()
        }
        Err(e) => bad(format!("invalid settings: {e}")),
    }
}

fn find<'a>(relations: &'a mut [Value], identifier: &str) -> Option<&'a mut Value> {
    relations
        .iter_mut()
        .find(|r| r.get("uniqueIdentifier").and_then(Value::as_str) == Some(identifier))
}

/// Adds a relation: the given fields over a generated id, APR code and defaults.
async fn create(State(s): State<S>, body: Bytes) -> Response {
    let fields: Map<String, Value> = match parse(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let mut relations = lock(&s.relations);
    let n = relations.len() + 1;
    let mut relation = json!({"id": seed::relation_id(n), "uniqueIdentifier": format!("APR{n:05}"),
        "code": (986 + n).to_string(), "name": null, "commercialName": null, "displayName": null,
        "relationGroupName": null, "companyId": "c1", "relationType": "Company", "status": "Customer",
        "vatNumber": null, "language": "nl", "email": null, "phone": null, "address": null,
        "endDate": null, "isActive": true, "contacts": []});
    for (k, v) in fields {
        relation[&k] = v;
    }
    if relation["displayName"].is_null() {
        relation["displayName"] = relation["name"].clone();
    }
    relations.push(relation.clone());
    (StatusCode::CREATED, Json(relation)).into_response()
}

async fn read(State(s): State<S>, Path(identifier): Path<String>) -> Response {
    let mut relations = lock(&s.relations);
    match find(&mut relations, &identifier) {
        Some(r) => Json(r.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Relation not found"})),
        )
            .into_response(),
    }
}

async fn update(State(s): State<S>, Path(identifier): Path<String>, body: Bytes) -> Response {
    let fields: Map<String, Value> = match parse(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let mut relations = lock(&s.relations);
    let Some(r) = find(&mut relations, &identifier) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Relation not found"})),
        )
            .into_response();
    };
    for (k, v) in fields {
        r[&k] = v;
    }
    Json(r.clone()).into_response()
}

async fn deactivate(State(s): State<S>, Path(identifier): Path<String>) -> Response {
    let mut relations = lock(&s.relations);
    let Some(r) = find(&mut relations, &identifier) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Relation not found"})),
        )
            .into_response();
    };
    r["isActive"] = Value::Bool(false);
    let today = time::OffsetDateTime::now_utc().date();
    r["endDate"] = Value::from(format!(
        "{:02}{:02}{}",
        today.day(),
        u8::from(today.month()),
        today.year()
    ));
    Json(r.clone()).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientInput {
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    redirect_uri: Option<String>,
}

fn client_of(s: &S, body: &Bytes) -> ClientInput {
    let mut input: ClientInput = serde_json::from_slice(body).unwrap_or(ClientInput {
        client_id: None,
        redirect_uri: None,
    });
    if input.client_id.is_none() {
        input.client_id = s.config.oauth_clients.first().map(|c| c.0.clone());
    }
    input
}

async fn code(State(s): State<S>, body: Bytes) -> Json<Value> {
    let input = client_of(&s, &body);
    let client = input.client_id.unwrap_or_default();
    let redirect = input.redirect_uri.unwrap_or_default();
    Json(json!({"code": oauth::issue_code(&s, &client, &redirect), "clientId": client}))
}

async fn refresh_token(State(s): State<S>, body: Bytes) -> Json<Value> {
    let client = client_of(&s, &body).client_id.unwrap_or_default();
    Json(json!({"refreshToken": oauth::issue_refresh_token(&s, &client), "clientId": client}))
}

async fn expire(State(s): State<S>) -> StatusCode {
    oauth::expire_all(&s);
    StatusCode::NO_CONTENT
}
