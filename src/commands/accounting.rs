//! Building a tenant's Syneton and AdminPulse clients from configuration and the store,
//! and the first sync `crmsync connect` runs.
//! What `crmsync connect …` stored (encrypted) wins over the configuration file: the API
//! key and URL typed at connect time, the newest rotated refresh token.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::SecretString;

use super::stored_tokens::StoredTokens;
use crate::config::{AdminPulseConfig, Config, SynetonConfig};
use crate::connectors::adminpulse::{self, AdminPulseClient, TokenEvents};
use crate::connectors::syneton::{self, InLimits, ServerTimeZone, SynetonClient};
use crate::secrets::Cipher;
use crate::store::Store;

/// Connection name of Syneton in the store.
pub const SYNETON: &str = "syneton";
/// Connection name of AdminPulse in the store.
pub const ADMINPULSE: &str = "adminpulse";

/// The tenant's `[tenants.<id>.syneton]` section (defaults where it is absent) and its
/// key, which messages name.
pub(crate) fn syneton_section(config: &Config, tenant: &str) -> (SynetonConfig, String) {
    let section = config.tenants.get(tenant).and_then(|t| t.syneton.clone());
    (
        section.unwrap_or_default(),
        format!("tenants.{tenant}.syneton"),
    )
}

/// The tenant's `[tenants.<id>.adminpulse]` section (defaults where it is absent) and its
/// key, which messages name.
pub(crate) fn adminpulse_section(config: &Config, tenant: &str) -> (AdminPulseConfig, String) {
    let section = config
        .tenants
        .get(tenant)
        .and_then(|t| t.adminpulse.clone());
    (
        section.unwrap_or_default(),
        format!("tenants.{tenant}.adminpulse"),
    )
}

/// The Syneton client settings of a `[tenants.<id>.syneton]` section, for `base_url`.
///
/// # Errors
/// An unusable URL or time zone, naming the key.
pub fn syneton_client_config(
    s: &SynetonConfig,
    base_url: &str,
    key: &str,
) -> anyhow::Result<syneton::ClientConfig> {
    let mut c =
        syneton::ClientConfig::new(base_url).map_err(|e| anyhow::anyhow!("{key}.base_url: {e}"))?;
    c.min_call_interval = Duration::from_millis(s.min_call_interval_ms);
    c.time_zone =
        ServerTimeZone::parse(&s.time_zone).map_err(|e| anyhow::anyhow!("{key}.time_zone: {e}"))?;
    c.duration_token_unit = Duration::from_secs(if s.duration_token_unit == "seconds" {
        1
    } else {
        60
    });
    c.per_page = s.per_page;
    c.request_timeout = Duration::from_secs(s.request_timeout_s);
    c.throttle_pause = Duration::from_millis(s.throttle_pause_ms);
    c.change_lag = Duration::from_secs(s.change_lag_s);
    c.in_limits = InLimits {
        max_items: s.in_list_max,
        max_encoded_len: s.filter_max_len,
    };
    Ok(c)
}

/// The tenant's Syneton client: the key and URL stored by `crmsync connect syneton`, else
/// those of the configuration.
///
/// # Errors
/// No key anywhere, an unreadable credential, or bad settings.
pub async fn syneton_client_for(
    config: &Config,
    store: &Store,
    cipher: &Cipher,
    tenant: &str,
) -> anyhow::Result<SynetonClient> {
    let (section, key) = syneton_section(config, tenant);
    let stored_key = store
        .get_credential(cipher, tenant, SYNETON, "api_key")
        .await?;
    let stored_url = store
        .get_credential(cipher, tenant, SYNETON, "base_url")
        .await?;
    let api_key = stored_key
        .or_else(|| {
            section
                .api_key
                .as_ref()
                .map(|k| SecretString::from(k.expose()))
        })
        .with_context(|| {
            format!("{key}: no API key; run `crmsync connect syneton` or set api_key")
        })?;
    let base_url = stored_url.map_or_else(
        || section.base_url.clone(),
        |u| secrecy::ExposeSecret::expose_secret(&u).to_owned(),
    );
    let client_config = syneton_client_config(&section, &base_url, &key)?;
    Ok(SynetonClient::new(client_config, api_key)?)
}

