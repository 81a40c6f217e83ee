//! `crmsync connect hubspot`: the OAuth 2.0 authorization-code flow of
//! [`super::oauth_login`]. The refresh token is stored encrypted; the connection becomes
//! `active`. Nothing secret is printed or logged.

use anyhow::{Context, bail};
use oauth2::AuthUrl;

use super::hubspot::CONNECTION;
use super::oauth_login::{Login, loopback_redirect, refresh_token};
use crate::config::Config;
use crate::connectors::hubspot::ApiVersion;

/// Runs the flow; `show_url` receives the address the admin must open.
///
/// # Errors
/// Missing configuration, a refused or mismatched callback, or a failed token exchange.
pub async fn hubspot(
    config: &Config,
    tenant: &str,
    show_url: impl FnOnce(&url::Url),
) -> anyhow::Result<()> {
    let key = format!("tenants.{tenant}.hubspot");
    let hubspot = config
        .tenants
        .get(tenant)
        .and_then(|t| t.hubspot.as_ref())
        .with_context(|| format!("{key} is not configured"))?;
    let (Some(client_id), Some(client_secret)) = (&hubspot.client_id, &hubspot.client_secret)
    else {
        bail!("{key}: client_id and client_secret are needed to connect with OAuth");
    };
    let redirect = loopback_redirect(&key, &hubspot.redirect_uri)?;
    let version = ApiVersion::parse(&hubspot.api_version)
        .map_err(|e| anyhow::anyhow!("{key}.api_version: {e}"))?;
    let token_url = url::Url::parse(&hubspot.base_url)?.join(&version.oauth_token())?;
    let refresh = refresh_token(
        Login {
            service: "HubSpot",
            key: &key,
            client_id,
            client_secret: client_secret.expose(),
            authorize_url: AuthUrl::new(hubspot.authorize_url.clone())?,
            token_url,
            redirect,
            scopes: &hubspot.scopes,
            done_page: "<h1>crmsync</h1><p>Authorization received. You can close this window.</p>",
        },
        show_url,
    )
    .await?;

    let store = crate::app::open_store(config).await?;
    store.ensure_tenant(tenant, tenant).await?;
    let cipher = crate::app::load_cipher(config)?;
    store
        .put_credential(&cipher, tenant, CONNECTION, "refresh_token", &refresh)
        .await?;
    store
        .set_connection_state(tenant, CONNECTION, "active", None, None)
        .await?;
    store.close().await;
    tracing::info!(tenant.id = %tenant, "HubSpot connected");
    Ok(())
}
