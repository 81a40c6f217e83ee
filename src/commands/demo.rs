//! `crmsync demo`: the whole product on one machine — the HubSpot simulator with a seeded
//! portal, a fresh SQLite store in a temporary directory, and the daemon syncing them —
//! with a printed tour of what was synced and how to watch a change flow.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::app::Application;
use crate::config::Config;
use crate::simulate::Simulator;
use crate::simulate::hubspot::{DEFAULT_TOKEN, HubSpotSim, SimConfig};

/// Options of `crmsync demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Port of the control API on 127.0.0.1.
    #[arg(long, default_value_t = 7979)]
    pub port: u16,
    /// Seed of the simulated portal.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Companies in the simulated portal.
    #[arg(long, default_value_t = 40)]
    pub companies: usize,
    /// Contacts in the simulated portal.
    #[arg(long, default_value_t = 100)]
    pub contacts: usize,
    /// Seconds between two syncs.
    #[arg(long, default_value_t = 15)]
    pub poll_interval_s: u64,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn demo_config(dir: &std::path::Path, sim: SocketAddr, args: &DemoArgs) -> anyhow::Result<Config> {
    let text = format!(
        "[database]\nurl = {db:?}\n\n[control]\nlisten = \"127.0.0.1:{port}\"\n\n[secrets]\nkey_file = {key:?}\n\n\
         [tenants.default.hubspot]\nbase_url = \"http://{sim}\"\naccess_token = {token:?}\npoll_interval_s = {poll}\n",
        db = format!("sqlite://{}", dir.join("crmsync.db").display()),
        port = args.port,
        key = dir.join("secret.key").display().to_string(),
        token = DEFAULT_TOKEN,
        poll = args.poll_interval_s.max(1),
    );
    let raw: Config = toml::from_str(&text).context("demo configuration")?;
    Ok(raw.finish()?.config)
}

/// Runs the demo until Ctrl-C.
///
/// # Errors
/// When a port cannot be bound or the first sync cannot start.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let dir = TempDir(
        std::env::temp_dir().join(format!("crmsync-demo-{}", uuid::Uuid::new_v4().simple())),
    );
    std::fs::create_dir_all(&dir.0).context("cannot create the demo directory")?;
    let sim = HubSpotSim::new(SimConfig {
        seed: args.seed,
        companies: args.companies,
        contacts: args.contacts,
        deals: args.companies / 2,
        activities: args.companies * 2,
        ..SimConfig::default()
    });
    let (listener, sim_addr) = super::simulate::listen(0).await?;
    let serving = sim.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });

    let app = Application::build(demo_config(&dir.0, sim_addr, &args)?).await?;
    let control = app.local_addr()?;
    let store = app.store().clone();
    println!(
        "crmsync demo — store {}, HubSpot simulator http://{sim_addr}",
        dir.0.display()
    );
    println!("first sync (one HubSpot call every 500 ms, as in production)…");
    let engine = app.engine().context("the engine is not running")?.clone();
    let summary = engine.run_now("default", "hubspot", "demo").await?;
    println!("  {}", super::sync::render(&summary));
    for (entity, table) in [
        ("companies", "company"),
        ("contacts", "contact"),
        ("deals", "deal"),
        ("activities", "activity"),
    ] {
        let n = store
            .scalar_i64(&format!("select count(*) from {table}"))
            .await?;
        println!("  {entity:<10} {n}");
    }
    let review = store
        .review_items(Some("default"), Some("open"))
        .await?
        .len();
    println!("  waiting for review (no valid SIRET): {review}");
    let examples = store.sync_examples("default", 3).await?;
    println!("\nexamples (local id, SIRET, HubSpot id, name):");
    for (id, siret, remote, name) in &examples {
        println!("  {id:>4}  {siret}  {remote:>6}  {name}");
    }
    if let Some((id, _, remote, _)) = examples.first() {
        println!("\nwatch a change flow:");
        println!(
            "  local → HubSpot:  curl -X PATCH http://{control}/api/v1/default/companies/{id} -H 'content-type: application/json' -d '{{\"city\":\"Lyon\"}}'"
        );
        println!("                    curl -X POST http://{control}/api/v1/sync/default/hubspot");
        println!(
            "                    curl 'http://{sim_addr}/crm/v3/objects/companies/{remote}?properties=city' -H 'authorization: Bearer {DEFAULT_TOKEN}'"
        );
        println!(
            "  HubSpot → local:  curl -X PATCH http://{sim_addr}/crm/v3/objects/companies/{remote} -H 'authorization: Bearer {DEFAULT_TOKEN}' -H 'content-type: application/json' -d '{{\"properties\":{{\"city\":\"Nantes\"}}}}'"
        );
        println!(
            "                    (within {} s) curl http://{control}/api/v1/default/companies/{id}",
            args.poll_interval_s
        );
    }
    println!(
        "\ncontrol API http://{control} (status: /api/v1/status, metrics: /metrics); Ctrl-C stops the demo."
    );
    app.run_until_stopped(crate::shutdown::signal()).await
}
