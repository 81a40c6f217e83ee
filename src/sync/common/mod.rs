//! What every connection's sync shares: the canonical record form, the three-way field
//! merge against a link's base, what became of a record, and the key lookups that match remote records to local
//! ones (spec §2.1, §3.4). Nothing here knows a remote API.

use std::collections::BTreeMap;

pub mod linked;
pub mod lookup;
pub mod merge;
mod outcome;

pub use outcome::Outcome;

/// A record's mapped fields in canonical form: field name → text (`""` for empty). Both
/// sides of a connection convert to it, and the link's base is kept in it.
pub type Canon = BTreeMap<String, String>;
