//! The API handlers: relations in 0-based pages (`{results, currentPage, pageCount}`,
//! `pageSize` at most 400), one relation by its `uniqueIdentifier` (APR code), and the
//! office's own companies as a plain array. Error bodies are `{"message"}` ([ASSUMPTION]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Inner;
use crate::simulate::kit::lock;

type S = Arc<Inner>;

/// `{"message": …}` with a status.
pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn matches_search(r: &Value, needle: &str) -> bool {
    [
        "name",
        "displayName",
        "commercialName",
        "code",
        "uniqueIdentifier",
    ]
    .iter()
    .filter_map(|f| r.get(*f).and_then(Value::as_str))
    .any(|v| v.to_lowercase().contains(needle))
}

/// `GET /relations?page&pageSize[&search][&vatNumber]`
pub async fn relations(State(s): State<S>, Query(q): Query<HashMap<String, String>>) -> Response {
    let settings = s.settings();
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
    };
    let Ok(page) = get("page").unwrap_or("0").parse::<usize>() else {
        return error(
            StatusCode::BAD_REQUEST,
            "page must be a non-negative integer",
        );
    };
    let size = match get("pageSize").map(str::parse::<usize>) {
        None => settings.default_page_size,
        Some(Ok(n)) if (1..=settings.max_page_size).contains(&n) => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("pageSize must be between 1 and {}", settings.max_page_size),
            );
        }
    };
    let needle = get("search").map(str::to_lowercase);
    let vat = get("vatNumber").map(digits).filter(|d| !d.is_empty());
    let relations = lock(&s.relations);
    let matched: Vec<&Value> = relations
        .iter()
        .filter(|r| needle.as_deref().is_none_or(|n| matches_search(r, n)))
        .filter(|r| {
            vat.as_deref().is_none_or(|v| {
                r.get("vatNumber")
                    .and_then(Value::as_str)
                    .is_some_and(|own| {
                        let own = digits(own);
                        own == v || own.trim_start_matches('0') == v.trim_start_matches('0')
                    })
            })
        })
        .collect();
    let page_count = matched.len().div_ceil(size);
    let results: Vec<Value> = matched
        .into_iter()
        .skip(page * size)
        .take(size)
        .cloned()
        .collect();
    Json(json!({"results": results, "currentPage": page, "pageCount": page_count})).into_response()
}

/// `GET /relations/{uniqueIdentifier}`
pub async fn relation(State(s): State<S>, Path(identifier): Path<String>) -> Response {
    let relations = lock(&s.relations);
    match relations
        .iter()
        .find(|r| r.get("uniqueIdentifier").and_then(Value::as_str) == Some(identifier.as_str()))
    {
        Some(r) => Json(r.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "Relation not found"),
    }
}

/// `GET /companies`: the office's own entities.
pub async fn companies() -> Json<Value> {
    Json(json!([{"id": "c1", "name": "Kantoor Demo BV"}]))
}
