//! Benchmark: the Syneton and AdminPulse syncs into the store, at the configured pace,
//! against `crmsync simulate syneton|adminpulse` running as separate processes (so the
//! figures are the sync's alone), into a fresh SQLite store (or `BENCH_DATABASE_URL`).
//!
//! Syneton: the first full read (registered offices, companies, every company ↔ person
//! link, persons) applied page by page, then a run with nothing changed. AdminPulse: the
//! first read of every relation with its contact persons, then the re-read with nothing
//! changed. Prints calls used against the minimum, wall time against what the configured
//! pace allows (the `min_call_interval_ms` floor and `RateLimit` calls per 61-second
//! window, computed call by call), records written, local writes of the quiet runs, CPU
//! seconds and peak RSS of this process.
//!
//!     cargo bench --bench accounting_sync
//!     cargo bench --bench accounting_sync -- 5000 10000 5000 120 100
//!         # Syneton companies, Syneton contact persons (also AdminPulse's), AdminPulse
//!         # relations, Syneton RateLimit per minute, Syneton min_call_interval_ms

#[path = "common/mod.rs"]
mod common;
use common::pace::paced_wall;
use common::{accounting, arg, cpu_seconds, peak_rss_mib};

use std::time::{Duration, Instant};

use crmsync::config::AdminPulseFieldMap;
use crmsync::store::Store;
use crmsync::store::sync::RunCounts;
use crmsync::sync::adminpulse::AdminPulseSync;
use crmsync::sync::syneton::{Settings, SynetonSync};
use tokio_util::sync::CancellationToken;

const TENANT: &str = "bench";

/// One run's figures.
struct Measured {
    counts: RunCounts,
    wall: Duration,
    cpu: f64,
    writes: i64,
}

async fn changes(store: &Store) -> i64 {
    store
        .scalar_i64("select count(*) from change_log")
        .await
        .expect("count")
}

async fn measure<F: std::future::Future<Output = RunCounts>>(store: &Store, run: F) -> Measured {
    let (log, cpu, started) = (changes(store).await, cpu_seconds(), Instant::now());
    let counts = run.await;
    Measured {
        counts,
        wall: started.elapsed(),
        cpu: cpu_seconds() - cpu,
        writes: changes(store).await - log,
    }
}

async fn syneton_run(sync: &mut SynetonSync) -> RunCounts {
    let (counts, error) = sync.run().await;
    assert!(error.is_none(), "Syneton run failed: {error:?}");
    counts
}

async fn adminpulse_run(sync: &mut AdminPulseSync) -> RunCounts {
    let (counts, error) = sync.run().await;
    assert!(error.is_none(), "AdminPulse run failed: {error:?}");
    counts
}

