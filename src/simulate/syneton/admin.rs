//! Admin endpoints under `/_sim/` (never rate limited nor logged): change customers as an
//! office user would, generate change-feed traffic, inject faults, expire tokens, read the
//! request log, tune settings, reset.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use time::PrimitiveDateTime;

use super::routes::error;
use super::settings::SettingsPatch;
use super::state::{Office, Row, WriteError};
use super::{Inner, seed};
use crate::connectors::syneton::clock::{ServerTimeZone, parse_naive};
use crate::connectors::syneton::models::PUT_ADDRESS_FIELDS;
use crate::simulate::kit::admin::{self, bad, parse};
use crate::simulate::kit::lock;

type S = Arc<Inner>;

pub fn router() -> Router<S> {
    admin::router::<Inner>()
        .route("/faults", post(admin::add_fault::<Inner>))
        .route("/reset", post(reset))
        .route("/config", get(get_config).patch(patch_config))
        .route("/customers", post(create))
        .route("/customers/{id}", get(read).patch(update))
        .route("/customers/{id}/deactivate", post(deactivate))
        .route("/customers/{id}/activate", post(activate))
        .route("/changes/generate", post(generate))
        .route("/tokens/expire", post(expire_tokens))
        .route("/stats", get(stats))
}

fn refused(e: WriteError) -> Response {
    match e {
        WriteError::NotFound => error(StatusCode::NOT_FOUND, "Nothing found"),
        WriteError::Invalid(m) => bad(m.join("; ")),
    }
}

/// A customer with its registered-office address fields, as a PUT body would carry them.
pub fn customer_view(office: &Office, id: i64) -> Option<Value> {
    let mut row = office.customers.get(&id)?.clone();
    let address = office
        .office_address_id(id)
        .and_then(|a| office.addresses.get(&a));
    for (put, get) in [
        ("Street1", "StreetName"),
        ("Street2", "Street2"),
        ("Nr", "HouseNr"),
        ("Box", "HouseBox"),
        ("Zipcode", "ZipCode"),
        ("City", "City"),
        ("CountryCode", "CountryCode"),
    ] {
        row.insert(
            put.into(),
            address
                .and_then(|a| a.get(get))
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    Some(Value::Object(row))
}

async fn reset(State(s): State<S>) -> StatusCode {
    *lock(&s.office) = seed::seed(&s.config);
    *lock(&s.settings) = s.config.settings.clone();
    s.traffic.clear();
    lock(&s.tokens).clear();
    lock(&s.window).clear();
    StatusCode::NO_CONTENT
}

async fn get_config(State(s): State<S>) -> Json<Value> {
    Json(serde_json::to_value(s.settings()).unwrap_or(Value::Null))
}

async fn patch_config(State(s): State<S>, body: Bytes) -> Response {
    let patch: SettingsPatch = match parse(&body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let mut settings = lock(&s.settings);
    settings.apply(patch);
    Json(serde_json::to_value(settings.clone()).unwrap_or(Value::Null)).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    #[serde(flatten)]
    fields: Row,
    /// Link the new customer (a person) to this company.
    #[serde(default)]
    link_to: Option<i64>,
}

async fn create(State(s): State<S>, body: Bytes) -> Response {
    let input: CreateInput = match parse(&body) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let at = s.now_local();
    let mut office = lock(&s.office);
    let id = match office.create_customer(&input.fields, at) {
        Ok(id) => id,
        Err(e) => return refused(e),
    };
    if let Some(company) = input.link_to {
        office.add_link(company, id, 8, 4, at, "Office");
    }
    (
        StatusCode::CREATED,
        Json(customer_view(&office, id).unwrap_or(Value::Null)),
    )
        .into_response()
}

async fn read(State(s): State<S>, Path(id): Path<i64>) -> Response {
    match customer_view(&lock(&s.office), id) {
        Some(v) => Json(v).into_response(),
        None => error(StatusCode::NOT_FOUND, "Nothing found"),
    }
}

async fn update(State(s): State<S>, Path(id): Path<i64>, body: Bytes) -> Response {
    let fields: Row = match parse(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let at = s.now_local();
    let mut office = lock(&s.office);
    match office.patch_customer(id, &fields, at) {
        Ok(()) => Json(customer_view(&office, id).unwrap_or(Value::Null)).into_response(),
        Err(e) => refused(e),
    }
}

async fn set_active(s: &S, id: i64, active: bool) -> Response {
    let at = s.now_local();
    let mut office = lock(&s.office);
    match office.set_active(id, active, None, at) {
        Ok(()) => Json(customer_view(&office, id).unwrap_or(Value::Null)).into_response(),
        Err(e) => refused(e),
    }
}

async fn deactivate(State(s): State<S>, Path(id): Path<i64>) -> Response {
    set_active(&s, id, false).await
}

async fn activate(State(s): State<S>, Path(id): Path<i64>) -> Response {
    set_active(&s, id, true).await
}

#[derive(Deserialize)]
struct Generate {
    count: usize,
    from: String,
    to: String,
}

/// Touches `count` customers (cycling through them) with `DateAction`s spread evenly over
/// `[from, to)`, as a busy office would.
async fn generate(State(s): State<S>, body: Bytes) -> Response {
    let g: Generate = match parse(&body) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let zone = ServerTimeZone::Brussels;
    let (Some(from), Some(to)) = (parse_naive(&g.from, zone), parse_naive(&g.to, zone)) else {
        return bad("from and to must be YYYY-MM-DD HH:MM:SS");
    };
    let span = (to - from).whole_seconds();
    if span <= 0 || g.count == 0 {
        return bad("need from < to and count > 0");
    }
    let mut office = lock(&s.office);
    let ids: Vec<i64> = office.customers.keys().copied().collect();
    let count = i64::try_from(g.count).unwrap_or(i64::MAX);
    for i in 0..g.count {
        let id = ids[i % ids.len()];
        let step = i64::try_from(i).unwrap_or(0);
        let at: PrimitiveDateTime = from + time::Duration::seconds(step * span / count);
        if let Some(row) = office.customers.get_mut(&id) {
            row.insert("Remarks".into(), format!("touched {i}").into());
        }
        office.record_change(id, id, "CUSTOMER", "UPDATE", at);
    }
    Json(json!({"generated": g.count})).into_response()
}

async fn expire_tokens(State(s): State<S>) -> StatusCode {
    lock(&s.tokens).clear();
    StatusCode::NO_CONTENT
}

async fn stats(State(s): State<S>) -> Json<Value> {
    let office = lock(&s.office);
    let companies = office
        .customers
        .values()
        .filter(|c| c.get("IsCompany") == Some(&Value::Bool(true)))
        .count();
    Json(
        json!({"companies": companies, "persons": office.customers.len() - companies,
                "links": office.links.len(), "addresses": office.addresses.len(),
                "changes": office.changes.len(), "changeDetails": office.details.len(),
                "addressFields": PUT_ADDRESS_FIELDS}),
    )
}
