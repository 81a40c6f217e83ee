//! Partial updates. A patch field is absent (leave as is), `null` (clear) or a value (set);
//! `Option<Option<T>>` with [`double_option`] tells the three apart. Creation is a patch
//! applied to empty fields, so create and update validate through the same code.

use serde::{Deserialize, Deserializer};

use super::FieldError;

/// Deserializes a present field into `Some(value)`, `null` into `Some(None)`; with
/// `#[serde(default)]` an absent field stays `None`.
///
/// # Errors
/// When the value has the wrong type.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A patch value.
pub type Change<T> = Option<Option<T>>;

/// Sets free text: trimmed, empty means cleared.
pub fn text(change: Change<String>, target: &mut Option<String>) {
    if let Some(value) = change {
        *target = value.map(trimmed).filter(|v| !v.is_empty());
    }
}

/// `value` trimmed, kept as it is (no copy) when there is nothing to trim.
fn trimmed(value: String) -> String {
    if value.trim().len() == value.len() {
        value
    } else {
        value.trim().to_owned()
    }
}

/// Sets required free text: clearing it is an error naming `field`.
///
/// # Errors
/// When the value is null or blank.
pub fn required_text(
    field: &str,
    change: Change<String>,
    target: &mut String,
) -> Result<(), FieldError> {
    if let Some(value) = change {
        let value = value.map(|v| v.trim().to_owned()).unwrap_or_default();
        if value.is_empty() {
            return Err(FieldError::new(field, "is required"));
        }
        *target = value;
    }
    Ok(())
}

/// Sets text through a parser that normalizes it; the parser's error names `field`.
///
/// # Errors
/// The parser's reason, under `field`.
pub fn parsed<E: std::fmt::Display>(
    field: &str,
    change: Change<String>,
    target: &mut Option<String>,
    parse: impl Fn(&str) -> Result<String, E>,
) -> Result<(), FieldError> {
    if let Some(value) = change {
        *target = match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(parse(v).map_err(|e| FieldError::new(field, e.to_string()))?),
        };
    }
    Ok(())
}

/// Sets an integer that must lie in `range`.
///
/// # Errors
/// When the value is out of range.
pub fn int_in(
    field: &str,
    change: Change<i64>,
    target: &mut Option<i64>,
    range: std::ops::RangeInclusive<i64>,
) -> Result<(), FieldError> {
    if let Some(value) = change {
        if let Some(v) = value
            && !range.contains(&v)
        {
            return Err(FieldError::new(
                field,
                format!("must be between {} and {}", range.start(), range.end()),
            ));
        }
        *target = value;
    }
    Ok(())
}

/// Sets a plain value.
pub fn plain<T>(change: Change<T>, target: &mut Option<T>) {
    if let Some(value) = change {
        *target = value;
    }
}

/// Sets a list; null clears it.
pub fn list<T>(change: Change<Vec<T>>, target: &mut Vec<T>) {
    if let Some(value) = change {
        *target = value.unwrap_or_default();
    }
}

/// Sets one of a fixed set of values (compared case-insensitively, stored as given in
/// `allowed`).
///
/// # Errors
/// When the value is not one of `allowed`.
pub fn one_of(
    field: &str,
    change: Change<String>,
    target: &mut Option<String>,
    allowed: &[&str],
) -> Result<(), FieldError> {
    parsed(field, change, target, |v| {
        allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(v))
            .map(|a| (*a).to_owned())
            .ok_or_else(|| format!("must be one of {}", allowed.join(", ")))
    })
}

/// Trimmed, de-duplicated tags without empty entries.
#[must_use]
pub fn clean_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim().to_owned();
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}
