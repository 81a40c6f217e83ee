//! `crmsync contacts inactivate|delete|anonymize|erase (FILE | --segment F) [--dry-run]
//! [--tenant T]`: prints each key not found (line, column), then the counts. Exit status 0
//! when every named contact was handled, 1 when keys matched nothing or a HubSpot GDPR
//! delete failed, 2 for bad usage (unreadable file, no key column, bad segment).

use std::path::PathBuf;
use std::process::ExitCode;

use super::{ContactOp, OpOptions, RemoteEraser, Target};
use crate::config::Config;

/// Arguments of `crmsync contacts`.
#[derive(Debug, Clone, clap::Args)]
pub struct ContactsArgs {
    /// What to do to the contacts.
    #[arg(value_enum)]
    pub op: ContactOp,
    /// CSV or XLSX file with a `Contact ID` and/or `Email` column naming the contacts.
    #[arg(required_unless_present = "segment", conflicts_with = "segment")]
    pub file: Option<PathBuf>,
    /// The contacts of this segment instead of a file, e.g. `tag = LEFT and state = inactive`.
    #[arg(long, value_name = "FILTER")]
    pub segment: Option<String>,
    /// Count what would change; write nothing, call nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Tenant.
    #[arg(long, default_value = "default")]
    pub tenant: String,
}

/// Runs `crmsync contacts`.
///
/// # Errors
/// When the store or the HubSpot client cannot be set up.
pub async fn run(config: &Config, args: ContactsArgs) -> anyhow::Result<ExitCode> {
    let target = match (args.file, args.segment) {
        (Some(file), _) => Target::File(file),
        (None, Some(segment)) => Target::Segment(segment),
        (None, None) => {
            eprintln!("crmsync: give a file of contact keys or --segment");
            return Ok(ExitCode::from(2));
        }
    };
    let store = crate::app::open_store(config).await?;
    let gdpr = config
        .tenants
        .get(&args.tenant)
        .and_then(|t| t.hubspot.as_ref())
        .is_some_and(|h| h.gdpr_erase);
    let hubspot: Option<Box<dyn RemoteEraser>> = if args.op == ContactOp::Erase && gdpr {
        let cipher = crate::app::load_cipher(config)?;
        let client =
            crate::commands::hubspot::client_for(config, &store, &cipher, &args.tenant).await?;
        Some(Box::new(client))
    } else {
        None
    };
    let options = OpOptions {
        op: args.op,
        tenant: args.tenant,
        target,
        dry_run: args.dry_run,
        hubspot,
    };
    let result = super::run(&store, options).await;
    store.close().await;
    match result {
        Ok(report) => {
            for e in &report.errors {
                match (e.line, e.column.is_empty()) {
                    (0, _) => println!("{}", e.reason),
                    (line, true) => println!("line {line}: {}", e.reason),
                    (line, false) => println!("line {line}, column {:?}: {}", e.column, e.reason),
                }
            }
            println!("{}", report.summary());
            Ok(if report.not_found > 0 || report.hubspot_failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(e) if e.is_usage() => {
            eprintln!("crmsync: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => {
            tracing::error!(error = %format!("{:#}", anyhow::Error::from(e)), "contact operation failed");
            eprintln!("crmsync: the contact operation failed; nothing was changed");
            Ok(ExitCode::from(1))
        }
    }
}
