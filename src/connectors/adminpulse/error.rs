//! AdminPulse failures, classified where they happen (accounting-apis.md §2.1): 429 is the
//! rate limit (480 calls/min), 401 an invalid, expired or under-scoped token or key. The
//! error body is not documented, so nothing of it is kept. Transport errors are stripped
//! of their URL.

use std::time::Duration;

/// What went wrong talking to AdminPulse.
#[derive(Debug, thiserror::Error)]
pub enum AdminPulseError {
    /// 429: too many calls.
    #[error("AdminPulse rate-limited the call")]
    RateLimited {
        /// `Retry-After`, when sent.
        retry_after: Option<Duration>,
    },
    /// 401 that a token refresh did not fix, or a refused API key.
    #[error("AdminPulse rejected the credentials (401)")]
    Unauthorized,
    /// The refresh token was refused: an admin must reconnect.
    #[error("AdminPulse refused the refresh token; the connection needs to be re-authorized")]
    NeedsReauth,
    /// 403.
    #[error("AdminPulse denied the call to {endpoint} (403)")]
    Forbidden {
        /// The endpoint called.
        endpoint: &'static str,
    },
    /// 404.
    #[error("AdminPulse has no such record")]
    NotFound,
    /// Another 4xx a retry cannot fix.
    #[error("AdminPulse rejected the call to {endpoint} with status {status}")]
    Rejected {
        /// The endpoint called.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
    },
    /// 408, 5xx: transient.
    #[error("AdminPulse is temporarily unavailable (status {status})")]
    Unavailable {
        /// HTTP status (0: the token endpoint could not be reached).
        status: u16,
        /// `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// Timeout, reset, refused connection (URL stripped).
    #[error("could not reach AdminPulse")]
    Transport(#[source] reqwest::Error),
    /// A body that is not what the API documents.
    #[error("could not decode AdminPulse's answer to {endpoint} (line {line}, column {column})")]
    Decode {
        /// The endpoint called.
        endpoint: &'static str,
        /// Position of the fault.
        line: usize,
        /// Position of the fault.
        column: usize,
    },
    /// The configured URLs cannot be used.
    #[error("invalid AdminPulse URL: {0}")]
    BadUrl(&'static str),
}

impl AdminPulseError {
    /// Whether the same call may succeed if retried after a delay.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Unavailable { .. }
                | Self::Transport(_)
                | Self::Decode { .. }
        )
    }

    /// The delay AdminPulse asked for, if any.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } | Self::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    pub(crate) fn transport(e: reqwest::Error) -> Self {
        Self::Transport(e.without_url())
    }

    pub(crate) fn decode(endpoint: &'static str, e: &serde_json::Error) -> Self {
        Self::Decode {
            endpoint,
            line: e.line(),
            column: e.column(),
        }
    }
}

/// Classifies a non-success answer.
pub(crate) fn classify(
    endpoint: &'static str,
    status: u16,
    retry_after: Option<Duration>,
) -> AdminPulseError {
    match status {
        429 => AdminPulseError::RateLimited { retry_after },
        401 => AdminPulseError::Unauthorized,
        403 => AdminPulseError::Forbidden { endpoint },
        404 => AdminPulseError::NotFound,
        408 | 500..=599 => AdminPulseError::Unavailable {
            status,
            retry_after,
        },
        _ => AdminPulseError::Rejected { endpoint, status },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_decisions_follow_the_status_table() {
        for s in [429, 408, 500, 502, 503, 504] {
            assert!(classify("relations", s, None).is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!classify("relations", s, None).is_retryable(), "{s}");
        }
        let wait = Some(Duration::from_secs(20));
        assert_eq!(classify("relations", 429, wait).retry_after(), wait);
    }
}
