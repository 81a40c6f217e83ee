//! Segments ("cible dynamique", seed 004): a small filter language over a tenant's contacts,
//! used by `export template --segment` and `contacts … --segment`.
//!
//! ```text
//! segment   := or
//! or        := and { "or" and }
//! and       := not { "and" not }
//! not       := "not" not | "(" or ")" | condition
//! condition := field ("=" | "!=") value
//!            | field "in" "(" value { "," value } ")"
//!            | field "is" ["not"] "set"
//! field     := tag | language | state | company.id | company.domain | company.name
//!            | company.stage | criterion.<CODE> | authorization.<NAME>
//! value     := "double-quoted text" (\" and \\ escape) | bare word (letters, digits, _ - . @ +)
//! ```
//!
//! Keywords are case-insensitive. Text comparisons ignore case, except `state` and the
//! codes of `company.stage` and `criterion.X`, which are exact internal codes. `state` takes
//! `active`, `inactive` or `anonymized`; `authorization.X` takes the import's booleans
//! (`TRUE true T t` / `FALSE false F f`); `tag = X` holds when X is one of the contact's
//! tags; `!=` is the exact negation of `=` (a contact without a language is `!= "FR"`);
//! `is set` is not defined for `tag`. Soft-deleted contacts are never in a segment.
//!
//! Example: `tag = VIP and company.stage in (TRIAL, RUN) and not authorization.NEWSLETTER = false`.
//!
//! Parsing errors name the character position (1-based). The compiled SQL is one text for
//! SQLite and PostgreSQL except tag membership (`json_each` vs `jsonb_array_elements_text`);
//! every value is a bound parameter, never part of the SQL text.

mod parse;
mod sql;

pub use parse::parse;
pub use sql::{Compiled, compile};

/// A parsed segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Both hold.
    And(Box<Segment>, Box<Segment>),
    /// Either holds.
    Or(Box<Segment>, Box<Segment>),
    /// Does not hold.
    Not(Box<Segment>),
    /// The field equals one of the values.
    In(Field, Vec<String>),
    /// The field has a value.
    IsSet(Field),
}

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// One of the contact's tags.
    Tag,
    /// The contact's language.
    Language,
    /// `active`, `inactive` or `anonymized`.
    State,
    /// The company's Customer ID.
    CompanyId,
    /// The company's domain.
    CompanyDomain,
    /// The company's name.
    CompanyName,
    /// The company's customer stage code.
    CompanyStage,
    /// The value code of a criterion.
    Criterion(String),
    /// An authorization (`true` / `false`).
    Authorization(String),
}

/// A segment that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("segment, at character {position}: {message}")]
pub struct SegmentError {
    /// 1-based character position of the problem.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}
