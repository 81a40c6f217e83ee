//! AdminPulse simulator (`crmsync simulate adminpulse`, spec §7, accounting-apis.md §2.7):
//! stateful, loopback only. What is official is served as documented (bearer auth with an
//! API key or OAuth token, 480 calls/min then 429, `{results, currentPage, pageCount}`
//! 0-based pages of at most 400); what is not (OAuth endpoints, most relation fields, the
//! embedded `contacts`, error bodies) follows the [ASSUMPTION]s of that document and can be
//! changed in [`Settings`].
//!
//! API: `GET /relations?page&pageSize[&search][&vatNumber]`, `GET /relations/{uniqueIdentifier}`,
//! `GET /companies`. OAuth on its own base path `/auth`: `GET /auth/authorize` (auto-approves
//! with a 302 to `redirect_uri?code&state`), `POST /auth/token` (authorization_code and
//! refresh_token grants, form-encoded, client secret in the body).
//!
//! Admin endpoints under `/_sim/` (no auth, never rate limited, not logged): `POST reset`,
//! `GET|DELETE requests`, `GET|POST|DELETE faults` (kinds `429`, `expired_token`,
//! `malformed`, `timeout`, `reset` or any HTTP status), `GET|PATCH config`,
//! `POST relations`, `GET|PATCH relations/{uniqueIdentifier}`,
//! `POST relations/{uniqueIdentifier}/deactivate`, `POST oauth/codes`,
//! `POST oauth/refresh-tokens`, `POST oauth/expire`.

mod admin;
mod api;
mod oauth;
mod routes;
mod seed;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::simulate::kit::{Simulator, SlidingWindow, Traffic, lock};

/// API key accepted by the default configuration.
pub const DEFAULT_API_KEY: &str = "ap-sim-key-7b1e9c2d4f6a8b0c";
/// OAuth client of the default configuration.
pub const DEFAULT_CLIENT_ID: &str = "sim-adminpulse-client";
/// Its secret.
pub const DEFAULT_CLIENT_SECRET: &str = "sim-adminpulse-secret";

/// Runtime knobs (`GET|PATCH /_sim/config`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Calls per window before 429 (official: 480 per minute).
    pub rate_limit: u32,
    /// The window `rate_limit` counts over, in milliseconds (tests shorten it).
    pub rate_window_ms: u64,
    /// Largest `pageSize`; larger answers 400 ([ASSUMPTION] status).
    pub max_page_size: usize,
    /// `pageSize` when not given ([ASSUMPTION]).
    pub default_page_size: usize,
    /// `Retry-After` seconds on 429 (whether AdminPulse sends one is not known).
    pub retry_after_s: Option<u64>,
    /// Lifetime of OAuth access tokens (`expires_in`).
    pub access_token_ttl_s: u64,
    /// Rotate the refresh token on every refresh.
    pub rotate_refresh_tokens: bool,
    /// The next authorization is refused (`?error=access_denied`).
    pub deny_authorization: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rate_limit: 480,
            rate_window_ms: 60_000,
            max_page_size: 400,
            default_page_size: 20,
            retry_after_s: None,
            access_token_ttl_s: 3600,
            rotate_refresh_tokens: true,
            deny_authorization: false,
        }
    }
}

/// Simulator settings; `Default` gives a small office.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed of the generated office.
    pub seed: u64,
    /// Relations of type company (the fixture included).
    pub companies: usize,
    /// Contact persons, embedded in the companies' `contacts`.
    pub contacts: usize,
    /// API keys accepted as bearer tokens.
    pub api_keys: Vec<String>,
    /// OAuth clients: (client id, client secret).
    pub oauth_clients: Vec<(String, String)>,
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
            oauth_clients: vec![(
                DEFAULT_CLIENT_ID.to_owned(),
                DEFAULT_CLIENT_SECRET.to_owned(),
            )],
            settings: Settings::default(),
        }
    }
}

/// Issued OAuth grants.
#[derive(Debug, Default)]
struct Grants {
    /// access token → expiry (Unix ms)
    access: HashMap<String, i64>,
    /// refresh token → client id
    refresh: HashMap<String, String>,
    /// code → (client id, redirect URI)
    codes: HashMap<String, (String, String)>,
}

/// Shared state behind the handlers.
pub struct Inner {
    config: SimConfig,
    settings: Mutex<Settings>,
    relations: Mutex<Vec<Value>>,
    traffic: Traffic,
    window: Mutex<SlidingWindow>,
    grants: Mutex<Grants>,
}

impl Inner {
    fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }
}

impl AsRef<Traffic> for Inner {
    fn as_ref(&self) -> &Traffic {
        &self.traffic
    }
}

/// The simulator: cheap to clone, all clones share one office.
#[derive(Clone)]
pub struct AdminPulseSim {
    inner: Arc<Inner>,
}

impl AdminPulseSim {
    /// Builds the office and seeds its deterministic data.
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        let inner = Inner {
            relations: Mutex::new(seed::seed(&config)),
            settings: Mutex::new(config.settings.clone()),
            traffic: Traffic::new(routes::FAULT_KINDS),
            window: Mutex::new(SlidingWindow::default()),
            grants: Mutex::new(Grants::default()),
            config,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Number of relations.
    #[must_use]
    pub fn relation_count(&self) -> usize {
        lock(&self.inner.relations).len()
    }

    /// Changes settings while running.
    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut lock(&self.inner.settings));
    }

    /// A refresh token the token endpoint accepts for `client_id`.
    #[must_use]
    pub fn issue_refresh_token(&self, client_id: &str) -> String {
        oauth::issue_refresh_token(&self.inner, client_id)
    }
}

impl Simulator for AdminPulseSim {
    /// The API, the OAuth endpoints under `/auth` and the admin endpoints.
    fn router(&self) -> axum::Router {
        routes::router(self.inner.clone())
    }

    fn traffic(&self) -> &Traffic {
        &self.inner.traffic
    }
}
