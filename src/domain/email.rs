//! Email addresses of contacts and users.
//!
//! Owns [`Email`], a trimmed address that passed a pragmatic shape check (not
//! full RFC 5322: quoted local parts and IP-literal domains are rejected), and
//! [`InvalidEmail`]. The original case is kept for display and writing back;
//! matching uses [`Email::normalized`] because contact emails are unique per
//! tenant case-insensitively (spec §2).
//!
//! Must not: put the address in an error message (it is personal data).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest accepted address, in characters (the SMTP path limit).
const MAX_LEN: usize = 254;

/// A syntactically valid email address, trimmed, original case preserved.
///
/// Equality and hashing use the original case; compare
/// [`normalized`](Email::normalized) values to match addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a string is not a valid email address. Messages never echo the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEmail {
    /// Nothing but whitespace.
    #[error("email is empty")]
    Empty,
    /// Longer than 254 characters.
    #[error("email is longer than 254 characters")]
    TooLong,
    /// Whitespace inside the address.
    #[error("email contains whitespace")]
    ContainsWhitespace,
    /// A control character inside the address.
    #[error("email contains a control character")]
    ControlCharacter,
    /// No `@`.
    #[error("email has no @")]
    MissingAt,
    /// More than one `@`.
    #[error("email has more than one @")]
    MultipleAt,
    /// Nothing before the `@`.
    #[error("email has an empty local part")]
    EmptyLocalPart,
    /// Nothing after the `@`.
    #[error("email has an empty domain")]
    EmptyDomain,
    /// The domain has no dot.
    #[error("email domain has no dot")]
    DomainWithoutDot,
    /// Two dots in a row.
    #[error("email contains consecutive dots")]
    ConsecutiveDots,
    /// A dot at the start or end of the local part or the domain.
    #[error("email has a dot at the start or end of a part")]
    DotAtEdge,
}

