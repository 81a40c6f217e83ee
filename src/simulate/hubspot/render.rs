//! JSON of records: requested properties, inline v3 associations, property history.

use serde_json::{Map, Value, json};

use super::state::{Record, Store};
use super::types::{ObjectType, iso, v3_type_name};

impl Store {
    /// v3 inline `associations` of one record, paged at 100 per type.
    pub fn inline_associations(&self, t: ObjectType, id: u64, to_types: &[ObjectType]) -> Value {
        let mut out = Map::new();
        for to in to_types {
            let mut results = Vec::new();
            for (to_id, types) in self.assoc_of((t, id), *to) {
                for (_, type_id) in types {
                    results.push(
                        json!({"id": to_id.to_string(), "type": v3_type_name(t, *to, type_id)}),
                    );
                }
            }
            if results.is_empty() {
                continue;
            }
            let mut entry = json!({});
            if results.len() > 100 {
                let next = results
                    .get(100)
                    .and_then(|v| v.get("id"))
                    .cloned()
                    .unwrap_or(Value::Null);
                results.truncate(100);
                entry["paging"] = json!({"next": {"after": next}});
            }
            entry["results"] = Value::Array(results);
            out.insert(to.name().to_string(), entry);
        }
        Value::Object(out)
    }

    /// Adds `propertiesWithHistory` (the simulator keeps only the current value).
    pub fn add_history(&self, t: ObjectType, rec: &Record, names: &[String], out: &mut Value) {
        if names.is_empty() {
            return;
        }
        let mut h = Map::new();
        for n in names {
            if self.prop_def(t, n).is_none() {
                continue;
            }
            let entries: Vec<Value> = rec
                .properties
                .get(n)
                .map(|v| {
                    vec![json!({"value": v, "timestamp": iso(rec.updated_ms), "sourceType": "API",
                                "sourceId": "crmsync-simulator", "sourceLabel": null, "updatedByUserId": null})]
                })
                .unwrap_or_default();
            h.insert(n.clone(), Value::Array(entries));
        }
        out["propertiesWithHistory"] = Value::Object(h);
    }

    /// JSON of a record with the requested properties (None = the type's defaults).
    pub fn render(&self, t: ObjectType, rec: &Record, requested: Option<&[String]>) -> Value {
        let mut props = Map::new();
        let defaults: Vec<String>;
        let names: &[String] = match requested {
            Some(r) if !r.is_empty() => r,
            _ => {
                defaults = t
                    .default_properties()
                    .iter()
                    .map(|s| (*s).to_string())
                    .collect();
                &defaults
            }
        };
        for n in names {
            if self.prop_def(t, n).is_none() && !rec.properties.contains_key(n) {
                continue;
            }
            let v = rec
                .properties
                .get(n)
                .filter(|v| !v.is_empty())
                .map_or(Value::Null, |v| json!(v));
            props.insert(n.clone(), v);
        }
        let mut out = json!({
            "id": rec.id.to_string(),
            "properties": props,
            "createdAt": iso(rec.created_ms),
            "updatedAt": iso(rec.updated_ms),
            "archived": rec.archived_at.is_some(),
        });
        if let Some(a) = rec.archived_at {
            out["archivedAt"] = json!(iso(a));
        }
        out
    }
}
