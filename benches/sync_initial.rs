//! Benchmark: the sync engine's initial sync and an incremental run, at the production pace.
//!
//! Starts `crmsync simulate hubspot --all-synced` as a separate process (figures are the
//! engine's alone) and syncs it into a fresh SQLite store (or `BENCH_DATABASE_URL`).
//! Prints API calls against the minimum, wall time against calls × 500 ms, CPU seconds and
//! peak RSS; then 50 changes on each side and the calls the next run uses; then the delay
//! from a HubSpot change to the store with the engine polling every `poll` seconds.
//!
//!     cargo bench --bench sync_initial                         # 10,000 / 30,000 / 5,000 / 20,000
//!     cargo bench --bench sync_initial -- 500 1500 250 1000 10 # companies contacts deals activities poll_s

#[path = "common/mod.rs"]
mod common;
use common::{arg, cpu_seconds, peak_rss_mib};

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crmsync::config::HubSpotConfig;
use crmsync::connectors::hubspot::{ClientConfig, Credentials, HubSpotClient};
use crmsync::simulate::hubspot::DEFAULT_TOKEN;
use crmsync::sync::hubspot::HubSpotSync;
use crmsync::sync::hubspot::context::Settings;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const INTERVAL: Duration = Duration::from_millis(500);

fn ceil(n: u64, per: u64) -> u64 {
    n.div_ceil(per).max(1)
}

