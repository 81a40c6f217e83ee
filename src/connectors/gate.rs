//! [`RateGate`]: one per connection, shared by every task and every retry of it.
//!
//! Guarantees that the remote never sees two calls of the connection closer than the
//! configured interval. A governor quota of one call per interval (burst of one) spaces the
//! starts, and a one-permit semaphore keeps a single call in flight. Spacing starts is not
//! enough on its own: the remote timestamps a request when it gets to it, which can be
//! later than when it was sent (a busy server, a slow network), so the next call also waits
//! one interval after the previous call's *answer*. The remote cannot have seen the previous
//! request after it answered it, nor the next one before it was sent, so its gap is at least
//! the interval. On top, the remote side can ask for a pause (429, `Retry-After`, exhausted
//! budget headers): every caller then waits until the pause ends. A connection whose remote
//! counts calls per minute (Syneton's `RateLimit`, AdminPulse's 480/min) also gets a sliding
//! window: no more than N call starts within any window of the given length.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Added to the interval: covers timer and scheduling jitter between two starts.
const SAFETY_MARGIN: Duration = Duration::from_millis(3);

/// The pace keeper of one connection.
pub struct RateGate {
    interval: Duration,
    limiter: DefaultDirectRateLimiter,
    in_flight: Semaphore,
    paused_until: Mutex<Option<Instant>>,
    /// When the previous call's answer arrived (its permit was dropped).
    last_done: Mutex<Option<Instant>>,
    /// Optional calls-per-window budget, with the starts it has seen.
    window: Mutex<Option<CallWindow>>,
}

/// At most `limit` call starts within any `length`.
#[derive(Debug)]
struct CallWindow {
    limit: usize,
    length: Duration,
    starts: VecDeque<Instant>,
}

impl CallWindow {
    fn remaining(&mut self, now: Instant) -> Duration {
        while self
            .starts
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.length)
        {
            self.starts.pop_front();
        }
        if self.starts.len() < self.limit {
            return Duration::ZERO;
        }
        let oldest = self.starts[self.starts.len() - self.limit];
        (oldest + self.length).saturating_duration_since(now)
    }
}

impl std::fmt::Debug for RateGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateGate")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// Held while a call is in flight; dropping it (once the answer is read) lets the next
/// call proceed one interval later.
#[derive(Debug)]
pub struct CallPermit<'a> {
    gate: &'a RateGate,
    _permit: SemaphorePermit<'a>,
}

impl Drop for CallPermit<'_> {
    fn drop(&mut self) {
        *self.gate.last_done.lock().expect("gate mutex poisoned") = Some(Instant::now());
    }
}

impl RateGate {
    /// A gate letting one call start per `interval` at most.
    #[must_use]
    pub fn new(interval: Duration) -> Self {
        let period = interval.max(Duration::from_millis(1)) + SAFETY_MARGIN;
        let quota = Quota::with_period(period)
            .expect("period is positive")
            .allow_burst(NonZeroU32::MIN);
        Self {
            interval,
            limiter: RateLimiter::direct(quota),
            in_flight: Semaphore::new(1),
            paused_until: Mutex::new(None),
            last_done: Mutex::new(None),
            window: Mutex::new(None),
        }
    }

    /// Also allows at most `calls` starts within any `window` (replacing an earlier budget;
    /// starts already made count against the new one). `calls` = 0 removes the budget.
    pub fn limit_per_window(&self, calls: u32, window: Duration) {
        let mut current = self.window.lock().expect("gate mutex poisoned");
        if calls == 0 {
            *current = None;
            return;
        }
        let starts = current.take().map(|w| w.starts).unwrap_or_default();
        *current = Some(CallWindow {
            limit: calls as usize,
            length: window,
            starts,
        });
    }

    /// The per-window budget, if any: (calls, window).
    #[must_use]
    pub fn window_budget(&self) -> Option<(u32, Duration)> {
        let current = self.window.lock().expect("gate mutex poisoned");
        current
            .as_ref()
            .map(|w| (u32::try_from(w.limit).unwrap_or(u32::MAX), w.length))
    }

    /// The configured floor between two calls.
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits until a call may start, then holds the connection's single in-flight slot.
    pub async fn acquire(&self) -> CallPermit<'_> {
        let permit = self
            .in_flight
            .acquire()
            .await
            .expect("the semaphore is never closed");
        loop {
            let pause = self
                .pause_remaining()
                .max(self.since_last_done_remaining())
                .max(self.window_remaining());
            if pause.is_zero() {
                break;
            }
            tokio::time::sleep(pause).await;
        }
        self.limiter.until_ready().await;
        if let Some(w) = self.window.lock().expect("gate mutex poisoned").as_mut() {
            w.starts.push_back(Instant::now());
        }
        CallPermit {
            gate: self,
            _permit: permit,
        }
    }

    /// Makes every caller wait `duration` from now before its next call (longest wins).
    pub fn pause_for(&self, duration: Duration) {
        let until = Instant::now() + duration;
        let mut paused = self.paused_until.lock().expect("gate mutex poisoned");
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    fn window_remaining(&self) -> Duration {
        let mut window = self.window.lock().expect("gate mutex poisoned");
        window
            .as_mut()
            .map_or(Duration::ZERO, |w| w.remaining(Instant::now()))
    }

    fn since_last_done_remaining(&self) -> Duration {
        let last = self.last_done.lock().expect("gate mutex poisoned");
        last.map_or(Duration::ZERO, |done| {
            (done + self.interval).saturating_duration_since(Instant::now())
        })
    }

    /// How long the current pause still lasts.
    #[must_use]
    pub fn pause_remaining(&self) -> Duration {
        let paused = self.paused_until.lock().expect("gate mutex poisoned");
        paused.map_or(Duration::ZERO, |until| {
            until.saturating_duration_since(Instant::now())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn concurrent_callers_are_spaced_by_the_interval() {
        let gate = Arc::new(RateGate::new(Duration::from_millis(40)));
        let starts = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let gate = gate.clone();
            let starts = starts.clone();
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire().await;
                starts.lock().expect("lock").push(Instant::now());
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let mut starts = starts.lock().expect("lock").clone();
        starts.sort();
        for pair in starts.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(40),
                "{:?}",
                pair[1] - pair[0]
            );
        }
    }

    #[tokio::test]
    async fn the_next_call_waits_an_interval_after_the_previous_answer() {
        let gate = RateGate::new(Duration::from_millis(30));
        let permit = gate.acquire().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(permit);
        let answered = Instant::now();
        drop(gate.acquire().await);
        assert!(answered.elapsed() >= Duration::from_millis(30));
    }

    #[tokio::test]
    async fn no_window_holds_more_starts_than_its_budget() {
        let gate = RateGate::new(Duration::from_millis(1));
        gate.limit_per_window(3, Duration::from_millis(150));
        let mut starts = Vec::new();
        for _ in 0..7 {
            drop(gate.acquire().await);
            starts.push(Instant::now());
        }
        for i in 3..starts.len() {
            assert!(
                starts[i] - starts[i - 3] >= Duration::from_millis(150),
                "call {i} came {:?} after call {}",
                starts[i] - starts[i - 3],
                i - 3
            );
        }
        assert_eq!(gate.window_budget(), Some((3, Duration::from_millis(150))));
    }

    #[tokio::test]
    async fn a_pause_delays_the_next_call() {
        let gate = RateGate::new(Duration::from_millis(1));
        drop(gate.acquire().await);
        gate.pause_for(Duration::from_millis(80));
        let before = Instant::now();
        drop(gate.acquire().await);
        assert!(before.elapsed() >= Duration::from_millis(75));
    }
}
