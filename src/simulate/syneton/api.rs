//! The `/api/v1/` handlers. Lists answer bare JSON arrays paged by `per_page` and a page
//! parameter, with `Link: <…>; rel="next", <…>; rel="last"` on every page but the last;
//! the targets carry the filter and `per_page`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::routes::error;
use super::settings::{EmptyList, Settings};
use super::state::{
    ADDRESS_FIELDS, CHANGE_FIELDS, CUSTOMER_FIELDS, DETAIL_FIELDS, LINK_FIELDS, Row, WriteError,
};
use super::{Inner, filter};
use crate::connectors::syneton::clock::json_text;
use crate::connectors::syneton::filter::encode_component;
use crate::simulate::kit::lock;

type S = Arc<Inner>;

pub async fn token(State(s): State<S>, Path(key): Path<String>) -> Response {
    if !s.config.api_keys.contains(&key) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API key");
    }
    let ttl = s.settings().token_ttl_s;
    let guid = uuid::Uuid::new_v4().to_string();
    let expiry = s.now_utc() + time::Duration::seconds(ttl);
    lock(&s.tokens).insert(guid.clone(), expiry.unix_timestamp());
    let local = s.now_local() + time::Duration::seconds(ttl);
    Json(json!({"TokenGuid": guid, "TimeToLive": json_text(local)})).into_response()
}

pub async fn settings(State(s): State<S>) -> Json<Value> {
    let st = s.settings();
    Json(
        json!({"DefaultRecordsPerPage": st.default_per_page, "MaxRecordsPerPage": st.max_per_page,
                "DurationToken": st.duration_token, "RateLimit": st.rate_limit}),
    )
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn empty(mode: EmptyList) -> Response {
    match mode {
        EmptyList::EmptyArray => Json(json!([])).into_response(),
        EmptyList::NoContent => StatusCode::NO_CONTENT.into_response(),
        EmptyList::NothingFound => error(StatusCode::NOT_FOUND, "Nothing found"),
    }
}

/// Filters, caps and pages `rows`; only the page served is copied. `strip` removes a field
/// from the rows served (and from the filterable ones).
fn list<'a>(
    st: &Settings,
    uri: &Uri,
    headers: &HeaderMap,
    rows: impl Iterator<Item = &'a Row>,
    known: &[&str],
    cap: Option<usize>,
    strip: Option<&str>,
) -> Response {
    let known: Vec<&str> = known
        .iter()
        .copied()
        .filter(|k| Some(*k) != strip)
        .collect();
    let q = query_pairs(uri);
    let get = |name: &str| {
        q.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let filter_text = get("Filter").filter(|f| !f.trim().is_empty());
    let conds = match filter_text.as_deref().map(|f| filter::parse(f, &known)) {
        None => Vec::new(),
        Some(Ok(c)) => c,
        Some(Err(message)) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!([{ "ErrorMessage": message }])),
            )
                .into_response();
        }
    };
    let mut matched: Vec<&Row> = rows.filter(|r| filter::matches(r, &conds)).collect();
    if let Some(cap) = cap {
        matched.truncate(cap);
    }
    let per_page = get("per_page")
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(st.default_per_page)
        .clamp(1, st.max_per_page.max(1)) as usize;
    let page = get(&st.page_param)
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = matched.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = matched
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|r| {
            let mut r = r.clone();
            if let Some(field) = strip {
                r.remove(field);
            }
            Value::Object(r)
        })
        .collect();
    if slice.is_empty() {
        return empty(st.empty_list);
    }
    let mut resp = Json(Value::Array(slice)).into_response();
    if page < last {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let filter_part = filter_text
            .map(|f| format!("Filter={}&", encode_component(&f)))
            .unwrap_or_default();
        let target = |p: usize| {
            format!(
                "http://{host}{}?{filter_part}per_page={per_page}&{}={p}",
                uri.path(),
                st.page_param
            )
        };
        let link = format!(
            "<{}>; rel=\"next\", <{}>; rel=\"last\"",
            target(page + 1),
            target(last)
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert("link", v);
        }
    }
    resp
}

pub async fn customers(State(s): State<S>, uri: Uri, headers: HeaderMap) -> Response {
    let st = s.settings();
    let office = lock(&s.office);
    list(
        &st,
        &uri,
        &headers,
        office.customers.values(),
        CUSTOMER_FIELDS,
        None,
        None,
    )
}

pub async fn customer(State(s): State<S>, Path(id): Path<String>) -> Response {
    let office = lock(&s.office);
    match id
        .parse::<i64>()
        .ok()
        .and_then(|id| office.customers.get(&id))
    {
        Some(row) => Json(Value::Object(row.clone())).into_response(),
        None => error(StatusCode::NOT_FOUND, "Nothing found"),
    }
}

fn object(body: &Bytes) -> Result<Row, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Box::new(
            (
                StatusCode::BAD_REQUEST,
                Json(json!([{"ErrorMessage": "The request body is not a JSON object"}])),
            )
                .into_response(),
        )),
    }
}

fn write_error(e: WriteError) -> Response {
    match e {
        WriteError::NotFound => error(StatusCode::NOT_FOUND, "Nothing found"),
        WriteError::Invalid(messages) => {
            let list: Vec<Value> = messages
                .into_iter()
                .map(|m| json!({ "ErrorMessage": m }))
                .collect();
            (StatusCode::BAD_REQUEST, Json(Value::Array(list))).into_response()
        }
    }
}