#[tokio::main]
async fn main() {
    let (companies, contacts, deals, activities, poll) = (
        arg(0, 10_000),
        arg(1, 30_000),
        arg(2, 5_000),
        arg(3, 20_000),
        arg(4, 10),
    );
    let port = common::server::port();
    let mut sim = Command::new(env!("CARGO_BIN_EXE_crmsync"))
        .args([
            "simulate",
            "hubspot",
            "--all-synced",
            "--port",
            &port.to_string(),
        ])
        .args([
            "--companies",
            &companies.to_string(),
            "--contacts",
            &contacts.to_string(),
        ])
        .args([
            "--deals",
            &deals.to_string(),
            "--activities",
            &activities.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the simulator");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    let stats: Value = loop {
        if let Ok(r) = http.get(format!("{base}/_sim/stats")).send().await {
            break r.json().await.expect("stats");
        }
        assert!(Instant::now() < deadline, "simulator did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let dir = tempfile::tempdir().expect("temp dir");
    let store = common::store::fresh(dir.path(), "bench").await;
    let mut config = ClientConfig::new(url::Url::parse(&base).expect("url"));
    config.min_call_interval = INTERVAL;
    let client = Arc::new(
        HubSpotClient::new(
            config,
            Credentials::Static(SecretString::from(DEFAULT_TOKEN)),
            None,
        )
        .expect("client"),
    );
    let mut settings = Settings::from_config(&HubSpotConfig::default());
    settings.lookback_ms = 30_000;
    let mut sync = HubSpotSync::new(
        store.clone(),
        client.clone(),
        "bench",
        settings,
        CancellationToken::new(),
    );

    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let (counts, error) = sync.run().await;
    assert!(error.is_none(), "initial sync: {error:?}");
    let wall = started.elapsed();
    let cpu = cpu_seconds() - cpu0;

    // Time the simulator took to answer: the gate waits 500 ms after each answer, so wall
    // time is calls × 500 ms plus these.
    let log: Value = http
        .get(format!("{base}/_sim/requests"))
        .send()
        .await
        .expect("log")
        .json()
        .await
        .expect("json");
    let answering: f64 = log["requests"].as_array().map_or(0.0, |r| {
        r.iter()
            .filter_map(|x| x["durationMs"].as_f64())
            .sum::<f64>()
    }) / 1000.0;
    let n = |t: &str| stats["objects"][t]["active"].as_u64().unwrap_or(0);
    let owners = stats["owners"].as_u64().unwrap_or(0);
    let mut minimum = ceil(owners, 100) + 1;
    for t in [
        "companies",
        "contacts",
        "deals",
        "calls",
        "meetings",
        "emails",
    ] {
        minimum += ceil(n(t), 200);
    }
    minimum += ceil(n("contacts"), 1000) + 2 * ceil(n("deals"), 1000);
    for t in ["calls", "meetings", "emails"] {
        minimum += 3 * ceil(n(t), 1000);
    }
    let calls = u64::try_from(counts.calls).unwrap_or(0);
    let ideal = INTERVAL * u32::try_from(calls).unwrap_or(u32::MAX);
    let local = |t: &str| {
        let store = store.clone();
        let sql = format!("select count(*) from {t}");
        async move { store.scalar_i64(&sql).await.unwrap_or(0) }
    };
    println!(
        "initial sync: {} companies, {} contacts, {} deals, {} activities in the store ({} read, {} created, {} failed)",
        local("company").await,
        local("contact").await,
        local("deal").await,
        local("activity").await,
        counts.read,
        counts.created,
        counts.failed
    );
    println!("| initial sync | value | target |");
    println!("|---|---:|---|");
    println!(
        "| API calls | {calls} | minimum {minimum} ({:.3}×; target ≤ 1.1×) |",
        calls as f64 / minimum as f64
    );
    println!(
        "| wall time | {:.1} s | calls × 500 ms = {:.1} s ({:.3}×; target ≤ 1.05×) |",
        wall.as_secs_f64(),
        ideal.as_secs_f64(),
        wall.as_secs_f64() / ideal.as_secs_f64()
    );
    println!(
        "| wall time − simulator answer time ({answering:.1} s) | {:.1} s | {:.3}× calls × 500 ms |",
        wall.as_secs_f64() - answering,
        (wall.as_secs_f64() - answering) / ideal.as_secs_f64()
    );
    println!("| CPU (user+sys) | {cpu:.1} s | |");
    println!("| peak RSS | {:.1} MiB | ≤ 200 MB |", peak_rss_mib());

    // 50 changes on each side, then one run.
    let ids: Vec<String> = store
        .texts(
            "select remote_id from entity_link where entity = 'company' order by link_id limit 50",
        )
        .await
        .expect("ids");
    for (i, id) in ids.iter().enumerate() {
        let r = http
            .patch(format!("{base}/_sim/objects/companies/{id}"))
            .json(&json!({"properties": {"city": format!("Ville {i}")}}))
            .send()
            .await
            .expect("patch");
        assert!(r.status().is_success());
    }
    store
        .execute_raw("update contact set job_title = 'Bench ' || contact_id where contact_id in (select local_id from entity_link where entity = 'contact' order by link_id limit 50)")
        .await
        .expect("local changes");
    let (inc, error) = sync.run().await;
    assert!(error.is_none(), "incremental: {error:?}");
    let pushed = store
        .scalar_i64("select count(*) from contact where job_title like 'Bench %'")
        .await
        .unwrap_or(0);
    let pulled = store
        .scalar_i64("select count(*) from company where city like 'Ville %'")
        .await
        .unwrap_or(0);

    // Latency: the engine polls every `poll` seconds; a HubSpot change lands at a random moment.
    let token = CancellationToken::new();
    let loop_token = token.clone();
    let runner = tokio::spawn(async move {
        // As the engine's scheduler does: one run every `poll` seconds, start to start.
        while !loop_token.is_cancelled() {
            let due = tokio::time::Instant::now() + Duration::from_secs(poll);
            let _ = sync.run().await;
            tokio::select! {
                () = tokio::time::sleep_until(due) => {}
                () = loop_token.cancelled() => {}
            }
        }
    });
    let mut worst = Duration::ZERO;
    for round in 0..3_u64 {
        tokio::time::sleep(Duration::from_millis(1_700 * (round + 1))).await;
        let id = &ids[usize::try_from(round).unwrap_or(0)];
        let city = format!("Latence {round}");
        let t0 = Instant::now();
        http.patch(format!("{base}/_sim/objects/companies/{id}"))
            .json(&json!({"properties": {"city": city}}))
            .send()
            .await
            .expect("patch");
        let sql = format!(
            "select count(*) from company c join entity_link l on l.local_id = c.company_id and l.entity = 'company' where l.remote_id = '{id}' and c.city = '{city}'"
        );
        while store.scalar_i64(&sql).await.unwrap_or(0) == 0 {
            assert!(
                t0.elapsed() < Duration::from_secs(poll * 3 + 30),
                "change never arrived"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        worst = worst.max(t0.elapsed());
    }
    token.cancel();
    let _ = runner.await;
    let _ = sim.kill();
    let _ = sim.wait();

    println!();
    println!("| incremental run (50 changes each side) | value | target |");
    println!("|---|---:|---|");
    println!("| API calls | {} | ≤ 8 |", inc.calls);
    println!("| local changes sent / HubSpot changes applied | {pushed} / {pulled} | 50 / 50 |");
    println!(
        "| HubSpot change → store, worst of 3 | {:.1} s | ≤ poll {poll} s + 2 s |",
        worst.as_secs_f64()
    );
}
