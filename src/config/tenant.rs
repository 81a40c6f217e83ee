//! `[tenants.<id>.…]`: per-tenant connector settings (spec §6.2). Connectors read these;
//! validation here only checks what can be checked without the network.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use super::field_map::AdminPulseFieldMap;
use super::secret::{Secret, resolve};

/// HubSpot's documented floor between two calls of one connection (spec §3.6).
pub const HUBSPOT_MIN_CALL_INTERVAL_MS: u64 = 500;

/// One tenant's settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TenantConfig {
    /// Display name; defaults to the id.
    pub name: Option<String>,
    /// `[tenants.<id>.hubspot]`
    pub hubspot: Option<HubSpotConfig>,
    /// `[tenants.<id>.syneton]`
    pub syneton: Option<SynetonConfig>,
    /// `[tenants.<id>.adminpulse]`
    pub adminpulse: Option<AdminPulseConfig>,
}

/// `[tenants.<id>.hubspot]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HubSpotConfig {
    /// Whether the scheduler runs this connection.
    pub enabled: bool,
    /// API root; the simulator's address in tests.
    pub base_url: String,
    /// Path version (`v3`).
    pub api_version: String,
    /// Static private-app or service-key token.
    pub access_token: Option<Secret>,
    /// File holding `access_token`.
    pub access_token_file: Option<PathBuf>,
    /// OAuth client id.
    pub client_id: Option<String>,
    /// OAuth client secret.
    pub client_secret: Option<Secret>,
    /// File holding `client_secret`.
    pub client_secret_file: Option<PathBuf>,
    /// OAuth refresh token (first one; rotated tokens are stored encrypted in the database).
    pub refresh_token: Option<Secret>,
    /// File holding `refresh_token`.
    pub refresh_token_file: Option<PathBuf>,
    /// Where `crmsync connect hubspot` sends the admin to authorize the app.
    pub authorize_url: String,
    /// The local address HubSpot redirects to after authorization (loopback; must match
    /// the app's configured redirect URL).
    pub redirect_uri: String,
    /// OAuth scopes requested by `crmsync connect hubspot`.
    pub scopes: Vec<String>,
    /// Minimum delay between two calls, in milliseconds; never below 500.
    pub min_call_interval_ms: u64,
    /// Calls of HubSpot's daily budget left for other integrations and admins: the
    /// connection pauses until the reset once only this many remain.
    pub daily_reserve: u64,
    /// Seconds between two scheduled runs.
    pub poll_interval_s: u64,
    /// Lifecycle stage (internal value) that, with the checkbox, starts a company's sync.
    pub lifecycle_trigger: String,
    /// Internal name of the sync checkbox property.
    pub sync_property: String,
    /// Archive records in HubSpot when they are deleted locally (spec §3.4).
    pub propagate_deletes: bool,
    /// Owner of each mapped field, `entity.field` → `hubspot`, `local` or `both` (the
    /// default); e.g. `"company.name" = "local"`.
    pub field_owners: std::collections::BTreeMap<String, crate::mapping::ownership::Owner>,
    /// How far back each incremental read looks, for records HubSpot's search shows late.
    pub search_lookback_s: u64,
    /// Seconds between two reads of HubSpot's archived (deleted) records.
    pub archive_poll_interval_s: u64,
    /// `crmsync contacts erase` also asks HubSpot's GDPR delete (permanent, no restore) for
    /// erased contacts linked to HubSpot. Off by default.
    pub gdpr_erase: bool,
}

impl Default for HubSpotConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            base_url: "https://api.hubapi.com".to_owned(),
            api_version: "v3".to_owned(),
            access_token: None,
            access_token_file: None,
            client_id: None,
            client_secret: None,
            client_secret_file: None,
            refresh_token: None,
            refresh_token_file: None,
            authorize_url: "https://app.hubspot.com/oauth/authorize".to_owned(),
            redirect_uri: "http://127.0.0.1:7980/oauth/callback".to_owned(),
            scopes: [
                "oauth",
                "crm.objects.companies.read",
                "crm.objects.companies.write",
                "crm.objects.contacts.read",
                "crm.objects.contacts.write",
                "crm.objects.deals.read",
                "crm.objects.deals.write",
                "crm.objects.owners.read",
                "crm.schemas.companies.write",
                "crm.schemas.contacts.write",
                "crm.schemas.deals.write",
            ]
            .map(str::to_owned)
            .to_vec(),
            min_call_interval_ms: HUBSPOT_MIN_CALL_INTERVAL_MS,
            daily_reserve: 10_000,
            poll_interval_s: 60,
            lifecycle_trigger: "customer".to_owned(),
            sync_property: "synchro_artis".to_owned(),
            propagate_deletes: false,
            field_owners: std::collections::BTreeMap::new(),
            search_lookback_s: 30,
            archive_poll_interval_s: 900,
            gdpr_erase: false,
        }
    }
}

