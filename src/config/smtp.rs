//! `[smtp]`: where the summary e-mail of a finished import goes (spec §5). Optional: without
//! this section no mail is sent.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

use super::ConfigError;
use super::secret::{Secret, resolve};

/// `[smtp]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Relay host name. Env: `CRMSYNC__SMTP__HOST`.
    pub host: String,
    /// Relay port (587 submission with STARTTLS by default).
    #[serde(default = "default_port")]
    pub port: u16,
    /// Sender address, e.g. `crmsync <crmsync@example.com>`.
    pub from: String,
    /// Recipients: one address or a list.
    #[serde(deserialize_with = "one_or_many")]
    pub to: Vec<String>,
    /// Login, when the relay wants one.
    pub username: Option<String>,
    /// Password of `username`.
    pub password: Option<Secret>,
    /// File holding `password`.
    pub password_file: Option<PathBuf>,
    /// Require STARTTLS (`true`, the default); `false` talks plain SMTP, for a relay on
    /// loopback or a private network only.
    #[serde(default = "default_starttls")]
    pub starttls: bool,
    /// Give up on the relay after this many seconds.
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
}

fn default_port() -> u16 {
    587
}

fn default_starttls() -> bool {
    true
}

fn default_timeout() -> u64 {
    30
}

fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(s) => s
            .split(',')
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect(),
        OneOrMany::Many(v) => v,
    })
}

impl SmtpConfig {
    pub(super) fn finish(&mut self) -> Result<(), ConfigError> {
        resolve(&mut self.password, &self.password_file, "smtp.password")?;
        if self.host.trim().is_empty() {
            return Err(ConfigError::new("smtp.host", "must not be empty"));
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::new("smtp.from", "not an e-mail address"));
        }
        if self.to.is_empty() {
            return Err(ConfigError::new("smtp.to", "needs at least one address"));
        }
        if self
            .to
            .iter()
            .any(|a| a.parse::<lettre::message::Mailbox>().is_err())
        {
            return Err(ConfigError::new("smtp.to", "not an e-mail address"));
        }
        if self.password.is_some() && self.username.is_none() {
            return Err(ConfigError::new(
                "smtp.username",
                "required with smtp.password",
            ));
        }
        Ok(())
    }
}
