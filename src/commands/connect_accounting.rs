//! `crmsync connect syneton` (API key and URL, verified with a token and `apisettings`)
//! and `crmsync connect adminpulse` (OAuth login redirect through a one-shot loopback
//! listener, or an API key, verified with one relations read). Credentials are stored
//! encrypted and the connection becomes `active`; the command line then runs the first
//! sync at once ([`super::accounting::first_sync`]). Nothing secret is printed or logged.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use oauth2::AuthUrl;
use secrecy::SecretString;

use super::accounting::{
    ADMINPULSE, SYNETON, adminpulse_client_config, adminpulse_section, syneton_client_config,
    syneton_section,
};
use super::oauth_login::{Login, loopback_redirect, refresh_token};
use crate::config::Config;
use crate::connectors::adminpulse::{self, AdminPulseClient};
use crate::connectors::syneton::{ApiSettings, SynetonClient, SynetonError};

/// Reads a line from the terminal; for a secret, echo is turned off while typing.
///
/// # Errors
/// When stdin is closed or unreadable.
pub fn prompt(label: &str, secret: bool) -> anyhow::Result<String> {
    eprint!("{label}: ");
    std::io::stderr().flush()?;
    let hide = secret && std::io::stdin().is_terminal();
    let stty = |arg: &str| {
        let _ = std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    if hide {
        stty("-echo");
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if hide {
        stty("echo");
        eprintln!();
    }
    read.context("cannot read from the terminal")?;
    let value = line.trim().to_owned();
    if value.is_empty() {
        bail!("{label} is required");
    }
    Ok(value)
}

/// `crmsync connect syneton`: verifies `api_key` and `url` against Syneton (a token, then
/// the settings) and stores both, encrypted. A missing URL comes from the configuration.
///
/// # Errors
/// A refused key, an unreachable or wrong URL, or a store failure.
pub async fn syneton(
    config: &Config,
    tenant: &str,
    url: &str,
    api_key: SecretString,
) -> anyhow::Result<ApiSettings> {
    let (section, key) = syneton_section(config, tenant);
    let client_config = syneton_client_config(&section, url, &key)?;
    let base = client_config.base_url.clone();
    let client = SynetonClient::new(client_config, api_key.clone())?;
    let settings = client.verify().await.map_err(|e| match e {
        SynetonError::InvalidApiKey { .. } => anyhow::anyhow!(
            "Syneton refused the API key; check it in the Syneton management console"
        ),
        SynetonError::NotFound { .. } | SynetonError::Decode { .. } => {
            anyhow::anyhow!("{base} does not answer like a Syneton API; check the URL")
        }
        other => anyhow::Error::new(other).context("could not verify the Syneton connection"),
    })?;
    let store = crate::app::open_store(config).await?;
    store.ensure_tenant(tenant, tenant).await?;
    let cipher = crate::app::load_cipher(config)?;
    store
        .put_credential(&cipher, tenant, SYNETON, "api_key", &api_key)
        .await?;
    store
        .put_credential(
            &cipher,
            tenant,
            SYNETON,
            "base_url",
            &SecretString::from(url.trim().to_owned()),
        )
        .await?;
    store
        .set_connection_state(tenant, SYNETON, "active", None, None)
        .await?;
    store.close().await;
    tracing::info!(tenant.id = %tenant, calls = client.calls_used(), "Syneton connected");
    Ok(settings)
}

/// `crmsync connect adminpulse` with an API key: verified with one relations read, stored.
///
/// # Errors
/// A refused key, an unreachable API, or a store failure.
pub async fn adminpulse_key(
    config: &Config,
    tenant: &str,
    api_key: SecretString,
) -> anyhow::Result<()> {
    let (section, key) = adminpulse_section(config, tenant);
    let client = AdminPulseClient::new(
        adminpulse_client_config(&section, &key)?,
        adminpulse::Credentials::ApiKey(api_key.clone()),
        None,
    )?;
    client.relations_page(0, 1).await.map_err(|e| match e {
        adminpulse::AdminPulseError::Unauthorized => {
            anyhow::anyhow!(
                "AdminPulse refused the API key (is it expired, or missing the relations scope?)"
            )
        }
        other => anyhow::Error::new(other).context("could not verify the AdminPulse connection"),
    })?;
    store_adminpulse(config, tenant, "api_key", &api_key).await
}

async fn store_adminpulse(
    config: &Config,
    tenant: &str,
    name: &str,
    value: &SecretString,
) -> anyhow::Result<()> {
    let store = crate::app::open_store(config).await?;
    store.ensure_tenant(tenant, tenant).await?;
    let cipher = crate::app::load_cipher(config)?;
    store
        .put_credential(&cipher, tenant, ADMINPULSE, name, value)
        .await?;
    store
        .set_connection_state(tenant, ADMINPULSE, "active", None, None)
        .await?;
    store.close().await;
    tracing::info!(tenant.id = %tenant, "AdminPulse connected");
    Ok(())
}

/// `crmsync connect adminpulse` with OAuth: the authorization-code flow through a one-shot
/// listener on the configured loopback `redirect_uri`; `show_url` receives the address
/// the admin must open. The refresh token is verified with one read, then stored.
///
/// # Errors
/// Missing configuration, a refused or mismatched callback, or a failed token exchange.
pub async fn adminpulse_oauth(
    config: &Config,
    tenant: &str,
    show_url: impl FnOnce(&url::Url),
) -> anyhow::Result<()> {
    let key = format!("tenants.{tenant}.adminpulse");
    let section = config
        .tenants
        .get(tenant)
        .and_then(|t| t.adminpulse.clone())
        .with_context(|| format!("{key} is not configured"))?;
    let (Some(client_id), Some(client_secret), Some(authorize_url), Some(token_url)) = (
        &section.client_id,
        &section.client_secret,
        &section.authorize_url,
        &section.token_url,
    ) else {
        bail!(
            "{key}: client_id, client_secret, authorize_url and token_url are needed for OAuth (or use --api-key)"
        );
    };
    let redirect = loopback_redirect(&key, &section.redirect_uri)?;
    let token_url = url::Url::parse(token_url).with_context(|| format!("{key}.token_url"))?;
    let refresh = refresh_token(
        Login {
            service: "AdminPulse",
            key: &key,
            client_id,
            client_secret: client_secret.expose(),
            authorize_url: AuthUrl::new(authorize_url.clone())
                .with_context(|| format!("{key}.authorize_url"))?,
            token_url: token_url.clone(),
            redirect,
            scopes: &section.scopes,
            done_page: "<h1>crmsync</h1><p>AdminPulse authorization received. You can close this window.</p>",
        },
        show_url,
    )
    .await?;
    let api = AdminPulseClient::new(
        adminpulse_client_config(&section, &key)?,
        adminpulse::Credentials::OAuth {
            client_id: client_id.clone(),
            client_secret: SecretString::from(client_secret.expose()),
            token_url,
            refresh_token: refresh.clone(),
        },
        None,
    )?;
    api.relations_page(0, 1)
        .await
        .context("the new AdminPulse authorization does not allow reading relations")?;
    // The check itself may have rotated the refresh token: keep the client's newest.
    let newest = api.current_refresh_token().await.unwrap_or(refresh);
    store_adminpulse(config, tenant, "refresh_token", &newest).await
}

/// Environment variable holding the Syneton API key for `crmsync connect syneton`.
pub const SYNETON_KEY_ENV: &str = "CRMSYNC_SYNETON_API_KEY";
/// Environment variable holding the AdminPulse API key for `crmsync connect adminpulse`.
pub const ADMINPULSE_KEY_ENV: &str = "CRMSYNC_ADMINPULSE_API_KEY";

/// A key from a file, else the environment, else the terminal.
fn secret_input(
    file: Option<&std::path::Path>,
    env: &str,
    label: &str,
) -> anyhow::Result<SecretString> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let value = text.trim();
        if value.is_empty() {
            bail!("{} is empty", path.display());
        }
        return Ok(SecretString::from(value.to_owned()));
    }
    if let Ok(value) = std::env::var(env)
        && !value.trim().is_empty()
    {
        return Ok(SecretString::from(value.trim().to_owned()));
    }
    prompt(label, true).map(SecretString::from)
}

