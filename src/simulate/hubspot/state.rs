//! The portal's state: records, unique indexes, associations, properties, pipelines, owners.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::properties::PropertyDef;
use super::types::ObjectType;

/// One CRM record; every property value is a string.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: u64,
    pub properties: BTreeMap<String, String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub archived_at: Option<i64>,
}

/// Records of one object type with their unique-value index and merge redirects.
#[derive(Debug, Default, Clone)]
pub struct TypeStore {
    pub records: BTreeMap<u64, Record>,
    /// merged-away id → survivor id
    pub merged: HashMap<u64, u64>,
    /// property → lower-cased value → id (active records only)
    pub unique: HashMap<String, HashMap<String, u64>>,
}

impl TypeStore {
    /// Follows merge redirects to the surviving id.
    pub fn resolve(&self, id: u64) -> u64 {
        let mut cur = id;
        for _ in 0..64 {
            match self.merged.get(&cur) {
                Some(next) => cur = *next,
                None => break,
            }
        }
        cur
    }
}

/// Association category codes.
pub const CATEGORIES: [&str; 3] = ["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED"];

pub fn category_code(s: &str) -> Option<u8> {
    CATEGORIES
        .iter()
        .position(|c| *c == s)
        .and_then(|p| u8::try_from(p).ok())
}

pub fn category_name(code: u8) -> &'static str {
    CATEGORIES
        .get(usize::from(code))
        .copied()
        .unwrap_or("HUBSPOT_DEFINED")
}

pub type ObjKey = (ObjectType, u64);
pub type AssocMap = BTreeMap<ObjKey, BTreeMap<ObjKey, BTreeSet<(u8, u32)>>>;

