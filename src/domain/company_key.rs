//! Company registration keys: French SIREN/SIRET and Belgian enterprise numbers.
//!
//! Owns the parse-don't-validate newtypes [`Siren`], [`Siret`] and
//! [`BeEnterpriseNumber`], the umbrella [`CompanyKey`] used to match companies
//! across systems (spec §2.1), and the error [`InvalidCompanyKey`].
//!
//! Invariants: a value of any of these types holds only normalized ASCII digits
//! that passed every check of `company-keys.md` (Luhn with the La Poste
//! exception, mod-97, first-digit range), so two keys are equal exactly when
//! their normalized digits are.
//!
//! Must not: panic on any input, or put the raw number in an error message
//! (callers keep the raw value themselves and send invalid keys to review).

mod be;
mod fr;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use be::BeEnterpriseNumber;
pub use fr::{Siren, Siret};

/// Why a string is not a valid company key.
///
/// Messages name the reason only, never the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCompanyKey {
    /// Nothing left after removing separators.
    #[error("company key is empty")]
    Empty,
    /// Characters other than digits (and the allowed separators and prefixes).
    #[error("company key contains characters that are not digits")]
    Unparseable,
    /// Wrong number of digits.
    #[error("company key has {found} characters, expected {expected}")]
    Length {
        /// The accepted length(s), e.g. `"9"` or `"9, 10 or 14"`.
        expected: &'static str,
        /// The number of characters found after normalization.
        found: usize,
    },
    /// The check digits do not match.
    #[error("checksum does not match")]
    Checksum,
    /// A part of the number is out of range: a Belgian first digit other than
    /// 0 or 1 (establishment units start with 2-8), all zeros, or a SIRET whose
    /// SIREN part fails its own check.
    #[error("a component of the company key is out of range")]
    Component,
    /// Nine digits without a `BE`/`FR` prefix and without the source's country:
    /// either a Belgian legacy VAT number or a SIREN.
    #[error("9-digit company key is ambiguous without a country (Belgian VAT or SIREN)")]
    Ambiguous,
}

/// The country of the source system, used to read an ambiguous 9-digit key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Country {
    /// France: 9 digits are a SIREN.
    Fr,
    /// Belgium: 9 digits are a legacy VAT number (padded with a leading 0).
    Be,
}

/// A validated company registration key of any supported kind.
///
/// Serialized as `{"kind": "siret", "value": "73282932000074"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum CompanyKey {
    /// A French establishment number (14 digits).
    Siret(Siret),
    /// A French legal-unit number (9 digits).
    Siren(Siren),
    /// A Belgian enterprise number (10 digits).
    #[serde(rename = "be_enterprise")]
    Be(BeEnterpriseNumber),
}

impl CompanyKey {
    /// Parses any supported key: a SIRET, a SIREN, a French VAT number
    /// (`FR` prefix, read as its SIREN), or a Belgian enterprise or VAT number.
    ///
    /// A `BE` or `FR` prefix decides the kind; otherwise the digit count does
    /// (14 → SIRET, 10 → Belgian, 9 → `country` decides).
    ///
    /// # Errors
    ///
    /// Any [`InvalidCompanyKey`]; [`InvalidCompanyKey::Ambiguous`] for 9 digits
    /// without prefix when `country` is `None`.
    pub fn parse(raw: &str, country: Option<Country>) -> Result<Self, InvalidCompanyKey> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '/'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.is_empty() {
            return Err(InvalidCompanyKey::Empty);
        }
        if compact.starts_with("BE") || compact.starts_with("(0)") {
            return BeEnterpriseNumber::parse(raw).map(Self::Be);
        }
        if compact.starts_with("FR") {
            return Siren::from_fr_vat(raw).map(Self::Siren);
        }
        if !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidCompanyKey::Unparseable);
        }
        match (compact.len(), country) {
            (14, _) => Siret::parse(raw).map(Self::Siret),
            (10, _) | (9, Some(Country::Be)) => BeEnterpriseNumber::parse(raw).map(Self::Be),
            (9, Some(Country::Fr)) => Siren::parse(raw).map(Self::Siren),
            (9, None) => Err(InvalidCompanyKey::Ambiguous),
            (found, Some(Country::Fr)) => Err(InvalidCompanyKey::Length {
                expected: "9 or 14",
                found,
            }),
            (found, Some(Country::Be)) => Err(InvalidCompanyKey::Length {
                expected: "10 (or 9 legacy)",
                found,
            }),
            (found, None) => Err(InvalidCompanyKey::Length {
                expected: "9, 10 or 14",
                found,
            }),
        }
    }

    /// The normalized digits (14 for a SIRET, 9 for a SIREN, 10 for Belgium).
    #[must_use]
    pub fn normalized(&self) -> &str {
        match self {
            Self::Siret(siret) => siret.as_str(),
            Self::Siren(siren) => siren.as_str(),
            Self::Be(number) => number.as_str(),
        }
    }

    /// Which kind of key this is.
    #[must_use]
    pub fn kind(&self) -> CompanyKeyKind {
        match self {
            Self::Siret(_) => CompanyKeyKind::Siret,
            Self::Siren(_) => CompanyKeyKind::Siren,
            Self::Be(_) => CompanyKeyKind::BeEnterprise,
        }
    }

    /// The SIREN of a French key (a SIRET's first 9 digits), `None` for Belgium.
    #[must_use]
    pub fn siren(&self) -> Option<Siren> {
        match self {
            Self::Siret(siret) => Some(siret.siren()),
            Self::Siren(siren) => Some(siren.clone()),
            Self::Be(_) => None,
        }
    }
}

impl fmt::Display for CompanyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.normalized())
    }
}

/// The kind of a [`CompanyKey`], as stored next to its normalized digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyKeyKind {
    /// French SIRET.
    Siret,
    /// French SIREN.
    Siren,
    /// Belgian enterprise number.
    BeEnterprise,
}

impl CompanyKeyKind {
    /// The stable name: `"siret"`, `"siren"` or `"be_enterprise"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Siret => "siret",
            Self::Siren => "siren",
            Self::BeEnterprise => "be_enterprise",
        }
    }
}

impl fmt::Display for CompanyKeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The string is not one of the names given by [`CompanyKeyKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown company key kind")]
pub struct UnknownCompanyKeyKind;

impl FromStr for CompanyKeyKind {
    type Err = UnknownCompanyKeyKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "siret" => Ok(Self::Siret),
            "siren" => Ok(Self::Siren),
            "be_enterprise" => Ok(Self::BeEnterprise),
            _ => Err(UnknownCompanyKeyKind),
        }
    }
}

/// Folds ASCII digits into a number; callers pass at most 18 digits (wrapping
/// arithmetic keeps longer input from panicking).
fn digits_value(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |acc, d| {
        acc.wrapping_mul(10)
            .wrapping_add(u64::from(d.wrapping_sub(b'0')))
    })
}

#[cfg(test)]
mod tests;
