//! Authentication: a static token (private app, service key) or OAuth 2.0 with a refresh
//! token, refreshed as [`crate::connectors::oauth`] does; a rotated refresh token is handed
//! to the [`ConnectionEvents`] (the store keeps it encrypted), and an `invalid_grant` answer
//! means an admin must reconnect.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

pub(crate) use crate::connectors::oauth::Refresher;
pub use crate::connectors::oauth::TokenEvents;
use crate::connectors::oauth::{OAuthClient, RefreshError, Tokens};

use super::error::HubSpotError;

/// Lifetime of an access token whose answer has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(1800);

/// How the connection authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// Private-app token or service key: never expires.
    Static(SecretString),
    /// OAuth 2.0 client and its refresh token.
    OAuth {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: SecretString,
        /// Current refresh token.
        refresh_token: SecretString,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Static(_) => f.write_str("Credentials::Static([redacted])"),
            Self::OAuth { client_id, .. } => {
                write!(f, "Credentials::OAuth {{ client_id: {client_id:?}, .. }}")
            }
        }
    }
}

/// What the connection reports to its owner besides its tokens.
#[async_trait::async_trait]
pub trait ConnectionEvents: TokenEvents {
    /// The daily budget is spent (or down to the reserve): no call for `resume_after`.
    async fn daily_paused(&self, _resume_after: Duration) {}
}

/// The connection's authentication state.
pub(crate) struct Auth {
    credentials: Credentials,
    tokens: Tokens,
}

impl Auth {
    pub(crate) fn new(credentials: Credentials, sink: Option<Arc<dyn ConnectionEvents>>) -> Self {
        let refresh = match &credentials {
            Credentials::OAuth { refresh_token, .. } => Some(refresh_token.clone()),
            Credentials::Static(_) => None,
        };
        let events = sink.map(|s| s as Arc<dyn TokenEvents>);
        Self {
            credentials,
            tokens: Tokens::new(refresh, events, DEFAULT_LIFETIME, ("hubspot", "HubSpot")),
        }
    }

    pub(crate) fn is_oauth(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth { .. })
    }

    /// The bearer token to send; refreshes an OAuth token that is missing or about to
    /// expire at `token_url`.
    pub(crate) async fn bearer(
        &self,
        refresher: &Refresher<'_>,
        token_url: &url::Url,
    ) -> Result<SecretString, HubSpotError> {
        match self.oauth_client(token_url) {
            Ok(client) => self
                .tokens
                .bearer(&client, refresher)
                .await
                .map_err(refused),
            Err(token) => Ok(token.clone()),
        }
    }

    /// Forces a refresh after a 401 (only if `rejected` is still the current token, so
    /// concurrent callers refresh once).
    pub(crate) async fn refresh_after_401(
        &self,
        rejected: &SecretString,
        refresher: &Refresher<'_>,
        token_url: &url::Url,
    ) -> Result<SecretString, HubSpotError> {
        let client = self
            .oauth_client(token_url)
            .map_err(|_| HubSpotError::Unauthorized {
                category: "INVALID_AUTHENTICATION".to_owned(),
            })?;
        self.tokens
            .refresh_after_401(rejected, &client, refresher)
            .await
            .map_err(refused)
    }

    /// The OAuth client, or the static token that is sent as it is.
    fn oauth_client<'a>(
        &'a self,
        token_url: &'a url::Url,
    ) -> Result<OAuthClient<'a>, &'a SecretString> {
        match &self.credentials {
            Credentials::OAuth {
                client_id,
                client_secret,
                ..
            } => Ok(OAuthClient {
                id: client_id,
                secret: client_secret,
                token_url,
            }),
            Credentials::Static(token) => Err(token),
        }
    }
}

fn refused(e: RefreshError) -> HubSpotError {
    match e {
        RefreshError::NoRefreshToken | RefreshError::InvalidGrant => HubSpotError::NeedsReauth,
        RefreshError::Refused => HubSpotError::Unauthorized {
            category: "OAUTH_REFRESH_REFUSED".to_owned(),
        },
        RefreshError::Unreachable => HubSpotError::Unavailable {
            status: 0,
            retry_after: None,
        },
    }
}
