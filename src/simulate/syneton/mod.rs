//! Syneton Admin IS | Consult simulator (`crmsync simulate syneton`, spec §7,
//! accounting-apis.md §1.13): stateful, loopback only, with Syneton's paths, JSON shapes,
//! token exchange, `Link` paging, `Filter=` syntax, limits and errors.
//!
//! Served under `/api/v1/`: `token/{apiKey}`, `apisettings`, `customers` (GET list, POST,
//! PUT), `customers/{id}`, `customers/{id}/activatedeactivate`, `customeraddresses`,
//! `customerlinkcustomer`, `customer/changes`, `changedetails`, `lists/{id}`, `countries`,
//! `customerlinktypes`, `customercrmtypes`.
//!
//! Admin endpoints under `/_sim/` (no auth, never rate limited, not logged):
//! - `POST /_sim/reset`: reseed, clear log, faults, tokens and the rate window.
//! - `GET /_sim/requests` (`DELETE` clears): the request log (token paths redacted).
//! - `POST /_sim/faults` `{"kind", "count"?, "pathContains"?, "delayMs"?, "retryAfterS"?}`
//!   with kind `throttle` (403 "You are throttling the system"), `expired_token` (401),
//!   `not_enabled` (403 "No valid configuration for token"), `malformed`, `timeout`,
//!   `reset`, or any HTTP status 400-599; `GET` lists, `DELETE` clears.
//! - `GET|PATCH /_sim/config`: runtime [`Settings`] (rate limit, page sizes, token TTL,
//!   empty-list answer, page parameter, `LogId` on changes, change cap, clock offset).
//! - `POST /_sim/customers` (create as an office user; `linkTo` links a person to a
//!   company), `GET|PATCH /_sim/customers/{id}`, `POST /_sim/customers/{id}/deactivate`
//!   and `/activate`, `POST /_sim/changes/generate` `{"count", "from", "to"}` (touch
//!   customers with `DateAction`s spread over the window), `POST /_sim/tokens/expire`,
//!   `GET /_sim/stats`.

mod admin;
mod api;
mod filter;
mod routes;
mod seed;
mod settings;
mod state;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::{OffsetDateTime, PrimitiveDateTime};

pub use settings::{EmptyList, Settings, SettingsPatch};

use crate::connectors::syneton::clock::ServerTimeZone;
use crate::simulate::kit::{Simulator, SlidingWindow, Traffic, lock};

/// API key accepted by the default configuration.
pub const DEFAULT_API_KEY: &str = "0c1d2e3f-sim-syneton-api-key-4a5b6c7d8e9f";

/// Simulator settings; `Default` gives a small office.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed of the generated office.
    pub seed: u64,
    /// Companies (customers with `IsCompany`), fixtures included (at least 8).
    pub companies: usize,
    /// Natural persons linked to companies as contacts, fixture included.
    pub contacts: usize,
    /// API keys the token endpoint accepts.
    pub api_keys: Vec<String>,
    /// Initial runtime settings.
    pub settings: Settings,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            companies: 40,
            contacts: 80,
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            settings: Settings::defaults(),
        }
    }
}

/// Shared state behind the handlers.
pub struct Inner {
    config: SimConfig,
    settings: Mutex<Settings>,
    office: Mutex<state::Office>,
    traffic: Traffic,
    window: Mutex<SlidingWindow>,
    /// token GUID → expiry (simulated UTC, Unix seconds)
    tokens: Mutex<HashMap<String, i64>>,
}

impl Inner {
    fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// Simulated UTC now.
    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(lock(&self.settings).clock_offset_s)
    }

    /// Simulated Brussels local time now (what `DateAction` and `TimeToLive` are written in).
    fn now_local(&self) -> PrimitiveDateTime {
        ServerTimeZone::Brussels.to_local(self.now_utc())
    }
}

impl AsRef<Traffic> for Inner {
    fn as_ref(&self) -> &Traffic {
        &self.traffic
    }
}

/// The simulator: cheap to clone, all clones share one office.
#[derive(Clone)]
pub struct SynetonSim {
    inner: Arc<Inner>,
}

impl SynetonSim {
    /// Builds the office and seeds its deterministic data.
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        let inner = Inner {
            office: Mutex::new(seed::seed(&config)),
            settings: Mutex::new(config.settings.clone()),
            traffic: Traffic::new(routes::FAULT_KINDS),
            window: Mutex::new(SlidingWindow::default()),
            tokens: Mutex::new(HashMap::new()),
            config,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The settings in force.
    #[must_use]
    pub fn settings(&self) -> Settings {
        self.inner.settings()
    }

    /// Changes settings while running.
    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut lock(&self.inner.settings));
    }

    /// Number of (companies, persons, links, registered offices).
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let office = lock(&self.inner.office);
        let companies = office
            .customers
            .values()
            .filter(|c| c.get("IsCompany") == Some(&serde_json::Value::Bool(true)))
            .count();
        (
            companies,
            office.customers.len() - companies,
            office.links.len(),
            office.addresses.len(),
        )
    }

    /// A customer as stored, registered-office address fields included.
    #[must_use]
    pub fn customer(&self, id: i64) -> Option<serde_json::Value> {
        admin::customer_view(&lock(&self.inner.office), id)
    }
}

impl Simulator for SynetonSim {
    /// The whole API and the admin endpoints.
    fn router(&self) -> axum::Router {
        routes::router(self.inner.clone())
    }

    fn traffic(&self) -> &Traffic {
        &self.inner.traffic
    }
}
