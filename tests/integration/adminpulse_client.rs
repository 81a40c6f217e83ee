//! The AdminPulse client against the AdminPulse simulator: 0-based paging at 400, 429 with
//! and without `Retry-After`, the 480/min window, OAuth refresh and rotation, API keys, and
//! relations mapped through the field map.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crmsync::config::AdminPulseFieldMap;
use crmsync::connectors::adminpulse::{
    AdminPulseClient, AdminPulseError, ClientConfig, Credentials, TokenEvents,
};
use crmsync::mapping::accounting::{ReviewReason, from_adminpulse};
use crmsync::simulate::adminpulse::{
    AdminPulseSim, DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SimConfig,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::simulator::Running;

/// The AdminPulse simulator on 127.0.0.1:0.
pub type Sim = Running<AdminPulseSim>;

impl Sim {
    pub async fn start(config: SimConfig) -> Self {
        Self::serve(AdminPulseSim::new(config)).await
    }

    pub fn token_url(&self) -> url::Url {
        self.base.join("/auth/token").expect("url")
    }
}

pub fn fast_config(sim: &Sim) -> ClientConfig {
    let mut c = ClientConfig::new(sim.base.clone());
    c.min_call_interval = Duration::from_millis(1);
    c.min_backoff = Duration::from_millis(20);
    c.rate_limited_pause = Duration::from_millis(100);
    c.request_timeout = Duration::from_secs(3);
    c
}

fn key_client(sim: &Sim, key: &str) -> AdminPulseClient {
    AdminPulseClient::new(
        fast_config(sim),
        Credentials::ApiKey(SecretString::from(key.to_owned())),
        None,
    )
    .expect("client")
}

fn office(companies: usize, contacts: usize) -> SimConfig {
    SimConfig {
        companies,
        contacts,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn relations_are_read_in_0_based_pages_of_400_until_the_last() {
    let sim = Sim::start(office(1000, 50)).await;
    let client = key_client(&sim, DEFAULT_API_KEY);
    let all = client.all_relations().await.expect("relations");
    assert_eq!(all.len(), 1000);
    let queries: Vec<String> = sim.calls().into_iter().filter_map(|c| c.2).collect();
    assert_eq!(
        queries,
        vec![
            "page=0&pageSize=400",
            "page=1&pageSize=400",
            "page=2&pageSize=400"
        ]
    );
    let mut ids: Vec<&str> = all
        .iter()
        .filter_map(|r| r["uniqueIdentifier"].as_str())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 1000);

    // An exact multiple stops on the page count, without an empty extra call.
    let sim = Sim::start(office(800, 10)).await;
    let client = key_client(&sim, DEFAULT_API_KEY);
    assert_eq!(client.all_relations().await.expect("relations").len(), 800);
    assert_eq!(sim.calls().len(), 2);
    // The server refuses pages over 400.
    assert!(matches!(
        client.relations_page(0, 401).await,
        Err(AdminPulseError::Rejected { status: 400, .. })
    ));
}

#[tokio::test]
async fn a_429_waits_for_retry_after_or_the_configured_pause_then_succeeds() {
    let sim = Sim::start(office(10, 5)).await;
    let client = key_client(&sim, DEFAULT_API_KEY);
    sim.post_fault(json!({"kind": "429", "count": 1, "retryAfterS": 1}))
        .await;
    let started = Instant::now();
    assert_eq!(
        client
            .relations_page(0, 5)
            .await
            .expect("retried")
            .results
            .len(),
        5
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    sim.post_fault(json!({"kind": "429", "count": 2})).await;
    let started = Instant::now();
    client.relations_page(0, 5).await.expect("retried");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "paused twice"
    );
    let statuses: Vec<u16> = sim.calls().into_iter().map(|c| c.0).collect();
    assert_eq!(statuses, vec![429, 200, 429, 429, 200]);
    sim.post_fault(json!({"kind": "500", "count": 1})).await;
    assert!(client.relations_page(0, 5).await.is_ok());
}

#[tokio::test]
async fn the_client_keeps_under_the_rate_limit_so_the_server_never_answers_429() {
    let mut config = office(10, 5);
    config.settings.rate_limit = 5;
    config.settings.rate_window_ms = 1000;
    let sim = Sim::start(config).await;
    let mut cc = fast_config(&sim);
    cc.rate_limit = 5;
    cc.rate_window = Duration::from_millis(1100);
    let client = AdminPulseClient::new(
        cc,
        Credentials::ApiKey(SecretString::from(DEFAULT_API_KEY)),
        None,
    )
    .expect("client");
    let started = Instant::now();
    for _ in 0..8 {
        client.relations_page(0, 1).await.expect("read");
    }
    assert!(started.elapsed() >= Duration::from_millis(1100));
    assert!(sim.calls().iter().all(|c| c.0 == 200), "{:?}", sim.calls());
}

#[derive(Default)]
struct Events {
    rotated: Mutex<Vec<String>>,
    reauth: Mutex<u32>,
}

#[async_trait::async_trait]
impl TokenEvents for Events {
    async fn refresh_token_rotated(&self, token: &SecretString) {
        self.rotated
            .lock()
            .expect("lock")
            .push(token.expose_secret().to_owned());
    }
    async fn needs_reauth(&self) {
        *self.reauth.lock().expect("lock") += 1;
    }
}

fn oauth_client(sim: &Sim, refresh: &str, events: Arc<Events>) -> AdminPulseClient {
    AdminPulseClient::new(
        fast_config(sim),
        Credentials::OAuth {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: SecretString::from(DEFAULT_CLIENT_SECRET),
            token_url: sim.token_url(),
            refresh_token: SecretString::from(refresh.to_owned()),
        },
        Some(events),
    )
    .expect("client")
}

#[tokio::test]
async fn oauth_tokens_are_refreshed_on_expiry_and_rotations_reported() {
    let sim = Sim::start(office(10, 5)).await;
    let refresh = sim.sim.issue_refresh_token(DEFAULT_CLIENT_ID);
    let events = Arc::new(Events::default());
    let client = oauth_client(&sim, &refresh, events.clone());
    client
        .relations_page(0, 5)
        .await
        .expect("first call refreshes");
    client
        .relations_page(0, 5)
        .await
        .expect("reuses the access token");
    sim.admin(reqwest::Method::POST, "/_sim/oauth/expire", json!({}))
        .await;
    client
        .relations_page(0, 5)
        .await
        .expect("refreshed after a 401");
    let paths: Vec<(u16, String)> = sim.calls().into_iter().map(|c| (c.0, c.1)).collect();
    assert_eq!(
        paths,
        vec![
            (200, "/auth/token".into()),
            (200, "/relations".into()),
            (200, "/relations".into()),
            (401, "/relations".into()),
            (200, "/auth/token".into()),
            (200, "/relations".into()),
        ]
    );
    let rotated = events.rotated.lock().expect("lock").clone();
    assert_eq!(rotated.len(), 2, "each refresh rotated the token");
    assert_ne!(rotated[0], refresh);
    assert_eq!(
        client
            .current_refresh_token()
            .await
            .map(|t| t.expose_secret().to_owned()),
        rotated.last().cloned()
    );

    // The old refresh token is gone: a client still holding it must be re-authorized.
    let stale = oauth_client(&sim, &refresh, events.clone());
    let err = stale.relations_page(0, 5).await.expect_err("refused");
    assert!(matches!(err, AdminPulseError::NeedsReauth), "{err:?}");
    assert_eq!(*events.reauth.lock().expect("lock"), 1);
}

#[tokio::test]
async fn a_wrong_api_key_is_refused_once_and_one_relation_reads_by_its_apr_code() {
    let sim = Sim::start(office(10, 5)).await;
    let wrong = key_client(&sim, "not-a-key");
    assert!(matches!(
        wrong.relations_page(0, 1).await,
        Err(AdminPulseError::Unauthorized)
    ));
    assert_eq!(sim.calls().len(), 1);
    let client = key_client(&sim, DEFAULT_API_KEY);
    let abc = client
        .relation("APR00001")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(abc["name"], json!("The ABC company"));
    assert_eq!(
        client
            .relation("APR99999")
            .await
            .expect("404 reads as none"),
        None
    );
    let by_vat = client.relations_by_vat("0403019261").await.expect("search");
    assert_eq!(by_vat.len(), 1);
    assert_eq!(
        client.companies().await.expect("companies")[0]["id"],
        json!("c1")
    );
}

#[tokio::test]
async fn relations_map_with_keys_review_reasons_contacts_and_deactivation() {
    let sim = Sim::start(office(60, 120)).await;
    let client = key_client(&sim, DEFAULT_API_KEY);
    let map = AdminPulseFieldMap::default();
    let records: Vec<_> = client
        .all_relations()
        .await
        .expect("relations")
        .iter()
        .map(|r| from_adminpulse(r, &map))
        .collect();
    assert_eq!(records.len(), 60);
    let abc = &records[0];
    assert_eq!(
        abc.company_key()
            .map(|k| k.normalized().to_owned())
            .as_deref(),
        Some("0403019261")
    );
    assert_eq!(abc.contacts[0].last_name.as_deref(), Some("Peeters"));
    assert_eq!(
        records[1].review_reason(),
        Some(ReviewReason::InvalidKey {
            field: "vatNumber".into(),
            error: crmsync::domain::InvalidCompanyKey::Checksum
        })
    );
    assert_eq!(records[2].review_reason(), Some(ReviewReason::MissingKey));
    assert_eq!(
        records[3]
            .company_key()
            .map(|k| k.normalized().to_owned())
            .as_deref(),
        Some("732829320")
    );
    assert!(!records[4].active);
    assert_eq!(records.iter().map(|r| r.contacts.len()).sum::<usize>(), 120);

    sim.admin(
        reqwest::Method::POST,
        "/_sim/relations/APR00001/deactivate",
        json!({}),
    )
    .await;
    let again = client
        .relation("APR00001")
        .await
        .expect("read")
        .expect("exists");
    assert!(!from_adminpulse(&again, &map).active);
}
