//! HubSpot's JSON shapes (hubspot-api.md §5, §8–§10), as the client reads and writes them.
//! Every property value is a string; ids are strings.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// A CRM record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HsObject {
    /// Record id.
    pub id: String,
    /// Requested properties; `None` for defined but empty ones.
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last modification (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Archived (deleted) flag.
    #[serde(default)]
    pub archived: bool,
    /// When archived.
    #[serde(default)]
    pub archived_at: Option<String>,
    /// Inline associations by object type (list and read only).
    #[serde(default)]
    pub associations: Option<BTreeMap<String, AssociationList>>,
}

impl HsObject {
    /// A property's value, `None` when absent or empty.
    #[must_use]
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.properties
            .get(name)
            .and_then(Option::as_deref)
            .filter(|v| !v.is_empty())
    }

    /// Ids of associated records of `object_type` given inline.
    #[must_use]
    pub fn associated_ids(&self, object_type: &str) -> Vec<String> {
        self.associations
            .as_ref()
            .and_then(|a| a.get(object_type))
            .map(|list| list.results.iter().map(|r| r.id.clone()).collect())
            .unwrap_or_default()
    }
}

/// Inline associations of one type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationList {
    /// Associated records.
    #[serde(default)]
    pub results: Vec<AssociationRef>,
    /// More, when over 100.
    #[serde(default)]
    pub paging: Option<Paging>,
}

/// One inline association.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationRef {
    /// The associated record's id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Association type name, e.g. `contact_to_company`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// Paging block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paging {
    /// The next page, absent on the last.
    #[serde(default)]
    pub next: Option<NextPage>,
}

/// Cursor of the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextPage {
    /// Opaque cursor (search: an offset in a string).
    #[serde(deserialize_with = "string_or_number")]
    pub after: String,
}

/// Answer of a list call.
#[derive(Debug, Clone, Deserialize)]
pub struct ListResponse {
    /// Records.
    #[serde(default)]
    pub results: Vec<HsObject>,
    /// Next page.
    #[serde(default)]
    pub paging: Option<Paging>,
}

/// Answer of a search call.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchResponse {
    /// Matches in all.
    #[serde(default)]
    pub total: u64,
    /// This page.
    #[serde(default)]
    pub results: Vec<HsObject>,
    /// Next page.
    #[serde(default)]
    pub paging: Option<Paging>,
}

/// Answer of a batch call (200, 201 or 207).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse<T> {
    /// `COMPLETE` once done.
    #[serde(default)]
    pub status: String,
    /// Successful inputs.
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    /// Failed inputs (207).
    #[serde(default)]
    pub errors: Vec<BatchError>,
}

/// One failed input of a batch.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BatchError {
    /// HubSpot's category.
    #[serde(default)]
    pub category: String,
    /// Message; may quote values, never logged.
    #[serde(default)]
    pub message: String,
    /// Context, e.g. `{"ids": ["9"]}` or the trace id.
    #[serde(default)]
    pub context: BTreeMap<String, Vec<String>>,
}

/// An upserted record: the record plus whether it was created.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UpsertResult {
    /// The record.
    #[serde(flatten)]
    pub object: HsObject,
    /// Created (`true`) or updated.
    #[serde(default)]
    pub new: bool,
}

/// An association type in a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationSpec {
    /// `HUBSPOT_DEFINED`, `USER_DEFINED`, …
    pub association_category: String,
    /// Type id, e.g. 279 (contact → company).
    pub association_type_id: u32,
}

impl AssociationSpec {
    /// A HubSpot-defined type.
    #[must_use]
    pub fn hubspot(type_id: u32) -> Self {
        Self {
            association_category: "HUBSPOT_DEFINED".to_owned(),
            association_type_id: type_id,
        }
    }
}

/// An association given with a created record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateAssociation {
    /// Target record.
    pub to: IdRef,
    /// Types.
    pub types: Vec<AssociationSpec>,
}

/// `{"id": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRef {
    /// Record id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
}

/// One input of a batch write.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectInput {
    /// Record id (update, upsert: the key value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Property the id refers to (`email`, `siret`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_property: Option<String>,
    /// Properties to write (strings; `""` clears).
    pub properties: BTreeMap<String, String>,
    /// Associations (create only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<CreateAssociation>,
    /// Per-input trace id: makes a batch create answer 207 with per-input errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_write_trace_id: Option<String>,
}

/// One record's associations from the v4 batch read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AssociationReadResult {
    /// The source record.
    pub from: IdRef,
    /// Associated records.
    #[serde(default)]
    pub to: Vec<AssociatedTarget>,
    /// More for this record.
    #[serde(default)]
    pub paging: Option<Paging>,
}

/// One associated record with its types.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociatedTarget {
    /// The target's id (a number in HubSpot's answers; read as text).
    #[serde(deserialize_with = "string_or_number")]
    pub to_object_id: String,
    /// Types of the link.
    #[serde(default)]
    pub association_types: Vec<AssociationTypeInfo>,
}

/// An association type as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationTypeInfo {
    /// Category.
    #[serde(default)]
    pub category: String,
    /// Type id.
    #[serde(default)]
    pub type_id: u32,
    /// Label, if any.
    #[serde(default)]
    pub label: Option<String>,
}

/// A HubSpot owner (user).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    /// Owner id (what `hubspot_owner_id` holds).
    pub id: String,
    /// E-mail: the match key with local users.
    #[serde(default)]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// User id.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub user_id: Option<String>,
    /// Deactivated.
    #[serde(default)]
    pub archived: bool,
}

/// A pipeline with its stages.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    /// Pipeline id (`default`).
    pub id: String,
    /// Label.
    #[serde(default)]
    pub label: String,
    /// Stages in order.
    #[serde(default)]
    pub stages: Vec<PipelineStage>,
}

/// A deal stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineStage {
    /// Stage id (what `dealstage` holds).
    #[serde(default)]
    pub id: String,
    /// Stage name.
    pub label: String,
    /// Order.
    #[serde(default)]
    pub display_order: i64,
    /// `probability` (0.0–1.0) and `isClosed`, as strings.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// A property definition (the fields crmsync reads or writes).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyDef {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// `bool`, `enumeration`, `string`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// `booleancheckbox`, `select`, `text`, …
    pub field_type: String,
    /// Group.
    pub group_name: String,
    /// Options of enumerations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<PropertyOption>,
    /// Unique values (usable as `idProperty`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub has_unique_value: bool,
    /// Options come from elsewhere (owners).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external_options: bool,
    /// `OWNER` for user properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_object_type: Option<String>,
}

/// An option of an enumeration property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyOption {
    /// Label.
    pub label: String,
    /// Stored value.
    pub value: String,
    /// Hidden in forms.
    #[serde(default)]
    pub hidden: bool,
    /// Order.
    #[serde(default)]
    pub display_order: i64,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        N(i64),
    }
    Ok(match Either::deserialize(d)? {
        Either::S(s) => s,
        Either::N(n) => n.to_string(),
    })
}

fn opt_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        N(i64),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|e| match e {
        Either::S(s) => s,
        Either::N(n) => n.to_string(),
    }))
}
