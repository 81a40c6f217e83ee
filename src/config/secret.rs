//! [`Secret`]: a configuration value that is never printed, and the `*_file` resolution.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ConfigError;

/// A secret string from the configuration. `Debug` and `Serialize` print `[redacted]`.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The value, for the one place that needs it (a header, a connection string).
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// Fills `value` from `file` when the file key is set; both set is an error naming `key`.
pub(super) fn resolve(
    value: &mut Option<Secret>,
    file: &Option<PathBuf>,
    key: &str,
) -> Result<(), ConfigError> {
    let Some(path) = file else { return Ok(()) };
    if value.is_some() {
        return Err(ConfigError::new(
            key,
            format!("set either {key} or {key}_file, not both"),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(
            format!("{key}_file"),
            format!("cannot read {}: {}", path.display(), e.kind()),
        )
    })?;
    // Files written by editors and `echo` end with a newline that is not part of the secret.
    let trimmed = text.trim_end_matches(['\n', '\r']);
    if trimmed.is_empty() {
        return Err(ConfigError::new(
            format!("{key}_file"),
            format!("{} is empty", path.display()),
        ));
    }
    *value = Some(Secret::new(trimmed));
    Ok(())
}
