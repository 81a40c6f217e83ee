//! `crmsync hubspot …`: building a tenant's HubSpot client from configuration and the
//! store, and `provision`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;

use super::stored_tokens::StoredTokens;
use crate::config::{Config, HubSpotConfig};
use crate::connectors::hubspot::provision::{ProvisionPlan, ProvisionReport, provision};
use crate::connectors::hubspot::{
    ApiVersion, ClientConfig, ConnectionEvents, Credentials, HubSpotClient,
};
use crate::secrets::Cipher;
use crate::store::Store;

/// Connection name of HubSpot in the store.
pub const CONNECTION: &str = "hubspot";

#[async_trait::async_trait]
impl ConnectionEvents for StoredTokens {
    async fn daily_paused(&self, resume_after: Duration) {
        let until = crate::store::Timestamp::from(time::OffsetDateTime::now_utc() + resume_after);
        tracing::warn!(tenant.id = %self.tenant, paused_until = %until, "HubSpot daily call budget reached; connection paused");
        let reason = Some("HubSpot's daily call budget (or its reserve) is used up");
        if let Err(e) = self
            .store
            .set_connection_state(&self.tenant, self.connection, "paused", reason, Some(until))
            .await
        {
            tracing::error!(tenant.id = %self.tenant, error = %e, "could not record the connection state");
        }
    }
}

/// The tenant's HubSpot client: a static token, or OAuth with the newest refresh token
/// (the stored, rotated one wins over the configured first one).
///
/// # Errors
/// When the tenant has no HubSpot section or no usable credentials.
pub async fn client_for(
    config: &Config,
    store: &Store,
    cipher: &Cipher,
    tenant: &str,
) -> anyhow::Result<HubSpotClient> {
    let hubspot = config
        .tenants
        .get(tenant)
        .and_then(|t| t.hubspot.as_ref())
        .with_context(|| format!("tenants.{tenant}.hubspot is not configured"))?;
    let credentials = credentials(hubspot, store, cipher, tenant).await?;
    let mut client_config = ClientConfig::new(
        url::Url::parse(&hubspot.base_url)
            .with_context(|| format!("tenants.{tenant}.hubspot.base_url"))?,
    );
    client_config.api_version = ApiVersion::parse(&hubspot.api_version)
        .map_err(|e| anyhow::anyhow!("tenants.{tenant}.hubspot.api_version: {e}"))?;
    client_config.min_call_interval = Duration::from_millis(hubspot.min_call_interval_ms);
    client_config.daily_reserve = hubspot.daily_reserve;
    let sink: Arc<dyn ConnectionEvents> = Arc::new(StoredTokens::new(
        store, cipher, tenant, CONNECTION, "HubSpot",
    ));
    Ok(HubSpotClient::new(client_config, credentials, Some(sink))?)
}

async fn credentials(
    hubspot: &HubSpotConfig,
    store: &Store,
    cipher: &Cipher,
    tenant: &str,
) -> anyhow::Result<Credentials> {
    if let Some(token) = &hubspot.access_token {
        return Ok(Credentials::Static(SecretString::from(token.expose())));
    }
    let stored_access = store
        .get_credential(cipher, tenant, CONNECTION, "access_token")
        .await?;
    if let (Some(token), None) = (stored_access, &hubspot.client_id) {
        return Ok(Credentials::Static(token));
    }
    let (Some(client_id), Some(client_secret)) = (&hubspot.client_id, &hubspot.client_secret)
    else {
        anyhow::bail!(
            "tenants.{tenant}.hubspot: set access_token, or client_id and client_secret (then run `crmsync connect hubspot`)"
        );
    };
    let stored = store
        .get_credential(cipher, tenant, CONNECTION, "refresh_token")
        .await?;
    let refresh = stored
        .or_else(|| {
            hubspot
                .refresh_token
                .as_ref()
                .map(|t| SecretString::from(t.expose()))
        })
        .with_context(|| {
            format!("tenants.{tenant}.hubspot: no refresh token; run `crmsync connect hubspot`")
        })?;
    Ok(Credentials::OAuth {
        client_id: client_id.clone(),
        client_secret: SecretString::from(client_secret.expose()),
        refresh_token: refresh,
    })
}

/// `crmsync hubspot provision`: creates the properties and stages the sync needs.
///
/// # Errors
/// Configuration, store or HubSpot failures.
pub async fn run_provision(config: &Config, tenant: &str) -> anyhow::Result<ProvisionReport> {
    let store = crate::app::open_store(config).await?;
    store.ensure_tenant(tenant, tenant).await?;
    let cipher = crate::app::load_cipher(config)?;
    let client = client_for(config, &store, &cipher, tenant).await?;
    let hubspot = config
        .tenants
        .get(tenant)
        .and_then(|t| t.hubspot.as_ref())
        .context("hubspot configured")?;
    let plan = ProvisionPlan {
        sync_property: hubspot.sync_property.clone(),
        civilities: store.labels(tenant, "civility").await?,
        deal_stages: store
            .deal_stages(tenant)
            .await?
            .into_iter()
            .map(|s| (s.stage_name, s.progress_pct))
            .collect(),
    };
    let report = provision(&client, &plan)
        .await
        .context("provisioning failed")?;
    store.close().await;
    tracing::info!(tenant.id = %tenant, created = report.created.len(), existing = report.existing.len(), updated = report.updated.len(), calls = client.calls_used(), "HubSpot provisioned");
    Ok(report)
}
