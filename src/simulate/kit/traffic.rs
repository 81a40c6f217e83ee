//! What a simulator's gate keeps of the calls it sees: the request log, the fault queue,
//! and a sliding window of call starts for a per-minute rate limit.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::response::Response;
use serde_json::{Value, json};

use super::faults::Fault;
use super::{lock, now_ms};

/// One served request, for tests and the admin log.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// HTTP method.
    pub method: String,
    /// Path, with secrets in it (the Syneton API key) replaced by `[redacted]`.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// Status answered; 0 when the connection was dropped on purpose.
    pub status: u16,
    /// When it arrived.
    pub started_at: Instant,
    /// When it arrived, in Unix milliseconds.
    pub started_at_unix_ms: i64,
    /// How long it took.
    pub duration_ms: u64,
}

impl LoggedRequest {
    /// The entry of a call arriving now, logged under `path`.
    pub fn arriving<B>(req: &axum::http::Request<B>, path: String) -> Self {
        Self {
            method: req.method().to_string(),
            path,
            query: req.uri().query().map(String::from),
            status: 0,
            started_at: Instant::now(),
            started_at_unix_ms: now_ms(),
            duration_ms: 0,
        }
    }
}

/// Whether `path` is one of the admin endpoints, which are neither limited nor logged.
pub fn is_admin(path: &str) -> bool {
    path.starts_with("/_sim/") || path == "/_sim"
}

/// The request log and the fault queue of one simulator.
#[derive(Debug)]
pub struct Traffic {
    /// Every non-admin call served, oldest first.
    pub log: Mutex<Vec<LoggedRequest>>,
    /// Faults waiting for the calls they match.
    pub faults: Mutex<VecDeque<Fault>>,
    /// The simulator's own fault kinds, besides HTTP statuses.
    pub kinds: &'static [&'static str],
}

impl Traffic {
    /// Nothing logged or queued yet; `kinds` are the simulator's named faults.
    pub fn new(kinds: &'static [&'static str]) -> Self {
        Self {
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
            kinds,
        }
    }

    /// The next queued fault matching `path`, if any.
    pub fn take_fault(&self, path: &str) -> Option<Fault> {
        super::faults::take_fault(&mut lock(&self.faults), path)
    }

    /// Logs `entry` with the status it was answered and how long that took.
    pub fn record(&self, mut entry: LoggedRequest, status: u16) {
        entry.status = status;
        entry.duration_ms =
            u64::try_from(entry.started_at.elapsed().as_millis()).unwrap_or(u64::MAX);
        lock(&self.log).push(entry);
    }

    /// Logs `entry` as dropped and drops its connection: the handler's panic makes hyper
    /// close it without an answer, as a `reset` fault asks.
    pub fn reset(&self, entry: LoggedRequest) -> ! {
        self.record(entry, 0);
        std::panic::resume_unwind(Box::new("simulated connection reset"));
    }

    /// Answers a call the gate admitted with `serve`, a refused one with its refusal, and
    /// drops the connection for `Err(None)`; the call is logged in every case.
    pub async fn answer(
        &self,
        entry: LoggedRequest,
        admission: Result<(), Option<Response>>,
        serve: impl Future<Output = Response>,
    ) -> Response {
        let answer = match admission {
            Ok(()) => serve.await,
            Err(Some(refusal)) => refusal,
            Err(None) => self.reset(entry),
        };
        self.record(entry, answer.status().as_u16());
        answer
    }

    /// Forgets every logged call and queued fault.
    pub fn clear(&self) {
        lock(&self.log).clear();
        lock(&self.faults).clear();
    }
}

/// `GET /_sim/requests`: `{total, counts{"GET /path": n}, byStatus, requests[…]}`.
pub fn requests_json(log: &[LoggedRequest]) -> Value {
    let mut counts = BTreeMap::<String, u64>::new();
    let mut by_status = BTreeMap::<String, u64>::new();
    let items: Vec<Value> = log
        .iter()
        .map(|r| {
            *counts
                .entry(format!("{} {}", r.method, r.path))
                .or_default() += 1;
            *by_status.entry(r.status.to_string()).or_default() += 1;
            json!({"method": r.method, "path": r.path, "query": r.query, "status": r.status,
                   "startedAtMs": r.started_at_unix_ms, "durationMs": r.duration_ms})
        })
        .collect();
    json!({"total": items.len(), "counts": counts, "byStatus": by_status, "requests": items})
}

/// Call starts within a sliding window, as a server-side rate limiter counts them.
#[derive(Debug, Default)]
pub struct SlidingWindow {
    starts: VecDeque<Instant>,
}

impl SlidingWindow {
    /// Counts a call at `now` unless `limit` calls already started within `window`.
    pub fn admit(&mut self, now: Instant, limit: u32, window: Duration) -> bool {
        while self
            .starts
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            self.starts.pop_front();
        }
        if self.starts.len() >= limit as usize {
            return false;
        }
        self.starts.push_back(now);
        true
    }

    /// Forgets every counted call.
    pub fn clear(&mut self) {
        self.starts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_refuses_the_call_past_the_limit() {
        let mut w = SlidingWindow::default();
        let t = Instant::now();
        assert!(w.admit(t, 2, Duration::from_secs(60)));
        assert!(w.admit(t, 2, Duration::from_secs(60)));
        assert!(!w.admit(t, 2, Duration::from_secs(60)));
        assert!(w.admit(t + Duration::from_secs(60), 2, Duration::from_secs(60)));
    }
}
