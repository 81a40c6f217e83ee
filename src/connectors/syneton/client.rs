//! [`SynetonClient`]: one per connection. Every call, retry and token exchange passes the
//! connection's [`RateGate`], which keeps both the `min_call_interval_ms` floor and
//! Syneton's `RateLimit` (calls per minute, read once from `apisettings`). Transient
//! failures (403 throttling, 5xx, transport) are retried with exponential backoff and
//! jitter (backon); a 401 exchanges the API key for a new token once.
//!
//! Must not: log or return a URL (the token URL holds the API key): spans and events carry
//! the endpoint name only, and transport errors are stripped of their URL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::Retryable;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::{Mutex, OnceCell};

use super::auth::{self, Lifetime, Token};
use super::clock::ServerTimeZone;
use super::error::{SynetonError, classify};
use super::filter::InLimits;
use super::models::{ApiSettings, TokenAnswer};
use crate::connectors::gate::RateGate;
use crate::connectors::http::{self, Answer, retry_after};

/// Settings of one Syneton connection.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `scheme://host[:port]/api/v1/`, normalized by [`normalize_base_url`].
    pub base_url: url::Url,
    /// Floor between two calls.
    pub min_call_interval: Duration,
    /// Calls per minute assumed until `apisettings` tells `RateLimit`.
    pub initial_rate_limit: u32,
    /// The window `RateLimit` is counted over; a little over the server's minute.
    pub rate_window: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Retries of a transient failure.
    pub max_retries: usize,
    /// Smallest backoff delay.
    pub min_backoff: Duration,
    /// Pause of the whole connection after a throttling answer without `Retry-After`.
    pub throttle_pause: Duration,
    /// Exchange the token this long before its `TimeToLive`.
    pub refresh_ahead: Duration,
    /// Zone of `TimeToLive` and `DateAction`.
    pub time_zone: ServerTimeZone,
    /// Unit of `DurationToken` (undocumented; minutes assumed).
    pub duration_token_unit: Duration,
    /// Page size; `None` uses `MaxRecordsPerPage`.
    pub per_page: Option<u32>,
    /// How long a filter's `in (…)` list may grow.
    pub in_limits: InLimits,
    /// Rows the change feed answers at most per query.
    pub change_cap: usize,
    /// A time window ends this long before now, so changes stamped by a server whose
    /// clock runs behind ours are not skipped.
    pub change_lag: Duration,
}

impl ClientConfig {
    /// Defaults for a base URL as the user typed it.
    ///
    /// # Errors
    /// [`SynetonError::BaseUrl`] when it is not an http(s) URL with a host.
    pub fn new(base_url: &str) -> Result<Self, SynetonError> {
        Ok(Self {
            base_url: normalize_base_url(base_url)?,
            min_call_interval: Duration::from_millis(100),
            initial_rate_limit: 60,
            rate_window: Duration::from_secs(61),
            request_timeout: Duration::from_secs(30),
            max_retries: 6,
            min_backoff: Duration::from_millis(500),
            throttle_pause: Duration::from_secs(5),
            refresh_ahead: Duration::from_secs(30),
            time_zone: ServerTimeZone::Brussels,
            duration_token_unit: Duration::from_secs(60),
            per_page: None,
            in_limits: InLimits::default(),
            change_cap: 1000,
            change_lag: Duration::from_secs(30),
        })
    }
}

