//! `crmsync simulate hubspot`: the HubSpot simulator on loopback until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};

use anyhow::Context;
use clap::Args;

use crate::simulate::Simulator;
use crate::simulate::hubspot::{DEFAULT_CLIENT_ID, DEFAULT_TOKEN, HubSpotSim, SimConfig};
use crate::simulate::kit::bind_loopback;

/// Options of `crmsync simulate hubspot`.
#[derive(Debug, Clone, Args)]
pub struct HubSpotSimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8989)]
    pub port: u16,
    /// Seed of the generated portal.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Companies to generate.
    #[arg(long, default_value_t = 50)]
    pub companies: usize,
    /// Contacts to generate.
    #[arg(long, default_value_t = 120)]
    pub contacts: usize,
    /// Deals to generate.
    #[arg(long, default_value_t = 40)]
    pub deals: usize,
    /// Calls, meetings and e-mails to generate.
    #[arg(long, default_value_t = 150)]
    pub activities: usize,
    /// Answer 429 to any call closer than this to the previous one.
    #[arg(long)]
    pub min_interval_ms: Option<u64>,
    /// Records become searchable this long after a write.
    #[arg(long, default_value_t = 0)]
    pub search_lag_ms: u64,
    /// Every company meets the sync trigger; every contact and deal has its box ticked.
    #[arg(long)]
    pub all_synced: bool,
}

impl HubSpotSimArgs {
    /// The simulator configuration these options describe.
    #[must_use]
    pub fn sim_config(&self) -> SimConfig {
        SimConfig {
            seed: self.seed,
            companies: self.companies,
            contacts: self.contacts,
            deals: self.deals,
            activities: self.activities,
            min_interval_ms: self.min_interval_ms,
            search_lag_ms: self.search_lag_ms,
            all_synced: self.all_synced,
            ..SimConfig::default()
        }
    }
}

/// Serves the simulator until SIGINT/SIGTERM.
///
/// # Errors
/// When the port cannot be bound.
pub async fn hubspot(args: HubSpotSimArgs) -> anyhow::Result<()> {
    let sim = HubSpotSim::new(args.sim_config());
    let (listener, addr) = listen(args.port).await?;
    println!("HubSpot simulator on http://{addr}");
    println!("  static token:   {DEFAULT_TOKEN}");
    println!(
        "  OAuth client:   {DEFAULT_CLIENT_ID} (refresh tokens: POST /_sim/oauth/refresh-tokens)"
    );
    println!(
        "  admin:          http://{addr}/_sim/requests, /_sim/faults, /_sim/objects/…, /_sim/reset"
    );
    println!(
        "  portal:         {} companies, {} contacts, {} deals, {} activities (seed {})",
        args.companies, args.contacts, args.deals, args.activities, args.seed
    );
    sim.serve(listener, crate::shutdown::signal()).await?;
    Ok(())
}

/// A listener on 127.0.0.1:`port` (0 picks one) and the address it got. Loopback only:
/// the simulators have no authentication worth the name.
///
/// # Errors
/// When the port cannot be bound.
pub(crate) async fn listen(port: u16) -> anyhow::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = bind_loopback(port).await.with_context(|| {
        format!(
            "cannot listen on {}",
            SocketAddr::from((Ipv4Addr::LOCALHOST, port))
        )
    })?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}
