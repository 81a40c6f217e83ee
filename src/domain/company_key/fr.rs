//! French SIREN (legal unit) and SIRET (establishment) numbers, and the French
//! VAT number built on the SIREN. Rules in `company-keys.md` §2.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{InvalidCompanyKey, digits_value};

/// Head office of La Poste: the only Luhn-valid SIRET under its SIREN.
const LA_POSTE_HEAD_OFFICE: &str = "35600000000048";
/// SIREN of La Poste, whose establishments use a digit-sum check instead of Luhn.
const LA_POSTE_SIREN: &str = "356000000";
/// Characters allowed in a French VAT key (no `I`, no `O`).
const VAT_KEY_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A valid SIREN: 9 digits, Luhn-valid, not all zeros.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);

/// A valid SIRET: 14 digits (SIREN + NIC), Luhn-valid over all 14 digits (La
/// Poste establishments: digit sum a multiple of 5), whose SIREN is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

impl Siren {
    /// Parses a SIREN such as `732 829 320` (whitespace and dots removed).
    ///
    /// # Errors
    ///
    /// [`InvalidCompanyKey::Empty`], `Unparseable`, `Length`, `Component`
    /// (all zeros) or `Checksum` (Luhn).
    pub fn parse(raw: &str) -> Result<Self, InvalidCompanyKey> {
        let digits = fr_digits(raw, 9, "9")?;
        if !luhn_valid(digits.as_bytes()) {
            return Err(InvalidCompanyKey::Checksum);
        }
        Ok(Self(digits))
    }

    /// Reads the SIREN out of a French VAT number such as `FR44732829320`
    /// (the `FR` prefix is optional; whitespace, `-` and `.` are removed).
    /// Accepts numeric keys and the newer alphanumeric keys.
    ///
    /// # Errors
    ///
    /// `Unparseable` for a key outside the VAT alphabet or non-digits after it,
    /// `Length` when not 11 characters after `FR`, any [`Siren::parse`] error
    /// for the SIREN part (Monaco numbers starting `000` have no SIREN), and
    /// `Checksum` when the key does not match the SIREN.
    pub fn from_fr_vat(raw: &str) -> Result<Self, InvalidCompanyKey> {
        let mut compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if let Some(rest) = compact.strip_prefix("FR") {
            compact = rest.to_owned();
        }
        if compact.is_empty() {
            return Err(InvalidCompanyKey::Empty);
        }
        let bytes = compact.as_bytes();
        let (key, number) = bytes.split_at(bytes.len().min(2));
        let key_ok = key.iter().all(|b| VAT_KEY_ALPHABET.contains(b));
        if !key_ok || number.is_empty() || !number.iter().all(u8::is_ascii_digit) {
            return Err(InvalidCompanyKey::Unparseable);
        }
        if bytes.len() != 11 {
            return Err(InvalidCompanyKey::Length {
                expected: "11 (key and SIREN)",
                found: bytes.len(),
            });
        }
        let siren = Self::parse(&compact[2..])?;
        let matches = match (key_index(key, 0), key_index(key, 1)) {
            (Some(k0), Some(k1)) if k0 < 10 && k1 < 10 => k0 * 10 + k1 == siren.vat_key(),
            (Some(k0), Some(k1)) => {
                // New-style key: the check from python-stdnum `fr/tva.py`.
                let check = if k0 < 10 {
                    k0 * 24 + k1 - 10
                } else {
                    k0 * 34 + k1 - 100
                };
                (siren.value() + 1 + check / 11) % 11 == check % 11
            }
            _ => false,
        };
        if !matches {
            return Err(InvalidCompanyKey::Checksum);
        }
        Ok(siren)
    }

    /// The 9 normalized digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The French VAT number with its numeric key, e.g. `FR44732829320`.
    #[must_use]
    pub fn vat_number(&self) -> String {
        format!("FR{:02}{}", self.vat_key(), self.0)
    }

    /// `(12 + 3 × (SIREN mod 97)) mod 97`.
    fn vat_key(&self) -> u64 {
        (12 + 3 * (self.value() % 97)) % 97
    }

    fn value(&self) -> u64 {
        digits_value(self.0.as_bytes())
    }
}

impl Siret {
    /// Parses a SIRET such as `732 829 320 00074` (whitespace and dots removed).
    ///
    /// # Errors
    ///
    /// [`InvalidCompanyKey::Empty`], `Unparseable`, `Length`, `Checksum` (Luhn,
    /// or the La Poste digit sum) or `Component` (all zeros, or a SIREN part
    /// that fails its own check).
    pub fn parse(raw: &str) -> Result<Self, InvalidCompanyKey> {
        let digits = fr_digits(raw, 14, "14")?;
        let bytes = digits.as_bytes();
        let valid = if digits.starts_with(LA_POSTE_SIREN) && digits != LA_POSTE_HEAD_OFFICE {
            digit_sum(bytes).is_multiple_of(5)
        } else {
            luhn_valid(bytes)
        };
        if !valid {
            return Err(InvalidCompanyKey::Checksum);
        }
        if !luhn_valid(&bytes[..9]) {
            return Err(InvalidCompanyKey::Component);
        }
        Ok(Self(digits))
    }

    /// The 14 normalized digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SIREN of the legal unit this establishment belongs to.
    #[must_use]
    pub fn siren(&self) -> Siren {
        Siren(self.0[..9].to_owned())
    }

    /// The NIC: the last 5 digits (establishment sequence and check digit).
    #[must_use]
    pub fn nic(&self) -> &str {
        &self.0[9..]
    }
}

/// Strips whitespace and dots and checks digits, length and not-all-zeros.
fn fr_digits(
    raw: &str,
    length: usize,
    expected: &'static str,
) -> Result<String, InvalidCompanyKey> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    if compact.is_empty() {
        return Err(InvalidCompanyKey::Empty);
    }
    if !compact.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidCompanyKey::Unparseable);
    }
    if compact.len() != length {
        return Err(InvalidCompanyKey::Length {
            expected,
            found: compact.len(),
        });
    }
    if compact.bytes().all(|b| b == b'0') {
        return Err(InvalidCompanyKey::Component);
    }
    Ok(compact)
}

fn key_index(key: &[u8], position: usize) -> Option<u64> {
    let b = key.get(position)?;
    let index = VAT_KEY_ALPHABET.iter().position(|a| a == b)?;
    u64::try_from(index).ok()
}

fn digit_sum(digits: &[u8]) -> u32 {
    digits.iter().map(|d| u32::from(d.wrapping_sub(b'0'))).sum()
}

/// Luhn sum: from the right, every second digit doubled (minus 9 above 9).
fn luhn_sum(digits: &[u8]) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(d.wrapping_sub(b'0'));
            match (i % 2 == 1, v * 2) {
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
                (false, _) => v,
            }
        })
        .sum()
}

fn luhn_valid(digits: &[u8]) -> bool {
    luhn_sum(digits).is_multiple_of(10)
}

macro_rules! string_newtype_impls {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidCompanyKey;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidCompanyKey;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

string_newtype_impls!(Siren);
string_newtype_impls!(Siret);

#[cfg(test)]
mod tests;
