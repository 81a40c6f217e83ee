//! Property definitions and options as the properties API describes them.

use serde::Deserialize;
use serde_json::{Value, json};

use super::types::iso;

/// One enumeration option.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropOption {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub display_order: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A property definition as HubSpot describes it.
#[derive(Debug, Clone)]
pub struct PropertyDef {
    pub name: String,
    pub label: String,
    pub kind: String,
    pub field_type: String,
    pub group_name: String,
    pub description: String,
    pub options: Vec<PropOption>,
    pub has_unique_value: bool,
    pub hidden: bool,
    pub form_field: bool,
    pub display_order: i64,
    pub external_options: bool,
    pub referenced_object_type: Option<String>,
    pub hubspot_defined: bool,
    pub read_only_value: bool,
    pub archived: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl PropertyDef {
    pub fn to_json(&self) -> Value {
        let options: Vec<Value> = self
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                json!({"label": o.label, "value": o.value, "hidden": o.hidden,
                       "displayOrder": o.display_order.unwrap_or(i as i64),
                       "description": o.description.clone().unwrap_or_default()})
            })
            .collect();
        let mut v = json!({
            "name": self.name, "label": self.label, "type": self.kind, "fieldType": self.field_type,
            "description": self.description, "groupName": self.group_name, "options": options,
            "displayOrder": self.display_order, "calculated": false, "externalOptions": self.external_options,
            "hasUniqueValue": self.has_unique_value, "hidden": self.hidden, "hubspotDefined": self.hubspot_defined,
            "formField": self.form_field, "archived": self.archived,
            "createdAt": iso(self.created_ms), "updatedAt": iso(self.updated_ms),
            "modificationMetadata": {"archivable": !self.hubspot_defined, "readOnlyDefinition": self.hubspot_defined,
                                      "readOnlyValue": self.read_only_value},
        });
        if let Some(r) = &self.referenced_object_type {
            v["referencedObjectType"] = json!(r);
        }
        if self.archived {
            v["archivedAt"] = json!(iso(self.updated_ms));
        }
        v
    }

    /// Position of a value among the options (lifecycle stage order).
    pub fn option_rank(&self, value: &str) -> Option<usize> {
        self.options.iter().position(|o| o.value == value)
    }
}
