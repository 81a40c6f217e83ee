//! Syneton failures, classified where they happen (accounting-apis.md §1.11): each says
//! whether a retry can help. Syneton throttles with a **403** whose message reads "You are
//! throttling the system", not a 429.
//!
//! Must not: carry the API key (it sits in the token URL's path, so every transport error
//! is stripped of its URL), or show server messages in `Display` (they can quote the values
//! sent, names and e-mails). Decode errors keep the position only, never serde's text,
//! which can quote the body.

use std::time::Duration;

/// What went wrong talking to Syneton.
#[derive(Debug, thiserror::Error)]
pub enum SynetonError {
    /// The token call refused the API key.
    #[error("Syneton refused the API key (status {status})")]
    InvalidApiKey {
        /// HTTP status of the token call.
        status: u16,
    },
    /// A token was refused even after exchanging the API key for a new one.
    #[error("Syneton refused the session token (status {status})")]
    Unauthorized {
        /// HTTP status.
        status: u16,
    },
    /// 403 "You are throttling the system" (or a 429): slow down and retry.
    #[error("Syneton is throttling the connection")]
    Throttled {
        /// `Retry-After`, if Syneton sent one (not documented).
        retry_after: Option<Duration>,
    },
    /// 403 "No valid configuration for token": the endpoint is not enabled for this key.
    #[error("the Syneton API key is not enabled for {endpoint}")]
    NotEnabled {
        /// The endpoint called, without ids.
        endpoint: &'static str,
    },
    /// Any other 403.
    #[error("Syneton denied the call to {endpoint}")]
    Forbidden {
        /// The endpoint called.
        endpoint: &'static str,
    },
    /// 404; `nothing_found` when the body says "Nothing found": an empty result, not a
    /// missing route.
    #[error("Syneton found nothing at {endpoint}")]
    NotFound {
        /// The endpoint called.
        endpoint: &'static str,
        /// The body was Syneton's "nothing found" message.
        nothing_found: bool,
    },
    /// 414: the filter made the URL too long.
    #[error("the request URI was too long for Syneton (414)")]
    UriTooLong,
    /// Any other 4xx that a retry cannot fix (validation errors).
    #[error("Syneton rejected the call to {endpoint} with status {status}")]
    Rejected {
        /// The endpoint called.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// `ErrorMessage`s; may quote sent values, so never logged.
        messages: Vec<String>,
    },
    /// 408, 5xx: transient.
    #[error("Syneton is temporarily unavailable (status {status})")]
    Unavailable {
        /// HTTP status.
        status: u16,
        /// `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// Timeout, reset, refused connection. The URL is stripped (it can hold the API key).
    #[error("could not reach Syneton")]
    Transport(#[source] reqwest::Error),
    /// A body that is not what the API documents.
    #[error("could not decode Syneton's answer to {endpoint} (line {line}, column {column})")]
    Decode {
        /// The endpoint called.
        endpoint: &'static str,
        /// Position of the fault.
        line: usize,
        /// Position of the fault.
        column: usize,
    },
    /// A change window of one second still returned the 1000-row cap: rows may be lost.
    #[error("Syneton's change feed returned its {cap}-row cap for a one-second window")]
    WindowSaturated {
        /// The cap.
        cap: usize,
    },
    /// A `Link` target on another origin: the token is never sent there.
    #[error("Syneton's next-page link points outside the configured base URL")]
    ForeignLink,
    /// The configured base URL cannot be used.
    #[error("invalid Syneton base URL: {0}")]
    BaseUrl(&'static str),
}

impl SynetonError {
    /// Whether the same call may succeed if retried after a delay.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttled { .. }
                | Self::Unavailable { .. }
                | Self::Transport(_)
                // A truncated or garbled success body is a transport fault in practice.
                | Self::Decode { .. }
        )
    }

    /// The delay Syneton asked for, if any.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after } | Self::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A transport error without its URL.
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

/// `{"ErrorMessage": "…"}` or a list of them; anything else yields no message.
pub(crate) fn messages(body: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct One {
        #[serde(rename = "ErrorMessage", alias = "errorMessage", alias = "Message")]
        message: Option<String>,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Shape {
        One(One),
        Many(Vec<One>),
    }
    match serde_json::from_slice::<Shape>(body) {
        Ok(Shape::One(one)) => one.message.into_iter().collect(),
        Ok(Shape::Many(many)) => many.into_iter().filter_map(|m| m.message).collect(),
        Err(_) => Vec::new(),
    }
}

/// Classifies a non-success answer of `endpoint`.
pub(crate) fn classify(
    endpoint: &'static str,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> SynetonError {
    let messages = messages(body);
    let says = |needle: &str| {
        messages
            .iter()
            .any(|m| m.to_ascii_lowercase().contains(needle))
    };
    match status {
        401 => SynetonError::Unauthorized { status },
        403 if says("throttling the system") => SynetonError::Throttled { retry_after },
        403 if says("no valid configuration") => SynetonError::NotEnabled { endpoint },
        403 => SynetonError::Forbidden { endpoint },
        429 => SynetonError::Throttled { retry_after },
        404 => SynetonError::NotFound {
            endpoint,
            nothing_found: says("nothing found")
                || says("no extradata found")
                || says("no taskdata found"),
        },
        414 => SynetonError::UriTooLong,
        408 | 500..=599 => SynetonError::Unavailable {
            status,
            retry_after,
        },
        _ => SynetonError::Rejected {
            endpoint,
            status,
            messages,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_messages_map_to_the_documented_classes() {
        let c = |s, body: &str| classify("customers", s, None, body.as_bytes());
        assert!(matches!(
            c(403, r#"{"ErrorMessage":"You are throttling the system"}"#),
            SynetonError::Throttled { .. }
        ));
        assert!(matches!(
            c(403, r#"[{"ErrorMessage":"you are THROTTLING the system"}]"#),
            SynetonError::Throttled { .. }
        ));
        assert!(matches!(
            c(
                403,
                r#"{"ErrorMessage":"No valid configuration for token"}"#
            ),
            SynetonError::NotEnabled { .. }
        ));
        assert!(matches!(c(403, "<html>"), SynetonError::Forbidden { .. }));
        assert!(matches!(
            c(404, r#"{"ErrorMessage":"Nothing found"}"#),
            SynetonError::NotFound {
                nothing_found: true,
                ..
            }
        ));
        assert!(matches!(
            c(404, "Not Found"),
            SynetonError::NotFound {
                nothing_found: false,
                ..
            }
        ));
        assert!(matches!(c(414, ""), SynetonError::UriTooLong));
        assert!(matches!(
            c(401, r#"{"ErrorMessage":"Invalid token"}"#),
            SynetonError::Unauthorized { .. }
        ));
        for s in [408, 500, 502, 503, 504] {
            assert!(c(s, "").is_retryable(), "{s}");
        }
        for s in [400, 401, 404, 414] {
            assert!(!c(s, "{}").is_retryable(), "{s}");
        }
        assert!(c(403, r#"{"ErrorMessage":"You are throttling the system"}"#).is_retryable());
    }

    #[test]
    fn validation_messages_are_kept_but_not_displayed() {
        let err = classify(
            "customers",
            400,
            None,
            br#"[{"ErrorMessage":"Email jan@example.be is invalid"},{"ErrorMessage":"Name is required"}]"#,
        );
        let SynetonError::Rejected { messages, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(messages.len(), 2);
        assert!(!err.to_string().contains("jan@"));
    }
}
