//! [`HubSpotClient`]: one per connection. Every call, retry and token refresh passes the
//! connection's [`RateGate`] (never two calls closer than `min_call_interval_ms`), reads
//! HubSpot's rate-limit headers before the status, and retries transient failures with
//! exponential backoff and jitter (backon). 400/401/403/404/409 are not retried; a 401
//! refreshes an OAuth token once.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use backon::Retryable;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::auth::{Auth, ConnectionEvents, Credentials, Refresher};
use super::error::{HubSpotError, Policy, classify};
use super::paths::ApiVersion;
use crate::connectors::gate::RateGate;
use crate::connectors::http::{self, Answer};

/// Settings of one HubSpot connection.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API root (the simulator's address in tests).
    pub base_url: url::Url,
    /// Path family.
    pub api_version: ApiVersion,
    /// Floor between two calls.
    pub min_call_interval: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Calls of the daily budget kept for other uses; below it the connection pauses.
    pub daily_reserve: u64,
    /// Retries of a transient failure.
    pub max_retries: usize,
    /// Smallest backoff delay.
    pub min_backoff: Duration,
}

impl ClientConfig {
    /// Defaults for `base_url`.
    #[must_use]
    pub fn new(base_url: url::Url) -> Self {
        Self {
            base_url,
            api_version: ApiVersion::V3,
            min_call_interval: Duration::from_millis(500),
            request_timeout: Duration::from_secs(30),
            daily_reserve: 1000,
            max_retries: 6,
            min_backoff: Duration::from_millis(500),
        }
    }
}

/// A HubSpot API client for one connection.
pub struct HubSpotClient {
    http: reqwest::Client,
    config: ClientConfig,
    gate: Arc<RateGate>,
    auth: Auth,
    calls: AtomicU64,
    /// Last `X-HubSpot-RateLimit-Daily-Remaining`; -1 while unknown.
    daily_remaining: AtomicI64,
    /// Set when the daily budget (or its reserve) is spent: no call before then.
    daily_pause: std::sync::Mutex<Option<std::time::Instant>>,
    events: Option<Arc<dyn ConnectionEvents>>,
}