impl Email {
    /// Parses an address after trimming surrounding whitespace.
    ///
    /// # Errors
    ///
    /// The first [`InvalidEmail`] reason found.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(InvalidEmail::Empty);
        }
        // One pass over the bytes for the usual ASCII address: this runs for every row of
        // a contacts import.
        let (len, whitespace, control) = if value.is_ascii() {
            let b = value.as_bytes();
            (
                b.len(),
                b.iter().any(|c| matches!(c, b' ' | b'\t'..=b'\r')),
                b.iter().any(u8::is_ascii_control),
            )
        } else {
            (
                value.chars().count(),
                value.chars().any(char::is_whitespace),
                value.chars().any(char::is_control),
            )
        };
        if len > MAX_LEN {
            return Err(InvalidEmail::TooLong);
        }
        if whitespace {
            return Err(InvalidEmail::ContainsWhitespace);
        }
        if control {
            return Err(InvalidEmail::ControlCharacter);
        }
        let (local, domain) = value.split_once('@').ok_or(InvalidEmail::MissingAt)?;
        if domain.contains('@') {
            return Err(InvalidEmail::MultipleAt);
        }
        if local.is_empty() {
            return Err(InvalidEmail::EmptyLocalPart);
        }
        if domain.is_empty() {
            return Err(InvalidEmail::EmptyDomain);
        }
        if value.contains("..") {
            return Err(InvalidEmail::ConsecutiveDots);
        }
        let dot_at_edge = |part: &str| part.starts_with('.') || part.ends_with('.');
        if dot_at_edge(local) || dot_at_edge(domain) {
            return Err(InvalidEmail::DotAtEdge);
        }
        if !domain.contains('.') {
            return Err(InvalidEmail::DomainWithoutDot);
        }
        Ok(Self(value.to_owned()))
    }

    /// The address as given (trimmed, original case).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-cased address, for matching and uniqueness.
    #[must_use]
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    /// The part before the `@`.
    #[must_use]
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(local, _)| local)
    }

    /// The part after the `@`, original case.
    #[must_use]
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = InvalidEmail;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidEmail;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_address_is_trimmed_and_keeps_its_case() {
        let email = Email::parse("  Jean.Dupont@Acme.FR\n");
        assert_eq!(email.as_ref().map(Email::as_str), Ok("Jean.Dupont@Acme.FR"));
        assert_eq!(
            email.as_ref().map(Email::normalized).as_deref(),
            Ok("jean.dupont@acme.fr")
        );
        assert_eq!(email.as_ref().map(Email::local_part), Ok("Jean.Dupont"));
        assert_eq!(email.as_ref().map(Email::domain), Ok("Acme.FR"));
    }

    #[test]
    fn plus_tags_and_unicode_are_accepted() {
        assert!(Email::parse("a+crm@sub.example.co.uk").is_ok());
        assert!(Email::parse("zoé@société.fr").is_ok());
    }

    #[test]
    fn each_invalid_shape_has_its_reason() {
        let cases = [
            ("", InvalidEmail::Empty),
            ("   ", InvalidEmail::Empty),
            ("jean dupont@acme.fr", InvalidEmail::ContainsWhitespace),
            ("jean\u{a0}@acme.fr", InvalidEmail::ContainsWhitespace),
            ("jean\u{0}@acme.fr", InvalidEmail::ControlCharacter),
            ("jean.acme.fr", InvalidEmail::MissingAt),
            ("a@b@acme.fr", InvalidEmail::MultipleAt),
            ("@acme.fr", InvalidEmail::EmptyLocalPart),
            ("jean@", InvalidEmail::EmptyDomain),
            ("jean@localhost", InvalidEmail::DomainWithoutDot),
            ("jean..dupont@acme.fr", InvalidEmail::ConsecutiveDots),
            ("jean@acme..fr", InvalidEmail::ConsecutiveDots),
            (".jean@acme.fr", InvalidEmail::DotAtEdge),
            ("jean.@acme.fr", InvalidEmail::DotAtEdge),
            ("jean@acme.fr.", InvalidEmail::DotAtEdge),
        ];
        for (raw, reason) in cases {
            assert_eq!(Email::parse(raw), Err(reason), "{raw:?}");
        }
    }

    #[test]
    fn every_ascii_space_and_control_character_is_refused_as_unicode_says() {
        for byte in 0..=127u8 {
            let c = char::from(byte);
            let expected = if c.is_whitespace() {
                Some(InvalidEmail::ContainsWhitespace)
            } else if c.is_control() {
                Some(InvalidEmail::ControlCharacter)
            } else {
                None
            };
            if let Some(reason) = expected {
                assert_eq!(
                    Email::parse(&format!("je{c}an@acme.fr")),
                    Err(reason),
                    "{c:?}"
                );
                // The same character in a non-ASCII address takes the other path.
                assert_eq!(
                    Email::parse(&format!("jé{c}an@acme.fr")),
                    Err(reason),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn addresses_over_254_characters_are_too_long() {
        let at_limit = format!("{}@acme.fr", "a".repeat(254 - 8));
        assert!(Email::parse(&at_limit).is_ok());
        let over = format!("{}@acme.fr", "a".repeat(254 - 7));
        assert_eq!(Email::parse(&over), Err(InvalidEmail::TooLong));
        assert_eq!(
            Email::parse(&"@".repeat(100_000)),
            Err(InvalidEmail::TooLong)
        );
    }

    #[test]
    fn error_messages_never_echo_the_address() {
        for raw in [
            "secret..name@acme.fr",
            "secretname@localhost",
            "secret name@x.fr",
        ] {
            let message = Email::parse(raw).err().map(|e| e.to_string());
            assert!(message.is_some_and(|m| !m.contains("secret")));
        }
    }

    #[test]
    fn serde_is_a_plain_string_validated_on_input() {
        let email = serde_json::from_str::<Email>("\" Ann@Acme.fr \"");
        assert_eq!(
            email
                .ok()
                .and_then(|e| serde_json::to_string(&e).ok())
                .as_deref(),
            Some("\"Ann@Acme.fr\"")
        );
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }
}
