//! `crmsync simulate syneton` and `crmsync simulate adminpulse`: the accounting-practice
//! simulators on loopback until Ctrl-C, printing their base URLs and credentials.

use clap::Args;

use super::simulate::listen;
use crate::simulate::Simulator;
use crate::simulate::adminpulse::{
    AdminPulseSim, DEFAULT_API_KEY as ADMINPULSE_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    SimConfig as AdminPulseConfig,
};
use crate::simulate::syneton::{
    DEFAULT_API_KEY as SYNETON_KEY, SimConfig as SynetonConfig, SynetonSim,
};

/// Options of `crmsync simulate syneton`.
#[derive(Debug, Clone, Args)]
pub struct SynetonSimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8990)]
    pub port: u16,
    /// Seed of the generated office.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Companies to generate (documented fixtures included).
    #[arg(long, default_value_t = 40)]
    pub companies: usize,
    /// Natural persons to generate, each linked to a company as a contact.
    #[arg(long, default_value_t = 80)]
    pub contacts: usize,
    /// `apisettings.RateLimit`: calls per minute before 403 throttling.
    #[arg(long, default_value_t = 60)]
    pub rate_limit: u32,
    /// `apisettings.MaxRecordsPerPage` (and the default page size).
    #[arg(long, default_value_t = 100)]
    pub per_page: u32,
    /// Token lifetime in seconds (`TimeToLive` = now + this).
    #[arg(long, default_value_t = 3600)]
    pub token_ttl_s: i64,
}

impl SynetonSimArgs {
    /// The simulator configuration these options describe.
    #[must_use]
    pub fn sim_config(&self) -> SynetonConfig {
        let mut config = SynetonConfig {
            seed: self.seed,
            companies: self.companies,
            contacts: self.contacts,
            ..SynetonConfig::default()
        };
        config.settings.rate_limit = self.rate_limit;
        config.settings.max_per_page = self.per_page;
        config.settings.default_per_page = self.per_page;
        config.settings.token_ttl_s = self.token_ttl_s;
        config.settings.duration_token = self.token_ttl_s / 60;
        config
    }
}

/// Options of `crmsync simulate adminpulse`.
#[derive(Debug, Clone, Args)]
pub struct AdminPulseSimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8991)]
    pub port: u16,
    /// Seed of the generated office.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Relations of type company to generate (documented fixture included).
    #[arg(long, default_value_t = 40)]
    pub companies: usize,
    /// Contact persons to generate, spread over the companies.
    #[arg(long, default_value_t = 80)]
    pub contacts: usize,
    /// Calls per minute before 429.
    #[arg(long, default_value_t = 480)]
    pub rate_limit: u32,
}

/// Serves the Syneton simulator until SIGINT/SIGTERM.
///
/// # Errors
/// When the port cannot be bound.
pub async fn syneton(args: SynetonSimArgs) -> anyhow::Result<()> {
    let sim = SynetonSim::new(args.sim_config());
    let (listener, addr) = listen(args.port).await?;
    let (companies, persons, links, offices) = sim.counts();
    println!("Syneton simulator on http://{addr}");
    println!("  base URL:   http://{addr} (the API is under /api/v1/)");
    println!("  API key:    {SYNETON_KEY}");
    println!(
        "  admin:      http://{addr}/_sim/requests, /_sim/faults, /_sim/config, /_sim/customers/…, /_sim/reset"
    );
    println!(
        "  office:     {companies} companies, {persons} persons, {links} links, {offices} registered offices (seed {}); RateLimit {}/min, {} per page",
        args.seed, args.rate_limit, args.per_page
    );
    sim.serve(listener, crate::shutdown::signal()).await?;
    Ok(())
}

/// Serves the AdminPulse simulator until SIGINT/SIGTERM.
///
/// # Errors
/// When the port cannot be bound.
pub async fn adminpulse(args: AdminPulseSimArgs) -> anyhow::Result<()> {
    let mut config = AdminPulseConfig {
        seed: args.seed,
        companies: args.companies,
        contacts: args.contacts,
        ..AdminPulseConfig::default()
    };
    config.settings.rate_limit = args.rate_limit;
    let sim = AdminPulseSim::new(config);
    let (listener, addr) = listen(args.port).await?;
    println!("AdminPulse simulator on http://{addr}");
    println!("  API base URL:    http://{addr}");
    println!("  API key:         {ADMINPULSE_KEY}");
    println!("  OAuth authorize: http://{addr}/auth/authorize");
    println!("  OAuth token:     http://{addr}/auth/token");
    println!("  OAuth client:    {DEFAULT_CLIENT_ID} / {DEFAULT_CLIENT_SECRET}");
    println!(
        "  admin:           http://{addr}/_sim/requests, /_sim/faults, /_sim/config, /_sim/relations/…, /_sim/reset"
    );
    println!(
        "  office:          {} relations (seed {}); {} calls/min",
        sim.relation_count(),
        args.seed,
        args.rate_limit
    );
    sim.serve(listener, crate::shutdown::signal()).await?;
    Ok(())
}