fn answer_customer(s: &S, id: i64) -> Response {
    match lock(&s.office).customers.get(&id) {
        Some(row) => Json(Value::Object(row.clone())).into_response(),
        None => error(StatusCode::NOT_FOUND, "Nothing found"),
    }
}

pub async fn create(State(s): State<S>, body: Bytes) -> Response {
    let input = match object(&body) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let at = s.now_local();
    let result = lock(&s.office).create_customer(&input, at);
    match result {
        Ok(id) => answer_customer(&s, id),
        Err(e) => write_error(e),
    }
}

pub async fn put(State(s): State<S>, body: Bytes) -> Response {
    let input = match object(&body) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let at = s.now_local();
    let result = lock(&s.office).put_customer(&input, at, super::state::API_USER);
    match result {
        Ok(id) => answer_customer(&s, id),
        Err(e) => write_error(e),
    }
}

pub async fn activate(State(s): State<S>, Path(id): Path<String>, body: Bytes) -> Response {
    let input = match object(&body) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return error(StatusCode::NOT_FOUND, "Nothing found");
    };
    if input
        .get("CustomerId")
        .and_then(Value::as_i64)
        .is_some_and(|b| b != id)
    {
        return write_error(WriteError::Invalid(vec![
            "CustomerId does not match the path".to_owned(),
        ]));
    }
    let Some(active) = input.get("IsActive").and_then(Value::as_bool) else {
        return write_error(WriteError::Invalid(vec!["IsActive is required".to_owned()]));
    };
    let date = input
        .get("DisabledDate")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let at = s.now_local();
    match lock(&s.office).set_active(id, active, date, at) {
        Ok(()) => Json(json!({})).into_response(),
        Err(e) => write_error(e),
    }
}

pub async fn addresses(State(s): State<S>, uri: Uri, headers: HeaderMap) -> Response {
    let st = s.settings();
    let office = lock(&s.office);
    list(
        &st,
        &uri,
        &headers,
        office.addresses.values(),
        ADDRESS_FIELDS,
        None,
        None,
    )
}

pub async fn links(State(s): State<S>, uri: Uri, headers: HeaderMap) -> Response {
    let st = s.settings();
    let office = lock(&s.office);
    list(
        &st,
        &uri,
        &headers,
        office.links.values(),
        LINK_FIELDS,
        None,
        None,
    )
}

pub async fn changes(State(s): State<S>, uri: Uri, headers: HeaderMap) -> Response {
    let st = s.settings();
    let strip = (!st.changes_carry_log_id).then_some("LogId");
    let office = lock(&s.office);
    list(
        &st,
        &uri,
        &headers,
        office.changes.iter(),
        CHANGE_FIELDS,
        Some(st.change_cap),
        strip,
    )
}

pub async fn details(State(s): State<S>, uri: Uri, headers: HeaderMap) -> Response {
    let st = s.settings();
    let office = lock(&s.office);
    list(
        &st,
        &uri,
        &headers,
        office.details.iter(),
        DETAIL_FIELDS,
        Some(st.change_cap),
        None,
    )
}

fn items(values: &[(i64, &str, &str)]) -> Json<Value> {
    Json(Value::Array(
        values
            .iter()
            .map(|(id, value, form)| json!({"ListValueId": id, "ListValue": value, "ExtCode": null, "LegalForm": form}))
            .collect(),
    ))
}

pub async fn list_values(Path(id): Path<String>) -> Response {
    match id.as_str() {
        "2" => items(&[
            (1, "NV", "Company"),
            (2, "BV", "Company"),
            (3, "SRL", "Company"),
            (4, "SARL", "Company"),
            (10, "Dhr.", "Person"),
            (11, "Mevr.", "Person"),
            (12, "M.", "Person"),
            (13, "Mme", "Person"),
        ])
        .into_response(),
        "10" => items(&[
            (1, "Zaakvoerder", ""),
            (2, "Bestuurder", ""),
            (3, "Boekhouder", ""),
            (4, "Contactpersoon", ""),
            (5, "Aandeelhouder", ""),
        ])
        .into_response(),
        "19" => {
            items(&[(1, "NL", ""), (2, "FR", ""), (3, "DE", ""), (4, "EN", "")]).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "Nothing found"),
    }
}

pub async fn countries() -> Json<Value> {
    Json(
        json!([{"CountryId": 22, "Name": "België"}, {"CountryId": 74, "Name": "Frankrijk"},
                {"CountryId": 81, "Name": "Duitsland"}, {"CountryId": 128, "Name": "Luxemburg"},
                {"CountryId": 151, "Name": "Nederland"}]),
    )
}

pub async fn link_types() -> Json<Value> {
    Json(
        json!([{"CustomerLinkTypeId": 4, "Description": "Bestuurder"}, {"CustomerLinkTypeId": 6, "Description": "Aandeelhouder"},
                {"CustomerLinkTypeId": 8, "Description": "Contactpersoon"}]),
    )
}

pub async fn crm_types() -> Json<Value> {
    Json(
        json!([{"CustomerCrmTypeId": 3, "Description": "Klant (bedrijf)"}, {"CustomerCrmTypeId": 8, "Description": "Contactpersoon"}]),
    )
}
