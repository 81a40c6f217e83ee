//! Configuration (spec §6.2): built-in defaults, then the TOML file, then `CRMSYNC__…`
//! environment variables. Unknown keys are errors that name the key; every secret can also
//! come from a `*_file` key (systemd `LoadCredential=`, container secrets). Secrets are held
//! in [`Secret`], whose `Debug` and `Serialize` never show the value.

mod field_map;
mod secret;
mod smtp;
mod tenant;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Serialize};

pub use field_map::AdminPulseFieldMap;
pub use secret::Secret;
pub use smtp::SmtpConfig;
pub use tenant::{AdminPulseConfig, HubSpotConfig, SynetonConfig, TenantConfig};

/// Default location of the configuration file, relative to the working directory.
pub const DEFAULT_CONFIG_PATH: &str = "config/crmsync.toml";

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[database]`
    pub database: DatabaseConfig,
    /// `[control]`: the local HTTP control API.
    pub control: ControlConfig,
    /// `[log]`
    pub log: LogConfig,
    /// `[secrets]`: how credentials stored in the database are encrypted.
    pub secrets: SecretsConfig,
    /// `[scheduler]`
    pub scheduler: SchedulerConfig,
    /// `[tenants.<id>]`: one entry per customer account; `default` always exists.
    pub tenants: std::collections::BTreeMap<String, TenantConfig>,
    /// `[smtp]`: the relay for import summaries; no mail without it.
    pub smtp: Option<SmtpConfig>,
}

/// `[database]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` (created on first run) or `postgres://user@host/db`.
    /// Env: `CRMSYNC__DATABASE__URL`. It may hold a password, so it is a secret.
    pub url: Option<Secret>,
    /// File holding the URL instead of `url`. Env: `CRMSYNC__DATABASE__URL_FILE`.
    pub url_file: Option<PathBuf>,
    /// Pool size. Env: `CRMSYNC__DATABASE__MAX_CONNECTIONS`.
    pub max_connections: u32,
    /// How long a statement waits for a lock or a pooled connection, in seconds.
    pub acquire_timeout_s: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            url_file: None,
            max_connections: 8,
            acquire_timeout_s: 10,
        }
    }
}

/// `[control]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControlConfig {
    /// Address of the control API. Env: `CRMSYNC__CONTROL__LISTEN`.
    pub listen: String,
    /// Bearer token for `/api/…`; required unless `listen` is a loopback address.
    pub token: Option<Secret>,
    /// File holding the token instead of `token`.
    pub token_file: Option<PathBuf>,
    /// Largest request body accepted, in bytes (imports upload files).
    pub max_body_bytes: usize,
    /// A request that takes longer is answered 503, in seconds.
    pub request_timeout_s: u64,
}

impl Default for ControlConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:7979".to_owned(),
            token: None,
            token_file: None,
            max_body_bytes: 64 * 1024 * 1024,
            request_timeout_s: 30,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines, for terminals.
    #[default]
    Human,
    /// One JSON object per line, for journald and log shippers.
    Json,
}

/// `[log]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `human` or `json`. Env: `CRMSYNC__LOG__FORMAT`.
    pub format: LogFormat,
    /// tracing filter directives, e.g. `info,crmsync=debug`; `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Human,
            filter: "info".to_owned(),
        }
    }
}

/// `[secrets]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecretsConfig {
    /// Key file (32 random bytes, base64), created with mode 0600 on first run. The
    /// environment variable `CRMSYNC_SECRET_KEY` (base64 of 32 bytes) takes precedence.
    pub key_file: PathBuf,
}

impl Default for SecretsConfig {
    fn default() -> Self {
        Self {
            key_file: PathBuf::from("data/secret.key"),
        }
    }
}

/// `[scheduler]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulerConfig {
    /// Run history and finished imports older than this are pruned, in days.
    pub history_retention_days: u32,
    /// When the pruning job runs (cron with seconds, UTC).
    pub housekeeping_cron: String,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            history_retention_days: 90,
            housekeeping_cron: "0 17 3 * * *".to_owned(),
        }
    }
}

/// A configuration problem; `key` names the offending key (or file).
#[derive(Debug, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ConfigError {
    /// Dotted key, e.g. `control.token`, or a file path.
    pub key: String,
    /// What is wrong, without the value.
    pub reason: String,
}

