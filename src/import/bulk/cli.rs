//! `crmsync export template criteria|authorizations [--segment F] --out FILE[.zip]` and
//! `crmsync reference list criteria|authorizations`. Exit status 0 on success, 1 when the
//! store or the file fails, 2 for bad usage (bad segment, unknown tenant, nothing to export).

use std::path::PathBuf;
use std::process::ExitCode;

use super::BulkKind;
use super::template::{TemplateOptions, export};
use crate::config::Config;

/// `crmsync export …`
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ExportAction {
    /// An `[old]`/`[new]` bulk-update file for the contacts of a segment.
    Template(TemplateArgs),
}

/// Arguments of `crmsync export template`.
#[derive(Debug, Clone, clap::Args)]
pub struct TemplateArgs {
    /// What the template updates.
    #[arg(value_enum)]
    pub kind: BulkKind,
    /// Only the contacts of this segment, e.g. `tag = VIP and language = FR`.
    #[arg(long, value_name = "FILTER")]
    pub segment: Option<String>,
    /// Output file: `.csv`, or `.zip` for a zipped CSV.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Tenant.
    #[arg(long, default_value = "default")]
    pub tenant: String,
}

/// `crmsync reference …`
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ReferenceAction {
    /// Show the codes a bulk-update file accepts.
    List {
        /// Which table.
        #[arg(value_enum)]
        kind: BulkKind,
        /// Tenant.
        #[arg(long, default_value = "default")]
        tenant: String,
    },
}

/// Runs `crmsync export …`.
///
/// # Errors
/// When the store cannot be opened.
pub async fn export_command(config: &Config, action: ExportAction) -> anyhow::Result<ExitCode> {
    let ExportAction::Template(args) = action;
    let store = crate::app::open_store(config).await?;
    let options = TemplateOptions {
        kind: args.kind,
        tenant: args.tenant,
        segment: args.segment,
        out: args.out,
    };
    let result = export(&store, &options).await;
    store.close().await;
    match result {
        Ok(report) => {
            println!(
                "{} contacts, {} {} written to {}{}",
                report.contacts,
                report.fields,
                options.kind.as_str(),
                options.out.display(),
                if report.zipped { " (zipped)" } else { "" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("crmsync: {}", crate::import::cli::error_chain(&e));
            Ok(ExitCode::from(if e.is_usage() { 2 } else { 1 }))
        }
    }
}

/// The text `crmsync reference list` prints.
///
/// # Errors
/// On store errors.
pub async fn reference_text(
    store: &crate::store::Store,
    kind: BulkKind,
    tenant: &str,
) -> anyhow::Result<String> {
    let mut out = String::new();
    match kind {
        BulkKind::Criteria => {
            for c in store.criteria(tenant).await? {
                out.push_str(&format!("{}\t{}\n", c.code, c.label));
                for (code, label) in c.values {
                    out.push_str(&format!("  {code}\t{label}\n"));
                }
            }
        }
        BulkKind::Authorizations => {
            for (name, label) in store.authorization_names(tenant).await? {
                out.push_str(&format!("{name}\t{label}\t(TRUE, FALSE or empty)\n"));
            }
        }
    }
    if out.is_empty() {
        out = format!("tenant {tenant} has no {}\n", kind.as_str());
    }
    Ok(out)
}

/// Runs `crmsync reference …`.
///
/// # Errors
/// When the store fails.
pub async fn reference_command(
    config: &Config,
    action: ReferenceAction,
) -> anyhow::Result<ExitCode> {
    let ReferenceAction::List { kind, tenant } = action;
    let store = crate::app::open_store(config).await?;
    let text = reference_text(&store, kind, &tenant).await;
    store.close().await;
    print!("{}", text?);
    Ok(ExitCode::SUCCESS)
}
