//! The command line (spec §6.1). Only verbs that work are listed. Exit status: 0 success,
//! 1 failure at run time, 2 bad usage or configuration (naming the key or file).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Config};

/// crmsync: keeps your customer database in sync with HubSpot.
#[derive(Debug, Parser)]
#[command(name = "crmsync", version, about)]
pub struct Cli {
    /// Configuration file [default: config/crmsync.toml].
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: control API and scheduler, until SIGTERM or Ctrl-C.
    Run,
    /// Apply database migrations and exit.
    Migrate,
    /// Configuration commands.
    Config {
        /// What to do with the configuration.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Show the running daemon's status (through its control API).
    Status {
        /// Print the raw JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import customers or contacts, or a criteria/authorizations bulk update, from a CSV
    /// or Excel file.
    Import(crate::import::cli::ImportArgs),
    /// Inactivate, delete, anonymize or erase contacts named by a file or a segment.
    Contacts(crate::import::ops::cli::ContactsArgs),
    /// Export files.
    Export {
        /// What to export.
        #[command(subcommand)]
        action: crate::import::bulk::cli::ExportAction,
    },
    /// Reference tables.
    Reference {
        /// What to do.
        #[command(subcommand)]
        action: crate::import::bulk::cli::ReferenceAction,
    },
    /// Connect a remote account: HubSpot or AdminPulse (OAuth in the browser), Syneton
    /// (API key and URL), AdminPulse (API key).
    Connect {
        /// Which system.
        #[command(subcommand)]
        target: ConnectTarget,
    },
    /// HubSpot administration.
    Hubspot {
        /// What to do.
        #[command(subcommand)]
        action: HubSpotAction,
    },
    /// Sync connections once and exit (`--once`).
    Sync(crate::commands::sync::SyncArgs),
    /// The review list: remote records waiting for a key or an admin.
    Review {
        /// What to do (default: list open items).
        #[command(subcommand)]
        action: Option<crate::commands::sync::ReviewAction>,
    },
    /// Try crmsync: the HubSpot simulator, a fresh SQLite store and the daemon, until Ctrl-C.
    Demo(crate::commands::demo::DemoArgs),
    /// Serve a stand-in of a remote API on loopback, for tests and trials.
    Simulate {
        /// Which API.
        #[command(subcommand)]
        target: SimulateTarget,
    },
}

/// `crmsync connect …`
#[derive(Debug, Subcommand)]
pub enum ConnectTarget {
    /// HubSpot: prints the authorization URL and waits for the redirect.
    Hubspot {
        /// Tenant to connect.
        #[arg(long, default_value = "default")]
        tenant: String,
    },
    /// Syneton Admin IS | Consult: API key and URL, verified and stored encrypted.
    Syneton {
        /// Tenant to connect.
        #[arg(long, default_value = "default")]
        tenant: String,
        /// Base URL (`https://host:port`); else the configured one, else asked.
        #[arg(long)]
        url: Option<String>,
        /// File holding the API key; else CRMSYNC_SYNETON_API_KEY, else asked.
        #[arg(long, value_name = "PATH")]
        api_key_file: Option<PathBuf>,
    },
    /// AdminPulse: OAuth login in the browser, or an API key.
    Adminpulse {
        /// Tenant to connect.
        #[arg(long, default_value = "default")]
        tenant: String,
        /// Use an API key (from --api-key-file, CRMSYNC_ADMINPULSE_API_KEY or the
        /// terminal) instead of the OAuth login.
        #[arg(long)]
        api_key: bool,
        /// File holding the API key.
        #[arg(long, value_name = "PATH")]
        api_key_file: Option<PathBuf>,
    },
}

/// `crmsync hubspot …`
#[derive(Debug, Subcommand)]
pub enum HubSpotAction {
    /// Create the properties and deal stages the sync needs (idempotent).
    Provision {
        /// Tenant whose HubSpot connection to provision.
        #[arg(long, default_value = "default")]
        tenant: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `crmsync simulate …`
#[derive(Debug, Subcommand)]
pub enum SimulateTarget {
    /// The HubSpot CRM API.
    Hubspot(crate::commands::simulate::HubSpotSimArgs),
    /// The Syneton Admin IS | Consult API.
    Syneton(crate::commands::simulate_accounting::SynetonSimArgs),
    /// The AdminPulse API (with its OAuth endpoints).
    Adminpulse(crate::commands::simulate_accounting::AdminPulseSimArgs),
}

/// `crmsync config …`
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Validate the configuration and print the effective values, secrets redacted.
    Check,
}

/// Exit status for bad usage or configuration.
pub const EXIT_CONFIG: u8 = 2;

/// Runs the parsed command.
pub async fn run(cli: Cli) -> ExitCode {
    let explicit = cli.config.is_some();
    let path = cli
        .config
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_CONFIG_PATH));
    let loaded = match Config::load(&path, explicit) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("crmsync: configuration error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    crate::telemetry::init(&loaded.config.log);
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let result = match cli.command {
        // Imports have their own exit statuses (1 rejected rows, 2 unreadable file).
        Command::Import(args) => return crate::import::cli::run(&loaded.config, args).await.unwrap_or_else(|e| {
            tracing::error!(error = %format!("{e:#}"), "import failed");
            eprintln!("crmsync: {e:#}");
            ExitCode::FAILURE
        }),
        Command::Contacts(args) => return exit_of(crate::import::ops::cli::run(&loaded.config, args).await),
        Command::Export { action } => return exit_of(crate::import::bulk::cli::export_command(&loaded.config, action).await),
        Command::Reference { action } => return exit_of(crate::import::bulk::cli::reference_command(&loaded.config, action).await),
        Command::Run => run_daemon(loaded.config).await,
        Command::Sync(args) => {
            return match crate::commands::sync::once(&loaded.config, &args).await {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("crmsync: {e:#}");
                    ExitCode::from(EXIT_CONFIG)
                }
            };
        }
        Command::Review { action } => crate::commands::sync::review(&loaded.config, action).await,
        Command::Demo(args) => crate::commands::demo::run(args).await,
        Command::Migrate => migrate(&loaded.config).await,
        Command::Config {
            action: ConfigAction::Check,
        } => config_check(&loaded.config),
        Command::Status { json } => status(&loaded.config, json).await,
        Command::Connect {
            target: ConnectTarget::Hubspot { tenant },
        } => {
            crate::commands::connect::hubspot(&loaded.config, &tenant, |url| {
                println!("Open this address in a browser and authorize crmsync:\n\n  {url}\n\nWaiting for HubSpot to redirect back…");
            })
            .await
            .map(|()| println!("HubSpot connected for tenant {tenant}."))
        }
        Command::Connect {
            target:
                ConnectTarget::Syneton {
                    tenant,
                    url,
                    api_key_file,
                },
        } => {
            crate::commands::connect_accounting::syneton_cli(
                &loaded.config,
                &tenant,
                url,
                api_key_file.as_deref(),
            )
            .await
        }
        Command::Connect {
            target:
                ConnectTarget::Adminpulse {
                    tenant,
                    api_key,
                    api_key_file,
                },
        } => {
            crate::commands::connect_accounting::adminpulse_cli(
                &loaded.config,
                &tenant,
                api_key,
                api_key_file.as_deref(),
            )
            .await
        }
        Command::Hubspot {
            action: HubSpotAction::Provision { tenant, json },
        } => provision(&loaded.config, &tenant, json).await,
        Command::Simulate {
            target: SimulateTarget::Hubspot(args),
        } => crate::commands::simulate::hubspot(args).await,
        Command::Simulate {
            target: SimulateTarget::Syneton(args),
        } => crate::commands::simulate_accounting::syneton(args).await,
        Command::Simulate {
            target: SimulateTarget::Adminpulse(args),
        } => crate::commands::simulate_accounting::adminpulse(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "crmsync failed");
            eprintln!("crmsync: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The exit status of a command that chooses its own, or 1 when it failed to run.
fn exit_of(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| {
        tracing::error!(error = %format!("{e:#}"), "crmsync failed");
        eprintln!("crmsync: {e:#}");
        ExitCode::FAILURE
    })
}

async fn run_daemon(config: Config) -> anyhow::Result<()> {
    let app = crate::app::Application::build(config).await?;
    app.run_until_stopped(crate::shutdown::signal()).await
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let store = crate::app::open_store(config).await?;
    store.close().await;
    println!("migrations applied");
    Ok(())
}

async fn provision(config: &Config, tenant: &str, json: bool) -> anyhow::Result<()> {
    let report = crate::commands::hubspot::run_provision(config, tenant).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    for (title, items) in [
        ("created", &report.created),
        ("updated", &report.updated),
        ("already there", &report.existing),
    ] {
        if !items.is_empty() {
            println!("{title}:");
            for item in items {
                println!("  {item}");
            }
        }
    }
    Ok(())
}

fn config_check(config: &Config) -> anyhow::Result<()> {
    print!("{}", config.to_redacted_toml()?);
    Ok(())
}

async fn status(config: &Config, json: bool) -> anyhow::Result<()> {
    use anyhow::Context;
    let addr = config.listen_addr()?;
    let mut request = reqwest::Client::new().get(format!("http://{addr}/api/v1/status"));
    if let Some(token) = &config.control.token {
        request = request.bearer_auth(token.expose());
    }
    let response = request
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .with_context(|| {
            format!("the daemon does not answer on {addr}; is `crmsync run` running?")
        })?;
    if !response.status().is_success() {
        anyhow::bail!("the daemon answered {}", response.status());
    }
    let body: serde_json::Value = response
        .json()
        .await
        .context("the daemon's status is not JSON")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        print!("{}", render_status(&body));
    }
    Ok(())
}

/// Human-readable status.
fn render_status(body: &serde_json::Value) -> String {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("?").to_owned();
    let mut out = format!(
        "crmsync {} — up {} s — store {} ({})\n",
        s(&body["version"]),
        body["uptime_s"],
        s(&body["database"]["backend"]),
        if body["database"]["ready"] == true {
            "ready"
        } else {
            "not ready"
        }
    );
    for tenant in body["tenants"].as_array().into_iter().flatten() {
        out.push_str(&format!("tenant {}\n", s(&tenant["id"])));
        let connections = tenant["connections"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if connections.is_empty() {
            out.push_str("  no connection configured\n");
        }
        for c in connections {
            let reason = c["reason"]
                .as_str()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            let until = c["paused_until"]
                .as_str()
                .map(|t| format!(" until {t}"))
                .unwrap_or_default();
            let enabled = if c["enabled"] == true {
                ""
            } else {
                ", disabled"
            };
            out.push_str(&format!(
                "  {:<11} {}{until}{reason}{enabled}\n",
                s(&c["connector"]),
                s(&c["state"])
            ));
            let run = &c["last_run"];
            if run.is_object() {
                out.push_str(&format!(
                    "              last run {} ({}): read {} created {} updated {} skipped {} failed {} calls {}\n",
                    s(&run["started_at"]),
                    s(&run["state"]),
                    run["read_count"],
                    run["created_count"],
                    run["updated_count"],
                    run["skipped_count"],
                    run["failed_count"],
                    run["calls_used"],
                ));
            }
            let next = c["next_run"].as_str().unwrap_or("-");
            let age = c["cursor_age_s"]
                .as_i64()
                .map_or_else(|| "-".to_owned(), |a| format!("{a} s"));
            out.push_str(&format!(
                "              next run {next}, cursor age {age}, calls today {}, failures pending {}\n",
                c["calls_today"], c["failures_pending"]
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn status_lines_show_state_pause_and_reason() {
        let body = serde_json::json!({
            "version": "0.1.0", "uptime_s": 3, "database": {"backend": "sqlite", "ready": true},
            "tenants": [{"id": "default", "connections": [{"connector": "hubspot", "enabled": true,
                "state": "paused", "reason": "daily budget", "paused_until": "2026-11-22T01:00:00Z"}]}]
        });
        let text = super::render_status(&body);
        assert!(text.contains("store sqlite (ready)"), "{text}");
        assert!(
            text.contains("hubspot     paused until 2026-11-22T01:00:00Z (daily budget)"),
            "{text}"
        );
    }
}
