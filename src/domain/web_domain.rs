//! A company's web domain, as a matching hint and a `HubSpot` `domain` value.
//!
//! Owns [`WebDomain`] and [`InvalidDomain`]. Input may be a bare domain or a
//! URL: the scheme, user info, port, path, query, fragment, a trailing dot and
//! one leading `www.` are dropped and the rest is lower-cased, so
//! `https://www.Acme.fr/contact?x` and `acme.fr` are equal.
//!
//! Invariants: at least two labels; each label 1-63 characters of letters
//! (Unicode letters allowed as-is, no Punycode conversion), digits or hyphens,
//! not starting or ending with a hyphen; a top-level label that is not all
//! digits (so IPv4 addresses are rejected); at most 253 characters.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

const MAX_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// A normalized, validated web domain such as `acme.fr`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebDomain(String);

/// Why a string is not a valid web domain. Messages never echo the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDomain {
    /// Nothing left once the URL parts are removed.
    #[error("domain is empty")]
    Empty,
    /// A port that is not a number.
    #[error("domain has an invalid port")]
    InvalidPort,
    /// Longer than 253 characters.
    #[error("domain is longer than 253 characters")]
    TooLong,
    /// Only one label (no dot).
    #[error("domain needs at least two labels")]
    SingleLabel,
    /// Two dots in a row or a leading dot.
    #[error("domain has an empty label")]
    EmptyLabel,
    /// A label longer than 63 characters.
    #[error("domain label is longer than 63 characters")]
    LabelTooLong,
    /// A character other than a letter, digit or hyphen.
    #[error("domain contains a character other than letters, digits and hyphens")]
    InvalidCharacter,
    /// A label starting or ending with a hyphen.
    #[error("domain label starts or ends with a hyphen")]
    HyphenAtLabelEdge,
    /// The top-level label is all digits.
    #[error("top-level domain is numeric")]
    NumericTopLevel,
}

impl WebDomain {
    /// Parses a domain or a URL and normalizes it (see the module docs).
    ///
    /// # Errors
    ///
    /// The first [`InvalidDomain`] reason found.
    pub fn parse(raw: &str) -> Result<Self, InvalidDomain> {
        let value = raw.trim();
        let rest = match value.split_once("://") {
            Some((scheme, rest)) if is_scheme(scheme) => rest,
            _ => value.strip_prefix("//").unwrap_or(value),
        };
        let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
        let host_port = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let host = match host_port.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                host
            }
            Some(_) => return Err(InvalidDomain::InvalidPort),
            None => host_port,
        };
        let mut host = host.strip_suffix('.').unwrap_or(host).to_lowercase();
        if host.is_empty() {
            return Err(InvalidDomain::Empty);
        }
        if let Some(bare) = host.strip_prefix("www.")
            && bare.contains('.')
        {
            host = bare.to_owned();
        }
        validate(&host)?;
        Ok(Self(host))
    }

    /// The normalized domain.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_scheme(scheme: &str) -> bool {
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn validate(host: &str) -> Result<(), InvalidDomain> {
    if host.chars().count() > MAX_LEN {
        return Err(InvalidDomain::TooLong);
    }
    if !host.contains('.') {
        return Err(InvalidDomain::SingleLabel);
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err(InvalidDomain::EmptyLabel);
        }
        if label.chars().count() > MAX_LABEL_LEN {
            return Err(InvalidDomain::LabelTooLong);
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err(InvalidDomain::InvalidCharacter);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(InvalidDomain::HyphenAtLabelEdge);
        }
    }
    let top = host.rsplit('.').next().unwrap_or_default();
    if top.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidDomain::NumericTopLevel);
    }
    Ok(())
}

impl fmt::Display for WebDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for WebDomain {
    type Err = InvalidDomain;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for WebDomain {
    type Error = InvalidDomain;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<WebDomain> for String {
    fn from(value: WebDomain) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(raw: &str) -> Result<String, InvalidDomain> {
        WebDomain::parse(raw).map(String::from)
    }

    #[test]
    fn bare_www_and_url_forms_normalize_to_the_same_domain() {
        for raw in [
            "acme.fr",
            "www.acme.fr",
            "https://www.acme.fr/path?x",
            "HTTP://WWW.ACME.FR:8080/",
            " acme.fr. ",
            "//acme.fr#top",
            "https://user:pw@acme.fr/",
            "acme.fr/redirect?to=http://other.com",
        ] {
            assert_eq!(domain(raw).as_deref(), Ok("acme.fr"), "{raw:?}");
        }
    }

    #[test]
    fn subdomains_other_than_www_are_kept() {
        assert_eq!(domain("shop.acme.co.uk").as_deref(), Ok("shop.acme.co.uk"));
        assert_eq!(domain("www.www.acme.fr").as_deref(), Ok("www.acme.fr"));
        assert_eq!(domain("www.fr").as_deref(), Ok("www.fr"));
    }

    #[test]
    fn unicode_labels_are_kept_as_is_and_lower_cased() {
        assert_eq!(domain("https://Société.FR").as_deref(), Ok("société.fr"));
        assert_eq!(
            domain("xn--socit-esab.fr").as_deref(),
            Ok("xn--socit-esab.fr")
        );
    }

    #[test]
    fn each_invalid_shape_has_its_reason() {
        let long_label = format!("{}.fr", "a".repeat(64));
        let long_domain = format!("{}fr", "abcdefghi.".repeat(26));
        let cases = [
            ("", InvalidDomain::Empty),
            ("https://", InvalidDomain::Empty),
            ("acme.fr:http", InvalidDomain::InvalidPort),
            ("localhost", InvalidDomain::SingleLabel),
            ("acme..fr", InvalidDomain::EmptyLabel),
            (".acme.fr", InvalidDomain::EmptyLabel),
            (long_label.as_str(), InvalidDomain::LabelTooLong),
            (long_domain.as_str(), InvalidDomain::TooLong),
            ("ac me.fr", InvalidDomain::InvalidCharacter),
            ("acme_corp.fr", InvalidDomain::InvalidCharacter),
            ("-acme.fr", InvalidDomain::HyphenAtLabelEdge),
            ("acme-.fr", InvalidDomain::HyphenAtLabelEdge),
            ("192.168.1.10", InvalidDomain::NumericTopLevel),
        ];
        for (raw, reason) in cases {
            assert_eq!(domain(raw), Err(reason), "{raw:?}");
        }
    }

    #[test]
    fn sixty_three_character_labels_and_253_character_domains_are_accepted() {
        let label = format!("{}.fr", "a".repeat(63));
        assert!(domain(&label).is_ok());
        let long = format!("{}fr", "abcdefghi.".repeat(25));
        assert!(domain(&long).is_ok());
    }

    #[test]
    fn odd_input_never_panics() {
        for raw in [
            "::::",
            "@",
            "http://@:/",
            "[::1]",
            "🙂.🙂",
            "\u{130}.fr",
            "a.b\u{0}",
            "://x.y",
        ] {
            let _ = WebDomain::parse(raw);
        }
        let _ = WebDomain::parse(&"é.".repeat(100_000));
    }

    #[test]
    fn serde_is_the_normalized_string() {
        let parsed = serde_json::from_str::<WebDomain>("\"https://www.acme.fr/\"");
        assert_eq!(
            parsed
                .ok()
                .and_then(|d| serde_json::to_string(&d).ok())
                .as_deref(),
            Some("\"acme.fr\"")
        );
    }
}
