//! A contact's gender as stored locally and sent to `HubSpot` (`MALE`|`FEMALE`,
//! spec §2).
//!
//! Owns [`Gender`] and [`InvalidGender`]. Parsing accepts the English and
//! French spellings found in imported files; output is always `MALE` or
//! `FEMALE`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A contact's gender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Gender {
    /// `MALE`.
    Male,
    /// `FEMALE`.
    Female,
}

/// Why a string is not a recognized gender. Messages never echo the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidGender {
    /// Nothing but whitespace.
    #[error("gender is empty")]
    Empty,
    /// Not one of the accepted spellings.
    #[error("gender is not a recognized value")]
    Unknown,
}

impl Gender {
    /// Parses, case-insensitively and trimmed: `MALE`, `M`, `H` (homme),
    /// `homme`, `man` → [`Gender::Male`]; `FEMALE`, `F`, `femme`, `woman` →
    /// [`Gender::Female`].
    ///
    /// # Errors
    ///
    /// [`InvalidGender::Empty`] or [`InvalidGender::Unknown`].
    pub fn parse(raw: &str) -> Result<Self, InvalidGender> {
        let value = raw.trim().to_lowercase();
        match value.as_str() {
            "" => Err(InvalidGender::Empty),
            "male" | "m" | "h" | "homme" | "man" => Ok(Self::Male),
            "female" | "f" | "femme" | "woman" => Ok(Self::Female),
            _ => Err(InvalidGender::Unknown),
        }
    }

    /// `"MALE"` or `"FEMALE"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "MALE",
            Self::Female => "FEMALE",
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Gender {
    type Err = InvalidGender;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Gender {
    type Error = InvalidGender;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Gender> for &'static str {
    fn from(value: Gender) -> Self {
        value.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_french_spellings_are_accepted_in_any_case() {
        for raw in [
            "MALE", "male", " Male ", "M", "m", "H", "h", "Homme", "man", "MAN",
        ] {
            assert_eq!(Gender::parse(raw), Ok(Gender::Male), "{raw:?}");
        }
        for raw in ["FEMALE", "female", "F", "f", "femme", "FEMME", "Woman"] {
            assert_eq!(Gender::parse(raw), Ok(Gender::Female), "{raw:?}");
        }
    }

    #[test]
    fn empty_and_unknown_values_are_rejected() {
        assert_eq!(Gender::parse("  "), Err(InvalidGender::Empty));
        for raw in ["X", "other", "mme", "mr", "hommes", "ⓜ"] {
            assert_eq!(Gender::parse(raw), Err(InvalidGender::Unknown), "{raw:?}");
        }
    }

    #[test]
    fn output_is_always_upper_case_english() {
        assert_eq!(Gender::Male.as_str(), "MALE");
        assert_eq!(Gender::Female.to_string(), "FEMALE");
        let json = serde_json::to_string(&Gender::Female);
        assert_eq!(json.ok().as_deref(), Some("\"FEMALE\""));
        let back = serde_json::from_str::<Gender>("\"MALE\"");
        assert_eq!(back.ok(), Some(Gender::Male));
        assert!(serde_json::from_str::<Gender>("\"X\"").is_err());
    }
}
