//! The session token (accounting-apis.md §1.3): `GET token/{api_key}` answers a
//! `TokenGuid` and an absolute, offset-less `TimeToLive`. The token is exchanged lazily,
//! single-flight (one exchange at a time under a mutex), again 30 s before `TimeToLive`,
//! and once more when a call is refused with 401.
//!
//! Must not: put the API key anywhere but the one request path (never in a log line, a span
//! field, an error or a `Debug` output); the token itself is a secret too.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use super::clock::{self, ServerTimeZone};
use super::error::SynetonError;
use super::models::TokenAnswer;

/// Lifetimes outside this range come from a clock or time-zone mismatch: the client then
/// falls back to `DurationToken`.
const PLAUSIBLE: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(48 * 3600);

/// Lifetime assumed when neither `TimeToLive` nor `DurationToken` is usable; a 401 still
/// triggers a fresh exchange.
const FALLBACK_LIFETIME: Duration = Duration::from_secs(300);

/// A session token and until when it may be reused without an exchange.
#[derive(Clone)]
pub(crate) struct Token {
    pub guid: SecretString,
    pub reuse_until: Instant,
}

/// What turning a token answer into a lifetime needs.
pub(crate) struct Lifetime {
    pub zone: ServerTimeZone,
    pub refresh_ahead: Duration,
    /// `DurationToken` × its unit, once the settings are known.
    pub duration_token: Option<Duration>,
}

impl Lifetime {
    /// How long the token lives, from `TimeToLive` read in the server's zone, else from
    /// `DurationToken`, else a short default.
    pub fn of(&self, time_to_live: Option<&str>, now: OffsetDateTime) -> Duration {
        let from_ttl = time_to_live
            .and_then(|t| clock::parse_naive(t, self.zone))
            .map(|local| self.zone.to_utc(local) - now)
            .and_then(|d| Duration::try_from(d).ok())
            .filter(|d| PLAUSIBLE.contains(d));
        from_ttl
            .or(self.duration_token.filter(|d| PLAUSIBLE.contains(d)))
            .unwrap_or(FALLBACK_LIFETIME)
    }

    /// The token of an answer, reusable until `refresh_ahead` before its end. A token that
    /// lives less than that is still used for the call that asked for it.
    pub fn token(&self, answer: TokenAnswer) -> Token {
        let lifetime = self.of(answer.time_to_live.as_deref(), OffsetDateTime::now_utc());
        Token {
            guid: SecretString::from(answer.token_guid),
            reuse_until: Instant::now() + lifetime.saturating_sub(self.refresh_ahead),
        }
    }
}

/// Whether `token` is the one that was refused (so concurrent callers exchange once).
pub(crate) fn same(token: &Token, refused: &SecretString) -> bool {
    token.guid.expose_secret() == refused.expose_secret()
}

/// Maps a failed token call: a refusal is about the API key, anything else keeps its class.
pub(crate) fn token_failure(err: SynetonError) -> SynetonError {
    match err {
        SynetonError::Unauthorized { status } | SynetonError::Rejected { status, .. } => {
            SynetonError::InvalidApiKey { status }
        }
        SynetonError::NotFound { .. } => SynetonError::InvalidApiKey { status: 404 },
        SynetonError::Forbidden { .. } | SynetonError::NotEnabled { .. } => {
            SynetonError::InvalidApiKey { status: 403 }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn lifetime(duration_token: Option<Duration>) -> Lifetime {
        Lifetime {
            zone: ServerTimeZone::Brussels,
            refresh_ahead: Duration::from_secs(30),
            duration_token,
        }
    }

    #[test]
    fn time_to_live_is_read_as_brussels_local_time() {
        // 14:33 CEST is 12:33 UTC: one hour after 11:33 UTC.
        let now = datetime!(2025-05-20 11:33 UTC);
        assert_eq!(
            lifetime(None).of(Some("2025-05-20T14:33:00"), now),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn an_implausible_time_to_live_falls_back_to_duration_token_then_a_default() {
        let now = datetime!(2025-05-20 11:33 UTC);
        let past = Some("2020-01-01T00:00:00");
        assert_eq!(
            lifetime(Some(Duration::from_secs(1200))).of(past, now),
            Duration::from_secs(1200)
        );
        assert_eq!(lifetime(None).of(past, now), FALLBACK_LIFETIME);
        assert_eq!(
            lifetime(None).of(Some("not a date"), now),
            FALLBACK_LIFETIME
        );
    }

    #[test]
    fn refusals_of_the_token_call_blame_the_api_key() {
        let refused = token_failure(SynetonError::Unauthorized { status: 401 });
        assert!(matches!(
            refused,
            SynetonError::InvalidApiKey { status: 401 }
        ));
        let busy = token_failure(SynetonError::Throttled { retry_after: None });
        assert!(busy.is_retryable());
    }
}
