//! Benchmark: a full pull of a HubSpot portal through the client, at the production pace.
//!
//! Starts `crmsync simulate hubspot` as a separate process (so the figures below are the
//! client's alone), then reads every company and every contact with its company
//! associations inline, plus owners and the deal pipeline. Prints calls against the minimum
//! `ceil(companies/100) + ceil(contacts/100)` plus metadata calls, wall time against
//! calls × interval, CPU seconds and peak RSS of this process.
//!
//!     cargo bench --bench hubspot_pull                    # 10,000 companies, 30,000 contacts
//!     cargo bench --bench hubspot_pull -- 1000 3000 500   # companies contacts interval_ms

#[path = "common/mod.rs"]
mod common;
use common::server::{port, start};
use common::{arg, cpu_seconds, peak_rss_mib};

use std::time::{Duration, Instant};

use crmsync::connectors::hubspot::objects::ListRequest;
use crmsync::connectors::hubspot::{ClientConfig, Credentials, HubSpotClient};
use crmsync::simulate::hubspot::DEFAULT_TOKEN;
use secrecy::SecretString;

async fn pull_all(
    client: &HubSpotClient,
    object: &str,
    properties: &[&str],
    associations: &[&str],
) -> (usize, usize) {
    let mut request = ListRequest {
        properties: properties.iter().map(|s| (*s).to_owned()).collect(),
        associations: associations.iter().map(|s| (*s).to_owned()).collect(),
        ..ListRequest::default()
    };
    let (mut records, mut links) = (0, 0);
    loop {
        let page = client.list_page(object, &request).await.expect("page");
        records += page.results.len();
        links += page
            .results
            .iter()
            .map(|r| {
                associations
                    .iter()
                    .map(|a| r.associated_ids(a).len())
                    .sum::<usize>()
            })
            .sum::<usize>();
        match page.paging.and_then(|p| p.next) {
            Some(next) => request.after = Some(next.after),
            None => return (records, links),
        }
    }
}

#[tokio::main]
async fn main() {
    let companies = arg(0, 10_000);
    let contacts = arg(1, 30_000);
    let interval = Duration::from_millis(arg(2, 500));
    let port = port();
    let sim = start(
        &[
            "simulate",
            "hubspot",
            "--port",
            &port.to_string(),
            "--companies",
            &companies.to_string(),
            "--contacts",
            &contacts.to_string(),
            "--deals",
            "0",
            "--activities",
            "0",
        ],
        &format!("http://127.0.0.1:{port}/_sim/stats"),
    )
    .await;
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url");

    let mut config = ClientConfig::new(base);
    config.min_call_interval = interval;
    let client = HubSpotClient::new(
        config,
        Credentials::Static(SecretString::from(DEFAULT_TOKEN)),
        None,
    )
    .expect("client");
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let owners = client.owners(None).await.expect("owners").len();
    let pipelines = client.deal_pipelines().await.expect("pipelines").len();
    let (company_count, _) = pull_all(
        &client,
        "companies",
        &[
            "name",
            "domain",
            "siret",
            "lifecyclestage",
            "synchro_artis",
            "ingenieur_commercial",
            "hubspot_owner_id",
            "hs_lastmodifieddate",
        ],
        &[],
    )
    .await;
    let (contact_count, links) = pull_all(
        &client,
        "contacts",
        &[
            "email",
            "firstname",
            "lastname",
            "phone",
            "jobtitle",
            "civilite",
            "synchro_artis",
            "lastmodifieddate",
        ],
        &["companies"],
    )
    .await;
    let wall = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    drop(sim);

    let calls = client.calls_used();
    let metadata = 2;
    let minimum = companies.div_ceil(100) + contacts.div_ceil(100) + metadata;
    let ideal = interval * u32::try_from(calls).unwrap_or(u32::MAX);
    println!(
        "HubSpot pull: {company_count} companies, {contact_count} contacts, {links} contact→company links, {owners} owners, {pipelines} pipeline(s)"
    );
    println!("| metric | value | target |");
    println!("|---|---:|---|");
    println!(
        "| API calls | {calls} | minimum {minimum} ({:.3}×; target ≤ 1.05×) |",
        calls as f64 / minimum as f64
    );
    println!(
        "| records per call | {:.1} | |",
        (company_count + contact_count) as f64 / calls as f64
    );
    println!(
        "| wall time | {:.1} s | calls × {} ms = {:.1} s ({:.3}×; target ≤ 1.05×) |",
        wall.as_secs_f64(),
        interval.as_millis(),
        ideal.as_secs_f64(),
        wall.as_secs_f64() / ideal.as_secs_f64()
    );
    println!("| CPU (user+sys) | {cpu:.2} s | |");
    println!(
        "| peak RSS (client process) | {:.1} MiB | |",
        peak_rss_mib()
    );
}
