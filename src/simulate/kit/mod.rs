//! What the HubSpot, Syneton and AdminPulse simulators share: the [`Simulator`] surface the
//! commands and tests use, the request log and fault queue behind every gate ([`traffic`],
//! [`faults`]) with their admin endpoints ([`admin`]), and deterministic seed data
//! ([`random`]).

pub mod admin;
pub mod faults;
pub mod random;
pub mod traffic;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

pub use faults::{Effect, Fault, take_fault, with_retry_after};
pub use random::{Rng, be_enterprise_number, be_invalid_number, fr_vat, siret};
pub use traffic::{LoggedRequest, SlidingWindow, Traffic, requests_json};

/// Locks a mutex, ignoring poisoning (a panicking handler must not wedge the simulator).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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

/// Binds a listener on loopback (the simulators never listen elsewhere); port 0 picks one.
///
/// # Errors
/// When the port is taken.
pub async fn bind_loopback(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await
}

/// A simulator as the commands and tests run it: cheap to clone, all clones share one
/// state.
pub trait Simulator: Clone + Send + Sync + 'static {
    /// The whole API and the admin endpoints.
    fn router(&self) -> axum::Router;

    /// The calls seen and the faults waiting.
    fn traffic(&self) -> &Traffic;

    /// Serves on `listener` until `shutdown` completes.
    fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> impl Future<Output = std::io::Result<()>> + Send {
        let router = self.router();
        async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        }
    }

    /// Every non-admin request served so far, oldest first.
    fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.traffic().log).clone()
    }

    /// Number of logged requests per `"METHOD /path"`.
    fn request_counts(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for r in lock(&self.traffic().log).iter() {
            *out.entry(format!("{} {}", r.method, r.path)).or_insert(0) += 1;
        }
        out
    }
}
