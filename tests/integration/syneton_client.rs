//! The Syneton client against the Syneton simulator: paging, throttling, token expiry,
//! change-feed splitting, filter quoting, (de)activation, full-record PUT, and the API key
//! kept out of every log line and error.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crmsync::connectors::syneton::{
    ChangeCursor, ClientConfig, Customer, Filter, InLimits, SynetonClient, SynetonError,
};
use crmsync::mapping::accounting::{
    LocalCompanyFields, SynetonField, from_syneton, to_syneton_put,
};
use crmsync::simulate::syneton::{DEFAULT_API_KEY, EmptyList, SimConfig, SynetonSim};
use secrecy::SecretString;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::simulator::Running;

/// The Syneton simulator on 127.0.0.1:0.
pub type Sim = Running<SynetonSim>;

impl Sim {
    pub async fn start(config: SimConfig) -> Self {
        Self::serve(SynetonSim::new(config)).await
    }

    pub async fn fault(&self, kind: &str, count: u32, path: Option<&str>) {
        self.post_fault(json!({"kind": kind, "count": count, "pathContains": path}))
            .await;
    }

    pub fn count(&self, path: &str) -> usize {
        self.calls().iter().filter(|c| c.1 == path).count()
    }
}

/// A fast client: short floor, backoff and pauses.
pub fn fast_config(sim: &Sim) -> ClientConfig {
    let mut config = ClientConfig::new(sim.base.as_str()).expect("base url");
    config.min_call_interval = Duration::from_millis(1);
    config.min_backoff = Duration::from_millis(20);
    config.throttle_pause = Duration::from_millis(50);
    config.request_timeout = Duration::from_secs(3);
    config.initial_rate_limit = 100_000;
    config
}

fn client_with(config: ClientConfig, key: &str) -> SynetonClient {
    SynetonClient::new(config, SecretString::from(key.to_owned())).expect("client")
}

fn client(sim: &Sim) -> SynetonClient {
    client_with(fast_config(sim), DEFAULT_API_KEY)
}

fn roomy() -> SimConfig {
    let mut c = SimConfig::default();
    c.settings.rate_limit = 100_000;
    c
}

#[tokio::test]
async fn paging_follows_the_link_targets_verbatim_and_reads_every_customer() {
    let mut config = roomy();
    config.settings.max_per_page = 7;
    config.settings.default_per_page = 7;
    // A page parameter the client cannot guess: only the Link targets know it.
    config.settings.page_param = "pageNumber".into();
    let sim = Sim::start(config).await;
    let client = client(&sim);
    let all: Vec<Customer> = client
        .customers(None)
        .await
        .expect("pages")
        .collect(&client)
        .await
        .expect("all");
    assert_eq!(all.len(), 40 + 80);
    let mut ids: Vec<i64> = all.iter().map(|c| c.customer_id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 120, "no page read twice");
    let pages: Vec<_> = sim
        .calls()
        .into_iter()
        .filter(|c| c.1 == "/api/v1/customers")
        .collect();
    assert_eq!(pages.len(), 120_usize.div_ceil(7));
    assert_eq!(pages[0].2.as_deref(), Some("per_page=7"));
    assert!(
        pages[1..]
            .iter()
            .all(|p| p.2.as_deref().is_some_and(|q| q.contains("pageNumber=")))
    );
    assert_eq!(
        sim.count("/api/v1/apisettings"),
        1,
        "settings are read once per client"
    );
    assert_eq!(sim.count("/api/v1/token/[redacted]"), 1);

    // A filter is carried by every next link.
    let companies: Vec<Customer> = client
        .customers(Some(&Filter::new().eq("IsCompany", true)))
        .await
        .expect("pages")
        .collect(&client)
        .await
        .expect("companies");
    assert_eq!(companies.len(), 40);
    assert!(companies.iter().all(|c| c.is_company == Some(true)));
}

#[tokio::test]
async fn empty_results_read_as_empty_in_every_server_shape() {
    let sim = Sim::start(roomy()).await;
    let client = client(&sim);
    let none = Filter::new().eq("Name", "No such customer");
    for mode in [
        EmptyList::EmptyArray,
        EmptyList::NoContent,
        EmptyList::NothingFound,
    ] {
        sim.sim.update_settings(|s| s.empty_list = mode);
        let rows = client
            .customers(Some(&none))
            .await
            .expect("pages")
            .collect(&client)
            .await
            .expect("empty, not an error");
        assert!(rows.is_empty(), "{mode:?}");
    }
    assert_eq!(
        client.customer(999_999).await.expect("404 reads as none"),
        None
    );
    assert!(client.customer(101).await.expect("one").is_some());
}

