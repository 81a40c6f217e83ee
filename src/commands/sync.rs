//! `crmsync sync --once` and `crmsync review`: the engine and its review list from the
//! command line, without a running daemon.

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::config::Config;
use crate::store::Store;
use crate::sync::engine::{Engine, RunSummary};

/// Options of `crmsync sync`.
#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// Run each selected connection once and exit (the daemon, `crmsync run`, runs them on
    /// their schedule).
    #[arg(long)]
    pub once: bool,
    /// Only this tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only this connector.
    #[arg(long, value_parser = ["hubspot", "syneton", "adminpulse"])]
    pub connector: Option<String>,
    /// Print the run summaries as JSON.
    #[arg(long)]
    pub json: bool,
}

async fn prepare(config: &Config) -> anyhow::Result<Store> {
    let store = crate::app::open_store(config).await?;
    for (id, tenant) in &config.tenants {
        store
            .ensure_tenant(id, tenant.name.as_deref().unwrap_or(id))
            .await
            .with_context(|| format!("failed to prepare tenant {id}"))?;
    }
    Ok(store)
}

/// Runs the selected connections once; `Ok(false)` when records failed or a run stopped.
///
/// # Errors
/// Bad usage (no `--once`, unknown tenant or connection) and store failures.
pub async fn once(config: &Config, args: &SyncArgs) -> anyhow::Result<bool> {
    if !args.once {
        anyhow::bail!(
            "`crmsync sync` needs --once; the daemon (`crmsync run`) syncs on its schedule"
        );
    }
    if let Some(t) = &args.tenant
        && !config.tenants.contains_key(t)
    {
        anyhow::bail!("unknown tenant {t}: it has no [tenants.{t}] section");
    }
    let store = prepare(config).await?;
    let cipher = crate::app::load_cipher(config)?;
    let engine = Engine::build(config, &store, &cipher).await?;
    let selected: Vec<(String, String)> = engine
        .connections()
        .into_iter()
        .filter(|(t, c)| {
            args.tenant.as_ref().is_none_or(|x| x == t)
                && args.connector.as_ref().is_none_or(|x| x == c)
        })
        .collect();
    if selected.is_empty() {
        anyhow::bail!(
            "no connected connection matches; check the configuration and `crmsync connect`"
        );
    }
    let mut clean = true;
    let mut summaries = Vec::new();
    for (tenant, connector) in selected {
        let s = engine.run_now(&tenant, &connector, "cli").await?;
        clean &= s.error.is_none() && s.counts.failed == 0;
        if !args.json {
            println!("{}", render(&s));
        }
        summaries.push(s);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summaries)?);
    }
    store.close().await;
    Ok(clean)
}

/// One line per run.
#[must_use]
pub fn render(s: &RunSummary) -> String {
    let c = &s.counts;
    let tail = s
        .error
        .as_ref()
        .map(|e| format!(" — stopped: {e}"))
        .unwrap_or_default();
    format!(
        "{}/{}: read {} created {} updated {} skipped {} failed {} in {:.1} s, {} calls{tail}",
        s.tenant,
        s.connector,
        c.read,
        c.created,
        c.updated,
        c.skipped,
        c.failed,
        s.duration_ms as f64 / 1000.0,
        c.calls
    )
}

/// `crmsync review …`
#[derive(Debug, Clone, Subcommand)]
pub enum ReviewAction {
    /// List items (open ones by default).
    List {
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// `open`, `linked` or `dismissed`.
        #[arg(long, default_value = "open", value_parser = ["open", "linked", "dismissed"])]
        state: String,
    },
    /// Link a remote record to a local one by hand.
    Link {
        /// Review item id.
        id: i64,
        /// Local company (or contact) id.
        local_id: i64,
    },
    /// Leave a remote record unlinked for good.
    Dismiss {
        /// Review item id.
        id: i64,
    },
}

/// Runs a review command.
///
/// # Errors
/// Unknown items or records, store failures.
pub async fn review(config: &Config, action: Option<ReviewAction>) -> anyhow::Result<()> {
    let store = prepare(config).await?;
    match action.unwrap_or(ReviewAction::List {
        tenant: None,
        state: "open".to_owned(),
    }) {
        ReviewAction::List { tenant, state } => {
            let items = store.review_items(tenant.as_deref(), Some(&state)).await?;
            if items.is_empty() {
                println!("no {state} review item");
            }
            for i in items {
                println!(
                    "#{} {}/{} {} {} — {} (key: {})",
                    i.review_id,
                    i.tenant_id,
                    i.connection,
                    i.entity,
                    i.remote_id,
                    i.reason,
                    i.raw_key.as_deref().unwrap_or("none")
                );
            }
        }
        ReviewAction::Link { id, local_id } => {
            let item = store
                .link_review(id, local_id)
                .await
                .map_err(|e| anyhow::anyhow!("review item {id}: {e}"))?;
            println!(
                "linked {} {} to local record {local_id}; it is read again on the next run",
                item.entity, item.remote_id
            );
        }
        ReviewAction::Dismiss { id } => {
            store
                .dismiss_review(id)
                .await
                .map_err(|e| anyhow::anyhow!("review item {id}: {e}"))?;
            println!("dismissed review item {id}");
        }
    }
    store.close().await;
    Ok(())
}
