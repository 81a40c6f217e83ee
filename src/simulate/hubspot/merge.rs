//! Merge (`POST /crm/v3/objects/{type}/merge`) and GDPR delete of contacts.

use super::state::Store;
use super::write::{not_found, stamp};

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::Inner;
use super::errors::{ApiError, ApiResult, parse_body};
use super::objects::{lookup, object_type};
use super::types::ObjectType;
use super::write;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MergeInput {
    primary_object_id: Value,
    object_id_to_merge: Value,
}

fn id_of(v: &Value) -> ApiResult<u64> {
    let s = v.as_str().map_or_else(|| v.to_string(), String::from);
    s.parse()
        .map_err(|_| ApiError::validation(format!("Invalid object id: {s}")))
}

pub async fn merge(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    if !matches!(
        t,
        ObjectType::Contacts | ObjectType::Companies | ObjectType::Deals
    ) {
        return Err(ApiError::validation(format!(
            "Merge is not supported for {}",
            t.name()
        )));
    }
    let input: MergeInput = parse_body(&body)?;
    let (primary, other) = (
        id_of(&input.primary_object_id)?,
        id_of(&input.object_id_to_merge)?,
    );
    let mut store = s.store();
    let now = store.write_time();
    merge_records(&mut store, t, primary, other, now)?;
    let id = store.ts(t).resolve(primary);
    let rec = store
        .ts(t)
        .records
        .get(&id)
        .ok_or_else(|| write::not_found(t, id))?;
    Ok(Json(store.render(t, rec, None)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GdprInput {
    object_id: String,
    #[serde(default)]
    id_property: Option<String>,
}

/// Permanent delete of a contact (contacts only: HubSpot's GDPR delete is a contact
/// endpoint). An unknown id answers 204 as well, so a retried delete is not an error.
pub async fn gdpr_delete(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let t = object_type(&p)?;
    if t != ObjectType::Contacts {
        return Err(ApiError::validation(format!(
            "GDPR delete is not supported for {}",
            t.name()
        )));
    }
    let input: GdprInput = parse_body(&body)?;
    let mut store = s.store();
    if let Some(id) = lookup(&store, t, &input.object_id, input.id_property.as_deref()) {
        store.unindex_record(t, id);
        store.ts_mut(t).records.remove(&id);
        if let Some(links) = store.assoc.remove(&(t, id)) {
            for to in links.keys() {
                if let Some(back) = store.assoc.get_mut(to) {
                    back.remove(&(t, id));
                }
            }
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Merges `other` into `primary`; the other id then reads as the survivor.
pub fn merge_records(
    store: &mut Store,
    t: ObjectType,
    primary: u64,
    other: u64,
    now: i64,
) -> ApiResult<()> {
    let primary = store.ts(t).resolve(primary);
    let other = store.ts(t).resolve(other);
    if primary == other {
        return Err(ApiError::validation("Cannot merge an object with itself"));
    }
    for id in [primary, other] {
        if !store.is_active(t, id) {
            return Err(not_found(t, id));
        }
    }
    store.unindex_record(t, other);
    store.unindex_record(t, primary);
    let ts = store.ts_mut(t);
    let Some(gone) = ts.records.remove(&other) else {
        return Err(not_found(t, other));
    };
    ts.merged.insert(other, primary);
    if let Some(rec) = ts.records.get_mut(&primary) {
        let mut merged: Vec<String> = rec
            .properties
            .get("hs_merged_object_ids")
            .map(|v| {
                v.split(';')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        merged.push(other.to_string());
        if let Some(prev) = gone.properties.get("hs_merged_object_ids") {
            merged.extend(prev.split(';').filter(|s| !s.is_empty()).map(String::from));
        }
        for (k, v) in &gone.properties {
            if k == "email" && t == ObjectType::Contacts && rec.properties.contains_key("email") {
                let extra = rec
                    .properties
                    .get("hs_additional_emails")
                    .cloned()
                    .unwrap_or_default();
                let joined = if extra.is_empty() {
                    v.clone()
                } else {
                    format!("{extra};{v}")
                };
                rec.properties.insert("hs_additional_emails".into(), joined);
                continue;
            }
            if !rec.properties.contains_key(k) {
                rec.properties.insert(k.clone(), v.clone());
            }
        }
        rec.properties
            .insert("hs_merged_object_ids".into(), merged.join(";"));
        stamp(rec, t, now);
    }
    // Move associations of the merged-away record to the survivor.
    if let Some(links) = store.assoc.remove(&(t, other)) {
        for (to, types) in links {
            if let Some(back) = store.assoc.get_mut(&to) {
                back.remove(&(t, other));
            }
            if to == (t, primary) {
                continue;
            }
            for (cat, id) in types {
                store.associate((t, primary), to, cat, id);
            }
        }
    }
    store.index_record(t, primary);
    Ok(())
}
