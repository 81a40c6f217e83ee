//! `HubSpot` lifecycle stages, by internal value.
//!
//! Owns [`LifecycleStage`], [`InvalidLifecycleStage`] and [`is_backward`].
//! `HubSpot`'s default stages are meant to move forward only (going back usually
//! means clearing the property first), so the sync needs to know when a change
//! goes backwards. Custom stages have no known rank here, so no move involving
//! one counts as backwards.
//!
//! Invariant: the value is 1-100 characters of `a-z`, `0-9` and `_` (`HubSpot`
//! internal ids are lowercase names or numbers). Labels such as
//! `Marketing Qualified Lead` are not internal values and are rejected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `HubSpot`'s default lifecycle stages, in forward order.
pub const DEFAULT_STAGES: [&str; 8] = [
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];

const MAX_LEN: usize = 100;

/// A `HubSpot` lifecycle stage internal value (default or custom).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LifecycleStage(String);

/// Why a string is not a lifecycle stage internal value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidLifecycleStage {
    /// Nothing but whitespace.
    #[error("lifecycle stage is empty")]
    Empty,
    /// Longer than 100 characters.
    #[error("lifecycle stage is longer than 100 characters")]
    TooLong,
    /// Spaces, upper case or other characters outside `a-z`, `0-9`, `_`.
    #[error("lifecycle stage may only contain lowercase letters, digits and underscores")]
    InvalidCharacter,
}

impl LifecycleStage {
    /// Parses an internal value after trimming surrounding whitespace.
    ///
    /// # Errors
    ///
    /// Any [`InvalidLifecycleStage`]; upper case is rejected, not folded,
    /// because internal values are case-sensitive.
    pub fn parse(raw: &str) -> Result<Self, InvalidLifecycleStage> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(InvalidLifecycleStage::Empty);
        }
        if value.len() > MAX_LEN {
            return Err(InvalidLifecycleStage::TooLong);
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(InvalidLifecycleStage::InvalidCharacter);
        }
        Ok(Self(value.to_owned()))
    }

    /// `HubSpot`'s default stages, in forward order.
    pub fn defaults() -> impl Iterator<Item = Self> {
        DEFAULT_STAGES.iter().map(|s| Self((*s).to_owned()))
    }

    /// The position of a default stage (`subscriber` = 0 … `other` = 7);
    /// `None` for a custom stage.
    #[must_use]
    pub fn rank(&self) -> Option<u8> {
        DEFAULT_STAGES
            .iter()
            .position(|s| *s == self.0)
            .and_then(|i| u8::try_from(i).ok())
    }

    /// Whether this is one of `HubSpot`'s default stages.
    #[must_use]
    pub fn is_default(&self) -> bool {
        self.rank().is_some()
    }

    /// The internal value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether moving from `from` to `to` goes backwards: true only when both are
/// default stages and `to` ranks before `from`.
#[must_use]
pub fn is_backward(from: &LifecycleStage, to: &LifecycleStage) -> bool {
    matches!((from.rank(), to.rank()), (Some(f), Some(t)) if t < f)
}

impl fmt::Display for LifecycleStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LifecycleStage {
    type Err = InvalidLifecycleStage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for LifecycleStage {
    type Error = InvalidLifecycleStage;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LifecycleStage> for String {
    fn from(value: LifecycleStage) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(raw: &str) -> LifecycleStage {
        LifecycleStage::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"))
    }

    #[test]
    fn default_stages_are_ranked_in_hubspot_order() {
        let ranks: Vec<_> = LifecycleStage::defaults().map(|s| s.rank()).collect();
        assert_eq!(ranks, (0..8).map(Some).collect::<Vec<_>>());
        assert_eq!(stage("subscriber").rank(), Some(0));
        assert_eq!(stage("customer").rank(), Some(5));
        assert_eq!(stage("other").rank(), Some(7));
        assert!(stage("marketingqualifiedlead").is_default());
    }

    #[test]
    fn custom_numeric_and_lowercase_ids_are_accepted_without_rank() {
        for raw in ["1029384756", "partner_prospect", "a", &"x".repeat(100)] {
            let custom = stage(raw);
            assert_eq!(custom.rank(), None);
            assert!(!custom.is_default());
            assert_eq!(custom.as_str(), raw);
        }
    }

    #[test]
    fn empty_spaces_upper_case_and_long_values_are_rejected() {
        let cases = [
            ("", InvalidLifecycleStage::Empty),
            ("   ", InvalidLifecycleStage::Empty),
            (
                "sales qualified lead",
                InvalidLifecycleStage::InvalidCharacter,
            ),
            ("Lead", InvalidLifecycleStage::InvalidCharacter),
            ("lead-2", InvalidLifecycleStage::InvalidCharacter),
            ("étape", InvalidLifecycleStage::InvalidCharacter),
        ];
        for (raw, reason) in cases {
            assert_eq!(LifecycleStage::parse(raw), Err(reason), "{raw:?}");
        }
        assert_eq!(
            LifecycleStage::parse(&"x".repeat(101)),
            Err(InvalidLifecycleStage::TooLong)
        );
        assert_eq!(stage(" lead ").as_str(), "lead");
    }

    #[test]
    fn moving_to_an_earlier_default_stage_is_backward() {
        assert!(is_backward(&stage("customer"), &stage("lead")));
        assert!(is_backward(&stage("other"), &stage("evangelist")));
        assert!(!is_backward(&stage("lead"), &stage("customer")));
        assert!(!is_backward(&stage("lead"), &stage("lead")));
    }

    #[test]
    fn moves_involving_a_custom_stage_are_never_backward() {
        assert!(!is_backward(&stage("customer"), &stage("1029384756")));
        assert!(!is_backward(&stage("1029384756"), &stage("subscriber")));
    }

    #[test]
    fn serde_is_the_internal_value_string() {
        let json = serde_json::to_string(&stage("opportunity"));
        assert_eq!(json.ok().as_deref(), Some("\"opportunity\""));
        assert!(serde_json::from_str::<LifecycleStage>("\"Opportunity\"").is_err());
    }
}