/// Accepts `scheme://host[:port]`, with or without a trailing `/` or `/api/v1`, and answers
/// `scheme://host[:port]/api/v1/` (accounting-apis.md §1.2).
///
/// # Errors
/// [`SynetonError::BaseUrl`] for anything that is not an http(s) URL with a host.
pub fn normalize_base_url(text: &str) -> Result<url::Url, SynetonError> {
    let mut url = url::Url::parse(text.trim()).map_err(|_| SynetonError::BaseUrl("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(SynetonError::BaseUrl("expected an http(s) URL with a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SynetonError::BaseUrl(
            "credentials do not belong in the URL",
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_owned();
    let path = path.strip_suffix("/api/v1").unwrap_or(&path).to_owned();
    url.set_path(&format!("{path}/api/v1/"));
    Ok(url)
}

/// Whether a failed call may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Reads, PUT, (de)activation: every transient failure is retried.
    Safe,
    /// POST creating a record: only a throttling refusal (nothing was processed).
    OnlyIfRefused,
}

/// A Syneton API client for one connection.
pub struct SynetonClient {
    http: reqwest::Client,
    config: ClientConfig,
    gate: Arc<RateGate>,
    api_key: SecretString,
    token: Mutex<Option<Token>>,
    settings: OnceCell<ApiSettings>,
    calls: AtomicU64,
}

impl std::fmt::Debug for SynetonClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynetonClient")
            .field("base_url", &self.config.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl SynetonClient {
    /// Builds a client with its own gate.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (TLS backend).
    pub fn new(config: ClientConfig, api_key: SecretString) -> Result<Self, SynetonError> {
        let gate = Arc::new(RateGate::new(config.min_call_interval));
        gate.limit_per_window(config.initial_rate_limit, config.rate_window);
        let http = http::client(config.request_timeout).map_err(SynetonError::transport)?;
        Ok(Self {
            http,
            config,
            gate,
            api_key,
            token: Mutex::new(None),
            settings: OnceCell::new(),
            calls: AtomicU64::new(0),
        })
    }

    /// Calls made so far (every attempt, token exchange and settings read counts).
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

    /// `apisettings`, read once per client (a client lives for one run); also sets the
    /// gate's per-minute budget to `RateLimit`.
    ///
    /// # Errors
    /// When the token or the settings cannot be read.
    pub async fn settings(&self) -> Result<&ApiSettings, SynetonError> {
        self.settings
            .get_or_try_init(|| async {
                let url = self.url("apisettings")?;
                let answer = self
                    .call_with(Method::GET, url, None, "apisettings", Replay::Safe)
                    .await?;
                let settings: ApiSettings = serde_json::from_slice(&answer.body)
                    .map_err(|e| SynetonError::decode("apisettings", &e))?;
                if let Some(limit) = settings.rate_limit.and_then(|l| u32::try_from(l).ok())
                    && limit > 0
                {
                    self.gate.limit_per_window(limit, self.config.rate_window);
                }
                tracing::debug!(
                    rate_limit = settings.rate_limit,
                    max_per_page = settings.max_records_per_page,
                    "Syneton settings read"
                );
                Ok(settings)
            })
            .await
    }

    /// Forgets `apisettings`, so the next call reads them again: a connection kept between
    /// runs reads its settings once per run.
    pub fn forget_settings(&mut self) {
        self.settings = OnceCell::new();
    }

    /// Checks the API key and URL the way a run starts: a token, then the settings.
    ///
    /// # Errors
    /// [`SynetonError::InvalidApiKey`] for a refused key, or any call failure.
    pub async fn verify(&self) -> Result<ApiSettings, SynetonError> {
        self.settings().await.cloned()
    }

    /// The page size to ask for: the configured one, capped by `MaxRecordsPerPage`.
    pub(crate) async fn per_page(&self) -> Result<u32, SynetonError> {
        let settings = self.settings().await?;
        let max = settings
            .max_records_per_page
            .or(settings.default_records_per_page)
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| *m > 0)
            .unwrap_or(100);
        Ok(self.config.per_page.map_or(max, |p| p.clamp(1, max)))
    }

    /// `base_url` joined with a relative path.
    pub(crate) fn url(&self, path: &str) -> Result<url::Url, SynetonError> {
        self.config
            .base_url
            .join(path)
            .map_err(|_| SynetonError::BaseUrl("cannot join the endpoint path"))
    }

    /// Whether `url` stays under the configured base URL (same origin and path prefix).
    pub(crate) fn is_own(&self, url: &url::Url) -> bool {
        let base = &self.config.base_url;
        url.origin() == base.origin() && url.path().starts_with(base.path())
    }

    /// One logical call with retries; answers the success (2xx) or the classified failure.
    pub(crate) async fn call(
        &self,
        method: Method,
        url: url::Url,
        body: Option<&Value>,
        endpoint: &'static str,
        replay: Replay,
    ) -> Result<Answer, SynetonError> {
        self.settings().await?;
        self.call_with(method, url, body, endpoint, replay).await
    }

    async fn call_with(
        &self,
        method: Method,
        url: url::Url,
        body: Option<&Value>,
        endpoint: &'static str,
        replay: Replay,
    ) -> Result<Answer, SynetonError> {
        let backoff = http::backoff(
            self.config.min_backoff,
            Duration::from_secs(60),
            self.config.max_retries,
        );
        (|| self.attempt(method.clone(), url.clone(), body, endpoint))
            .retry(backoff)
            .when(|e: &SynetonError| match replay {
                Replay::Safe => e.is_retryable(),
                Replay::OnlyIfRefused => matches!(e, SynetonError::Throttled { .. }),
            })
            .adjust(|err, delay| http::honour_retry_after(delay, err.retry_after()))
            .notify(|err, delay| {
                tracing::warn!(
                    connector.id = "syneton",
                    endpoint,
                    error = %err,
                    retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "Syneton call failed; retrying"
                );
            })
            .await
    }

    /// One attempt, plus one token exchange on a 401.
    async fn attempt(
        &self,
        method: Method,
        url: url::Url,
        body: Option<&Value>,
        endpoint: &'static str,
    ) -> Result<Answer, SynetonError> {
        let mut token = self.current_token().await?;
        let mut exchanged = false;
        loop {
            let answer = self
                .send(method.clone(), url.clone(), body, Some(&token.guid))
                .await?;
            if answer.status.is_success() {
                if answer.status != StatusCode::NO_CONTENT
                    && !answer.body.is_empty()
                    && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body)
                {
                    return Err(SynetonError::decode(endpoint, &e));
                }
                return Ok(answer);
            }
            if answer.status == StatusCode::UNAUTHORIZED && !exchanged {
                exchanged = true;
                tracing::debug!(
                    connector.id = "syneton",
                    endpoint,
                    "token refused; exchanging the API key again"
                );
                token = self.exchange_after_refusal(&token.guid).await?;
                continue;
            }
            let err = classify(
                endpoint,
                answer.status.as_u16(),
                retry_after(&answer.headers),
                &answer.body,
            );
            if let SynetonError::Throttled { retry_after } = &err {
                self.gate
                    .pause_for(retry_after.unwrap_or(self.config.throttle_pause));
            }
            return Err(err);
        }
    }

    /// Sends once through the gate. The permit is held until the body is read.
    async fn send(
        &self,
        method: Method,
        url: url::Url,
        body: Option<&Value>,
        token: Option<&SecretString>,
    ) -> Result<Answer, SynetonError> {
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.header("synetonToken", token.expose_secret());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        http::send(&self.gate, &self.calls, request)
            .await
            .map_err(SynetonError::transport)
    }

    async fn current_token(&self) -> Result<Token, SynetonError> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref()
            && std::time::Instant::now() < token.reuse_until
        {
            return Ok(token.clone());
        }
        let token = self.exchange().await?;
        *slot = Some(token.clone());
        Ok(token)
    }

    async fn exchange_after_refusal(&self, refused: &SecretString) -> Result<Token, SynetonError> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref()
            && !auth::same(token, refused)
        {
            return Ok(token.clone());
        }
        let token = self.exchange().await?;
        *slot = Some(token.clone());
        Ok(token)
    }

    /// `GET token/{api_key}`. Called with the token mutex held: one exchange at a time.
    async fn exchange(&self) -> Result<Token, SynetonError> {
        let mut url = self.url("token/")?;
        url.path_segments_mut()
            .map_err(|()| SynetonError::BaseUrl("cannot be a base"))?
            .pop_if_empty()
            .push(self.api_key.expose_secret());
        let answer = self.send(Method::GET, url, None, None).await?;
        if !answer.status.is_success() {
            let err = classify(
                "token",
                answer.status.as_u16(),
                retry_after(&answer.headers),
                &answer.body,
            );
            if let SynetonError::Throttled { retry_after } = &err {
                self.gate
                    .pause_for(retry_after.unwrap_or(self.config.throttle_pause));
            }
            return Err(auth::token_failure(err));
        }
        let parsed: TokenAnswer =
            serde_json::from_slice(&answer.body).map_err(|e| SynetonError::decode("token", &e))?;
        let lifetime = Lifetime {
            zone: self.config.time_zone,
            refresh_ahead: self.config.refresh_ahead,
            duration_token: self
                .settings
                .get()
                .and_then(|s| s.duration_token)
                .and_then(|d| u32::try_from(d).ok())
                .map(|d| self.config.duration_token_unit * d),
        };
        tracing::debug!(connector.id = "syneton", "Syneton token exchanged");
        Ok(lifetime.token(parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalized_to_the_api_root() {
        for (input, want) in [
            (
                "https://consult.example.be:2100",
                "https://consult.example.be:2100/api/v1/",
            ),
            (
                "https://consult.example.be:2100/",
                "https://consult.example.be:2100/api/v1/",
            ),
            (
                "https://consult.example.be:2100/api/v1",
                "https://consult.example.be:2100/api/v1/",
            ),
            (
                "https://consult.example.be:2100/api/v1/",
                "https://consult.example.be:2100/api/v1/",
            ),
            (
                "http://127.0.0.1:8990/office/",
                "http://127.0.0.1:8990/office/api/v1/",
            ),
        ] {
            assert_eq!(normalize_base_url(input).expect(input).as_str(), want);
        }
        for bad in ["consult.example.be", "ftp://h", "https://user:pw@h"] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
    }
}
