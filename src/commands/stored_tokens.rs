//! The token events of a HubSpot or AdminPulse connection, kept in the store: a rotated
//! refresh token is stored (encrypted), a refused one puts the connection in
//! `needs_reauth` until `crmsync connect` runs again.

use secrecy::SecretString;

use crate::connectors::oauth::TokenEvents;
use crate::secrets::Cipher;
use crate::store::Store;

/// Persists rotated refresh tokens and records a refused one.
pub(crate) struct StoredTokens {
    pub(super) store: Store,
    pub(super) cipher: Cipher,
    pub(super) tenant: String,
    /// The connection's name in the store, as `crmsync connect` takes it.
    pub(super) connection: &'static str,
    /// The service's name in log lines.
    pub(super) service: &'static str,
}

impl StoredTokens {
    pub(crate) fn new(
        store: &Store,
        cipher: &Cipher,
        tenant: &str,
        connection: &'static str,
        service: &'static str,
    ) -> Self {
        Self {
            store: store.clone(),
            cipher: cipher.clone(),
            tenant: tenant.to_owned(),
            connection,
            service,
        }
    }
}

#[async_trait::async_trait]
impl TokenEvents for StoredTokens {
    async fn refresh_token_rotated(&self, token: &SecretString) {
        if let Err(e) = self
            .store
            .put_credential(
                &self.cipher,
                &self.tenant,
                self.connection,
                "refresh_token",
                token,
            )
            .await
        {
            tracing::error!(tenant.id = %self.tenant, error = %e, "could not store the rotated {} refresh token", self.service);
        }
    }

    async fn needs_reauth(&self) {
        let (service, connection) = (self.service, self.connection);
        tracing::error!(tenant.id = %self.tenant, "{service} refused the refresh token; run `crmsync connect {connection}`");
        let reason = format!("the refresh token was refused; run `crmsync connect {connection}`");
        if let Err(e) = self
            .store
            .set_connection_state(
                &self.tenant,
                connection,
                "needs_reauth",
                Some(&reason),
                None,
            )
            .await
        {
            tracing::error!(tenant.id = %self.tenant, error = %e, "could not record the connection state");
        }
    }
}