impl std::fmt::Debug for HubSpotClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSpotClient")
            .field("base_url", &self.config.base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// The body of a call.
pub(crate) enum Body<'a> {
    None,
    Json(&'a Value),
}

impl HubSpotClient {
    /// Builds a client with its own gate.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (TLS backend).
    pub fn new(
        config: ClientConfig,
        credentials: Credentials,
        sink: Option<Arc<dyn ConnectionEvents>>,
    ) -> Result<Self, HubSpotError> {
        let gate = Arc::new(RateGate::new(config.min_call_interval));
        Self::with_gate(config, credentials, sink, gate)
    }

    /// Builds a client sharing `gate` (several clients of one connection).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn with_gate(
        config: ClientConfig,
        credentials: Credentials,
        sink: Option<Arc<dyn ConnectionEvents>>,
        gate: Arc<RateGate>,
    ) -> Result<Self, HubSpotError> {
        let http = http::client(config.request_timeout).map_err(HubSpotError::Transport)?;
        Ok(Self {
            http,
            config,
            gate,
            auth: Auth::new(credentials, sink.clone()),
            calls: AtomicU64::new(0),
            daily_remaining: AtomicI64::new(-1),
            daily_pause: std::sync::Mutex::new(None),
            events: sink,
        })
    }

    /// Calls made so far (every attempt and token request counts).
    #[must_use]
    pub fn calls_used(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The last daily budget HubSpot reported, if any.
    #[must_use]
    pub fn daily_remaining(&self) -> Option<u64> {
        u64::try_from(self.daily_remaining.load(Ordering::Relaxed)).ok()
    }

    /// The connection's gate.
    #[must_use]
    pub fn gate(&self) -> &Arc<RateGate> {
        &self.gate
    }

    /// The path family.
    #[must_use]
    pub fn paths(&self) -> &ApiVersion {
        &self.config.api_version
    }

    fn refresher(&self) -> Refresher<'_> {
        Refresher {
            http: &self.http,
            gate: &self.gate,
            calls: &self.calls,
        }
    }

    fn url(&self, path: &str) -> Result<url::Url, HubSpotError> {
        self.config
            .base_url
            .join(path)
            .map_err(|_| HubSpotError::Rejected {
                status: 0,
                category: "INVALID_PATH".to_owned(),
                message: String::new(),
            })
    }

    /// Sends one call with retries; decodes the JSON answer (an empty body reads as `null`).
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body<'_>,
    ) -> Result<T, HubSpotError> {
        let body = match body {
            Body::None => None,
            Body::Json(v) => Some(v),
        };
        let backoff = http::backoff(
            self.config.min_backoff,
            Duration::from_secs(60),
            self.config.max_retries,
        );
        let bytes = (|| self.attempt(method.clone(), path, query, body))
            .retry(backoff)
            .when(HubSpotError::is_retryable)
            .adjust(|err, delay| http::honour_retry_after(delay, err.retry_after()))
            .notify(|err, delay| {
                tracing::warn!(error = %err, retry_in_ms = delay.as_millis() as u64, "HubSpot call failed; retrying");
            })
            .await?;
        let text: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        serde_json::from_slice(text).map_err(HubSpotError::Decode)
    }

    /// One attempt (plus one token refresh on a 401). Returns the raw body of a success.
    async fn attempt(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<bytes::Bytes, HubSpotError> {
        if let Err((err, newly_paused)) = self.check_daily_reserve() {
            if newly_paused {
                self.report_daily_pause(&err).await;
            }
            return Err(err);
        }
        let refresher = self.refresher();
        let token_url = self.url(&self.config.api_version.oauth_token())?;
        let mut token = self.auth.bearer(&refresher, &token_url).await?;
        let url = self.url(path)?;
        let mut refreshed = false;
        loop {
            let Answer {
                status,
                headers,
                body: bytes,
            } = self
                .send_once(method.clone(), url.clone(), query, body, &token)
                .await?;
            self.observe_headers(&headers);
            if status.is_success() {
                // A body that is not JSON at all is a transport fault: retried.
                if !bytes.is_empty()
                    && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes)
                {
                    return Err(HubSpotError::Decode(e));
                }
                return Ok(bytes);
            }
            if status == StatusCode::UNAUTHORIZED && self.auth.is_oauth() && !refreshed {
                refreshed = true;
                token = self
                    .auth
                    .refresh_after_401(&token, &refresher, &token_url)
                    .await?;
                continue;
            }
            let err = classify(status.as_u16(), http::retry_after(&headers), &bytes);
            self.react(&err, &headers);
            self.report_daily_pause(&err).await;
            if let Some(correlation) = headers
                .get("x-hubspot-correlation-id")
                .and_then(|v| v.to_str().ok())
            {
                tracing::debug!(
                    http.status = status.as_u16(),
                    hubspot.correlation_id = correlation,
                    "HubSpot call refused"
                );
            }
            return Err(err);
        }
    }

    async fn send_once(
        &self,
        method: Method,
        url: url::Url,
        query: &[(&str, String)],
        body: Option<&Value>,
        token: &SecretString,
    ) -> Result<Answer, HubSpotError> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(token.expose_secret());
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        http::send(&self.gate, &self.calls, request)
            .await
            .map_err(HubSpotError::Transport)
    }

    /// Slows the gate when HubSpot says the short-term budget is gone.
    fn observe_headers(&self, headers: &HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        if let Some(daily) = number("x-hubspot-ratelimit-daily-remaining") {
            self.daily_remaining.store(daily, Ordering::Relaxed);
        }
        if number("x-hubspot-ratelimit-remaining") == Some(0) {
            let interval = number("x-hubspot-ratelimit-interval-milliseconds").unwrap_or(10_000);
            self.gate.pause_for(Duration::from_millis(
                u64::try_from(interval).unwrap_or(10_000),
            ));
        }
    }

    fn react(&self, err: &HubSpotError, headers: &HeaderMap) {
        match err {
            HubSpotError::RateLimited {
                policy,
                retry_after,
            } => {
                let wait = retry_after.unwrap_or(match policy {
                    Policy::Secondly => Duration::from_secs(1),
                    _ => {
                        let ms = headers
                            .get("x-hubspot-ratelimit-interval-milliseconds")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse::<u64>().ok())
                            .unwrap_or(10_000);
                        Duration::from_millis(ms)
                    }
                });
                self.gate.pause_for(wait);
            }
            HubSpotError::Unavailable { status: 423, .. } => {
                self.gate.pause_for(Duration::from_secs(2))
            }
            HubSpotError::Unavailable {
                retry_after: Some(wait),
                ..
            } => self.gate.pause_for(*wait),
            HubSpotError::DailyLimit { resume_after } => self.pause_daily(*resume_after),
            _ => {}
        }
    }

    fn pause_daily(&self, for_: Duration) {
        let mut pause = self.daily_pause.lock().expect("daily pause mutex poisoned");
        *pause = Some(std::time::Instant::now() + for_);
    }

    /// When the daily budget is paused, how long until calls may resume.
    #[must_use]
    pub fn daily_pause_remaining(&self) -> Option<Duration> {
        let pause = self.daily_pause.lock().expect("daily pause mutex poisoned");
        pause
            .map(|until| until.saturating_duration_since(std::time::Instant::now()))
            .filter(|d| !d.is_zero())
    }

    async fn report_daily_pause(&self, err: &HubSpotError) {
        if let (HubSpotError::DailyLimit { resume_after }, Some(events)) = (err, &self.events) {
            events.daily_paused(*resume_after).await;
        }
    }

    /// Refuses calls while the daily budget is paused, and pauses it once only the
    /// configured reserve is left (the reserve belongs to other integrations and admins).
    /// The flag tells whether this check started the pause.
    fn check_daily_reserve(&self) -> Result<(), (HubSpotError, bool)> {
        if let Some(resume_after) = self.daily_pause_remaining() {
            return Err((HubSpotError::DailyLimit { resume_after }, false));
        }
        if self
            .daily_pause
            .lock()
            .expect("daily pause mutex poisoned")
            .take()
            .is_some()
        {
            // The pause is over: the budget is unknown until HubSpot reports it again.
            self.daily_remaining.store(-1, Ordering::Relaxed);
            return Ok(());
        }
        match self.daily_remaining() {
            Some(left) if left <= self.config.daily_reserve => {
                let resume_after = super::error::until_reset();
                self.pause_daily(resume_after);
                Err((HubSpotError::DailyLimit { resume_after }, true))
            }
            _ => Ok(()),
        }
    }
}
