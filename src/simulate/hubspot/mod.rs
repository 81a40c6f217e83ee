//! HubSpot CRM API simulator (`crmsync simulate hubspot`, spec §7, hubspot-api.md §17):
//! stateful, loopback only, with HubSpot's paths, JSON shapes, limits and errors.
//!
//! Served paths (legacy and date-versioned families, e.g. `/crm/v3/objects/contacts` and
//! `/crm/objects/2026-03/contacts`): objects (list, read, create, update, archive, batch
//! read/create/update/upsert/archive, search, merge, gdpr-delete) for contacts, companies,
//! deals, calls, meetings, emails, notes, tasks; associations v4 (`/crm/v4/associations/…`
//! batch endpoints, `/crm/v4/objects/{type}/{id}/associations/…`); properties; deal
//! pipelines and stages; owners; `POST /oauth/{v1|v3|2026-03}/token`,
//! `GET /oauth/v1/access-tokens/{token}`, `DELETE /oauth/v1/refresh-tokens/{token}`.
//!
//! Admin endpoints under `/_sim/` (no auth, never rate limited, not logged):
//! - `POST /_sim/reset`: reseed from the configuration, clear log, faults and limits.
//! - `GET /_sim/requests` (`DELETE` clears): `{total, counts{"GET /path": n}, byStatus,
//!   requests[{method, path, query, status, startedAtMs, durationMs}]}`.
//! - `POST /_sim/faults` `{"kind", "count"?, "pathContains"?, "delayMs"?, "retryAfterS"?}`
//!   with kind `403|423|429|477|500|502|503|504` (or any other 4xx/5xx status), `timeout`,
//!   `reset`, `malformed` or `expired_token`; affects
//!   the next `count` non-admin calls (`GET` lists, `DELETE` clears). `reset` drops the
//!   connection (only meaningful over a socket).
//! - `POST /_sim/objects/{type}`, `GET|PATCH|DELETE /_sim/objects/{type}/{id}`: change
//!   records as a HubSpot user (a user may move the lifecycle stage backward);
//!   `POST /_sim/merge/{type}` `{primaryObjectId, objectIdToMerge}`;
//!   `POST /_sim/associations` `{fromType, fromId, toType, toId, typeId?, category?}`.
//! - `POST /_sim/oauth/refresh-tokens` / `codes` `{clientId?}`, `POST /_sim/oauth/expire`
//!   (expire every access token now), `POST /_sim/oauth/portal` `{"revoked": bool}`.
//! - `GET /_sim/stats`: record counts per type.
//! - `GET|PATCH /_sim/config`: runtime [`Settings`] (min interval, search lag, limits).

mod admin;
mod associations;
mod associations_writes;
mod auth;
mod batch;
mod errors;
mod faults;
mod limits;
mod merge;
mod object_associations;
mod objects;
mod params;
mod pipelines_owners;
mod prng;
mod properties;
mod properties_batch;
mod property_defs;
mod property_model;
mod render;
mod routes;
mod search;
mod search_filters;
mod seed;
mod seed_activities;
mod seed_data;
mod settings;
mod state;
mod types;
mod upsert;
mod write;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

pub use settings::{Settings, SettingsPatch};
pub use types::ObjectType;

/// Simulator settings; `Default` gives a small portal.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub companies: usize,
    pub contacts: usize,
    pub deals: usize,
    pub activities: usize,
    /// Answer 429 to a call that starts closer than this to the previous one.
    pub min_interval_ms: Option<u64>,
    /// Static (private-app style) bearer tokens that never expire.
    pub access_tokens: Vec<String>,
    /// OAuth clients: (client_id, client_secret).
    pub oauth_clients: Vec<(String, String)>,
    pub access_token_ttl_s: u64,
    /// Records written less than this long ago are not yet visible to search.
    pub search_lag_ms: u64,
    pub daily_limit: u64,
    pub ten_second_limit: u32,
    /// Every company meets the sync trigger and every contact and deal has its box
    /// ticked (benchmarks of a full initial sync).
    pub all_synced: bool,
}

/// Static token accepted by the default configuration.
pub const DEFAULT_TOKEN: &str = "pat-na1-00000000-0000-4000-8000-000000000000";
/// OAuth client of the default configuration.
pub const DEFAULT_CLIENT_ID: &str = "sim-client-id";
pub const DEFAULT_CLIENT_SECRET: &str = "sim-client-secret";

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            companies: 50,
            contacts: 120,
            deals: 40,
            activities: 150,
            min_interval_ms: None,
            access_tokens: vec![DEFAULT_TOKEN.to_string()],
            oauth_clients: vec![(
                DEFAULT_CLIENT_ID.to_string(),
                DEFAULT_CLIENT_SECRET.to_string(),
            )],
            access_token_ttl_s: 1800,
            search_lag_ms: 0,
            daily_limit: 250_000,
            ten_second_limit: 100,
            all_synced: false,
        }
    }
}

/// One served request, for tests and the admin log.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// HTTP status answered; 0 when the connection was reset on purpose.
    pub status: u16,
    pub started_at: Instant,
    pub started_at_unix_ms: i64,
    pub duration_ms: u64,
}

/// Shared state behind the handlers.
pub struct Inner {
    config: SimConfig,
    settings: Mutex<settings::Settings>,
    store: Mutex<state::Store>,
    limits: Mutex<limits::Limits>,
    log: Mutex<Vec<LoggedRequest>>,
    faults: Mutex<VecDeque<faults::Fault>>,
    auth: Mutex<auth::AuthState>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Inner {
    fn store(&self) -> MutexGuard<'_, state::Store> {
        lock(&self.store)
    }
}

/// The simulator: cheap to clone, all clones share one portal.
#[derive(Clone)]
pub struct HubSpotSim {
    inner: Arc<Inner>,
}

impl HubSpotSim {
    /// Builds the portal and seeds its deterministic data.
    pub fn new(config: SimConfig) -> Self {
        let store = seed::seed(&config);
        let inner = Inner {
            store: Mutex::new(store),
            limits: Mutex::new(limits::Limits::default()),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
            auth: Mutex::new(auth::AuthState::default()),
            settings: Mutex::new(settings::Settings::from_config(&config)),
            config,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The whole API, including `/oauth/v1/token` and the admin endpoints under `/_sim/`.
    pub fn router(&self) -> axum::Router {
        routes::router(self.inner.clone())
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// Every non-admin request served so far, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.inner.log).clone()
    }

    /// Number of logged requests per `"METHOD /path"`.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        let mut out = std::collections::BTreeMap::new();
        for r in lock(&self.inner.log).iter() {
            *out.entry(format!("{} {}", r.method, r.path)).or_insert(0) += 1;
        }
        out
    }

    /// Binds a listener on loopback (the simulator never listens elsewhere); port 0 picks one.
    pub async fn bind_loopback(port: u16) -> std::io::Result<tokio::net::TcpListener> {
        tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await
    }

    /// A refresh token that the token endpoint accepts for `client_id`.
    pub fn issue_refresh_token(&self, client_id: &str) -> String {
        auth::issue_refresh_token(&self.inner, client_id)
    }

    /// The limits in force now (initially from the configuration).
    pub fn settings(&self) -> Settings {
        lock(&self.inner.settings).clone()
    }

    /// Changes limits while running, e.g. `sim.update_settings(|s| s.search_lag_ms = 500)`.
    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut lock(&self.inner.settings));
    }

    /// The simulator's configuration.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }
}
