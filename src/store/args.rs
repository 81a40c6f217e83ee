//! [`Arg`]: a bind value whose type is decided at run time, for statements whose columns
//! or filters are assembled from a list (inserts, updates, list filters).

use time::Date;

use super::Timestamp;

/// One bind parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Text or NULL.
    Text(Option<String>),
    /// Integer or NULL.
    Int(Option<i64>),
    /// Boolean.
    Bool(bool),
    /// Instant or NULL.
    Time(Option<Timestamp>),
    /// Calendar date or NULL.
    Date(Option<Date>),
    /// JSON document (text in SQLite, jsonb in PostgreSQL).
    Json(serde_json::Value),
}

impl Arg {
    /// Text from a string slice.
    #[must_use]
    pub fn text(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }
}

/// Binds every [`Arg`] of `$args` to the query `$q`, in order. A macro rather than a
/// function so that it is compiled once per backend with concrete types.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                $crate::store::Arg::Text(v) => q.bind(v.clone()),
                $crate::store::Arg::Int(v) => q.bind(*v),
                $crate::store::Arg::Bool(v) => q.bind(*v),
                $crate::store::Arg::Time(v) => q.bind(*v),
                $crate::store::Arg::Date(v) => q.bind(*v),
                $crate::store::Arg::Json(v) => q.bind(sqlx::types::Json(v.clone())),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

/// As [`bind_args!`], consuming `$args` (a `Vec<Arg>`): no copy of each value, which counts
/// for the thousands of values of a multi-row insert.
macro_rules! bind_owned {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                $crate::store::Arg::Text(v) => q.bind(v),
                $crate::store::Arg::Int(v) => q.bind(v),
                $crate::store::Arg::Bool(v) => q.bind(v),
                $crate::store::Arg::Time(v) => q.bind(v),
                $crate::store::Arg::Date(v) => q.bind(v),
                $crate::store::Arg::Json(v) => q.bind(sqlx::types::Json(v)),
            };
        }
        q
    }};
}
pub(crate) use bind_owned;

/// JSON array of strings, as stored.
pub(crate) fn json_list(values: &[String]) -> Arg {
    Arg::Json(serde_json::Value::from(values.to_vec()))
}

/// JSON array of ids, as stored.
pub(crate) fn json_ids(values: &[i64]) -> Arg {
    Arg::Json(serde_json::Value::from(values.to_vec()))
}
