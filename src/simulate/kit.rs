//! Pieces shared by the Syneton and AdminPulse simulators: a deterministic PRNG, Belgian
//! and French company numbers, the request log, the fault queue and a sliding call window.
//! The HubSpot simulator predates this module and keeps its own copies.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Locks a mutex, ignoring poisoning (a panicking handler must not wedge the simulator).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// splitmix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A valid Belgian enterprise number (10 digits, mod-97), mostly in the 0-series.
pub fn be_enterprise_number(rng: &mut Rng) -> String {
    loop {
        let first = if rng.chance(5) { 1 } else { 0 };
        let body = first * 10_000_000 + rng.below(10_000_000);
        let check = 97 - body % 97;
        let s = format!("{body:08}{check:02}");
        if s != "0000000097" {
            return s;
        }
    }
}

/// A Belgian-looking number whose check digits are wrong.
pub fn be_invalid_number(rng: &mut Rng) -> String {
    let body = rng.below(10_000_000);
    let check = (97 - body % 97) % 97 + 1;
    format!("{body:08}{:02}", check % 100)
}

fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A SIRET whose SIREN and 14 digits are Luhn-valid (never La Poste's SIREN).
pub fn siret(rng: &mut Rng) -> String {
    loop {
        let mut d: Vec<u8> = (0..8).map(|_| rng.below(10) as u8).collect();
        if d[0] == 0 {
            d[0] = 1 + rng.below(9) as u8;
        }
        d.push(luhn_check_digit(&d));
        d.extend([0, 0, 0, 1 + rng.below(5) as u8]);
        d.push(luhn_check_digit(&d));
        let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
        if !s.starts_with("356000000") {
            return s;
        }
    }
}

/// The French VAT number of a SIREN (numeric key).
pub fn fr_vat(siren: &str) -> String {
    let n: u64 = siren.parse().unwrap_or(0);
    format!("FR{:02}{siren}", (12 + 3 * (n % 97)) % 97)
}

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

/// `GET /_sim/requests`: `{total, counts{"GET /path": n}, byStatus, requests[…]}`.
pub fn requests_json(log: &[LoggedRequest]) -> Value {
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    let mut by_status = std::collections::BTreeMap::<String, u64>::new();
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

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX)
}

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
        named.contains(&self.kind.as_str())
            || self
                .kind
                .parse::<u16>()
                .is_ok_and(|c| (400..=599).contains(&c))
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

/// Binds a listener on loopback (the simulators never listen elsewhere); port 0 picks one.
///
/// # Errors
/// When the port is taken.
pub async fn bind_loopback(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mod97_ok(s: &str) -> bool {
        let body: u64 = s[..8].parse().expect("digits");
        let check: u64 = s[8..].parse().expect("digits");
        check == 97 - body % 97
    }

    #[test]
    fn generated_belgian_numbers_pass_or_fail_mod97_as_asked() {
        let mut rng = Rng::new(7);
        for _ in 0..500 {
            let good = be_enterprise_number(&mut rng);
            assert_eq!(good.len(), 10);
            assert!(good.starts_with('0') || good.starts_with('1'));
            assert!(mod97_ok(&good), "{good}");
            let bad = be_invalid_number(&mut rng);
            assert_eq!(bad.len(), 10);
            assert!(!mod97_ok(&bad), "{bad}");
        }
    }

    #[test]
    fn french_vat_key_matches_the_worked_example() {
        assert_eq!(fr_vat("732829320"), "FR44732829320");
    }

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