/// One deal pipeline stage.
#[derive(Debug, Clone)]
pub struct Stage {
    pub id: String,
    pub label: String,
    pub display_order: i64,
    pub probability: String,
    pub is_closed: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub display_order: i64,
    pub stages: Vec<Stage>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Owner {
    pub id: u64,
    pub user_id: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub archived: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// The whole simulated portal.
#[derive(Debug, Default, Clone)]
pub struct Store {
    pub types: HashMap<ObjectType, TypeStore>,
    pub assoc: AssocMap,
    pub props: HashMap<ObjectType, BTreeMap<String, PropertyDef>>,
    pub pipelines: Vec<Pipeline>,
    pub owners: Vec<Owner>,
    pub next_id: u64,
    pub last_write_ms: i64,
}

impl Store {
    pub fn ts(&self, t: ObjectType) -> &TypeStore {
        static EMPTY: std::sync::OnceLock<TypeStore> = std::sync::OnceLock::new();
        self.types
            .get(&t)
            .unwrap_or_else(|| EMPTY.get_or_init(TypeStore::default))
    }

    pub fn ts_mut(&mut self, t: ObjectType) -> &mut TypeStore {
        self.types.entry(t).or_default()
    }

    pub fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A write time strictly after the previous one, so modified dates always move.
    pub fn write_time(&mut self) -> i64 {
        let now = super::types::now_ms().max(self.last_write_ms + 1);
        self.last_write_ms = now;
        now
    }

    pub fn prop_def(&self, t: ObjectType, name: &str) -> Option<&PropertyDef> {
        self.props
            .get(&t)
            .and_then(|m| m.get(name))
            .filter(|d| !d.archived)
    }

    /// Names of the unique-valued properties of a type (contacts' `email` included).
    pub fn unique_props(&self, t: ObjectType) -> Vec<String> {
        let mut out: Vec<String> = self
            .props
            .get(&t)
            .map(|m| {
                m.values()
                    .filter(|d| d.has_unique_value && !d.archived)
                    .map(|d| d.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        if t == ObjectType::Contacts && !out.iter().any(|n| n == "email") {
            out.push("email".to_string());
        }
        out
    }

    /// Finds an active record by a unique property value.
    pub fn find_unique(&self, t: ObjectType, prop: &str, value: &str) -> Option<u64> {
        if prop == "hs_object_id" {
            return value.parse().ok().map(|id| self.ts(t).resolve(id));
        }
        self.ts(t)
            .unique
            .get(prop)
            .and_then(|m| m.get(&value.to_lowercase()))
            .copied()
    }

    pub fn index_record(&mut self, t: ObjectType, id: u64) {
        let names = self.unique_props(t);
        let ts = self.ts_mut(t);
        let Some(rec) = ts.records.get(&id) else {
            return;
        };
        if rec.archived_at.is_some() {
            return;
        }
        let pairs: Vec<(String, String)> = names
            .into_iter()
            .filter_map(|n| {
                rec.properties
                    .get(&n)
                    .filter(|v| !v.is_empty())
                    .map(|v| (n, v.to_lowercase()))
            })
            .collect();
        for (n, v) in pairs {
            ts.unique.entry(n).or_default().insert(v, id);
        }
    }

    /// Removes a record's current unique values from the index.
    pub fn unindex_record(&mut self, t: ObjectType, id: u64) {
        let ts = self.ts_mut(t);
        let Some(rec) = ts.records.get(&id) else {
            return;
        };
        let pairs: Vec<(String, String)> = ts
            .unique
            .keys()
            .filter_map(|n| rec.properties.get(n).map(|v| (n.clone(), v.to_lowercase())))
            .collect();
        for (n, v) in pairs {
            if let Some(m) = ts.unique.get_mut(&n)
                && m.get(&v) == Some(&id)
            {
                m.remove(&v);
            }
        }
    }

    /// Adds an association both ways (the reverse type from the documented table).
    pub fn associate(&mut self, from: ObjKey, to: ObjKey, category: u8, type_id: u32) {
        let reverse =
            super::types::assoc_type(from.0, to.0, type_id).map_or(type_id, |a| a.reverse);
        self.assoc
            .entry(from)
            .or_default()
            .entry(to)
            .or_default()
            .insert((category, type_id));
        self.assoc
            .entry(to)
            .or_default()
            .entry(from)
            .or_default()
            .insert((category, reverse));
    }

    /// Removes the given types (or all when `types` is None) between a pair, both ways.
    pub fn dissociate(&mut self, from: ObjKey, to: ObjKey, types: Option<&[(u8, u32)]>) {
        let pairs: Vec<(u8, u32)> = self
            .assoc
            .get(&from)
            .and_then(|m| m.get(&to))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let remove: Vec<(u8, u32)> = match types {
            None => pairs,
            Some(ts) => pairs.into_iter().filter(|p| ts.contains(p)).collect(),
        };
        let removes_all = types.is_none()
            || remove.iter().any(|(_, id)| {
                super::types::default_assoc(from.0, to.0).is_some_and(|d| d.id == *id)
            });
        for (cat, id) in &remove {
            let reverse = super::types::assoc_type(from.0, to.0, *id).map_or(*id, |a| a.reverse);
            remove_one(&mut self.assoc, from, to, (*cat, *id));
            remove_one(&mut self.assoc, to, from, (*cat, reverse));
        }
        if removes_all && !remove.is_empty() {
            remove_pair(&mut self.assoc, from, to);
            remove_pair(&mut self.assoc, to, from);
        }
    }

    /// Associations of one record to one type: (to id, types).
    pub fn assoc_of(&self, from: ObjKey, to_type: ObjectType) -> Vec<(u64, Vec<(u8, u32)>)> {
        let Some(m) = self.assoc.get(&from) else {
            return Vec::new();
        };
        m.range((to_type, 0)..=(to_type, u64::MAX))
            .filter(|(k, s)| !s.is_empty() && self.is_active(k.0, k.1))
            .map(|(k, s)| (k.1, s.iter().copied().collect()))
            .collect()
    }

    pub fn is_active(&self, t: ObjectType, id: u64) -> bool {
        self.ts(t)
            .records
            .get(&id)
            .is_some_and(|r| r.archived_at.is_none())
    }
}

fn remove_one(map: &mut AssocMap, a: ObjKey, b: ObjKey, pair: (u8, u32)) {
    if let Some(s) = map.get_mut(&a).and_then(|m| m.get_mut(&b)) {
        s.remove(&pair);
        if s.is_empty() {
            remove_pair(map, a, b);
        }
    }
}

fn remove_pair(map: &mut AssocMap, a: ObjKey, b: ObjKey) {
    if let Some(m) = map.get_mut(&a) {
        m.remove(&b);
        if m.is_empty() {
            map.remove(&a);
        }
    }
}
