//! Bulk updates of contact criteria and authorizations (seed 004): an `[old]`/`[new]`
//! template is exported for a segment ([`template`]), edited in a spreadsheet, and imported
//! back ([`apply`]): every non-empty `[new] X` is applied; a row whose stored value no
//! longer equals its `[old] X` is a conflict, reported and skipped unless forced.
//!
//! Values: criteria take internal value codes (`crmsync reference list criteria`);
//! authorizations take `TRUE true T t` / `FALSE false F f`, and an empty cell means unset
//! (in `[old]`; an empty `[new]` changes nothing). Cells that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) are written with a
//! leading `'`, which the import removes again.

pub mod apply;
pub mod cli;
pub mod template;

/// What a bulk file updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BulkKind {
    /// Criterion value codes.
    Criteria,
    /// Authorizations (true / false / unset).
    Authorizations,
}

impl BulkKind {
    /// `criteria` or `authorizations`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Criteria => "criteria",
            Self::Authorizations => "authorizations",
        }
    }
}

/// Prefix of the column holding the value at export time.
pub const OLD_PREFIX: &str = "[old]";
/// Prefix of the column holding the value to set.
pub const NEW_PREFIX: &str = "[new]";

/// Parses a boolean cell: `TRUE true T t` → true, `FALSE false F f` → false, empty → unset.
///
/// # Errors
/// For anything else.
pub fn parse_bool(cell: &str) -> Result<Option<bool>, &'static str> {
    match cell.trim() {
        "" => Ok(None),
        "TRUE" | "true" | "T" | "t" => Ok(Some(true)),
        "FALSE" | "false" | "F" | "f" => Ok(Some(false)),
        _ => Err("must be TRUE, true, T, t, FALSE, false, F, f or empty"),
    }
}

/// The cell text of a boolean: `TRUE`, `FALSE` or empty.
#[must_use]
pub fn bool_text(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "TRUE",
        Some(false) => "FALSE",
        None => "",
    }
}

fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// A cell a spreadsheet will show as text: a leading `'` when it would start a formula.
#[must_use]
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(is_formula_start) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Undoes [`neutralize`].
#[must_use]
pub fn unneutralize(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(is_formula_start) => rest,
        _ => cell,
    }
}

/// `[old] X` / `[new] X` → (is new, X).
#[must_use]
pub fn split_header(header: &str) -> Option<(bool, &str)> {
    let h = header.trim();
    let head = h.get(..5)?;
    let rest = h[5..].trim();
    if head.eq_ignore_ascii_case(OLD_PREFIX) {
        Some((false, rest))
    } else if head.eq_ignore_ascii_case(NEW_PREFIX) {
        Some((true, rest))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_boolean_form_is_read() {
        for t in ["TRUE", "true", "T", "t", " t "] {
            assert_eq!(parse_bool(t), Ok(Some(true)), "{t}");
        }
        for f in ["FALSE", "false", "F", "f"] {
            assert_eq!(parse_bool(f), Ok(Some(false)), "{f}");
        }
        assert_eq!(parse_bool(""), Ok(None));
        for bad in ["True", "yes", "1", "0", "vrai", "x"] {
            assert!(parse_bool(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formulas_are_neutralized_and_restored() {
        for cell in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let n = neutralize(cell);
            assert_eq!(n, format!("'{cell}"));
            assert_eq!(unneutralize(&n), cell);
        }
        assert_eq!(neutralize("plain"), "plain");
        assert_eq!(unneutralize("'quoted"), "'quoted");
    }

    #[test]
    fn headers_split_on_their_prefix() {
        assert_eq!(split_header("[old] SECTOR"), Some((false, "SECTOR")));
        assert_eq!(split_header(" [NEW]SECTOR "), Some((true, "SECTOR")));
        assert_eq!(split_header("Email"), None);
        assert_eq!(split_header("é"), None);
    }
}
