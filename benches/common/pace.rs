//! The wall time a connection's configured pace allows, to compare a run against.

use std::time::Duration;

/// When the call after `calls` calls could start, under a floor `interval` and at most
/// `limit` starts per `window` (the gate's rules): `calls × interval` while the window does
/// not bind, as the HubSpot bench counts.
pub fn paced_wall(calls: u64, interval: Duration, limit: u64, window: Duration) -> Duration {
    let mut starts: Vec<Duration> = Vec::new();
    for k in 0..=calls as usize {
        let mut t = starts.last().map_or(Duration::ZERO, |p| *p + interval);
        if k >= limit as usize {
            t = t.max(starts[k - limit as usize] + window);
        }
        starts.push(t);
    }
    starts.last().copied().unwrap_or_default()
}
