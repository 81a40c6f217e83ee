//! The OAuth 2.0 refresh-token grant (oauth2 crate) of the connectors that use it (HubSpot,
//! AdminPulse): the access token is refreshed ahead of expiry and once on a 401, through
//! the connection's gate; a rotated refresh token and a refused one are reported to
//! [`TokenEvents`]. Each connector maps [`RefreshError`] to its own error classes. No
//! token is ever logged.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, ClientId, ClientSecret, RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};

use super::gate::RateGate;

/// Refresh this long before the access token expires.
const REFRESH_AHEAD: Duration = Duration::from_secs(60);

/// What the connection reports to its owner (who persists tokens and shows the state);
/// the connector itself knows no store.
#[async_trait::async_trait]
pub trait TokenEvents: Send + Sync {
    /// A new refresh token was issued: store it.
    async fn refresh_token_rotated(&self, token: &SecretString);
    /// The refresh token was refused (`invalid_grant`): an admin must reconnect.
    async fn needs_reauth(&self) {}
}

/// The OAuth client a connection refreshes its tokens with.
pub(crate) struct OAuthClient<'a> {
    pub id: &'a str,
    pub secret: &'a SecretString,
    pub token_url: &'a url::Url,
}

/// What a refresh needs from the connector's client.
pub(crate) struct Refresher<'a> {
    pub http: &'a reqwest::Client,
    pub gate: &'a RateGate,
    pub calls: &'a AtomicU64,
}

/// Why no access token could be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshError {
    /// No refresh token is known.
    NoRefreshToken,
    /// The token endpoint answered `invalid_grant` (reported as [`TokenEvents::needs_reauth`]).
    InvalidGrant,
    /// The token endpoint refused the request otherwise.
    Refused,
    /// The token endpoint could not be reached or answered nonsense.
    Unreachable,
}

struct TokenState {
    access: Option<SecretString>,
    expires_at: Option<Instant>,
    refresh: Option<SecretString>,
}

/// The access and refresh tokens of one OAuth connection.
pub(crate) struct Tokens {
    state: tokio::sync::Mutex<TokenState>,
    events: Option<Arc<dyn TokenEvents>>,
    /// Assumed when the token answer has no `expires_in`.
    default_lifetime: Duration,
    /// The connector's id and name, for the log.
    connector: (&'static str, &'static str),
}

impl Tokens {
    pub(crate) fn new(
        refresh: Option<SecretString>,
        events: Option<Arc<dyn TokenEvents>>,
        default_lifetime: Duration,
        connector: (&'static str, &'static str),
    ) -> Self {
        Self {
            state: tokio::sync::Mutex::new(TokenState {
                access: None,
                expires_at: None,
                refresh,
            }),
            events,
            default_lifetime,
            connector,
        }
    }

    /// The newest refresh token.
    pub(crate) async fn refresh_token(&self) -> Option<SecretString> {
        self.state.lock().await.refresh.clone()
    }

    /// The access token to send; refreshes one that is missing or about to expire.
    pub(crate) async fn bearer(
        &self,
        client: &OAuthClient<'_>,
        r: &Refresher<'_>,
    ) -> Result<SecretString, RefreshError> {
        let mut state = self.state.lock().await;
        let fresh = state
            .expires_at
            .is_some_and(|at| at.saturating_duration_since(Instant::now()) > REFRESH_AHEAD);
        if let (true, Some(access)) = (fresh, &state.access) {
            return Ok(access.clone());
        }
        self.refresh_locked(&mut state, client, r).await
    }

    /// Refreshes after a 401, unless another caller already replaced `rejected` (so
    /// concurrent callers refresh once).
    pub(crate) async fn refresh_after_401(
        &self,
        rejected: &SecretString,
        client: &OAuthClient<'_>,
        r: &Refresher<'_>,
    ) -> Result<SecretString, RefreshError> {
        let mut state = self.state.lock().await;
        if let Some(current) = &state.access
            && current.expose_secret() != rejected.expose_secret()
        {
            return Ok(current.clone());
        }
        self.refresh_locked(&mut state, client, r).await
    }

    async fn refresh_locked(
        &self,
        state: &mut TokenState,
        client: &OAuthClient<'_>,
        r: &Refresher<'_>,
    ) -> Result<SecretString, RefreshError> {
        let refresh_token = state.refresh.clone().ok_or(RefreshError::NoRefreshToken)?;
        let oauth = BasicClient::new(ClientId::new(client.id.to_owned()))
            .set_client_secret(ClientSecret::new(client.secret.expose_secret().to_owned()))
            // Both services read the client credentials from the form body.
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(client.token_url.clone()));
        let answer = {
            let _permit = r.gate.acquire().await;
            r.calls.fetch_add(1, Ordering::Relaxed);
            oauth
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
                return Err(RefreshError::InvalidGrant);
            }
            Err(RequestTokenError::ServerResponse(_)) => return Err(RefreshError::Refused),
            Err(_) => return Err(RefreshError::Unreachable),
        };
        let access = SecretString::from(token.access_token().secret().to_owned());
        let lifetime = token.expires_in().unwrap_or(self.default_lifetime);
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
        let (id, name) = self.connector;
        tracing::debug!(
            connector.id = id,
            expires_in_s = lifetime.as_secs(),
            "{name} access token refreshed"
        );
        Ok(access)
    }
}
