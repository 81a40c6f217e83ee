//! Authentication: an API key, or OAuth 2.0 with a refresh token against a configured token
//! URL ([ASSUMPTION]: RFC 6749, client secret in the request body), refreshed as
//! [`crate::connectors::oauth`] does. Both go out as `Authorization: Bearer …` [FACT].

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

pub(crate) use crate::connectors::oauth::Refresher;
pub use crate::connectors::oauth::TokenEvents;
use crate::connectors::oauth::{OAuthClient, RefreshError, Tokens};

use super::error::AdminPulseError;

/// Lifetime of an access token whose answer has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// How the connection authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// A key made in AdminPulse (profile → access tokens); never refreshed.
    ApiKey(SecretString),
    /// An OAuth client and its refresh token.
    OAuth {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: SecretString,
        /// The token endpoint (configured; not published by AdminPulse).
        token_url: url::Url,
        /// Current refresh token.
        refresh_token: SecretString,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ApiKey(_) => f.write_str("Credentials::ApiKey([redacted])"),
            Self::OAuth { client_id, .. } => {
                write!(f, "Credentials::OAuth {{ client_id: {client_id:?}, .. }}")
            }
        }
    }
}

/// The connection's authentication state.
pub(crate) struct Auth {
    credentials: Credentials,
    tokens: Tokens,
}

impl Auth {
    pub(crate) fn new(credentials: Credentials, events: Option<Arc<dyn TokenEvents>>) -> Self {
        let refresh = match &credentials {
            Credentials::OAuth { refresh_token, .. } => Some(refresh_token.clone()),
            Credentials::ApiKey(_) => None,
        };
        Self {
            credentials,
            tokens: Tokens::new(
                refresh,
                events,
                DEFAULT_LIFETIME,
                ("adminpulse", "AdminPulse"),
            ),
        }
    }

    /// The newest refresh token (OAuth only).
    pub(crate) async fn refresh_token(&self) -> Option<SecretString> {
        self.tokens.refresh_token().await
    }

    pub(crate) fn is_oauth(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth { .. })
    }

    /// The bearer value to send; refreshes a missing or expiring OAuth access token.
    pub(crate) async fn bearer(&self, r: &Refresher<'_>) -> Result<SecretString, AdminPulseError> {
        match self.oauth_client() {
            Ok(client) => self.tokens.bearer(&client, r).await.map_err(refused),
            Err(key) => Ok(key.clone()),
        }
    }

    /// Refreshes after a 401, unless another caller already replaced `rejected`.
    pub(crate) async fn refresh_after_401(
        &self,
        rejected: &SecretString,
        r: &Refresher<'_>,
    ) -> Result<SecretString, AdminPulseError> {
        let client = self
            .oauth_client()
            .map_err(|_| AdminPulseError::Unauthorized)?;
        self.tokens
            .refresh_after_401(rejected, &client, r)
            .await
            .map_err(refused)
    }

    /// The OAuth client, or the API key that is sent as it is.
    fn oauth_client(&self) -> Result<OAuthClient<'_>, &SecretString> {
        match &self.credentials {
            Credentials::OAuth {
                client_id,
                client_secret,
                token_url,
                ..
            } => Ok(OAuthClient {
                id: client_id,
                secret: client_secret,
                token_url,
            }),
            Credentials::ApiKey(key) => Err(key),
        }
    }
}

fn refused(e: RefreshError) -> AdminPulseError {
    match e {
        RefreshError::NoRefreshToken | RefreshError::InvalidGrant => AdminPulseError::NeedsReauth,
        RefreshError::Refused => AdminPulseError::Unauthorized,
        RefreshError::Unreachable => AdminPulseError::Unavailable {
            status: 0,
            retry_after: None,
        },
    }
}
