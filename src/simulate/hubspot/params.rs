//! Query parameters of record reads and record lookup by id or unique property.

use std::collections::HashMap;

use super::errors::{ApiError, ApiResult};
use super::state::Store;
use super::types::ObjectType;

/// Query parameters of list and read endpoints (repeated or comma-separated).
#[derive(Debug, Default)]
pub struct ReadParams {
    pub limit: Option<usize>,
    pub after: Option<String>,
    pub properties: Vec<String>,
    pub properties_with_history: Vec<String>,
    pub associations: Vec<ObjectType>,
    pub archived: bool,
    pub id_property: Option<String>,
}

impl ReadParams {
    pub fn parse(q: &[(String, String)]) -> ApiResult<Self> {
        let mut out = Self::default();
        for (k, v) in q {
            match k.as_str() {
                "limit" => {
                    out.limit = Some(
                        v.parse()
                            .map_err(|_| ApiError::validation(format!("Invalid limit: {v}")))?,
                    )
                }
                "after" => out.after = Some(v.clone()),
                "properties" => out.properties.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                ),
                "propertiesWithHistory" => out.properties_with_history.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                ),
                "associations" => out
                    .associations
                    .extend(v.split(',').filter_map(|s| ObjectType::parse(s.trim()))),
                "archived" => out.archived = v.eq_ignore_ascii_case("true"),
                "idProperty" => out.id_property = Some(v.clone()),
                _ => {}
            }
        }
        Ok(out)
    }
}

pub fn object_type(p: &HashMap<String, String>) -> ApiResult<ObjectType> {
    let raw = p.get("object_type").map(String::as_str).unwrap_or_default();
    ObjectType::parse(raw)
        .ok_or_else(|| ApiError::validation(format!("Unable to infer object type from: {raw}")))
}

/// Finds a record id by path id and optional `idProperty`, following merges.
pub fn lookup(store: &Store, t: ObjectType, raw: &str, id_property: Option<&str>) -> Option<u64> {
    match id_property {
        Some(p) if p != "hs_object_id" => store.find_unique(t, p, raw),
        _ => raw
            .parse::<u64>()
            .ok()
            .map(|id| store.ts(t).resolve(id))
            .filter(|id| store.ts(t).records.contains_key(id)),
    }
}
