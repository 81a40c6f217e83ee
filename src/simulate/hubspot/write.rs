//! Write rules shared by single and batch endpoints: validation, unique values,
//! lifecycle forward-only, modified dates, archive and merge.

use std::collections::{BTreeMap, HashSet};

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::errors::{ApiError, ApiResult};
use super::state::{Record, Store};
use super::types::{ObjectType, iso};

/// Property values of a write, every value turned into a string (`null` clears).
pub type Props = BTreeMap<String, String>;

/// Stringifies a JSON property map as HubSpot does.
pub fn stringify(input: &Map<String, Value>) -> Props {
    input
        .iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                Value::Bool(b) => b.to_string(),
                other => other.to_string(),
            };
            (k.clone(), s)
        })
        .collect()
}

fn invalid(name: &str, error: &str, message: String) -> Value {
    json!({"isValid": false, "message": message, "error": error, "name": name, "localizedErrorMessage": message})
}

/// 400 naming each unknown, read-only or invalid property.
pub fn validate(store: &Store, t: ObjectType, props: &Props) -> ApiResult<()> {
    let mut problems = Vec::new();
    for (name, value) in props {
        let Some(d) = store.prop_def(t, name) else {
            problems.push(invalid(
                name,
                "PROPERTY_DOESNT_EXIST",
                format!("Property \"{name}\" does not exist"),
            ));
            continue;
        };
        if d.read_only_value {
            problems.push(invalid(
                name,
                "READ_ONLY_VALUE",
                format!("\"{name}\" is a read only property; its value cannot be set."),
            ));
            continue;
        }
        if value.is_empty() {
            continue;
        }
        let ok = match d.kind.as_str() {
            "number" => value.parse::<f64>().is_ok(),
            "bool" => value == "true" || value == "false",
            "date" | "datetime" => super::types::parse_time_ms(value).is_some(),
            "enumeration" if !d.options.is_empty() && !d.external_options => value
                .split(';')
                .all(|part| d.options.iter().any(|o| o.value == part)),
            _ => true,
        };
        if !ok {
            problems.push(invalid(
                name,
                "INVALID_OPTION",
                format!(
                    "{value} was not one of the allowed options or not a valid {}",
                    d.kind
                ),
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = problems
        .iter()
        .filter_map(|p| p["name"].as_str().map(String::from))
        .collect();
    let list = serde_json::to_string(&problems).unwrap_or_default();
    Err(
        ApiError::validation(format!("Property values were not valid: {list}"))
            .with_context(json!({"properties": names})),
    )
}

fn already_exists(t: ObjectType, prop: &str, id: u64) -> ApiError {
    let msg = if t == ObjectType::Contacts && prop == "email" {
        format!("Contact already exists. Existing ID: {id}")
    } else {
        format!(
            "A {} with {prop} already exists. Existing ID: {id}",
            t.singular()
        )
    };
    ApiError::conflict(msg)
}

/// Checks unique values against the store and the values claimed earlier in a batch.
pub fn check_unique(
    store: &Store,
    t: ObjectType,
    id: Option<u64>,
    props: &Props,
    claimed: &mut HashSet<(String, String)>,
) -> ApiResult<()> {
    for name in store.unique_props(t) {
        let Some(v) = props.get(&name).filter(|v| !v.is_empty()) else {
            continue;
        };
        let key = (name.clone(), v.to_lowercase());
        if let Some(other) = store.find_unique(t, &name, v).filter(|o| Some(*o) != id) {
            return Err(already_exists(t, &name, other));
        }
        if !claimed.insert(key) {
            return Err(ApiError::conflict(format!(
                "Duplicate value for unique property {name} in the same batch: {v}"
            )));
        }
    }
    Ok(())
}

/// Full check of a create.
pub fn check_create(
    store: &Store,
    t: ObjectType,
    props: &Props,
    claimed: &mut HashSet<(String, String)>,
) -> ApiResult<()> {
    validate(store, t, props)?;
    let has = |n: &str| props.get(n).is_some_and(|v| !v.is_empty());
    if t == ObjectType::Contacts && !(has("email") || has("firstname") || has("lastname")) {
        return Err(ApiError::validation(
            "A contact needs at least one of email, firstname or lastname",
        ));
    }
    if t.is_activity() && !has("hs_timestamp") {
        return Err(ApiError::validation(format!(
            "Property values were not valid: [{{\"isValid\":false,\"message\":\"hs_timestamp is required\",\"error\":\"REQUIRED_PROPERTY\",\"name\":\"hs_timestamp\"}}] on {}",
            t.name()
        )));
    }
    check_unique(store, t, None, props, claimed)
}

/// Full check of an update of an existing active record.
pub fn check_update(
    store: &Store,
    t: ObjectType,
    id: u64,
    props: &Props,
    claimed: &mut HashSet<(String, String)>,
) -> ApiResult<()> {
    if !store.is_active(t, id) {
        return Err(not_found(t, id));
    }
    validate(store, t, props)?;
    check_unique(store, t, Some(id), props, claimed)
}

pub fn not_found(t: ObjectType, id: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        format!(
            "Object not found. objectId are usually numeric. ({} {id})",
            t.name()
        ),
    )
    .with_context(json!({"id": [id.to_string()]}))
}

pub fn stamp(rec: &mut Record, t: ObjectType, now: i64) {
    rec.updated_ms = now;
    rec.properties
        .insert(t.modified_property().into(), iso(now));
    rec.properties
        .insert("hs_lastmodifieddate".into(), iso(now));
}

/// Inserts a checked record; returns its id.
pub fn apply_create(store: &mut Store, t: ObjectType, props: Props, now: i64) -> u64 {
    let id = store.new_id();
    let mut properties: BTreeMap<String, String> =
        props.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    properties.insert("hs_object_id".into(), id.to_string());
    let created = if t.is_activity() {
        "hs_createdate"
    } else {
        "createdate"
    };
    properties.entry(created.into()).or_insert_with(|| iso(now));
    let mut rec = Record {
        id,
        properties,
        created_ms: now,
        updated_ms: now,
        archived_at: None,
    };
    stamp(&mut rec, t, now);
    store.ts_mut(t).records.insert(id, rec);
    store.index_record(t, id);
    id
}

/// Applies a checked update: `""` clears, lifecycle stage only moves forward.
pub fn apply_update(
    store: &mut Store,
    t: ObjectType,
    id: u64,
    props: Props,
    now: i64,
    forward_only: bool,
) {
    let lifecycle = store.prop_def(t, "lifecyclestage").cloned();
    store.unindex_record(t, id);
    if let Some(rec) = store.ts_mut(t).records.get_mut(&id) {
        for (k, v) in props {
            if forward_only && k == "lifecyclestage" && !v.is_empty() {
                let old = rec.properties.get(&k).filter(|o| !o.is_empty());
                let rank = |d: &super::properties::PropertyDef, x: &str| d.option_rank(x);
                if let (Some(old), Some(d)) = (old, lifecycle.as_ref())
                    && let (Some(a), Some(b)) = (rank(d, old), rank(d, &v))
                    && b < a
                {
                    continue;
                }
            }
            if v.is_empty() {
                rec.properties.remove(&k);
            } else {
                rec.properties.insert(k, v);
            }
        }
        stamp(rec, t, now);
    }
    store.index_record(t, id);
}

/// Archives a record (does not bump its modified date).
pub fn archive(store: &mut Store, t: ObjectType, id: u64, now: i64) {
    let id = store.ts(t).resolve(id);
    store.unindex_record(t, id);
    if let Some(rec) = store.ts_mut(t).records.get_mut(&id)
        && rec.archived_at.is_none()
    {
        rec.archived_at = Some(now);
    }
}
