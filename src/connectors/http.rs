//! The HTTP plumbing every connector shares: how a connection's client is built, how one
//! call passes the connection's [`RateGate`], `Retry-After`, and the backoff between
//! retries. Each connector keeps its own error classes; these helpers answer plain
//! `reqwest` errors for it to classify (and strip of their URL where that holds a secret).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::ExponentialBuilder;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::gate::RateGate;

/// The HTTP client of one connection. Redirects are not followed: one would carry the
/// bearer token (or on Syneton's token call, the API key) to another address, and oauth2
/// advises the same for its token endpoint.
pub(crate) fn client(request_timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(request_timeout)
        .connect_timeout(Duration::from_secs(10))
        .gzip(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("crmsync/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A raw answer, whatever its status.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

/// Sends `request` once through `gate` and counts it in `calls`. The permit is held until
/// the body is read: one call in flight per connection, and the next one waits for the
/// interval after this answer.
pub(crate) async fn send(
    gate: &RateGate,
    calls: &AtomicU64,
    request: reqwest::RequestBuilder,
) -> reqwest::Result<Answer> {
    let _permit = gate.acquire().await;
    calls.fetch_add(1, Ordering::Relaxed);
    let response = request.send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these APIs).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Exponential backoff with jitter from `min` up to `max`, for at most `times` retries.
pub(crate) fn backoff(min: Duration, max: Duration, times: usize) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(min)
        .with_max_delay(max)
        .with_max_times(times)
        .with_jitter()
}

/// The backoff's next delay, lengthened to what the remote asked for; `None` (no retry
/// left) stays `None`.
pub(crate) fn honour_retry_after(
    delay: Option<Duration>,
    asked: Option<Duration>,
) -> Option<Duration> {
    delay.map(|d| asked.map_or(d, |asked| asked.max(d)))
}