/// The AdminPulse client settings of a `[tenants.<id>.adminpulse]` section.
///
/// # Errors
/// An unusable base URL, naming the key.
pub fn adminpulse_client_config(
    a: &AdminPulseConfig,
    key: &str,
) -> anyhow::Result<adminpulse::ClientConfig> {
    let base = url::Url::parse(&a.base_url).with_context(|| format!("{key}.base_url"))?;
    let mut c = adminpulse::ClientConfig::new(base);
    c.min_call_interval = Duration::from_millis(a.min_call_interval_ms);
    c.rate_limit = a.rate_limit_per_minute;
    c.page_size = a.page_size;
    c.request_timeout = Duration::from_secs(a.request_timeout_s);
    Ok(c)
}

/// The tenant's AdminPulse client: an API key (stored or configured), else OAuth with the
/// newest refresh token.
///
/// # Errors
/// No usable credentials, or bad settings.
pub async fn adminpulse_client_for(
    config: &Config,
    store: &Store,
    cipher: &Cipher,
    tenant: &str,
) -> anyhow::Result<AdminPulseClient> {
    let (section, key) = adminpulse_section(config, tenant);
    let client_config = adminpulse_client_config(&section, &key)?;
    let stored_key = store
        .get_credential(cipher, tenant, ADMINPULSE, "api_key")
        .await?;
    if let Some(api_key) = stored_key.or_else(|| {
        section
            .api_key
            .as_ref()
            .map(|k| SecretString::from(k.expose()))
    }) {
        return Ok(AdminPulseClient::new(
            client_config,
            adminpulse::Credentials::ApiKey(api_key),
            None,
        )?);
    }
    let (Some(client_id), Some(client_secret), Some(token_url)) = (
        &section.client_id,
        &section.client_secret,
        &section.token_url,
    ) else {
        bail!(
            "{key}: set api_key, or client_id, client_secret and token_url (then run `crmsync connect adminpulse`)"
        );
    };
    let stored = store
        .get_credential(cipher, tenant, ADMINPULSE, "refresh_token")
        .await?;
    let refresh = stored
        .or_else(|| {
            section
                .refresh_token
                .as_ref()
                .map(|t| SecretString::from(t.expose()))
        })
        .with_context(|| format!("{key}: no refresh token; run `crmsync connect adminpulse`"))?;
    let credentials = adminpulse::Credentials::OAuth {
        client_id: client_id.clone(),
        client_secret: SecretString::from(client_secret.expose()),
        token_url: url::Url::parse(token_url).with_context(|| format!("{key}.token_url"))?,
        refresh_token: refresh,
    };
    let events: Arc<dyn TokenEvents> = Arc::new(StoredTokens::new(
        store,
        cipher,
        tenant,
        ADMINPULSE,
        "AdminPulse",
    ));
    Ok(AdminPulseClient::new(
        client_config,
        credentials,
        Some(events),
    )?)
}

/// Runs a newly connected accounting connection once, as `crmsync sync --once` would: the
/// run is recorded in the history and the connection's state follows its outcome.
///
/// # Errors
/// No usable credentials, or store failures. A run that stops early is a summary with
/// its `error`, not an `Err`.
pub async fn first_sync(
    config: &Config,
    tenant: &str,
    connector: &str,
) -> anyhow::Result<crate::sync::engine::RunSummary> {
    let store = crate::app::open_store(config).await?;
    let cipher = crate::app::load_cipher(config)?;
    let engine =
        crate::sync::engine::Engine::for_accounting(config, &store, &cipher, tenant, connector)
            .await?;
    let summary = engine.run_now(tenant, connector, "connect").await;
    store.close().await;
    Ok(summary?)
}

/// Prints the first run's line; an early stop becomes the command's error.
pub(crate) async fn run_first_sync(
    config: &Config,
    tenant: &str,
    connector: &str,
) -> anyhow::Result<()> {
    println!("First sync…");
    let summary = first_sync(config, tenant, connector).await?;
    println!("{}", super::sync::render(&summary));
    let scheduled = config
        .tenants
        .get(tenant)
        .map(|t| match connector {
            SYNETON => t.syneton.as_ref().is_some_and(|s| s.enabled),
            _ => t.adminpulse.as_ref().is_some_and(|a| a.enabled),
        })
        .unwrap_or(false);
    if !scheduled {
        println!(
            "Set `enabled = true` in [tenants.{tenant}.{connector}] for the daemon to keep it current."
        );
    }
    match summary.error {
        Some(e) => anyhow::bail!("the first {connector} sync stopped: {e}"),
        None => Ok(()),
    }
}