#[tokio::main]
async fn main() {
    let (companies, contacts, relations) = (arg(0, 5000), arg(1, 10_000), arg(2, 5000));
    let (rate_limit, interval_ms) = (arg(3, 120), arg(4, 100));
    let per_page: u64 = 100;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = common::store::fresh(dir.path(), TENANT).await;

    // --- Syneton ---------------------------------------------------------------------------
    let interval = Duration::from_millis(interval_ms);
    let syn = accounting::syneton(companies, contacts, rate_limit, per_page, interval).await;
    let (sp, window) = (syn.port, syn.client.config().rate_window);
    let mut sync = SynetonSync::new(
        store.clone(),
        syn.client,
        TENANT,
        Settings::default(),
        CancellationToken::new(),
    );
    let syn_full = measure(&store, syneton_run(&mut sync)).await;
    let syn_quiet = measure(&store, syneton_run(&mut sync)).await;
    let syn_rss = peak_rss_mib();
    let stats: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{sp}/_sim/stats"))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json");
    let count = |k: &str| stats[k].as_u64().unwrap_or(0);
    let pages = |n: u64| n.div_ceil(per_page).max(1);
    // Token + settings, registered offices, companies, links, persons.
    let syn_min = 2
        + pages(count("addresses"))
        + pages(count("companies"))
        + pages(count("links"))
        + pages(count("persons"));
    let syn_paced = paced_wall(
        u64::try_from(syn_full.counts.calls).unwrap_or(0),
        interval,
        rate_limit,
        window,
    );
    let local_companies = store
        .scalar_i64("select count(*) from company")
        .await
        .expect("count");
    let local_contacts = store
        .scalar_i64("select count(*) from contact")
        .await
        .expect("count");
    let review = store
        .review_items(Some(TENANT), Some("open"))
        .await
        .expect("review")
        .len();

    // --- AdminPulse ------------------------------------------------------------------------
    let ap = accounting::adminpulse(relations, contacts).await;
    let ap_config = ap.client.config();
    let (ap_interval, ap_window) = (ap_config.min_call_interval, ap_config.rate_window);
    let mut ap_sync = AdminPulseSync::new(
        store.clone(),
        ap.client,
        TENANT,
        AdminPulseFieldMap::default(),
        CancellationToken::new(),
    );
    let ap_full = measure(&store, adminpulse_run(&mut ap_sync)).await;
    let ap_quiet = measure(&store, adminpulse_run(&mut ap_sync)).await;
    let ap_min = relations.div_ceil(400);
    let ap_paced = paced_wall(
        u64::try_from(ap_full.counts.calls).unwrap_or(0),
        ap_interval,
        480,
        ap_window,
    );
    let both = store
        .scalar_i64(
            "select count(*) from (select local_id from entity_link where entity = 'company' \
             group by local_id having count(*) > 1) x",
        )
        .await
        .expect("count");

    println!(
        "Syneton office: {} companies, {} persons, {} links, {} registered offices → {local_companies} local companies, {local_contacts} contacts, {review} on the review list",
        count("companies"),
        count("persons"),
        count("links"),
        count("addresses")
    );
    println!(
        "AdminPulse office: {relations} relations; {both} local companies linked to both connections"
    );
    println!();
    println!(
        "| metric | Syneton first sync | Syneton, nothing changed | AdminPulse first sync | AdminPulse re-read, nothing changed |"
    );
    println!("|---|---:|---:|---:|---:|");
    let c = |m: &Measured| {
        format!(
            "{} read, {} created, {} updated, {} failed",
            m.counts.read, m.counts.created, m.counts.updated, m.counts.failed
        )
    };
    println!(
        "| records | {} | {} | {} | {} |",
        c(&syn_full),
        c(&syn_quiet),
        c(&ap_full),
        c(&ap_quiet)
    );
    println!(
        "| API calls / minimum | {} / {syn_min} ({:.3}×) | {} / 3 | {} / {ap_min} ({:.3}×) | {} / {ap_min} |",
        syn_full.counts.calls,
        syn_full.counts.calls as f64 / syn_min as f64,
        syn_quiet.counts.calls,
        ap_full.counts.calls,
        ap_full.counts.calls as f64 / ap_min as f64,
        ap_quiet.counts.calls
    );
    println!(
        "| configured pace | {interval_ms} ms floor, RateLimit {rate_limit}/min (over {} s) | | {} ms floor, 480/min | |",
        window.as_secs(),
        ap_interval.as_millis()
    );
    println!(
        "| wall time / paced minimum | {:.1} s / {:.1} s ({:.3}×) | {:.2} s | {:.2} s / {:.2} s ({:.3}×) | {:.2} s |",
        syn_full.wall.as_secs_f64(),
        syn_paced.as_secs_f64(),
        syn_full.wall.as_secs_f64() / syn_paced.as_secs_f64().max(1e-9),
        syn_quiet.wall.as_secs_f64(),
        ap_full.wall.as_secs_f64(),
        ap_paced.as_secs_f64(),
        ap_full.wall.as_secs_f64() / ap_paced.as_secs_f64().max(1e-9),
        ap_quiet.wall.as_secs_f64()
    );
    println!(
        "| local writes (change log rows) | {} | {} | {} | {} |",
        syn_full.writes, syn_quiet.writes, ap_full.writes, ap_quiet.writes
    );
    println!(
        "| CPU (user+sys) | {:.2} s | {:.2} s | {:.2} s | {:.2} s |",
        syn_full.cpu, syn_quiet.cpu, ap_full.cpu, ap_quiet.cpu
    );
    println!(
        "| peak RSS of this process, so far | {syn_rss:.1} MiB | | {:.1} MiB | |",
        peak_rss_mib()
    );
    // What the failed records are (ids blanked, so equal reasons group).
    let mut reasons: std::collections::BTreeMap<(String, String), usize> =
        std::collections::BTreeMap::new();
    for f in store
        .failures(Some(TENANT), Some("pending"), 100_000)
        .await
        .expect("failures")
    {
        let reason: String = f
            .reason
            .split_whitespace()
            .map(|w| {
                if w.chars().any(|c| c.is_ascii_digit()) {
                    "#"
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        *reasons.entry((f.connection, reason)).or_default() += 1;
    }
    println!();
    for ((connection, reason), n) in reasons {
        println!("failed records, {connection}: {n} × {reason}");
    }
}