/// `[tenants.<id>.syneton]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SynetonConfig {
    /// Whether the scheduler runs this connection.
    pub enabled: bool,
    /// API root, e.g. `https://consult.example.be:2100`.
    pub base_url: String,
    /// API key (exchanged for a token; it sits in a URL path, so it is never logged).
    pub api_key: Option<Secret>,
    /// File holding `api_key`.
    pub api_key_file: Option<PathBuf>,
    /// Minimum delay between two calls, in milliseconds (the `RateLimit` per minute read
    /// from `apisettings` is kept as well).
    pub min_call_interval_ms: u64,
    /// Seconds between two scheduled runs.
    pub poll_interval_s: u64,
    /// Time zone of `TimeToLive` and `DateAction` (undocumented; `Europe/Brussels`, `UTC`
    /// or an offset such as `+01:00`).
    pub time_zone: String,
    /// Unit of `apisettings.DurationToken` (undocumented): `minutes` or `seconds`.
    pub duration_token_unit: String,
    /// Page size; by default `MaxRecordsPerPage`.
    pub per_page: Option<u32>,
    /// Per-request timeout, in seconds.
    pub request_timeout_s: u64,
    /// Pause of the connection after a throttling answer without `Retry-After`, in ms.
    pub throttle_pause_ms: u64,
    /// A change window ends this many seconds before now (covers clock skew).
    pub change_lag_s: u64,
    /// Values per `in (…)` filter list.
    pub in_list_max: usize,
    /// Longest percent-encoded filter, in bytes (longer URIs risk 414).
    pub filter_max_len: usize,
    /// Owner of each synced field, `entity.field` → `syneton`, `local` or `both` (the
    /// default); local values of fields that are not `syneton`'s are written back, e.g.
    /// `"company.name" = "local"`.
    pub field_owners: std::collections::BTreeMap<String, crate::mapping::ownership::SynetonOwner>,
}

impl Default for SynetonConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: "https://consult.example.be:2100".to_owned(),
            api_key: None,
            api_key_file: None,
            min_call_interval_ms: 100,
            poll_interval_s: 300,
            time_zone: "Europe/Brussels".to_owned(),
            duration_token_unit: "minutes".to_owned(),
            per_page: None,
            request_timeout_s: 30,
            throttle_pause_ms: 5000,
            change_lag_s: 30,
            in_list_max: 100,
            filter_max_len: 1500,
            field_owners: std::collections::BTreeMap::new(),
        }
    }
}

/// `[tenants.<id>.adminpulse]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminPulseConfig {
    /// Whether the scheduler runs this connection.
    pub enabled: bool,
    /// API root.
    pub base_url: String,
    /// API key (bearer).
    pub api_key: Option<Secret>,
    /// File holding `api_key`.
    pub api_key_file: Option<PathBuf>,
    /// OAuth client id, when OAuth is used instead of an API key.
    pub client_id: Option<String>,
    /// OAuth client secret.
    pub client_secret: Option<Secret>,
    /// File holding `client_secret`.
    pub client_secret_file: Option<PathBuf>,
    /// OAuth authorization endpoint (not published by AdminPulse, so configured).
    pub authorize_url: Option<String>,
    /// OAuth token endpoint.
    pub token_url: Option<String>,
    /// The local address AdminPulse redirects to after login (loopback; registered with
    /// AdminPulse support together with the client).
    pub redirect_uri: String,
    /// OAuth scopes requested (undocumented; `relations.read` is inferred).
    pub scopes: Vec<String>,
    /// OAuth refresh token (first one; rotated tokens are stored encrypted in the database).
    pub refresh_token: Option<Secret>,
    /// File holding `refresh_token`.
    pub refresh_token_file: Option<PathBuf>,
    /// Minimum delay between two calls, in milliseconds.
    pub min_call_interval_ms: u64,
    /// Calls per minute AdminPulse allows (480).
    pub rate_limit_per_minute: u32,
    /// Relations per page, at most 400.
    pub page_size: u32,
    /// Per-request timeout, in seconds.
    pub request_timeout_s: u64,
    /// Seconds between two scheduled runs.
    pub poll_interval_s: u64,
    /// `[tenants.<id>.adminpulse.fields]`: where the relation fields are.
    pub fields: AdminPulseFieldMap,
}

impl Default for AdminPulseConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: "https://api.adminpulse.be".to_owned(),
            api_key: None,
            api_key_file: None,
            client_id: None,
            client_secret: None,
            client_secret_file: None,
            authorize_url: None,
            token_url: None,
            redirect_uri: "http://127.0.0.1:7981/oauth/callback".to_owned(),
            scopes: vec!["relations.read".to_owned()],
            refresh_token: None,
            refresh_token_file: None,
            min_call_interval_ms: 125,
            rate_limit_per_minute: 480,
            page_size: 400,
            request_timeout_s: 30,
            poll_interval_s: 300,
            fields: AdminPulseFieldMap::default(),
        }
    }
}

