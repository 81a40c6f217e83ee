//! Faults injected through `POST /_sim/faults`: the queue's entries, which call takes one,
//! and what the kinds every simulator knows do (`timeout`, `reset`, any HTTP status). Each
//! simulator answers its own named kinds in its API's shapes.

use std::collections::VecDeque;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// One queued fault: the next `count` matching calls get it instead of their answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// The simulator's fault name, or any HTTP status 400-599.
    pub kind: String,
    /// How many of the next calls it affects.
    #[serde(default = "one")]
    pub count: u32,
    /// Only calls whose path contains this string.
    #[serde(default)]
    pub path_contains: Option<String>,
    /// Delay of a `timeout` before it answers 504 (default 30 s).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// `Retry-After` seconds to send with a throttling answer.
    #[serde(default)]
    pub retry_after_s: Option<u64>,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// Whether `kind` is one of `named` or an HTTP error status.
    pub fn valid(&self, named: &[&str]) -> bool {
        named.contains(&self.kind.as_str()) || self.status().is_some()
    }

    /// The HTTP error status the kind names, if it names one.
    fn status(&self) -> Option<StatusCode> {
        self.kind
            .parse::<u16>()
            .ok()
            .filter(|c| (400..=599).contains(c))
            .and_then(|c| StatusCode::from_u16(c).ok())
    }

    /// What the fault does to the call that takes it: `own` answers the simulator's named
    /// kinds (and may take a status, to answer it in its own way); `timeout` and `reset`
    /// work alike everywhere, and any other status is answered by `status_error`.
    pub fn effect(
        &self,
        own: impl FnOnce(&Self) -> Option<Response>,
        status_error: impl FnOnce(StatusCode) -> Response,
    ) -> Effect {
        if let Some(answer) = own(self) {
            return Effect::Respond(answer);
        }
        match self.kind.as_str() {
            "timeout" => Effect::Timeout(Duration::from_millis(self.delay_ms.unwrap_or(30_000))),
            "reset" => Effect::Reset,
            _ => Effect::Respond(status_error(
                self.status().unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            )),
        }
    }
}

/// What the gate does for a faulted call.
pub enum Effect {
    /// Answer this instead.
    Respond(Response),
    /// Sleep, then answer 504 as a proxy in front would.
    Timeout(Duration),
    /// Drop the connection without an answer.
    Reset,
}

impl Effect {
    /// The answer to send, after the delay of a timeout; `None` drops the connection.
    pub async fn answer(self) -> Option<Response> {
        match self {
            Self::Respond(answer) => Some(answer),
            Self::Timeout(delay) => {
                tokio::time::sleep(delay).await;
                Some((StatusCode::GATEWAY_TIMEOUT, "upstream request timeout").into_response())
            }
            Self::Reset => None,
        }
    }
}

/// Takes the next fault matching `path`, if any.
pub fn take_fault(queue: &mut VecDeque<Fault>, path: &str) -> Option<Fault> {
    let idx = queue
        .iter()
        .position(|f| f.count > 0 && f.path_contains.as_deref().is_none_or(|p| path.contains(p)))?;
    let f = queue.get_mut(idx)?;
    f.count -= 1;
    let out = f.clone();
    if f.count == 0 {
        queue.remove(idx);
    }
    Some(out)
}

/// `answer` with `Retry-After: secs`, when given.
pub fn with_retry_after(mut answer: Response, secs: Option<u64>) -> Response {
    if let Some(v) = secs.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        answer.headers_mut().insert("retry-after", v);
    }
    answer
}
