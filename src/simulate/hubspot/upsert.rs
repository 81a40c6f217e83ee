//! Batch upsert (`POST /crm/v3/objects/{type}/batch/upsert`): update or create by a unique property.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Inner;
use super::batch::{
    Inputs, MAX_INPUTS, UpdateItem, batch_response, check_id_property, check_size, item_id,
    render_written,
};
use super::errors::{ApiError, ApiResult, parse_body};
use super::objects::{CreateInput, create_one, object_type, update_one};
use super::state::Store;
use super::types::now_ms;
use super::write::{self, stringify};

pub async fn upsert(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let started = now_ms();
    let input: Inputs<UpdateItem> = parse_body(&body)?;
    check_size(input.inputs.len(), MAX_INPUTS)?;
    let mut store = s.store();
    let plan = |store: &Store, i: &UpdateItem| -> ApiResult<(Option<u64>, write::Props)> {
        let prop = i
            .id_property
            .as_deref()
            .ok_or_else(|| ApiError::validation("idProperty is required for upsert"))?;
        check_id_property(store, t, Some(prop))?;
        let raw = item_id(i);
        let mut props = stringify(&i.properties);
        match store
            .find_unique(t, prop, &raw)
            .filter(|id| store.is_active(t, *id))
        {
            Some(id) => Ok((Some(id), props)),
            None => {
                props.insert(prop.to_string(), raw);
                Ok((None, props))
            }
        }
    };
    let mut claimed = HashSet::new();
    for i in &input.inputs {
        let (existing, props) = plan(&store, i)?;
        match existing {
            Some(id) => write::check_update(&store, t, id, &props, &mut claimed)?,
            None => write::check_create(&store, t, &props, &mut claimed)?,
        }
    }
    let mut results = Vec::new();
    for i in &input.inputs {
        let (existing, props) = plan(&store, i)?;
        let mut claimed = HashSet::new();
        let mut v = match existing {
            Some(id) => update_one(&mut store, t, id, props, &mut claimed)?,
            None => {
                let names: Vec<String> = props.keys().cloned().collect();
                let ci = CreateInput {
                    properties: props
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                    associations: vec![],
                    object_write_trace_id: None,
                };
                let id = create_one(&mut store, t, &ci, &mut claimed)?;
                render_written(&store, t, id, names, None)
            }
        };
        v["new"] = json!(existing.is_none());
        results.push(v);
    }
    Ok(batch_response(StatusCode::OK, started, results, vec![]))
}