#[tokio::test]
async fn a_403_throttle_is_retried_after_a_pause_and_the_call_succeeds() {
    let sim = Sim::start(roomy()).await;
    let client = client(&sim);
    client.verify().await.expect("settings");
    sim.fault("throttle", 2, Some("/customers/")).await;
    let started = Instant::now();
    let one = client.customer(101).await.expect("retried");
    assert_eq!(one.and_then(|c| c.name).as_deref(), Some("The ABC company"));
    let statuses: Vec<u16> = sim
        .calls()
        .into_iter()
        .filter(|c| c.1 == "/api/v1/customers/101")
        .map(|c| c.0)
        .collect();
    assert_eq!(statuses, vec![403, 403, 200]);
    // Each throttle paused the whole connection (50 ms here) before the retry.
    assert!(started.elapsed() >= Duration::from_millis(100));

    // 5xx is retried too; a 400 is not.
    sim.fault("503", 1, None).await;
    assert!(client.customer(101).await.is_ok());
    sim.fault("400", 1, None).await;
    assert!(matches!(
        client.customer(101).await,
        Err(SynetonError::Rejected { status: 400, .. })
    ));
}

#[tokio::test]
async fn the_client_keeps_below_rate_limit_so_the_server_never_throttles() {
    let mut config = roomy();
    // RateLimit 4 per 1.5 s on the server; the client counts it over 1.6 s.
    config.settings.rate_limit = 4;
    config.settings.rate_window_ms = 1500;
    let sim = Sim::start(config).await;
    let mut cc = fast_config(&sim);
    cc.initial_rate_limit = 4;
    cc.rate_window = Duration::from_millis(1600);
    let client = client_with(cc, DEFAULT_API_KEY);
    let started = Instant::now();
    for _ in 0..6 {
        client.customer(101).await.expect("read");
    }
    // token + settings + 6 reads = 8 calls, 4 per window: the last waits a full window.
    assert!(
        started.elapsed() >= Duration::from_millis(1600),
        "{:?}",
        started.elapsed()
    );
    assert!(sim.calls().iter().all(|c| c.0 == 200), "{:?}", sim.calls());
    assert_eq!(client.gate().window_budget().map(|b| b.0), Some(4));
}

