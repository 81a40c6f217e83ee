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
mod slug;
mod state;
mod types;
mod upsert;
mod write;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard};

pub use settings::{Settings, SettingsPatch};
pub use types::ObjectType;

use crate::simulate::kit::{Simulator, Traffic, lock};

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

/// Shared state behind the handlers.
pub struct Inner {
    config: SimConfig,
    settings: Mutex<settings::Settings>,
    store: Mutex<state::Store>,
    limits: Mutex<limits::Limits>,
    traffic: Traffic,
    auth: Mutex<auth::AuthState>,
}

impl Inner {
    fn store(&self) -> MutexGuard<'_, state::Store> {
        lock(&self.store)
    }
}

impl AsRef<Traffic> for Inner {
    fn as_ref(&self) -> &Traffic {
        &self.traffic
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
            traffic: Traffic::new(faults::KINDS),
            auth: Mutex::new(auth::AuthState::default()),
            settings: Mutex::new(settings::Settings::from_config(&config)),
            config,
        };
        Self {
            inner: Arc::new(inner),
        }
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

impl Simulator for HubSpotSim {
    /// The whole API, including `/oauth/v1/token` and the admin endpoints under `/_sim/`.
    fn router(&self) -> axum::Router {
        routes::router(self.inner.clone())
    }

    fn traffic(&self) -> &Traffic {
        &self.inner.traffic
    }
}