impl TenantConfig {
    pub(super) fn finish(
        &mut self,
        id: &str,
        warnings: &mut Vec<String>,
    ) -> Result<(), ConfigError> {
        let prefix = format!("tenants.{id}");
        if let Some(h) = &mut self.hubspot {
            let p = format!("{prefix}.hubspot");
            resolve(
                &mut h.access_token,
                &h.access_token_file,
                &format!("{p}.access_token"),
            )?;
            resolve(
                &mut h.client_secret,
                &h.client_secret_file,
                &format!("{p}.client_secret"),
            )?;
            resolve(
                &mut h.refresh_token,
                &h.refresh_token_file,
                &format!("{p}.refresh_token"),
            )?;
            check_url(&h.base_url, &format!("{p}.base_url"))?;
            check_url(&h.authorize_url, &format!("{p}.authorize_url"))?;
            check_url(&h.redirect_uri, &format!("{p}.redirect_uri"))?;
            if h.api_version.trim().is_empty() {
                return Err(ConfigError::new(
                    format!("{p}.api_version"),
                    "must not be empty",
                ));
            }
            if h.min_call_interval_ms < HUBSPOT_MIN_CALL_INTERVAL_MS {
                warnings.push(format!(
                    "{p}.min_call_interval_ms = {} is below HubSpot's floor; raised to {HUBSPOT_MIN_CALL_INTERVAL_MS}",
                    h.min_call_interval_ms
                ));
                h.min_call_interval_ms = HUBSPOT_MIN_CALL_INTERVAL_MS;
            }
            check_poll(h.poll_interval_s, &format!("{p}.poll_interval_s"))?;
            for key in h.field_owners.keys() {
                if !crate::sync::hubspot::fields::is_owned_field(key) {
                    return Err(ConfigError::new(
                        format!("{p}.field_owners.\"{key}\""),
                        format!(
                            "unknown field; known: {}",
                            crate::sync::hubspot::fields::owned_fields().join(", ")
                        ),
                    ));
                }
            }
        }
        if let Some(s) = &mut self.syneton {
            let p = format!("{prefix}.syneton");
            resolve(&mut s.api_key, &s.api_key_file, &format!("{p}.api_key"))?;
            check_url(&s.base_url, &format!("{p}.base_url"))?;
            check_poll(s.poll_interval_s, &format!("{p}.poll_interval_s"))?;
            crate::connectors::syneton::ServerTimeZone::parse(&s.time_zone)
                .map_err(|e| ConfigError::new(format!("{p}.time_zone"), e))?;
            if !matches!(s.duration_token_unit.as_str(), "minutes" | "seconds") {
                return Err(ConfigError::new(
                    format!("{p}.duration_token_unit"),
                    "expected minutes or seconds",
                ));
            }
            for key in s.field_owners.keys() {
                let known = crate::sync::accounting::canon::owned_fields();
                if !known.contains(key) {
                    return Err(ConfigError::new(
                        format!("{p}.field_owners.\"{key}\""),
                        format!("unknown field; known: {}", known.join(", ")),
                    ));
                }
            }
            if s.in_list_max == 0 || s.filter_max_len < 100 {
                return Err(ConfigError::new(
                    format!("{p}.in_list_max"),
                    "in_list_max must be at least 1 and filter_max_len at least 100",
                ));
            }
        }
        if let Some(a) = &mut self.adminpulse {
            let p = format!("{prefix}.adminpulse");
            resolve(&mut a.api_key, &a.api_key_file, &format!("{p}.api_key"))?;
            resolve(
                &mut a.client_secret,
                &a.client_secret_file,
                &format!("{p}.client_secret"),
            )?;
            resolve(
                &mut a.refresh_token,
                &a.refresh_token_file,
                &format!("{p}.refresh_token"),
            )?;
            check_url(&a.base_url, &format!("{p}.base_url"))?;
            check_url(&a.redirect_uri, &format!("{p}.redirect_uri"))?;
            if !(1..=400).contains(&a.page_size) {
                return Err(ConfigError::new(
                    format!("{p}.page_size"),
                    "must be between 1 and 400 (AdminPulse's maximum)",
                ));
            }
            if a.rate_limit_per_minute == 0 {
                return Err(ConfigError::new(
                    format!("{p}.rate_limit_per_minute"),
                    "must be at least 1",
                ));
            }
            for (key, url) in [
                ("authorize_url", &a.authorize_url),
                ("token_url", &a.token_url),
            ] {
                if let Some(url) = url {
                    check_url(url, &format!("{p}.{key}"))?;
                }
            }
            check_poll(a.poll_interval_s, &format!("{p}.poll_interval_s"))?;
        }
        Ok(())
    }
}

fn check_url(value: &str, key: &str) -> Result<(), ConfigError> {
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(ConfigError::new(key, "expected an http(s) URL with a host")),
    }
}

fn check_poll(seconds: u64, key: &str) -> Result<(), ConfigError> {
    if seconds == 0 {
        Err(ConfigError::new(key, "must be at least 1 second"))
    } else {
        Ok(())
    }
}
