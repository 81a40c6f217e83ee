//! Belgian enterprise number (KBO/BCE), which is also the digits of a Belgian
//! VAT number (`BE` + 10 digits). Rules in `company-keys.md` §1.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{InvalidCompanyKey, digits_value};

/// A valid Belgian enterprise number: 10 digits, first digit 0 or 1, mod-97
/// check. Displays as the 10 normalized digits, e.g. `0403019261`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BeEnterpriseNumber(String);

impl BeEnterpriseNumber {
    /// Parses an enterprise or VAT number such as `BE 0403.019.261`,
    /// `(0)403019261` or the 9-digit legacy `428759497`.
    ///
    /// Removes whitespace, `-`, `.` and `/`, upper-cases, drops a leading `BE`,
    /// turns a `(0)` prefix into `0` and left-pads 9 digits with `0`.
    ///
    /// # Errors
    ///
    /// [`InvalidCompanyKey::Empty`], `Unparseable` (non-digits), `Length`
    /// (not 10 digits), `Component` (all zeros, or a first digit other than 0
    /// or 1, such as an establishment unit number) or `Checksum`.
    pub fn parse(raw: &str) -> Result<Self, InvalidCompanyKey> {
        let mut compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '/'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if let Some(rest) = compact.strip_prefix("BE") {
            compact = rest.to_owned();
        }
        if let Some(rest) = compact.strip_prefix("(0)") {
            compact = format!("0{rest}");
        }
        if compact.is_empty() {
            return Err(InvalidCompanyKey::Empty);
        }
        if !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidCompanyKey::Unparseable);
        }
        if compact.len() == 9 {
            compact.insert(0, '0');
        }
        if compact.len() != 10 {
            return Err(InvalidCompanyKey::Length {
                expected: "10 (or 9 legacy)",
                found: compact.len(),
            });
        }
        let digits = compact.as_bytes();
        if digits.iter().all(|&d| d == b'0') || !matches!(digits.first(), Some(b'0' | b'1')) {
            return Err(InvalidCompanyKey::Component);
        }
        let (base, check) = digits.split_at(8);
        if !(digits_value(base) + digits_value(check)).is_multiple_of(97) {
            return Err(InvalidCompanyKey::Checksum);
        }
        Ok(Self(compact))
    }

    /// The 10 normalized digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Belgian VAT number: `BE` followed by the 10 digits.
    #[must_use]
    pub fn vat_number(&self) -> String {
        format!("BE{}", self.0)
    }
}

impl fmt::Display for BeEnterpriseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BeEnterpriseNumber {
    type Err = InvalidCompanyKey;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for BeEnterpriseNumber {
    type Error = InvalidCompanyKey;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<BeEnterpriseNumber> for String {
    fn from(value: BeEnterpriseNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(raw: &str) -> String {
        BeEnterpriseNumber::parse(raw)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_else(|e| panic!("{raw:?} should be valid: {e}"))
    }

    #[test]
    fn worked_example_with_prefix_spaces_and_dots_is_valid() {
        assert_eq!(4_030_192 % 97, 36);
        assert_eq!(97 - 36, 61);
        assert_eq!(normalized("BE 0403.019.261"), "0403019261");
    }

    #[test]
    fn nine_digit_legacy_number_is_left_padded_with_zero() {
        assert_eq!(4_287_594 % 97, 0);
        assert_eq!(normalized("BE 428759497"), "0428759497");
    }

    #[test]
    fn one_series_number_is_valid() {
        assert_eq!(10_068_725 % 97, 28);
        assert_eq!(normalized("BE1006872569"), "1006872569");
    }

    #[test]
    fn plain_ten_digit_numbers_from_the_table_are_valid() {
        assert_eq!(normalized("0562845171"), "0562845171");
        assert_eq!(normalized("0314595348"), "0314595348");
    }

    #[test]
    fn legacy_number_with_wrong_check_digits_is_a_checksum_error() {
        assert_eq!(
            BeEnterpriseNumber::parse("BE431150351"),
            Err(InvalidCompanyKey::Checksum)
        );
    }

    #[test]
    fn all_zeros_is_rejected() {
        assert_eq!(
            BeEnterpriseNumber::parse("BE0000000000"),
            Err(InvalidCompanyKey::Component)
        );
    }

    #[test]
    fn first_digit_in_establishment_unit_range_is_a_component_error() {
        assert_eq!(
            BeEnterpriseNumber::parse("BE2000021323"),
            Err(InvalidCompanyKey::Component)
        );
        assert_eq!(
            BeEnterpriseNumber::parse("2.147.812.701"),
            Err(InvalidCompanyKey::Component)
        );
    }

    #[test]
    fn syneton_test_value_fails_the_checksum() {
        assert_eq!(
            BeEnterpriseNumber::parse("BE0123456123"),
            Err(InvalidCompanyKey::Checksum)
        );
    }

    #[test]
    fn zero_in_parentheses_prefix_becomes_a_leading_zero() {
        assert_eq!(normalized("(0)403.019.261"), "0403019261");
        assert_eq!(normalized("BE (0)403 019 261"), "0403019261");
    }

    #[test]
    fn lower_case_prefix_and_other_separators_are_accepted() {
        assert_eq!(normalized("be0403-019-261"), "0403019261");
        assert_eq!(normalized("0403/019/261"), "0403019261");
        assert_eq!(normalized("\u{a0}BE 0403 019 261\t"), "0403019261");
    }

    #[test]
    fn vat_number_is_be_followed_by_ten_digits() {
        let number = BeEnterpriseNumber::parse("428759497").map(|n| n.vat_number());
        assert_eq!(number.as_deref(), Ok("BE0428759497"));
    }

    #[test]
    fn empty_letters_and_wrong_lengths_are_reported() {
        assert_eq!(BeEnterpriseNumber::parse(""), Err(InvalidCompanyKey::Empty));
        assert_eq!(
            BeEnterpriseNumber::parse("BE . "),
            Err(InvalidCompanyKey::Empty)
        );
        assert_eq!(
            BeEnterpriseNumber::parse("BE04O3019261"),
            Err(InvalidCompanyKey::Unparseable)
        );
        assert_eq!(
            BeEnterpriseNumber::parse("BE 12345"),
            Err(InvalidCompanyKey::Length {
                expected: "10 (or 9 legacy)",
                found: 5
            })
        );
    }

    #[test]
    fn serde_round_trips_through_the_normalized_string() {
        let json = serde_json::from_str::<BeEnterpriseNumber>("\"BE 0403.019.261\"")
            .and_then(|n| serde_json::to_string(&n));
        assert_eq!(json.ok().as_deref(), Some("\"0403019261\""));
        assert!(serde_json::from_str::<BeEnterpriseNumber>("\"BE0123456123\"").is_err());
    }
}
