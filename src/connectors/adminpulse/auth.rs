//! Authentication: an API key, or OAuth 2.0 with a refresh token (oauth2 crate) against a
//! configured token URL ([ASSUMPTION]: RFC 6749, client secret in the request body). Both
//! go out as `Authorization: Bearer …` [FACT]. Access tokens are refreshed ahead of
//! expiry and once on a 401; a rotated refresh token and a refused one are reported to
//! [`TokenEvents`]. No token is ever logged.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, ClientId, ClientSecret, RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};

use super::error::AdminPulseError;
use crate::connectors::gate::RateGate;

/// Refresh this long before the access token expires.
const REFRESH_AHEAD: Duration = Duration::from_secs(60);

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

/// What the connection reports to its owner, who persists tokens and shows the state.
#[async_trait::async_trait]
pub trait TokenEvents: Send + Sync {
    /// A new refresh token was issued: store it.
    async fn refresh_token_rotated(&self, token: &SecretString);
    /// The refresh token was refused: an admin must reconnect.
    async fn needs_reauth(&self) {}
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
    events: Option<Arc<dyn TokenEvents>>,
}

/// What a refresh needs from the client.
pub(crate) struct Refresher<'a> {
    pub http: &'a reqwest::Client,
    pub gate: &'a RateGate,
    pub calls: &'a AtomicU64,
}

impl Auth {
    pub(crate) fn new(credentials: Credentials, events: Option<Arc<dyn TokenEvents>>) -> Self {
        let refresh = match &credentials {
            Credentials::OAuth { refresh_token, .. } => Some(refresh_token.clone()),
            Credentials::ApiKey(_) => None,
        };
        Self {
            credentials,
            state: tokio::sync::Mutex::new(TokenState {
                access: None,
                expires_at: None,
                refresh,
            }),
            events,
        }
    }

    /// The newest refresh token (OAuth only).
    pub(crate) async fn refresh_token(&self) -> Option<SecretString> {
        self.state.lock().await.refresh.clone()
    }

    pub(crate) fn is_oauth(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth { .. })
    }

    /// The bearer value to send; refreshes a missing or expiring OAuth access token.
    pub(crate) async fn bearer(&self, r: &Refresher<'_>) -> Result<SecretString, AdminPulseError> {
        match &self.credentials {
            Credentials::ApiKey(key) => Ok(key.clone()),
            Credentials::OAuth { .. } => {
                let mut state = self.state.lock().await;
                let fresh = state
                    .expires_at
                    .is_some_and(|at| at.saturating_duration_since(Instant::now()) > REFRESH_AHEAD);
                if let (true, Some(access)) = (fresh, &state.access) {
                    return Ok(access.clone());
                }
                self.refresh_locked(&mut state, r).await
            }
        }
    }

    /// Refreshes after a 401, unless another caller already replaced `rejected`.
    pub(crate) async fn refresh_after_401(
        &self,
        rejected: &SecretString,
        r: &Refresher<'_>,
    ) -> Result<SecretString, AdminPulseError> {
        let mut state = self.state.lock().await;
        if let Some(current) = &state.access
            && current.expose_secret() != rejected.expose_secret()
        {
            return Ok(current.clone());
        }
        self.refresh_locked(&mut state, r).await
    }

    async fn refresh_locked(
        &self,
        state: &mut TokenState,
        r: &Refresher<'_>,
    ) -> Result<SecretString, AdminPulseError> {
        let Credentials::OAuth {
            client_id,
            client_secret,
            token_url,
            ..
        } = &self.credentials
        else {
            return Err(AdminPulseError::Unauthorized);
        };
        let refresh_token = state.refresh.clone().ok_or(AdminPulseError::NeedsReauth)?;
        let client = BasicClient::new(ClientId::new(client_id.clone()))
            .set_client_secret(ClientSecret::new(client_secret.expose_secret().to_owned()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(token_url.clone()));
        let answer = {
            let _permit = r.gate.acquire().await;
            r.calls.fetch_add(1, Ordering::Relaxed);
            client
                .exchange_refresh_token(&RefreshToken::new(
                    refresh_token.expose_secret().to_owned(),
                ))
                .request_async(r.http)
                .await
        };
        let token = match answer {
            Ok(token) => token,
            Err(RequestTokenError::ServerResponse(e))
                if *e.error() == BasicErrorResponseType::InvalidGrant =>
            {
                if let Some(events) = &self.events {
                    events.needs_reauth().await;
                }
                return Err(AdminPulseError::NeedsReauth);
            }
            Err(RequestTokenError::ServerResponse(_)) => return Err(AdminPulseError::Unauthorized),
            Err(_) => {
                return Err(AdminPulseError::Unavailable {
                    status: 0,
                    retry_after: None,
                });
            }
        };
        let access = SecretString::from(token.access_token().secret().to_owned());
        let lifetime = token.expires_in().unwrap_or(Duration::from_secs(3600));
        state.access = Some(access.clone());
        state.expires_at = Some(Instant::now() + lifetime);
        if let Some(new_refresh) = token.refresh_token() {
            let rotated = state
                .refresh
                .as_ref()
                .is_none_or(|old| old.expose_secret() != new_refresh.secret());
            state.refresh = Some(SecretString::from(new_refresh.secret().to_owned()));
            if rotated && let (Some(events), Some(token)) = (&self.events, &state.refresh) {
                events.refresh_token_rotated(token).await;
            }
        }
        tracing::debug!(
            connector.id = "adminpulse",
            expires_in_s = lifetime.as_secs(),
            "AdminPulse access token refreshed"
        );
        Ok(access)
    }
}
