//! `POST /crm/v3/objects/{type}/search`: filter groups, every documented operator, one
//! sort, `limit` ≤ 200, `total`, the 10,000-result cap, archived never returned, optional lag.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{ApiError, ApiResult, parse_body};
use super::objects::object_type;
use super::search_filters::{Key, OPERATORS, cmp, key, matches};
use super::settings::Settings;
use super::state::Record;
use super::types::now_ms;
use super::{Inner, lock};

pub const MAX_BODY: usize = 3000;
pub const MAX_LIMIT: usize = 200;
pub const MAX_RESULTS: usize = 10_000;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SearchRequest {
    #[serde(default)]
    filter_groups: Vec<FilterGroup>,
    #[serde(default)]
    sorts: Vec<Value>,
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    after: Option<Value>,
    #[serde(default)]
    query: Option<String>,
}

#[derive(Deserialize, Default)]
struct FilterGroup {
    #[serde(default)]
    filters: Vec<Filter>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub property_name: String,
    pub operator: String,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub high_value: Option<Value>,
    #[serde(default)]
    pub values: Vec<Value>,
}

pub fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), String::from)
}

const QUERY_PROPS: &[&str] = &[
    "name",
    "domain",
    "email",
    "firstname",
    "lastname",
    "phone",
    "dealname",
    "website",
    "company",
    "hs_call_title",
    "hs_meeting_title",
    "hs_email_subject",
];

fn validate(req: &SearchRequest, cfg: &Settings) -> ApiResult<()> {
    if req.filter_groups.len() > cfg.max_filter_groups {
        return Err(ApiError::validation(format!(
            "Too many filter groups ({}). The maximum is {}.",
            req.filter_groups.len(),
            cfg.max_filter_groups
        )));
    }
    let total: usize = req.filter_groups.iter().map(|g| g.filters.len()).sum();
    if req
        .filter_groups
        .iter()
        .any(|g| g.filters.len() > cfg.max_filters_per_group)
        || total > cfg.max_filters
    {
        return Err(ApiError::validation(format!(
            "Too many filters: at most {} per group and {} in total.",
            cfg.max_filters_per_group, cfg.max_filters
        )));
    }
    for f in req.filter_groups.iter().flat_map(|g| &g.filters) {
        if !OPERATORS.contains(&f.operator.as_str()) {
            return Err(ApiError::validation(format!(
                "Invalid operator {} for property {}",
                f.operator, f.property_name
            )));
        }
    }
    Ok(())
}

/// The one honoured sort: `{propertyName, direction}` or `"name"` / `"-name"`.
fn sort_of(req: &SearchRequest) -> Option<(String, bool)> {
    let s = req.sorts.first()?;
    match s {
        Value::String(name) => Some(match name.strip_prefix('-') {
            Some(n) => (n.to_string(), true),
            None => (name.clone(), false),
        }),
        Value::Object(o) => {
            let name = o.get("propertyName").and_then(Value::as_str)?.to_string();
            let desc = o
                .get("direction")
                .and_then(Value::as_str)
                .is_some_and(|d| d.eq_ignore_ascii_case("DESCENDING"));
            Some((name, desc))
        }
        _ => None,
    }
}

pub async fn search(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    if body.len() > MAX_BODY {
        return Err(ApiError::validation(format!(
            "The request body is {} characters long; the maximum is {MAX_BODY}.",
            body.len()
        )));
    }
    let req: SearchRequest = if body.is_empty() {
        SearchRequest::default()
    } else {
        parse_body(&body)?
    };
    validate(&req, &lock(&s.settings).clone())?;
    let limit = req.limit.unwrap_or(10);
    if limit > MAX_LIMIT {
        return Err(ApiError::validation(format!(
            "limit must be at most {MAX_LIMIT}, got {limit}"
        )));
    }
    let after: usize = match &req.after {
        None | Some(Value::Null) => 0,
        Some(v) => text(v)
            .parse()
            .map_err(|_| ApiError::validation(format!("Invalid after: {}", text(v))))?,
    };
    if after + limit > MAX_RESULTS {
        return Err(ApiError::validation(format!(
            "The search endpoints are limited to {MAX_RESULTS} total results for any given query. after={after}, limit={limit}"
        )));
    }
    let lag = lock(&s.settings).search_lag_ms;
    let visible_before = now_ms() - i64::try_from(lag).unwrap_or(i64::MAX);
    let query = req
        .query
        .as_deref()
        .map(str::to_lowercase)
        .filter(|q| !q.is_empty());
    let store = s.store();
    let mut hits: Vec<&Record> = store
        .ts(t)
        .records
        .values()
        .filter(|r| r.archived_at.is_none() && (lag == 0 || r.updated_ms <= visible_before))
        .filter(|r| {
            req.filter_groups.is_empty()
                || req
                    .filter_groups
                    .iter()
                    .any(|g| g.filters.iter().all(|f| matches(&store, t, r, f)))
        })
        .filter(|r| {
            query.as_ref().is_none_or(|q| {
                QUERY_PROPS.iter().any(|n| {
                    r.properties
                        .get(*n)
                        .is_some_and(|v| v.to_lowercase().contains(q.as_str()))
                })
            })
        })
        .collect();
    if let Some((name, desc)) = sort_of(&req) {
        let kind = store
            .prop_def(t, &name)
            .map_or("string", |d| d.kind.as_str())
            .to_string();
        let mut keyed: Vec<(Option<Key>, &Record)> = hits
            .into_iter()
            .map(|r| {
                (
                    r.properties
                        .get(&name)
                        .filter(|v| !v.is_empty())
                        .map(|v| key(&kind, v)),
                    r,
                )
            })
            .collect();
        keyed.sort_by(|(ka, ra), (kb, rb)| {
            let o = match (ka, kb) {
                (Some(a), Some(b)) => cmp(a, b),
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (None, None) => Ordering::Equal,
            };
            let o = if desc { o.reverse() } else { o };
            o.then(ra.id.cmp(&rb.id))
        });
        hits = keyed.into_iter().map(|(_, r)| r).collect();
    }
    let total = hits.len();
    let results: Vec<Value> = hits
        .iter()
        .skip(after)
        .take(limit)
        .map(|r| store.render(t, r, Some(&req.properties)))
        .collect();
    let mut out = json!({"total": total, "results": results});
    if after + limit < total && limit > 0 {
        out["paging"] = json!({"next": {"after": (after + limit).to_string()}});
    }
    Ok(Json(out))
}