#[tokio::test]
async fn the_token_is_exchanged_again_30_s_before_its_time_to_live() {
    let mut config = roomy();
    config.settings.token_ttl_s = 31;
    let sim = Sim::start(config).await;
    let client = client(&sim);
    client.customer(101).await.expect("first");
    client.customer(101).await.expect("same token");
    assert_eq!(sim.count("/api/v1/token/[redacted]"), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.customer(101).await.expect("after renewal");
    assert_eq!(sim.count("/api/v1/token/[redacted]"), 2);
    assert!(
        sim.calls().iter().all(|c| c.0 == 200),
        "renewed before the server refused it"
    );
}

#[tokio::test]
async fn a_refused_token_is_exchanged_once_and_the_call_replayed() {
    let sim = Sim::start(roomy()).await;
    let client = client(&sim);
    client.customer(101).await.expect("first");
    sim.admin(reqwest::Method::POST, "/_sim/tokens/expire", json!({}))
        .await;
    client
        .customer(101)
        .await
        .expect("replayed with a new token");
    let tail: Vec<(u16, String)> = sim
        .calls()
        .into_iter()
        .skip(3)
        .map(|c| (c.0, c.1))
        .collect();
    assert_eq!(
        tail,
        vec![
            (401, "/api/v1/customers/101".into()),
            (200, "/api/v1/token/[redacted]".into()),
            (200, "/api/v1/customers/101".into())
        ]
    );
    // Refused again after the exchange: no loop, an error.
    sim.fault("expired_token", 2, Some("/customers/")).await;
    let err = client.customer(101).await.expect_err("refused twice");
    assert!(
        matches!(err, SynetonError::Unauthorized { status: 401 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_wrong_api_key_fails_once_with_invalid_api_key() {
    let sim = Sim::start(roomy()).await;
    let client = client_with(fast_config(&sim), "not-the-key");
    let err = client.verify().await.expect_err("refused");
    assert!(
        matches!(err, SynetonError::InvalidApiKey { status: 401 }),
        "{err:?}"
    );
    assert_eq!(sim.calls().len(), 1, "a refused key is not retried");
}

#[tokio::test]
async fn filter_values_with_quotes_and_commas_find_exactly_their_customer() {
    let sim = Sim::start(roomy()).await;
    let client = client(&sim);
    let names = [
        "Bakkerij 't Hoekske",
        "Dupont, Durand & Fils",
        "O'Brien & Zonen",
        "Fiduciaire Lambert, Lemaire et Associés",
    ];
    for name in names {
        let found = client
            .customers(Some(&Filter::new().eq("Name", name)))
            .await
            .expect("pages")
            .collect(&client)
            .await
            .expect("found");
        assert_eq!(found.len(), 1, "{name}");
        assert_eq!(found[0].name.as_deref(), Some(name));
    }
    let all = client
        .customers(Some(&Filter::new().is_in("Name", names)))
        .await
        .expect("pages")
        .collect(&client)
        .await
        .expect("found");
    assert_eq!(all.len(), 4);
    // A '+' in a value survives the query string.
    let by_phone = client
        .customers(Some(&Filter::new().eq("Phone", "+32 56 98 65 32")))
        .await
        .expect("pages")
        .collect(&client)
        .await
        .expect("found");
    assert_eq!(
        by_phone.iter().map(|c| c.customer_id).collect::<Vec<_>>(),
        vec![101]
    );
}

#[tokio::test]
async fn long_id_lists_are_split_below_the_servers_uri_limit() {
    let mut config = roomy();
    config.companies = 300;
    config.contacts = 10;
    config.settings.max_uri = 700;
    let sim = Sim::start(config).await;
    let mut cc = fast_config(&sim);
    cc.in_limits = InLimits {
        max_items: 1000,
        max_encoded_len: 500,
    };
    let client = client_with(cc, DEFAULT_API_KEY);
    let ids: Vec<i64> = (1001..1290).collect();
    let found = client.customers_by_ids(&ids).await.expect("no 414");
    assert_eq!(found.len(), ids.len());
    assert!(sim.calls().iter().all(|c| c.0 != 414));
    assert!(sim.count("/api/v1/customers") > 3, "the list was split");
    // The same list in one filter is refused by the server.
    let one = Filter::new().is_in("CustomerId", ids.iter().copied());
    let err = client
        .customers(Some(&one))
        .await
        .expect("pages")
        .collect(&client)
        .await;
    assert!(matches!(err, Err(SynetonError::UriTooLong)), "{err:?}");
}

#[tokio::test]
async fn change_windows_split_when_1000_rows_come_back_then_follow_log_ids() {
    let mut config = roomy();
    config.settings.max_per_page = 500;
    config.settings.default_per_page = 500;
    let sim = Sim::start(config).await;
    let client = client(&sim);
    sim.admin(
        reqwest::Method::POST,
        "/_sim/changes/generate",
        json!({"count": 2500, "from": "2024-06-01 08:00:00", "to": "2024-06-01 09:00:00"}),
    )
    .await;
    let batch = client
        .customer_changes(
            ChangeCursor::Since(datetime!(2024-06-01 00:00:00)),
            Some(datetime!(2024-06-02 00:00:00)),
        )
        .await
        .expect("feed");
    assert_eq!(batch.rows.len(), 2500, "no row lost to the cap");
    assert!(batch.splits >= 2, "{}", batch.splits);
    let mut logs: Vec<i64> = batch.rows.iter().filter_map(|r| r.log_id).collect();
    logs.sort_unstable();
    logs.dedup();
    assert_eq!(logs.len(), 2500);
    let max = *logs.last().expect("rows");
    assert_eq!(batch.next, ChangeCursor::LogId(max + 1));

    // From the LogId cursor on: 1500 more, at any time, also split below the cap.
    sim.admin(
        reqwest::Method::POST,
        "/_sim/changes/generate",
        json!({"count": 1500, "from": "2030-01-01 00:00:00", "to": "2030-01-01 00:10:00"}),
    )
    .await;
    let more = client
        .customer_changes(batch.next, None)
        .await
        .expect("feed");
    assert_eq!(more.rows.len(), 1500);
    assert_eq!(more.next, ChangeCursor::LogId(max + 1501));
    let again = client
        .customer_changes(more.next, None)
        .await
        .expect("feed");
    assert!(again.rows.is_empty());
    assert_eq!(again.next, more.next);
    // The re-read of the changed customers.
    let ids = more.customer_ids();
    assert_eq!(
        client.customers_by_ids(&ids).await.expect("re-read").len(),
        ids.len()
    );
}

#[tokio::test]
async fn without_log_ids_the_time_cursor_moves_to_the_window_end() {
    let mut config = roomy();
    config.settings.changes_carry_log_id = false;
    let sim = Sim::start(config).await;
    let client = client(&sim);
    sim.admin(
        reqwest::Method::POST,
        "/_sim/changes/generate",
        json!({"count": 30, "from": "2024-06-01 08:00:00", "to": "2024-06-01 08:30:00"}),
    )
    .await;
    let until = datetime!(2024-06-01 08:15:00);
    let batch = client
        .customer_changes(
            ChangeCursor::Since(datetime!(2024-06-01 08:00:00)),
            Some(until),
        )
        .await
        .expect("feed");
    assert_eq!(batch.rows.len(), 15);
    assert_eq!(batch.next, ChangeCursor::Since(until));
    let rest = client
        .customer_changes(batch.next, Some(datetime!(2024-06-01 09:00:00)))
        .await
        .expect("feed");
    assert_eq!(
        rest.rows.len(),
        15,
        "the windows neither overlap nor leave a gap"
    );
}

#[tokio::test]
async fn a_one_second_window_still_full_is_an_error_not_a_silent_loss() {
    let mut config = roomy();
    config.settings.max_per_page = 500;
    config.settings.default_per_page = 500;
    let sim = Sim::start(config).await;
    let client = client(&sim);
    sim.admin(
        reqwest::Method::POST,
        "/_sim/changes/generate",
        json!({"count": 1200, "from": "2024-06-01 08:00:00", "to": "2024-06-01 08:00:01"}),
    )
    .await;
    let err = client
        .customer_changes(
            ChangeCursor::Since(datetime!(2024-06-01 08:00:00)),
            Some(datetime!(2024-06-01 08:00:04)),
        )
        .await
        .expect_err("saturated");
    assert!(
        matches!(err, SynetonError::WindowSaturated { cap: 1000 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn deactivation_and_reactivation_reach_syneton_and_its_change_feed() {
    let sim = Sim::start(roomy()).await;
    let client = client(&sim);
    let start = client.server_now() - Duration::from_secs(5);
    client
        .set_active(101, false, datetime!(2024-09-15 00:00).date())
        .await
        .expect("deactivated");
    let after = sim.sim.customer(101).expect("stored");
    assert_eq!(after["IsActive"], json!(false));
    assert_eq!(after["DisabledDate"], json!("2024-09-15"));
    let changes = client
        .customer_changes(
            ChangeCursor::Since(start),
            Some(client.server_now() + Duration::from_secs(5)),
        )
        .await
        .expect("feed");
    assert_eq!(changes.customer_ids(), vec![101]);
    let mapped = from_syneton(
        &client.customer(101).await.expect("read").expect("exists"),
        None,
        &[],
    );
    assert!(!mapped.active, "a deactivated customer maps inactive");
    client
        .set_active(101, true, datetime!(2024-09-16 00:00).date())
        .await
        .expect("activated");
    assert_eq!(
        sim.sim.customer(101).expect("stored")["IsActive"],
        json!(true)
    );
    assert!(matches!(
        client
            .set_active(999_999, false, datetime!(2024-09-15 00:00).date())
            .await,
        Err(SynetonError::NotFound { .. })
    ));
}

#[tokio::test]
async fn write_back_puts_the_full_mapped_record_and_keeps_what_crmsync_does_not_own() {
    let sim = Sim::start(roomy()).await;
    let client = client(&sim);
    sim.admin(
        reqwest::Method::PATCH,
        "/_sim/customers/101",
        json!({"Remarks": "key account", "AccCode": "400101"}),
    )
    .await;
    let current = client.customer(101).await.expect("read").expect("exists");
    let office = client
        .registered_offices(Some(&[101][..]))
        .await
        .expect("office");
    assert_eq!(office.len(), 1);
    let local = LocalCompanyFields {
        name: Some("ABC International".into()),
        email: Some("hello@abc.be".into()),
        ..LocalCompanyFields::default()
    };
    let body = to_syneton_put(
        &current,
        office.first(),
        &local,
        &[SynetonField::Name, SynetonField::Email],
    );
    client.update_customer(&body).await.expect("PUT");
    let stored = sim.sim.customer(101).expect("stored");
    assert_eq!(stored["Name"], json!("ABC International"));
    assert_eq!(stored["Email"], json!("hello@abc.be"));
    for (field, kept) in [
        ("Remarks", json!("key account")),
        ("AccCode", json!("400101")),
        ("VATNr", json!("BE0403019261")),
        ("Phone", json!("+32 56 98 65 32")),
        ("Street1", json!("Dorpstraat")),
        ("Nr", json!("116")),
        ("City", json!("Kortrijk")),
    ] {
        assert_eq!(stored[field], kept, "{field} survives the PUT");
    }
    let put = sim
        .calls()
        .into_iter()
        .filter(|c| c.1 == "/api/v1/customers" && c.2.is_none())
        .count();
    assert_eq!(put, 1);

    // The simulator really replaces: a partial body would have erased the rest.
    client
        .update_customer(&json!({"CustomerId": 101, "Name": "ABC International"}))
        .await
        .expect("partial PUT");
    assert_eq!(
        sim.sim.customer(101).expect("stored")["Remarks"],
        Value::Null
    );
    // No CustomerId: refused before any call.
    assert!(client.update_customer(&json!({"Name": "x"})).await.is_err());

    let created = client
        .create_customer(
            &json!({"Name": "Nieuwe Klant BV", "IsCompany": true, "VATNr": "BE0314595348"}),
        )
        .await
        .expect("created");
    assert!(created.customer_id > 1000);
    assert_eq!(created.is_active, Some(true));
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn the_api_key_never_appears_in_logs_or_errors_even_on_failures() {
    // `log` records (reqwest, hyper) reach the same subscriber.
    let _ = tracing_log::LogTracer::init();
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Sim::start(roomy()).await;
    let mut texts = Vec::new();
    // The token call fails transiently (retried and logged), then works.
    sim.fault("503", 2, Some("/token/")).await;
    sim.fault("throttle", 1, Some("/token/")).await;
    let good = client(&sim);
    good.verify().await.expect("after retries");
    // A token refused mid-run, and refused again.
    sim.fault("expired_token", 2, Some("/customers/")).await;
    texts.push(format!(
        "{:?}",
        good.customer(101).await.expect_err("refused")
    ));
    // Every call failing: retries exhausted.
    let mut cc = fast_config(&sim);
    cc.max_retries = 2;
    let flaky = client_with(cc, DEFAULT_API_KEY);
    sim.fault("500", 3, Some("/token/")).await;
    let err = flaky.verify().await.expect_err("gave up");
    texts.push(format!(
        "{err} / {err:?} / {:?}",
        std::error::Error::source(&err)
    ));
    // A wrong key, and a server that is not there at all.
    let wrong_key = "wrong-0c1d2e3f-key-that-must-stay-secret";
    let err = client_with(fast_config(&sim), wrong_key)
        .verify()
        .await
        .expect_err("refused");
    texts.push(format!("{err} / {err:?}"));
    let mut gone = ClientConfig::new(&format!("http://127.0.0.1:{}", crate::support::free_port()))
        .expect("url");
    gone.max_retries = 1;
    gone.min_backoff = Duration::from_millis(10);
    let gone = client_with(gone, DEFAULT_API_KEY);
    let err = gone.verify().await.expect_err("unreachable");
    let mut chain = format!("{err} / {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        chain.push_str(&format!(" / {s} / {s:?}"));
        source = s.source();
    }
    texts.push(chain);
    texts.push(format!("{good:?} {gone:?}"));

    let logged = String::from_utf8(capture.0.lock().expect("buffer").clone()).expect("utf-8");
    assert!(
        logged.contains("Syneton call failed; retrying"),
        "the capture works: {logged}"
    );
    for key in [DEFAULT_API_KEY, wrong_key] {
        assert!(!logged.contains(key), "a log line holds the API key");
        for t in &texts {
            assert!(!t.contains(key), "an error holds the API key: {t}");
        }
    }
    assert!(sim.calls().iter().all(|c| !c.1.contains(DEFAULT_API_KEY)));
}
