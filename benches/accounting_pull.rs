//! Benchmark: a first import from Syneton and from AdminPulse through the clients, at the
//! configured pace, against `crmsync simulate syneton|adminpulse` running as separate
//! processes (so the figures are the client's alone).
//!
//! Syneton: every customer (companies and persons), every company ↔ person link and every
//! registered office, paged at `MaxRecordsPerPage`, then each company mapped with its office
//! and contact persons. AdminPulse: every relation in pages of 400, mapped through the
//! default field map. Prints calls used against the minimum, wall time against what the
//! configured pace allows (the `min_call_interval_ms` floor and `RateLimit` calls per
//! 61-second window, computed call by call), CPU seconds and peak RSS of this process.
//!
//!     cargo bench --bench accounting_pull
//!     cargo bench --bench accounting_pull -- 5000 10000 5000 120 100
//!         # Syneton companies, Syneton contact persons, AdminPulse relations,
//!         # Syneton RateLimit per minute, Syneton min_call_interval_ms

#[path = "common/mod.rs"]
mod common;
use common::pace::paced_wall;
use common::{accounting, arg, cpu_seconds, peak_rss_mib};

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crmsync::config::AdminPulseFieldMap;
use crmsync::connectors::syneton::{
    self, Customer, CustomerAddress, CustomerLink, Filter, SynetonClient,
};
use crmsync::mapping::accounting::{SynetonContact, from_adminpulse, from_syneton};

async fn all<T: serde::de::DeserializeOwned>(
    pages: syneton::Pages<T>,
    client: &SynetonClient,
) -> Vec<T> {
    pages.collect(client).await.expect("pages")
}

#[tokio::main]
async fn main() {
    let (companies, contacts, relations) = (arg(0, 5000), arg(1, 10_000), arg(2, 5000));
    let (rate_limit, interval_ms) = (arg(3, 120), arg(4, 100));
    let per_page = 100;

    // --- Syneton ---------------------------------------------------------------------------
    let interval = Duration::from_millis(interval_ms);
    let syn = accounting::syneton(companies, contacts, rate_limit, per_page, interval).await;
    let client = syn.client;
    let window = client.config().rate_window;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let customers: Vec<Customer> = all(client.customers(None).await.expect("pages"), &client).await;
    let links: Vec<CustomerLink> = all(client.links(None).await.expect("pages"), &client).await;
    let offices: Vec<CustomerAddress> = all(
        client
            .addresses(Some(&Filter::new().eq("RegisteredOffice", true)))
            .await
            .expect("pages"),
        &client,
    )
    .await;
    let by_id: HashMap<i64, &Customer> = customers.iter().map(|c| (c.customer_id, c)).collect();
    let office_of: HashMap<i64, &CustomerAddress> =
        offices.iter().map(|a| (a.customer_id, a)).collect();
    let mut links_of: HashMap<i64, Vec<&CustomerLink>> = HashMap::new();
    for l in &links {
        links_of.entry(l.customer_id_pk).or_default().push(l);
    }
    let (mut mapped, mut mapped_contacts, mut keyed) = (0, 0, 0);
    for c in customers.iter().filter(|c| c.is_company == Some(true)) {
        let contacts: Vec<SynetonContact<'_>> = links_of
            .get(&c.customer_id)
            .into_iter()
            .flatten()
            .filter_map(|l| {
                by_id.get(&l.customer_id_fk).map(|p| SynetonContact {
                    link: l,
                    person: p,
                    function: None,
                })
            })
            .collect();
        let rec = from_syneton(c, office_of.get(&c.customer_id).copied(), &contacts);
        mapped += 1;
        mapped_contacts += rec.contacts.len();
        keyed += usize::from(rec.company_key().is_some());
    }
    let syneton_wall = started.elapsed();
    let syneton_cpu = cpu_seconds() - cpu_before;
    let syneton_calls = client.calls_used();
    let pages = |n: usize| (n as u64).div_ceil(per_page);
    let syneton_min = 2 + pages(customers.len()) + pages(links.len()) + pages(offices.len());
    let syneton_paced = paced_wall(syneton_calls, interval, rate_limit, window);

    // --- AdminPulse ------------------------------------------------------------------------
    let ap = accounting::adminpulse(relations, contacts).await;
    let ap_client = ap.client;
    let ap_interval = ap_client.config().min_call_interval;
    let ap_window = ap_client.config().rate_window;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let map = AdminPulseFieldMap::default();
    let mut pages_ap = ap_client.relation_pages();
    let (mut ap_mapped, mut ap_keyed, mut ap_contacts) = (0, 0, 0);
    while let Some(page) = pages_ap.next_page(&ap_client).await.expect("page") {
        for r in &page {
            let rec = from_adminpulse(r, &map);
            ap_mapped += 1;
            ap_contacts += rec.contacts.len();
            ap_keyed += usize::from(rec.company_key().is_some());
        }
    }
    let ap_wall = started.elapsed();
    let ap_cpu = cpu_seconds() - cpu_before;
    let ap_calls = ap_client.calls_used();
    let ap_min = relations.div_ceil(400);
    let ap_paced = paced_wall(ap_calls, ap_interval, 480, ap_window);

    println!(
        "Syneton: {} customers read ({mapped} companies mapped, {keyed} with a valid key, {mapped_contacts} contact persons), {} links, {} registered offices",
        customers.len(),
        links.len(),
        offices.len()
    );
    println!(
        "AdminPulse: {ap_mapped} relations mapped ({ap_keyed} with a valid key, {ap_contacts} contact persons)"
    );
    println!();
    println!("| metric | Syneton | AdminPulse |");
    println!("|---|---:|---:|");
    println!(
        "| API calls / minimum | {syneton_calls} / {syneton_min} ({:.3}×) | {ap_calls} / {ap_min} ({:.3}×) |",
        syneton_calls as f64 / syneton_min as f64,
        ap_calls as f64 / ap_min as f64
    );
    println!(
        "| configured pace | {interval_ms} ms floor, RateLimit {rate_limit}/min (counted over {} s) | {} ms floor, 480/min |",
        window.as_secs(),
        ap_interval.as_millis()
    );
    println!(
        "| wall time / paced minimum | {:.1} s / {:.1} s ({:.3}×) | {:.2} s / {:.2} s ({:.3}×) |",
        syneton_wall.as_secs_f64(),
        syneton_paced.as_secs_f64(),
        syneton_wall.as_secs_f64() / syneton_paced.as_secs_f64().max(1e-9),
        ap_wall.as_secs_f64(),
        ap_paced.as_secs_f64(),
        ap_wall.as_secs_f64() / ap_paced.as_secs_f64().max(1e-9)
    );
    println!("| CPU (user+sys) | {syneton_cpu:.2} s | {ap_cpu:.2} s |");
    println!(
        "| peak RSS (client process, whole run) | {:.1} MiB | |",
        peak_rss_mib()
    );
}
