//! Scores on a 1-5 scale: a contact's NPS score and a company's CSM pulse
//! (spec §2).
//!
//! Owns [`Score`] and [`InvalidScore`]. Invariant: the value is 1 to 5.

use std::fmt;
use std::num::IntErrorKind;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A score from 1 to 5, serialized as a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct Score(u8);

/// Why a value is not a valid score. Messages never echo the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidScore {
    /// Nothing but whitespace.
    #[error("score is empty")]
    Empty,
    /// Not a number.
    #[error("score is not a number")]
    NotANumber,
    /// A number with a non-zero fractional part.
    #[error("score is not a whole number")]
    NotAnInteger,
    /// A whole number outside 1-5.
    #[error("score is outside 1-5")]
    OutOfRange,
}

impl Score {
    /// The lowest score.
    pub const MIN: Self = Self(1);
    /// The highest score.
    pub const MAX: Self = Self(5);

    /// Builds a score from a whole number.
    ///
    /// # Errors
    ///
    /// [`InvalidScore::OutOfRange`] outside 1-5.
    pub fn new(value: i64) -> Result<Self, InvalidScore> {
        match u8::try_from(value) {
            Ok(v @ 1..=5) => Ok(Self(v)),
            _ => Err(InvalidScore::OutOfRange),
        }
    }

    /// Parses text such as `"3"`, `" 3.0 "` or `"3,0"` (decimal comma, as in
    /// French spreadsheets); the fractional part must be zero.
    ///
    /// # Errors
    ///
    /// Any [`InvalidScore`].
    pub fn parse(raw: &str) -> Result<Self, InvalidScore> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(InvalidScore::Empty);
        }
        let (whole, fraction) = value.split_once(['.', ',']).unwrap_or((value, ""));
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidScore::NotANumber);
        }
        let number = whole.parse::<i64>().map_err(|err| match err.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => InvalidScore::OutOfRange,
            _ => InvalidScore::NotANumber,
        })?;
        if fraction.bytes().any(|b| b != b'0') {
            return Err(InvalidScore::NotAnInteger);
        }
        Self::new(number)
    }

    /// The value, 1 to 5.
    #[must_use]
    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Score {
    type Err = InvalidScore;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<i64> for Score {
    type Error = InvalidScore;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Score> for u8 {
    fn from(value: Score) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_one_to_five_are_scores() {
        for value in 1..=5 {
            assert_eq!(Score::new(value).map(Score::get), Ok(value as u8));
        }
        assert_eq!(Score::new(0), Err(InvalidScore::OutOfRange));
        assert_eq!(Score::new(6), Err(InvalidScore::OutOfRange));
        assert_eq!(Score::new(-1), Err(InvalidScore::OutOfRange));
        assert_eq!(Score::new(i64::MAX), Err(InvalidScore::OutOfRange));
    }

    #[test]
    fn text_with_zero_fraction_is_accepted() {
        for raw in ["3", " 3 ", "3.0", "3,0", "3.", "+3", "03.00"] {
            assert_eq!(Score::parse(raw).map(Score::get), Ok(3), "{raw:?}");
        }
    }

    #[test]
    fn invalid_text_has_its_reason() {
        let cases = [
            ("", InvalidScore::Empty),
            ("  ", InvalidScore::Empty),
            ("0", InvalidScore::OutOfRange),
            ("6", InvalidScore::OutOfRange),
            ("-2", InvalidScore::OutOfRange),
            ("99999999999999999999999", InvalidScore::OutOfRange),
            ("abc", InvalidScore::NotANumber),
            ("3.5", InvalidScore::NotAnInteger),
            ("3.x", InvalidScore::NotANumber),
            (".5", InvalidScore::NotANumber),
            ("3.0.0", InvalidScore::NotANumber),
            ("٣", InvalidScore::NotANumber),
        ];
        for (raw, reason) in cases {
            assert_eq!(Score::parse(raw), Err(reason), "{raw:?}");
        }
    }

    #[test]
    fn serde_is_a_json_number_checked_on_input() {
        let score = serde_json::from_str::<Score>("4");
        assert_eq!(score.as_ref().ok().copied(), Score::new(4).ok());
        assert_eq!(
            score
                .ok()
                .and_then(|s| serde_json::to_string(&s).ok())
                .as_deref(),
            Some("4")
        );
        assert!(serde_json::from_str::<Score>("0").is_err());
        assert!(serde_json::from_str::<Score>("\"3\"").is_err());
    }

    #[test]
    fn bounds_are_one_and_five() {
        assert_eq!(Score::MIN.get(), 1);
        assert_eq!(Score::MAX.get(), 5);
        assert_eq!(Score::MAX.to_string(), "5");
    }
}
