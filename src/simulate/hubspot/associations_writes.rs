//! Associations v4 batch writes: associate by default type, archive pairs, archive labels.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::Inner;
use super::associations::{
    Inputs, MAX_BATCH_WRITE, batch_body, check_pair, default_json, default_spec, id_in, item_error,
    parse_specs, resolve_pair, too_many, types_of,
};
use super::errors::{ApiResult, parse_body};
use super::types::now_ms;

pub async fn batch_default(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let (from, to) = types_of(&p, "from", "to")?;
    let started = now_ms();
    let spec = default_spec(from, to)?;
    let input: Inputs = parse_body(&body)?;
    too_many(input.inputs.len(), MAX_BATCH_WRITE)?;
    let mut store = s.store();
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for i in &input.inputs {
        let (a, b) = resolve_pair(&store, from, to, i);
        match check_pair(&store, from, to, a, b, &[]) {
            Ok(()) => {
                store.associate((from, a), (to, b), spec.0, spec.1);
                results.push(default_json(from, to, a, b, spec));
            }
            Err((cat, msg)) => errors.push(item_error(
                &cat,
                "crm.associations.INVALID_INPUT",
                msg,
                vec![a.to_string()],
            )),
        }
    }
    Ok(batch_body(StatusCode::OK, started, results, errors))
}

pub async fn batch_archive(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let (from, to) = types_of(&p, "from", "to")?;
    let input: Inputs = parse_body(&body)?;
    too_many(input.inputs.len(), MAX_BATCH_WRITE)?;
    let mut store = s.store();
    for i in &input.inputs {
        let Some(a) = i.get("from").and_then(id_in) else {
            continue;
        };
        let targets: Vec<u64> = match i.get("to") {
            Some(Value::Array(items)) => items.iter().filter_map(id_in).collect(),
            Some(v) => id_in(v).into_iter().collect(),
            None => vec![],
        };
        for b in targets {
            store.dissociate((from, a), (to, b), None);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn batch_labels_archive(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let (from, to) = types_of(&p, "from", "to")?;
    let input: Inputs = parse_body(&body)?;
    too_many(input.inputs.len(), MAX_BATCH_WRITE)?;
    let mut store = s.store();
    for i in &input.inputs {
        let (Some(a), Some(b)) = (i.get("from").and_then(id_in), i.get("to").and_then(id_in))
        else {
            continue;
        };
        let specs = parse_specs(i.get("types"))?;
        store.dissociate((from, a), (to, b), Some(&specs));
    }
    Ok(StatusCode::NO_CONTENT)
}
