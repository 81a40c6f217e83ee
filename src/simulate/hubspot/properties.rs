//! Property definitions and the properties API (`/crm/v3/properties/{objectType}`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Inner;
use super::errors::{ApiError, ApiResult, parse_body};
use super::property_defs::bool_options;
pub use super::property_model::{PropOption, PropertyDef};
use super::state::Store;
use super::types::ObjectType;

pub fn object_type(p: &HashMap<String, String>) -> ApiResult<ObjectType> {
    let raw = p.get("object_type").map(String::as_str).unwrap_or_default();
    ObjectType::parse(raw)
        .ok_or_else(|| ApiError::validation(format!("Unable to infer object type from: {raw}")))
}

fn prop_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Property {name} does not exist"))
}

pub async fn list(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let archived = q
        .get("archived")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let store = s.store();
    let results: Vec<Value> = store
        .props
        .get(&t)
        .map(|m| {
            m.values()
                .filter(|d| d.archived == archived)
                .map(PropertyDef::to_json)
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(json!({"results": results})))
}

pub async fn read(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let name = p.get("name").cloned().unwrap_or_default();
    let archived = q
        .get("archived")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let store = s.store();
    store
        .props
        .get(&t)
        .and_then(|m| m.get(&name))
        .filter(|d| d.archived == archived)
        .map(|d| Json(d.to_json()))
        .ok_or_else(|| prop_not_found(&name))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyInput {
    name: Option<String>,
    label: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    field_type: Option<String>,
    group_name: Option<String>,
    description: Option<String>,
    options: Option<Vec<PropOption>>,
    has_unique_value: Option<bool>,
    hidden: Option<bool>,
    form_field: Option<bool>,
    display_order: Option<i64>,
    external_options: Option<bool>,
    referenced_object_type: Option<String>,
}

const TYPES: &[&str] = &[
    "bool",
    "date",
    "datetime",
    "enumeration",
    "number",
    "phone_number",
    "string",
];
const FIELD_TYPES: &[&str] = &[
    "booleancheckbox",
    "calculation_equation",
    "checkbox",
    "date",
    "file",
    "html",
    "number",
    "phonenumber",
    "radio",
    "select",
    "text",
    "textarea",
];

pub async fn create(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let t = object_type(&p)?;
    let input: PropertyInput = parse_body(&body)?;
    let body = create_def(&mut s.store(), t, &input)?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Validates and stores a new property; 409 when one of that name exists.
pub fn create_def(store: &mut Store, t: ObjectType, input: &PropertyInput) -> ApiResult<Value> {
    let mut missing = Vec::new();
    for (n, v) in [
        ("name", &input.name),
        ("label", &input.label),
        ("type", &input.kind),
        ("fieldType", &input.field_type),
        ("groupName", &input.group_name),
    ] {
        if v.as_deref().is_none_or(str::is_empty) {
            missing.push(n);
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::validation(format!(
            "Missing required fields: {}",
            missing.join(", ")
        )));
    }
    let kind = input.kind.clone().unwrap_or_default();
    let field = input.field_type.clone().unwrap_or_default();
    if !TYPES.contains(&kind.as_str()) || !FIELD_TYPES.contains(&field.as_str()) {
        return Err(ApiError::validation(format!(
            "Invalid type/fieldType combination: {kind}/{field}"
        )));
    }
    let name = input.name.clone().unwrap_or_default();
    let now = store.write_time();
    if store.prop_def(t, &name).is_some() {
        let mut e = ApiError::new(
            StatusCode::CONFLICT,
            "OBJECT_ALREADY_EXISTS",
            format!("A property named '{name}' already exists."),
        );
        e.sub_category = Some("Properties.PROPERTY_ALREADY_EXISTS".into());
        return Err(e);
    }
    let mut options = input.options.clone().unwrap_or_default();
    if kind == "bool" && options.is_empty() {
        options = bool_options();
    }
    let d = PropertyDef {
        name: name.clone(),
        label: input.label.clone().unwrap_or_default(),
        kind,
        field_type: field,
        group_name: input.group_name.clone().unwrap_or_default(),
        description: input.description.clone().unwrap_or_default(),
        options,
        has_unique_value: input.has_unique_value.unwrap_or(false),
        hidden: input.hidden.unwrap_or(false),
        form_field: input.form_field.unwrap_or(false),
        display_order: input.display_order.unwrap_or(-1),
        external_options: input.external_options.unwrap_or(false),
        referenced_object_type: input.referenced_object_type.clone(),
        hubspot_defined: false,
        read_only_value: false,
        archived: false,
        created_ms: now,
        updated_ms: now,
    };
    let body = d.to_json();
    store.props.entry(t).or_default().insert(name, d);
    Ok(body)
}

pub async fn update(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let name = p.get("name").cloned().unwrap_or_default();
    let input: PropertyInput = parse_body(&body)?;
    let mut store = s.store();
    let now = store.write_time();
    let d = store
        .props
        .get_mut(&t)
        .and_then(|m| m.get_mut(&name))
        .filter(|d| !d.archived)
        .ok_or_else(|| prop_not_found(&name))?;
    if input
        .has_unique_value
        .is_some_and(|u| u != d.has_unique_value)
    {
        return Err(ApiError::validation(
            "hasUniqueValue cannot be changed after creation",
        ));
    }
    if let Some(v) = input.label {
        d.label = v;
    }
    if let Some(v) = input.kind {
        d.kind = v;
    }
    if let Some(v) = input.field_type {
        d.field_type = v;
    }
    if let Some(v) = input.group_name {
        d.group_name = v;
    }
    if let Some(v) = input.description {
        d.description = v;
    }
    if let Some(v) = input.options {
        d.options = v;
    }
    if let Some(v) = input.hidden {
        d.hidden = v;
    }
    if let Some(v) = input.form_field {
        d.form_field = v;
    }
    if let Some(v) = input.display_order {
        d.display_order = v;
    }
    d.updated_ms = now;
    Ok(Json(d.to_json()))
}

pub async fn archive(
    State(s): State<Arc<Inner>>,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<StatusCode> {
    let t = object_type(&p)?;
    let name = p.get("name").cloned().unwrap_or_default();
    let mut store = s.store();
    let now = store.write_time();
    let d = store
        .props
        .get_mut(&t)
        .and_then(|m| m.get_mut(&name))
        .filter(|d| !d.archived)
        .ok_or_else(|| prop_not_found(&name))?;
    if d.hubspot_defined {
        return Err(ApiError::validation(format!(
            "Property {name} is HubSpot-defined and cannot be archived"
        )));
    }
    d.archived = true;
    d.updated_ms = now;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn groups(Path(p): Path<HashMap<String, String>>) -> ApiResult<Json<Value>> {
    let t = object_type(&p)?;
    let name = match t {
        ObjectType::Contacts => "contactinformation",
        ObjectType::Companies => "companyinformation",
        ObjectType::Deals => "dealinformation",
        _ => "engagement",
    };
    Ok(Json(
        json!({"results": [{"name": name, "label": name, "displayOrder": 0, "archived": false}]}),
    ))
}
