//! Crash safety (issue: sync engine): `crmsync sync --once` is killed with SIGKILL at random
//! moments of a sync, restarted, and finally run to the end. The store and the simulated
//! portal must then hold exactly what one uninterrupted sync of the same data produces.
//!
//! Scale comes from the environment (`scripts/crash-test.sh` runs the large version):
//! `CRASH_KILLS` (default 20), `CRASH_COMPANIES` (24), `CRASH_CONTACTS` (60),
//! `CRASH_LOCAL` (local companies, each with a contact and a deal, that must be created in
//! HubSpot exactly once; default 8).

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, TestDb, config_text, free_port, fresh_db, open_store};
use crmsync::store::Origin;
use crmsync::store::company::{Company, CompanyPatch};
use crmsync::store::contact::{Contact, ContactPatch};
use crmsync::store::deal::{Deal, DealPatch};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let v = c.to_digit(10).unwrap_or(0);
            if i % 2 == 1 {
                if v * 2 > 9 { v * 2 - 9 } else { v * 2 }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The `n`-th valid SIRET: a Luhn-valid SIREN and establishment number 0001x.
fn siret(n: usize) -> String {
    let siren = (0..10)
        .map(|d| format!("{:08}{d}", 41_000_000 + n))
        .find(|s| luhn_ok(s))
        .expect("a SIREN check digit exists");
    (0..10)
        .map(|d| format!("{siren}0001{d}"))
        .find(|s| luhn_ok(s))
        .expect("a SIRET check digit exists")
}

struct SimProcess {
    child: Child,
    base: String,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(companies: usize, contacts: usize) -> SimProcess {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_crmsync"))
        .args([
            "simulate",
            "hubspot",
            "--port",
            &port.to_string(),
            "--seed",
            "7",
        ])
        .args([
            "--companies",
            &companies.to_string(),
            "--contacts",
            &contacts.to_string(),
        ])
        .args([
            "--deals",
            &(companies / 2).to_string(),
            "--activities",
            &companies.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("simulator starts");
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "simulator did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    SimProcess { child, base }
}

async fn prepare(db: &TestDb, sim: &SimProcess, locals: usize) -> std::path::PathBuf {
    let extra = format!(
        "[tenants.acme.hubspot]\nbase_url = {:?}\naccess_token = {:?}\n",
        sim.base,
        crmsync::simulate::hubspot::DEFAULT_TOKEN
    );
    let path = db.dir.path().join("crmsync.toml");
    std::fs::write(&path, config_text(db, "127.0.0.1:0", "", &extra)).expect("config");
    let store = open_store(db).await;
    store.migrate().await.expect("migrate");
    store.ensure_tenant("acme", "Acme").await.expect("tenant");
    for i in 0..locals {
        let c: Company = store
            .create(
                "acme",
                serde_json::from_value::<CompanyPatch>(
                    json!({"name": format!("Local {i}"), "registration_key": siret(i)}),
                )
                .expect("patch"),
                &Origin::Api,
            )
            .await
            .expect("company");
        let _: Contact = store
            .create(
                "acme",
                serde_json::from_value::<ContactPatch>(
                    json!({"email": format!("local{i}@local.fr"), "company_id": c.company_id}),
                )
                .expect("patch"),
                &Origin::Api,
            )
            .await
            .expect("contact");
        let _: Deal = store
            .create("acme", serde_json::from_value::<DealPatch>(json!({"name": format!("Local deal {i}"), "company_id": c.company_id, "status": "approche"})).expect("patch"), &Origin::Api)
            .await
            .expect("deal");
    }
    store.close().await;
    path
}

fn sync_once(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_crmsync"))
        .args(["sync", "--once", "--config"])
        .arg(config)
        .env_remove("CRMSYNC_SECRET_KEY")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sync starts")
}

/// What a store holds, keyed so that two portals with the same seed compare equal.
async fn store_state(db: &TestDb) -> BTreeMap<String, Value> {
    let store = open_store(db).await;
    let mut out = BTreeMap::new();
    for table in [
        "company",
        "contact",
        "deal",
        "activity",
        "deal_contact",
        "activity_contact",
        "entity_link",
    ] {
        out.insert(
            format!("rows {table}"),
            json!(
                store
                    .scalar_i64(&format!("select count(*) from {table}"))
                    .await
                    .expect("count")
            ),
        );
    }
    for (name, sql) in [
        (
            "company keys",
            "select coalesce(registration_key, '') || '|' || name || '|' || coalesce(city, '') as k from company order by k",
        ),
        (
            "contact keys",
            "select coalesce(email, '') || '|' || coalesce(civility, '') as k from contact order by k",
        ),
        (
            "deal keys",
            "select name || '|' || coalesce(status, '') as k from deal order by k",
        ),
        (
            "activity keys",
            "select kind || '|' || coalesce(subject, '') as k from activity order by k",
        ),
    ] {
        let rows: Vec<String> = store.texts(sql).await.expect("keys");
        out.insert(name.to_owned(), json!(rows));
    }
    store.close().await;
    out
}

async fn portal_state(base: &str) -> Value {
    let stats: Value = reqwest::get(format!("{base}/_sim/stats"))
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    stats
}

both_backends!(
    killed_at_random_points_nothing_is_lost_or_duplicated,
    |backend: Backend| async move {
        let kills = env_usize("CRASH_KILLS", 20);
        let (companies, contacts, locals) = (
            env_usize("CRASH_COMPANIES", 24),
            env_usize("CRASH_CONTACTS", 60),
            env_usize("CRASH_LOCAL", 8),
        );
        let Some(reference_db) = fresh_db(backend).await else {
            return;
        };
        let Some(crash_db) = fresh_db(backend).await else {
            return;
        };
        let reference_sim = start_sim(companies, contacts);
        let crash_sim = start_sim(companies, contacts);
        let reference_cfg = prepare(&reference_db, &reference_sim, locals).await;
        let crash_cfg = prepare(&crash_db, &crash_sim, locals).await;

        let started = Instant::now();
        let status = sync_once(&reference_cfg).wait().expect("reference sync");
        assert!(status.success(), "the uninterrupted sync succeeds");
        let full = started.elapsed();

        let mut rng = rand::rng();
        // Kill delays are drawn over the length of the latest run that got to finish: the first
        // full sync at first, then the shorter incremental runs, so kills keep landing mid-run.
        let mut span = full;
        let (mut completed, mut during_first) = (0, 0);
        for _ in 0..kills {
            let mut child = sync_once(&crash_cfg);
            let span_ms = u64::try_from(span.as_millis()).unwrap_or(1000).max(40);
            let delay = Duration::from_millis(rng.random_range(20..=span_ms));
            let start = Instant::now();
            let mut finished = false;
            while start.elapsed() < delay {
                if child.try_wait().expect("try_wait").is_some() {
                    finished = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            if finished {
                completed += 1;
                span = start.elapsed();
            } else if completed == 0 {
                during_first += 1;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let status = sync_once(&crash_cfg).wait().expect("final sync");
        assert!(status.success(), "the final sync succeeds");
        eprintln!(
            "crash test: {kills} kills: {during_first} before the first full sync finished, {} in later runs, {completed} runs finished before their kill; uninterrupted sync {full:?}",
            kills - during_first - completed
        );

        assert_eq!(
            store_state(&crash_db).await,
            store_state(&reference_db).await,
            "store after crashes"
        );
        assert_eq!(
            portal_state(&crash_sim.base).await,
            portal_state(&reference_sim.base).await,
            "portal after crashes"
        );
    }
);
