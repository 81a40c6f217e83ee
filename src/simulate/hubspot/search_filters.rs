//! Search filter evaluation: typed comparison keys and every documented operator.

use std::cmp::Ordering;

use super::search::{Filter, text};
use super::state::{Record, Store};
use super::types::{ObjectType, parse_time_ms};

/// A comparable property value.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum Key {
    Num(f64),
    Str(String),
}

pub fn key(kind: &str, raw: &str) -> Key {
    let num = match kind {
        "date" | "datetime" => parse_time_ms(raw).map(|v| v as f64),
        "number" => raw.parse::<f64>().ok(),
        _ => None,
    };
    num.map_or_else(|| Key::Str(raw.to_lowercase()), Key::Num)
}

pub fn cmp(a: &Key, b: &Key) -> Ordering {
    a.partial_cmp(b).unwrap_or(Ordering::Equal)
}

fn has_token(hay: &str, needle: &str) -> bool {
    let hay = hay.to_lowercase();
    let needle = needle.to_lowercase();
    if needle.contains('*') {
        let parts: Vec<&str> = needle.split('*').filter(|p| !p.is_empty()).collect();
        return parts.iter().all(|p| hay.contains(p));
    }
    hay == needle
        || hay
            .split(|c: char| !c.is_alphanumeric())
            .any(|tok| tok == needle)
        || hay.split_whitespace().any(|tok| tok == needle)
}

pub const OPERATORS: &[&str] = &[
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
];

pub fn matches(store: &Store, t: ObjectType, rec: &Record, f: &Filter) -> bool {
    let kind = store
        .prop_def(t, &f.property_name)
        .map_or("string", |d| d.kind.as_str());
    let raw = rec
        .properties
        .get(&f.property_name)
        .filter(|v| !v.is_empty());
    let value = f.value.as_ref().map(text).unwrap_or_default();
    let eq = |r: &str, v: &str| cmp(&key(kind, r), &key(kind, v)) == Ordering::Equal;
    match (f.operator.as_str(), raw) {
        ("HAS_PROPERTY", r) => r.is_some(),
        ("NOT_HAS_PROPERTY", r) => r.is_none(),
        ("NEQ", None) | ("NOT_IN", None) | ("NOT_CONTAINS_TOKEN", None) => true,
        (_, None) => false,
        ("EQ", Some(r)) => eq(r, &value),
        ("NEQ", Some(r)) => !eq(r, &value),
        ("LT", Some(r)) => cmp(&key(kind, r), &key(kind, &value)) == Ordering::Less,
        ("LTE", Some(r)) => cmp(&key(kind, r), &key(kind, &value)) != Ordering::Greater,
        ("GT", Some(r)) => cmp(&key(kind, r), &key(kind, &value)) == Ordering::Greater,
        ("GTE", Some(r)) => cmp(&key(kind, r), &key(kind, &value)) != Ordering::Less,
        ("BETWEEN", Some(r)) => {
            let high = f.high_value.as_ref().map(text).unwrap_or_default();
            let k = key(kind, r);
            cmp(&k, &key(kind, &value)) != Ordering::Less
                && cmp(&k, &key(kind, &high)) != Ordering::Greater
        }
        ("IN", Some(r)) => f.values.iter().any(|v| eq(r, &text(v))),
        ("NOT_IN", Some(r)) => !f.values.iter().any(|v| eq(r, &text(v))),
        ("CONTAINS_TOKEN", Some(r)) => has_token(r, &value),
        ("NOT_CONTAINS_TOKEN", Some(r)) => !has_token(r, &value),
        _ => false,
    }
}
