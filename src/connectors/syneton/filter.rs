//! The `Filter=` query syntax (accounting-apis.md §1.6): `<Field> <op> <value>` clauses
//! joined with `and`; operators `eq ne ge gt le lt in`, `not in`, `is null`,
//! `is not null`, and `StartsWith/EndsWith/Contains(Field, 'v')`.
//!
//! Invariants: field names are compile-time constants (never user data), so only values
//! need quoting. Text values are single-quoted with an inner `'` doubled (`O''Brien`, the
//! SQL/OData convention; Syneton's own escape is not documented, see README); commas and
//! parentheses inside quotes are literal. Long `in (…)` lists are split so that no URL
//! exceeds a budget (the server answers 414 past some length).

use time::PrimitiveDateTime;

/// A literal on the right of an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterValue {
    /// Quoted text.
    Text(String),
    /// A bare integer.
    Int(i64),
    /// `1` or `0`.
    Bool(bool),
    /// `'YYYY-MM-DD HH:MM:SS'` in the server's local time.
    DateTime(PrimitiveDateTime),
}

impl FilterValue {
    fn render(&self) -> String {
        match self {
            Self::Text(s) => format!("'{}'", s.replace('\'', "''")),
            Self::Int(n) => n.to_string(),
            Self::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
            Self::DateTime(dt) => format!("'{}'", super::clock::filter_text(*dt)),
        }
    }
}

impl From<&str> for FilterValue {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}
impl From<String> for FilterValue {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}
impl From<i64> for FilterValue {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}
impl From<u64> for FilterValue {
    fn from(n: u64) -> Self {
        Self::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<bool> for FilterValue {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}
impl From<PrimitiveDateTime> for FilterValue {
    fn from(dt: PrimitiveDateTime) -> Self {
        Self::DateTime(dt)
    }
}

/// A conjunction of clauses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    clauses: Vec<String>,
}

/// How far one `in (…)` list may grow.
#[derive(Debug, Clone, Copy)]
pub struct InLimits {
    /// Values per list.
    pub max_items: usize,
    /// Length of the percent-encoded filter, in bytes.
    pub max_encoded_len: usize,
}

impl Default for InLimits {
    fn default() -> Self {
        Self {
            max_items: 100,
            max_encoded_len: 1500,
        }
    }
}

impl Filter {
    /// No clause.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn push(mut self, clause: String) -> Self {
        self.clauses.push(clause);
        self
    }

    fn op(self, field: &'static str, op: &str, value: impl Into<FilterValue>) -> Self {
        let v = value.into().render();
        self.push(format!("{field} {op} {v}"))
    }

    /// `field eq value`
    #[must_use]
    pub fn eq(self, field: &'static str, value: impl Into<FilterValue>) -> Self {
        self.op(field, "eq", value)
    }
    /// `field ne value`
    #[must_use]
    pub fn ne(self, field: &'static str, value: impl Into<FilterValue>) -> Self {
        self.op(field, "ne", value)
    }
    /// `field ge value`
    #[must_use]
    pub fn ge(self, field: &'static str, value: impl Into<FilterValue>) -> Self {
        self.op(field, "ge", value)
    }
    /// `field gt value`
    #[must_use]
    pub fn gt(self, field: &'static str, value: impl Into<FilterValue>) -> Self {
        self.op(field, "gt", value)
    }
    /// `field le value`
    #[must_use]
    pub fn le(self, field: &'static str, value: impl Into<FilterValue>) -> Self {
        self.op(field, "le", value)
    }
    /// `field lt value`
    #[must_use]
    pub fn lt(self, field: &'static str, value: impl Into<FilterValue>) -> Self {
        self.op(field, "lt", value)
    }

    /// `field in (a, b, …)`; an empty list is not allowed by the syntax, callers skip it.
    #[must_use]
    pub fn is_in<V: Into<FilterValue>>(
        self,
        field: &'static str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let list = render_list(values.into_iter().map(Into::into));
        self.push(format!("{field} in ({list})"))
    }

    /// `field not in (a, b, …)`
    #[must_use]
    pub fn not_in<V: Into<FilterValue>>(
        self,
        field: &'static str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let list = render_list(values.into_iter().map(Into::into));
        self.push(format!("{field} not in ({list})"))
    }

    /// `field is null`
    #[must_use]
    pub fn is_null(self, field: &'static str) -> Self {
        self.push(format!("{field} is null"))
    }
    /// `field is not null`
    #[must_use]
    pub fn is_not_null(self, field: &'static str) -> Self {
        self.push(format!("{field} is not null"))
    }
    /// `StartsWith(field, 'text')`
    #[must_use]
    pub fn starts_with(self, field: &'static str, text: &str) -> Self {
        self.func("StartsWith", field, text)
    }
    /// `EndsWith(field, 'text')`
    #[must_use]
    pub fn ends_with(self, field: &'static str, text: &str) -> Self {
        self.func("EndsWith", field, text)
    }
    /// `Contains(field, 'text')`
    #[must_use]
    pub fn contains(self, field: &'static str, text: &str) -> Self {
        self.func("Contains", field, text)
    }

    fn func(self, name: &str, field: &'static str, text: &str) -> Self {
        let v = FilterValue::from(text).render();
        self.push(format!("{name}({field}, {v})"))
    }

