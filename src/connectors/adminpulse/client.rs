//! [`AdminPulseClient`]: one per connection. Every call and token refresh passes the
//! connection's [`RateGate`]: the `min_call_interval_ms` floor plus 480 calls per minute
//! (official). 429s pause the connection (`Retry-After` when sent, else a configured pause,
//! as other integrators wait 20-60 s) and are retried with 5xx and transport failures
//! (backon, exponential with jitter). A 401 refreshes an OAuth token once.
//!
//! Read-only: AdminPulse's write API for relations is not established (README).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::Retryable;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};

use super::auth::{Auth, Credentials, Refresher, TokenEvents};
use super::error::{AdminPulseError, classify};
use crate::connectors::gate::RateGate;
use crate::connectors::http::{self, Answer};

/// Settings of one AdminPulse connection.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API root, `https://api.adminpulse.be` [FACT].
    pub base_url: url::Url,
    /// Floor between two calls.
    pub min_call_interval: Duration,
    /// Calls allowed per `rate_window` (480 per minute [FACT]).
    pub rate_limit: u32,
    /// The window `rate_limit` counts over; a little over the server's minute.
    pub rate_window: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Retries of a transient failure.
    pub max_retries: usize,
    /// Smallest backoff delay.
    pub min_backoff: Duration,
    /// Pause of the connection after a 429 without `Retry-After`.
    pub rate_limited_pause: Duration,
    /// Relations per page (at most 400).
    pub page_size: u32,
}

impl ClientConfig {
    /// Defaults for `base_url`.
    #[must_use]
    pub fn new(base_url: url::Url) -> Self {
        Self {
            base_url,
            min_call_interval: Duration::from_millis(125),
            rate_limit: 480,
            rate_window: Duration::from_secs(61),
            request_timeout: Duration::from_secs(30),
            max_retries: 6,
            min_backoff: Duration::from_millis(500),
            rate_limited_pause: Duration::from_secs(20),
            page_size: 400,
        }
    }
}

/// An AdminPulse API client for one connection.
pub struct AdminPulseClient {
    http: reqwest::Client,
    config: ClientConfig,
    gate: Arc<RateGate>,
    auth: Auth,
    calls: AtomicU64,
}

impl std::fmt::Debug for AdminPulseClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminPulseClient")
            .field("base_url", &self.config.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl AdminPulseClient {
    /// Builds a client with its own gate.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(
        config: ClientConfig,
        credentials: Credentials,
        events: Option<Arc<dyn TokenEvents>>,
    ) -> Result<Self, AdminPulseError> {
        let gate = Arc::new(RateGate::new(config.min_call_interval));
        gate.limit_per_window(config.rate_limit, config.rate_window);
        let http = http::client(config.request_timeout).map_err(AdminPulseError::transport)?;
        Ok(Self {
            http,
            config,
            gate,
            auth: Auth::new(credentials, events),
            calls: AtomicU64::new(0),
        })
    }

    /// Calls made so far (every attempt and token refresh counts).
    #[must_use]
    pub fn calls_used(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The connection's gate.
    #[must_use]
    pub fn gate(&self) -> &Arc<RateGate> {
        &self.gate
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The newest OAuth refresh token (AdminPulse may rotate it on every refresh); `None`
    /// for an API key.
    pub async fn current_refresh_token(&self) -> Option<SecretString> {
        self.auth.refresh_token().await
    }

    fn refresher(&self) -> Refresher<'_> {
        Refresher {
            http: &self.http,
            gate: &self.gate,
            calls: &self.calls,
        }
    }

    /// `base_url` with `path` appended (the base may carry a path prefix).
    pub(crate) fn url(&self, segments: &[&str]) -> Result<url::Url, AdminPulseError> {
        let mut url = self.config.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| AdminPulseError::BadUrl("the base URL cannot carry a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A GET with retries; answers the body of a 2xx.
    pub(crate) async fn get(
        &self,
        url: url::Url,
        endpoint: &'static str,
    ) -> Result<bytes::Bytes, AdminPulseError> {
        let backoff = http::backoff(
            self.config.min_backoff,
            Duration::from_secs(90),
            self.config.max_retries,
        );
        (|| self.attempt(url.clone(), endpoint))
            .retry(backoff)
            .when(AdminPulseError::is_retryable)
            .adjust(|err, delay| http::honour_retry_after(delay, err.retry_after()))
            .notify(|err, delay| {
                tracing::warn!(
                    connector.id = "adminpulse",
                    endpoint,
                    error = %err,
                    retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "AdminPulse call failed; retrying"
                );
            })
            .await
    }

    async fn attempt(
        &self,
        url: url::Url,
        endpoint: &'static str,
    ) -> Result<bytes::Bytes, AdminPulseError> {
        let refresher = self.refresher();
        let mut token = self.auth.bearer(&refresher).await?;
        let mut refreshed = false;
        loop {
            let Answer {
                status,
                headers,
                body,
            } = self.send(url.clone(), &token).await?;
            if status.is_success() {
                if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
                    return Err(AdminPulseError::decode(endpoint, &e));
                }
                return Ok(body);
            }
            if status == StatusCode::UNAUTHORIZED && self.auth.is_oauth() && !refreshed {
                refreshed = true;
                token = self.auth.refresh_after_401(&token, &refresher).await?;
                continue;
            }
            let err = classify(endpoint, status.as_u16(), http::retry_after(&headers));
            if let AdminPulseError::RateLimited { retry_after } = &err {
                self.gate
                    .pause_for(retry_after.unwrap_or(self.config.rate_limited_pause));
            }
            return Err(err);
        }
    }

    async fn send(&self, url: url::Url, token: &SecretString) -> Result<Answer, AdminPulseError> {
        let request = self.http.get(url).bearer_auth(token.expose_secret());
        http::send(&self.gate, &self.calls, request)
            .await
            .map_err(AdminPulseError::transport)
    }
}
