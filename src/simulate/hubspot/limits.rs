//! Rate limits: the ten-secondly rolling bucket, the daily budget, the search limit
//! (5/s) and the `--min-interval-ms` spacing check, with HubSpot's 429 bodies and headers.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::errors::{correlation_id, json_response};
use super::settings::Settings;

const TEN_SECONDS: Duration = Duration::from_secs(10);
const ONE_SECOND: Duration = Duration::from_secs(1);
pub const SEARCH_PER_SECOND: usize = 5;

/// Counters of the rolling windows.
#[derive(Debug, Default)]
pub struct Limits {
    pub last_start: Option<Instant>,
    pub ten_secondly: VecDeque<Instant>,
    pub search: VecDeque<Instant>,
    pub daily_count: u64,
    pub daily_day: i64,
}

/// Which bucket a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Ordinary API calls: ten-secondly + daily, with headers.
    Standard,
    /// Search: 5/s + daily, no headers.
    Search,
    /// Association batch calls: daily only (exempt from the ten-second bucket).
    AssocBatch,
    /// The OAuth token endpoint: not limited.
    None,
}

/// The documented 429 body of a policy.
pub fn too_many(policy: &str) -> Response {
    let message = match policy {
        "DAILY" => "You have reached your daily limit.",
        "SECONDLY" => "You have reached your secondly limit.",
        _ => "You have reached your ten_secondly_rolling limit.",
    };
    let cid = correlation_id();
    let body = json!({"status": "error", "message": message, "errorType": "RATE_LIMIT", "correlationId": cid,
                      "policyName": policy, "category": "RATE_LIMITS"});
    json_response(StatusCode::TOO_MANY_REQUESTS, &body, &cid)
}

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
}

impl Limits {
    /// The min-interval check; every non-admin call moves the reference point.
    pub fn check_interval(&mut self, cfg: &Settings, started: Instant) -> Result<(), &'static str> {
        let prev = self.last_start.replace(started);
        match (cfg.min_interval_ms, prev) {
            (Some(min), Some(prev))
                if started.saturating_duration_since(prev) < Duration::from_millis(min) =>
            {
                Err("TEN_SECONDLY_ROLLING")
            }
            _ => Ok(()),
        }
    }

    /// Counts a call against its buckets, or answers 429.
    /// `Err` carries the policy name of the exceeded limit.
    pub fn admit(
        &mut self,
        cfg: &Settings,
        bucket: Bucket,
        now: Instant,
    ) -> Result<(), &'static str> {
        if bucket == Bucket::None {
            return Ok(());
        }
        let day = super::types::now_ms() / 86_400_000;
        if day != self.daily_day {
            self.daily_day = day;
            self.daily_count = 0;
        }
        if self.daily_count >= cfg.daily_limit {
            return Err("DAILY");
        }
        match bucket {
            Bucket::Search => {
                prune(&mut self.search, now, ONE_SECOND);
                if self.search.len() >= SEARCH_PER_SECOND {
                    return Err("SECONDLY");
                }
                self.search.push_back(now);
            }
            Bucket::Standard => {
                prune(&mut self.ten_secondly, now, TEN_SECONDS);
                if self.ten_secondly.len() >= cfg.ten_second_limit as usize {
                    return Err("TEN_SECONDLY_ROLLING");
                }
                self.ten_secondly.push_back(now);
            }
            Bucket::AssocBatch | Bucket::None => {}
        }
        self.daily_count += 1;
        Ok(())
    }

    /// `X-HubSpot-RateLimit-*` headers (daily ones only for static tokens).
    pub fn headers(&mut self, cfg: &Settings, with_daily: bool, now: Instant) -> HeaderMap {
        prune(&mut self.ten_secondly, now, TEN_SECONDS);
        let max = u64::from(cfg.ten_second_limit);
        let remaining = max.saturating_sub(self.ten_secondly.len() as u64);
        let mut h = HeaderMap::new();
        let mut put = |k: &'static str, v: u64| {
            if let Ok(v) = HeaderValue::from_str(&v.to_string()) {
                h.insert(k, v);
            }
        };
        put("x-hubspot-ratelimit-max", max);
        put("x-hubspot-ratelimit-remaining", remaining);
        put("x-hubspot-ratelimit-interval-milliseconds", 10_000);
        if with_daily {
            put("x-hubspot-ratelimit-daily", cfg.daily_limit);
            put(
                "x-hubspot-ratelimit-daily-remaining",
                cfg.daily_limit.saturating_sub(self.daily_count),
            );
        }
        h
    }
}