    /// Whether there is no clause.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The filter text, clauses joined with ` and `.
    #[must_use]
    pub fn render(&self) -> String {
        self.clauses.join(" and ")
    }

    /// This filter and `field in (…)` over `values`, as several filters when one would be
    /// too long: each holds at most `limits.max_items` values and stays under
    /// `limits.max_encoded_len` once percent-encoded (a single over-long value still gets
    /// its own filter). No filter when `values` is empty.
    #[must_use]
    pub fn split_in<V: Into<FilterValue>>(
        &self,
        field: &'static str,
        values: impl IntoIterator<Item = V>,
        limits: InLimits,
    ) -> Vec<Self> {
        // " and " encodes to nine bytes.
        let base_len = encoded_len(&self.render()) + if self.is_empty() { 0 } else { 9 };
        // `field in (` + `)`, encoded: spaces and parentheses take three bytes each.
        let frame = field.len() + 3 + 2 + 3 + 3 + 3;
        let mut out = Vec::new();
        let mut chunk: Vec<String> = Vec::new();
        let mut chunk_len = base_len + frame;
        for value in values {
            let rendered = value.into().render();
            // ", " between values: three bytes for the comma, three for the space.
            let cost = encoded_len(&rendered) + if chunk.is_empty() { 0 } else { 6 };
            let full = chunk.len() >= limits.max_items.max(1)
                || (!chunk.is_empty() && chunk_len + cost > limits.max_encoded_len);
            if full {
                out.push(
                    self.clone()
                        .push(format!("{field} in ({})", chunk.join(", "))),
                );
                chunk.clear();
                chunk_len = base_len + frame;
            }
            chunk_len += encoded_len(&rendered) + if chunk.is_empty() { 0 } else { 6 };
            chunk.push(rendered);
        }
        if !chunk.is_empty() {
            out.push(
                self.clone()
                    .push(format!("{field} in ({})", chunk.join(", "))),
            );
        }
        out
    }
}

fn render_list(values: impl Iterator<Item = FilterValue>) -> String {
    values.map(|v| v.render()).collect::<Vec<_>>().join(", ")
}

/// Everything but RFC 3986 unreserved characters is percent-encoded, so `+`, `&`, `#`,
/// `%` and quotes inside values survive any server-side decoding.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query component (spaces as `%20`, never `+`).
#[must_use]
pub fn encode_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, COMPONENT).to_string()
}

fn encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                1
            } else {
                3
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn clauses_render_in_syneton_syntax() {
        let f = Filter::new()
            .is_in("TableName", ["CUSTOMER", "CUSTOMER_ADRESS"])
            .ge("DateAction", datetime!(2024-05-20 08:00:00))
            .lt("DateAction", datetime!(2024-05-20 09:00:00))
            .eq("IsActive", true)
            .is_not_null("VATNr")
            .starts_with("Name", "Bak")
            .not_in("CustomerId", [1_i64, 2]);
        assert_eq!(
            f.render(),
            "TableName in ('CUSTOMER', 'CUSTOMER_ADRESS') and DateAction ge '2024-05-20 08:00:00' \
             and DateAction lt '2024-05-20 09:00:00' and IsActive eq 1 and VATNr is not null \
             and StartsWith(Name, 'Bak') and CustomerId not in (1, 2)"
        );
    }

    #[test]
    fn quotes_are_doubled_and_commas_stay_inside_the_literal() {
        let f = Filter::new()
            .eq("Name", "Bakkerij 't Hoekske")
            .is_in("Name", ["Dupont, Durand & Fils", "O'Neil (BE)"]);
        assert_eq!(
            f.render(),
            "Name eq 'Bakkerij ''t Hoekske' and Name in ('Dupont, Durand & Fils', 'O''Neil (BE)')"
        );
    }

    #[test]
    fn encoding_leaves_no_plus_ampersand_or_space() {
        let e = encode_component("Phone eq '+32 56' and Name eq 'A&B #1 50%'");
        assert!(!e.contains(['+', '&', ' ', '#', '\'']), "{e}");
        assert!(e.contains("%2B32%2056"), "{e}");
    }

    #[test]
    fn long_in_lists_split_by_count_and_by_encoded_length() {
        let base = Filter::new().eq("RegisteredOffice", true);
        let ids: Vec<i64> = (1..=250).collect();
        let parts = base.split_in("CustomerId", ids.clone(), InLimits::default());
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| {
            p.render()
                .starts_with("RegisteredOffice eq 1 and CustomerId in (")
        }));
        let back: Vec<i64> = parts
            .iter()
            .flat_map(|p| {
                let text = p.render();
                let inner = text
                    .split_once("in (")
                    .expect("list")
                    .1
                    .trim_end_matches(')')
                    .to_owned();
                inner
                    .split(", ")
                    .map(|v| v.parse::<i64>().expect("id"))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(back, ids);

        let limits = InLimits {
            max_items: 1000,
            max_encoded_len: 200,
        };
        let names: Vec<String> = (0..40).map(|i| format!("Name, with comma {i}")).collect();
        let parts = Filter::new().split_in("Name", names, limits);
        assert!(parts.len() > 1);
        for p in &parts {
            assert!(encode_component(&p.render()).len() <= 200, "{}", p.render());
        }
        assert!(
            Filter::new()
                .split_in("Name", Vec::<String>::new(), limits)
                .is_empty()
        );
    }
}
