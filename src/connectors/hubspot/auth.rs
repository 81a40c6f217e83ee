//! Authentication: a static token (private app, service key) or OAuth 2.0 with a refresh
//! token (oauth2 crate). Access tokens are refreshed ahead of expiry and once on a 401;
//! a rotated refresh token is handed to a [`ConnectionEvents`] (the store keeps it encrypted); an
//! `invalid_grant` answer means an admin must reconnect. No token is ever logged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, ClientId, ClientSecret, RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};

use super::error::HubSpotError;

/// Refresh this long before the access token expires.
const REFRESH_AHEAD: Duration = Duration::from_secs(60);

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

/// What the connection reports to its owner (who persists tokens and shows the state);
/// the connector itself knows no store.
#[async_trait::async_trait]
pub trait ConnectionEvents: Send + Sync {
    /// HubSpot rotated the refresh token: store the new one.
    async fn refresh_token_rotated(&self, token: &SecretString);
    /// The refresh token was refused (`invalid_grant`): an admin must reconnect.
    async fn needs_reauth(&self) {}
    /// The daily budget is spent (or down to the reserve): no call for `resume_after`.
    async fn daily_paused(&self, _resume_after: Duration) {}
}

struct TokenState {
    access: Option<SecretString>,
    expires_at: Option<Instant>,
    refresh: Option<SecretString>,
}

/// The connection's authentication state.
pub(crate) struct Auth {
    credentials: Credentials,
    state: tokio::sync::Mutex<TokenState>,
    sink: Option<Arc<dyn ConnectionEvents>>,
}

impl Auth {
    pub(crate) fn new(credentials: Credentials, sink: Option<Arc<dyn ConnectionEvents>>) -> Self {
        let refresh = match &credentials {
            Credentials::OAuth { refresh_token, .. } => Some(refresh_token.clone()),
            Credentials::Static(_) => None,
        };
        Self {
            credentials,
            state: tokio::sync::Mutex::new(TokenState {
                access: None,
                expires_at: None,
                refresh,
            }),
            sink,
        }
    }

    pub(crate) fn is_oauth(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth { .. })
    }

    /// The bearer token to send; refreshes an OAuth token that is missing or about to
    /// expire. `refresh` runs the token request (through the connection's gate).
    pub(crate) async fn bearer(
        &self,
        refresh: &Refresher<'_>,
    ) -> Result<SecretString, HubSpotError> {
        match &self.credentials {
            Credentials::Static(token) => Ok(token.clone()),
            Credentials::OAuth { .. } => {
                let mut state = self.state.lock().await;
                let fresh = state
                    .expires_at
                    .is_some_and(|at| at.saturating_duration_since(Instant::now()) > REFRESH_AHEAD);
                if let (true, Some(access)) = (fresh, &state.access) {
                    return Ok(access.clone());
                }
                self.refresh_locked(&mut state, refresh).await
            }
        }
    }

    /// Forces a refresh after a 401 (only if `rejected` is still the current token, so
    /// concurrent callers refresh once).
    pub(crate) async fn refresh_after_401(
        &self,
        rejected: &SecretString,
        refresh: &Refresher<'_>,
    ) -> Result<SecretString, HubSpotError> {
        let mut state = self.state.lock().await;
        if let Some(current) = &state.access
            && current.expose_secret() != rejected.expose_secret()
        {
            return Ok(current.clone());
        }
        self.refresh_locked(&mut state, refresh).await
    }

    async fn refresh_locked(
        &self,
        state: &mut TokenState,
        refresher: &Refresher<'_>,
    ) -> Result<SecretString, HubSpotError> {
        let Credentials::OAuth {
            client_id,
            client_secret,
            ..
        } = &self.credentials
        else {
            return Err(HubSpotError::Unauthorized {
                category: "INVALID_AUTHENTICATION".to_owned(),
            });
        };
        let refresh_token = state.refresh.clone().ok_or(HubSpotError::NeedsReauth)?;
        let client = BasicClient::new(ClientId::new(client_id.clone()))
            .set_client_secret(ClientSecret::new(client_secret.expose_secret().to_owned()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(refresher.token_url.clone()));
        let _permit = refresher.gate.acquire().await;
        refresher.count_call();
        let answer = client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.expose_secret().to_owned()))
            .request_async(refresher.http)
            .await;
        let token = match answer {
            Ok(token) => token,
            Err(RequestTokenError::ServerResponse(e))
                if *e.error() == BasicErrorResponseType::InvalidGrant =>
            {
                if let Some(sink) = &self.sink {
                    sink.needs_reauth().await;
                }
                return Err(HubSpotError::NeedsReauth);
            }
            Err(RequestTokenError::ServerResponse(_)) => {
                return Err(HubSpotError::Unauthorized {
                    category: "OAUTH_REFRESH_REFUSED".to_owned(),
                });
            }
            Err(_) => {
                return Err(HubSpotError::Unavailable {
                    status: 0,
                    retry_after: None,
                });
            }
        };
        let access = SecretString::from(token.access_token().secret().to_owned());
        let lifetime = token.expires_in().unwrap_or(Duration::from_secs(1800));
        state.access = Some(access.clone());
        state.expires_at = Some(Instant::now() + lifetime);
        if let Some(new_refresh) = token.refresh_token() {
            let rotated = state
                .refresh
                .as_ref()
                .is_none_or(|old| old.expose_secret() != new_refresh.secret());
            state.refresh = Some(SecretString::from(new_refresh.secret().to_owned()));
            if rotated && let (Some(sink), Some(token)) = (&self.sink, &state.refresh) {
                sink.refresh_token_rotated(token).await;
            }
        }
        tracing::debug!(
            expires_in_s = lifetime.as_secs(),
            "HubSpot access token refreshed"
        );
        Ok(access)
    }
}

/// What a refresh needs from the client.
pub(crate) struct Refresher<'a> {
    pub http: &'a reqwest::Client,
    pub token_url: url::Url,
    pub gate: &'a crate::connectors::gate::RateGate,
    pub calls: &'a std::sync::atomic::AtomicU64,
}

impl Refresher<'_> {
    fn count_call(&self) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}