impl ConfigError {
    fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// The configuration after loading and validation, plus the warnings to log once
/// telemetry is up (it is configured from this very file).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The effective configuration, with `*_file` secrets already read.
    pub config: Config,
    /// Adjustments made, e.g. a `min_call_interval_ms` raised to the floor.
    pub warnings: Vec<String>,
}

impl Config {
    /// Loads `path` (a missing file is an error only when `explicit`), applies the
    /// environment, reads `*_file` secrets and validates.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key or file at fault.
    pub fn load(path: &Path, explicit: bool) -> Result<Loaded, ConfigError> {
        if explicit && !path.is_file() {
            return Err(ConfigError::new(
                path.display().to_string(),
                "configuration file not found",
            ));
        }
        // The default path may be absent (then built-in defaults apply); an explicit one not.
        let file = if explicit {
            Toml::file_exact(path)
        } else {
            Toml::file(path)
        };
        let figment = Figment::new()
            .merge(file)
            .merge(Env::prefixed("CRMSYNC__").split("__"));
        let config: Config = figment.extract().map_err(|e| from_figment(&e))?;
        config.finish()
    }

    /// Reads `*_file` secrets, fills defaults that depend on other keys, and validates.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key at fault.
    pub fn finish(mut self) -> Result<Loaded, ConfigError> {
        let mut warnings = Vec::new();
        secret::resolve(
            &mut self.database.url,
            &self.database.url_file,
            "database.url",
        )?;
        secret::resolve(
            &mut self.control.token,
            &self.control.token_file,
            "control.token",
        )?;
        if let Some(smtp) = &mut self.smtp {
            smtp.finish()?;
        }
        self.tenants.entry("default".to_owned()).or_default();
        for (id, tenant) in &mut self.tenants {
            validate_tenant_id(id)?;
            tenant.finish(id, &mut warnings)?;
        }
        self.validate()?;
        Ok(Loaded {
            config: self,
            warnings,
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        crate::store::DatabaseUrl::parse(self.database_url())
            .map_err(|reason| ConfigError::new("database.url", reason))?;
        let addr = self.listen_addr()?;
        if !addr.ip().is_loopback() && self.control.token.is_none() {
            return Err(ConfigError::new(
                "control.token",
                "required when control.listen is not a loopback address",
            ));
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::new(
                "database.max_connections",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The database URL, or the default SQLite file.
    #[must_use]
    pub fn database_url(&self) -> &str {
        self.database
            .url
            .as_ref()
            .map_or("sqlite://data/crmsync.db", Secret::expose)
    }

    /// The control API's socket address.
    ///
    /// # Errors
    /// When `control.listen` is not `IP:PORT`.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.control.listen.parse().map_err(|_| {
            ConfigError::new("control.listen", "expected IP:PORT, e.g. 127.0.0.1:7979")
        })
    }

    /// The effective configuration as TOML, secrets redacted (`crmsync config check`).
    ///
    /// # Errors
    /// Only if serialization fails, which the types rule out.
    pub fn to_redacted_toml(&self) -> Result<String, toml::ser::Error> {
        let mut value = toml::Value::try_from(self)?;
        // The URL is worth seeing; only its password is secret.
        if let Some(db) = value
            .get_mut("database")
            .and_then(toml::Value::as_table_mut)
        {
            db.insert(
                "url".to_owned(),
                toml::Value::String(mask_password(self.database_url())),
            );
        }
        toml::to_string_pretty(&value)
    }
}

/// The URL with any password replaced by `REDACTED`.
fn mask_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("REDACTED"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "[redacted]".to_owned(),
    }
}

fn validate_tenant_id(id: &str) -> Result<(), ConfigError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new(
            format!("tenants.{id}"),
            "tenant ids use lower-case letters, digits, '-' and '_' (at most 64)",
        ))
    }
}

/// Turns figment's error into one naming the dotted key and where it came from.
fn from_figment(err: &figment::Error) -> ConfigError {
    let mut key = err.path.join(".");
    let reason = match &err.kind {
        figment::error::Kind::UnknownField(field, _) => {
            // figment usually puts the unknown key in the path already.
            if err.path.last() != Some(field) {
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(field);
            }
            "unknown key".to_owned()
        }
        other => other.to_string(),
    };
    let origin = err
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(source) => format!(" (from {source})"),
            None => format!(" (from {})", m.name),
        })
        .unwrap_or_default();
    if key.is_empty() {
        key = "configuration".to_owned();
    }
    ConfigError::new(key, format!("{reason}{origin}"))
}

#[cfg(test)]
mod tests;
