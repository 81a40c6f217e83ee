//! HubSpot failures, classified where they happen (house style §2.6): each says whether a
//! retry can help. `Display` shows the status and HubSpot's category, never the message
//! body, which can quote the values sent (e-mails, names).

use std::time::Duration;

/// Longest `Retry-After` a call waits out itself; longer ones end the run.
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(120);

/// Which rate limit answered 429 (`policyName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// `TEN_SECONDLY_ROLLING`: wait the interval.
    TenSecondly,
    /// `SECONDLY`: the search limit; back off searches.
    Secondly,
    /// `DAILY`: pause the connection until the reset.
    Daily,
    /// No or unknown policy name.
    Other,
}

impl Policy {
    /// From the 429 body's `policyName`.
    #[must_use]
    pub fn from_name(name: Option<&str>) -> Self {
        match name {
            Some("TEN_SECONDLY_ROLLING") => Self::TenSecondly,
            Some("SECONDLY") => Self::Secondly,
            Some("DAILY") => Self::Daily,
            _ => Self::Other,
        }
    }
}

/// What went wrong talking to HubSpot.
#[derive(Debug, thiserror::Error)]
pub enum HubSpotError {
    /// 429 from a short-term limit.
    #[error("HubSpot rate-limited the call ({policy:?})")]
    RateLimited {
        /// Which limit.
        policy: Policy,
        /// How long HubSpot asks to wait.
        retry_after: Option<Duration>,
    },
    /// The daily budget is spent (429 `DAILY`) or only the configured reserve is left.
    #[error("HubSpot's daily call budget is used up; the connection waits for the reset")]
    DailyLimit {
        /// When calls may resume.
        resume_after: Duration,
    },
    /// 401 that a token refresh did not fix, or a static token HubSpot refuses.
    #[error("HubSpot rejected the credentials ({category})")]
    Unauthorized {
        /// HubSpot's category, e.g. `EXPIRED_AUTHENTICATION`.
        category: String,
    },
    /// The refresh token is invalid, expired or revoked: an admin must reconnect.
    #[error("HubSpot refused the refresh token; the connection needs to be re-authorized")]
    NeedsReauth,
    /// 403: missing scopes.
    #[error("HubSpot denied the call: missing scopes ({category})")]
    Forbidden {
        /// HubSpot's category.
        category: String,
    },
    /// 404.
    #[error("HubSpot has no such record")]
    NotFound,
    /// 409, with the existing record's id when HubSpot names it.
    #[error("HubSpot reports a conflict with an existing record")]
    Conflict {
        /// `Existing ID: …` from the message.
        existing_id: Option<String>,
    },
    /// Any other 4xx that a retry cannot fix (400 validation, 414, …).
    #[error("HubSpot rejected the request with status {status} ({category})")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// HubSpot's category.
        category: String,
        /// HubSpot's message; may quote sent values, so never logged.
        message: String,
    },
    /// 423, 477, 5xx: transient on HubSpot's side.
    #[error("HubSpot is temporarily unavailable (status {status})")]
    Unavailable {
        /// HTTP status.
        status: u16,
        /// `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// Timeout, reset, refused connection.
    #[error("could not reach HubSpot")]
    Transport(#[source] reqwest::Error),
    /// A body that is not what the API documents.
    #[error("could not decode HubSpot's response")]
    Decode(#[source] serde_json::Error),
}

impl HubSpotError {
    /// Whether the same call may succeed if retried (after a delay).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            // 477 can ask for hours: that pauses the connection instead of blocking a run.
            Self::Unavailable {
                retry_after: Some(wait),
                ..
            } => *wait <= MAX_INLINE_WAIT,
            Self::RateLimited { .. } | Self::Unavailable { .. } | Self::Transport(_) => true,
            // A truncated or garbled body is a transport fault in practice.
            Self::Decode(_) => true,
            _ => false,
        }
    }

    /// The delay HubSpot asked for, if any.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

/// HubSpot's error body; every field optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub policy_name: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// Classifies a non-success answer.
pub(crate) fn classify(status: u16, retry_after: Option<Duration>, body: &[u8]) -> HubSpotError {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    match status {
        429 => {
            let policy = Policy::from_name(parsed.policy_name.as_deref());
            if policy == Policy::Daily {
                HubSpotError::DailyLimit {
                    resume_after: retry_after.unwrap_or_else(until_reset),
                }
            } else {
                HubSpotError::RateLimited {
                    policy,
                    retry_after,
                }
            }
        }
        400 if parsed.error.as_deref() == Some("invalid_grant") => HubSpotError::NeedsReauth,
        401 => HubSpotError::Unauthorized {
            category: parsed.category,
        },
        403 => HubSpotError::Forbidden {
            category: parsed.category,
        },
        404 => HubSpotError::NotFound,
        409 => HubSpotError::Conflict {
            existing_id: parsed
                .message
                .split("Existing ID:")
                .nth(1)
                .map(|s| s.trim().trim_end_matches('.').to_owned())
                .filter(|s| !s.is_empty()),
        },
        423 | 477 | 500..=599 => HubSpotError::Unavailable {
            status,
            retry_after,
        },
        _ => HubSpotError::Rejected {
            status,
            category: parsed.category,
            message: parsed.message,
        },
    }
}

/// HubSpot resets the daily budget at midnight in the account's time zone, which the API
/// does not tell; UTC midnight plus one hour covers European portals.
pub(crate) fn until_reset() -> Duration {
    let now = time::OffsetDateTime::now_utc();
    let seconds_today =
        u64::from(now.hour()) * 3600 + u64::from(now.minute()) * 60 + u64::from(now.second());
    Duration::from_secs(86_400 - seconds_today + 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_decisions_follow_the_status_table() {
        let c = |s, body: &str| classify(s, None, body.as_bytes());
        assert!(c(429, r#"{"policyName":"TEN_SECONDLY_ROLLING"}"#).is_retryable());
        assert!(c(429, r#"{"policyName":"SECONDLY"}"#).is_retryable());
        assert!(matches!(
            c(429, r#"{"policyName":"DAILY"}"#),
            HubSpotError::DailyLimit { .. }
        ));
        for status in [423, 477, 500, 502, 503, 504, 521, 530] {
            assert!(c(status, "").is_retryable(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 414] {
            assert!(!c(status, "{}").is_retryable(), "{status}");
        }
    }

    #[test]
    fn conflict_carries_the_existing_id_and_display_hides_messages() {
        let err = classify(409, None, br#"{"status":"error","message":"Contact already exists. Existing ID: 123","category":"CONFLICT"}"#);
        assert!(matches!(&err, HubSpotError::Conflict { existing_id: Some(id) } if id == "123"));
        let err = classify(
            400,
            None,
            br#"{"message":"Email jeanne@example.fr is invalid","category":"VALIDATION_ERROR"}"#,
        );
        assert!(!err.to_string().contains("jeanne"));
        assert!(err.to_string().contains("VALIDATION_ERROR"));
    }

    #[test]
    fn a_migration_pause_of_hours_is_not_waited_out_inline() {
        assert!(classify(477, Some(Duration::from_secs(30)), b"").is_retryable());
        assert!(!classify(477, Some(Duration::from_secs(7200)), b"").is_retryable());
    }

    #[test]
    fn invalid_grant_means_reauthorization() {
        let err = classify(
            400,
            None,
            br#"{"error":"invalid_grant","status":"BAD_REFRESH_TOKEN"}"#,
        );
        assert!(matches!(err, HubSpotError::NeedsReauth));
    }
}