/// `crmsync connect syneton` as the command line runs it: URL from `--url`, the
/// configuration or the terminal; key from `--api-key-file`, the environment or the
/// terminal.
///
/// # Errors
/// As [`syneton`], or unreadable input.
pub async fn syneton_cli(
    config: &Config,
    tenant: &str,
    url: Option<String>,
    api_key_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let configured = config
        .tenants
        .get(tenant)
        .and_then(|t| t.syneton.as_ref())
        .map(|s| s.base_url.clone());
    let url = match url.or(configured) {
        Some(url) => url,
        None => prompt("Syneton URL (https://host:port)", false)?,
    };
    let api_key = secret_input(api_key_file, SYNETON_KEY_ENV, "Syneton API key")?;
    let settings = syneton(config, tenant, &url, api_key).await?;
    println!(
        "Syneton connected for tenant {tenant}: connection active (RateLimit {} calls/min, {} records per page).",
        settings
            .rate_limit
            .map_or("?".to_owned(), |v| v.to_string()),
        settings
            .max_records_per_page
            .map_or("?".to_owned(), |v| v.to_string()),
    );
    super::accounting::run_first_sync(config, tenant, SYNETON).await
}

/// `crmsync connect adminpulse` as the command line runs it: an API key when asked for
/// (or given in a file or the environment), else the OAuth login.
///
/// # Errors
/// As [`adminpulse_key`] and [`adminpulse_oauth`].
pub async fn adminpulse_cli(
    config: &Config,
    tenant: &str,
    use_api_key: bool,
    api_key_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let from_env = std::env::var(ADMINPULSE_KEY_ENV).is_ok_and(|v| !v.trim().is_empty());
    if use_api_key || api_key_file.is_some() || from_env {
        let api_key = secret_input(api_key_file, ADMINPULSE_KEY_ENV, "AdminPulse API key")?;
        adminpulse_key(config, tenant, api_key).await?;
    } else {
        adminpulse_oauth(config, tenant, |url| {
            println!("Open this address in a browser and log in to AdminPulse:\n\n  {url}\n\nWaiting for AdminPulse to redirect back…");
        })
        .await?;
    }
    println!("AdminPulse connected for tenant {tenant}: connection active.");
    super::accounting::run_first_sync(config, tenant, ADMINPULSE).await
}
