//! Contact operations (seed 001): inactivate, delete, anonymize or erase the contacts named
//! by a file of keys (a `Contact ID` and/or `Email` column, auto-mapped like imports) or
//! matched by a segment.
//!
//! - inactivate: `state = inactive`; the record and its data stay.
//! - delete: soft delete (a re-import restores it).
//! - anonymize: personal fields replaced for good, the record kept for statistics.
//! - erase: the record removed. When it is linked to HubSpot and the tenant's
//!   `gdpr_erase = true`, HubSpot's GDPR delete is asked first, for each such contact; a
//!   contact whose GDPR delete fails is not erased locally (its link is kept, so the erase
//!   can be run again), and is reported.
//!
//! The local changes of one operation are one transaction marked `import`, so they land in
//! the change log and sync out like any local change, or not at all. A dry run does the
//! same work in a transaction that is rolled back, and calls nothing remote. Keys that
//! match no contact are reported with their line and column. Logs carry counts only.

pub mod cli;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::import::columns::{Field, lookup};
use crate::import::report::RowError;
use crate::import::segment;
use crate::import::{ImportError, ImportKind, RowReader};
use crate::store::contact_ops::OpEffect;
use crate::store::{Origin, Store};

/// What to do to the contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ContactOp {
    /// Mark inactive; nothing is lost.
    Inactivate,
    /// Soft-delete.
    Delete,
    /// Replace personal fields irreversibly; keep the record for statistics.
    Anonymize,
    /// Remove the record (and ask HubSpot's GDPR delete when configured).
    Erase,
}

impl ContactOp {
    /// The verb.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inactivate => "inactivate",
            Self::Delete => "delete",
            Self::Anonymize => "anonymize",
            Self::Erase => "erase",
        }
    }
}

/// Which contacts.
#[derive(Debug, Clone)]
pub enum Target {
    /// A CSV or XLSX file with a `Contact ID` and/or `Email` column.
    File(PathBuf),
    /// A segment (see [`segment`]).
    Segment(String),
}

/// Asks a remote system to erase a contact for good (HubSpot's GDPR delete).
#[async_trait::async_trait]
pub trait RemoteEraser: Send + Sync {
    /// Erases the remote record `remote_id`; an unknown id counts as erased.
    ///
    /// # Errors
    /// A message without personal data.
    async fn erase_contact(&self, remote_id: &str) -> Result<(), String>;
}

#[async_trait::async_trait]
impl RemoteEraser for crate::connectors::hubspot::HubSpotClient {
    async fn erase_contact(&self, remote_id: &str) -> Result<(), String> {
        match self.gdpr_delete_contact(remote_id).await {
            Ok(()) | Err(crate::connectors::hubspot::HubSpotError::NotFound) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// How to run an operation.
pub struct OpOptions {
    /// What to do.
    pub op: ContactOp,
    /// Tenant.
    pub tenant: String,
    /// Which contacts.
    pub target: Target,
    /// Count only; write and call nothing.
    pub dry_run: bool,
    /// Set when erased contacts linked to HubSpot must be GDPR-deleted there.
    pub hubspot: Option<Box<dyn RemoteEraser>>,
}

/// What an operation did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OpReport {
    /// `inactivate`, `delete`, `anonymize` or `erase`.
    pub op: String,
    /// Nothing was written or called.
    pub dry_run: bool,
    /// Contacts the file or segment named.
    pub matched: u64,
    /// Contacts changed (erased, for erase).
    pub changed: u64,
    /// Contacts already in that state.
    pub unchanged: u64,
    /// Keys of the file that match no contact.
    pub not_found: u64,
    /// Erased contacts whose HubSpot record was GDPR-deleted (dry run: would be).
    pub hubspot_erased: u64,
    /// Contacts not erased because HubSpot's GDPR delete failed.
    pub hubspot_failed: u64,
    /// Erased contacts linked to HubSpot while `gdpr_erase` is off: they stay in HubSpot.
    pub hubspot_kept: u64,
    /// Keys not found and HubSpot failures, by line (0 for segment targets).
    pub errors: Vec<RowError>,
}

impl OpReport {
    /// One line of counts.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut s = format!(
            "contacts {}{}: {} matched, {} changed, {} unchanged, {} not found",
            self.op,
            if self.dry_run {
                " (dry run, nothing written)"
            } else {
                ""
            },
            self.matched,
            self.changed,
            self.unchanged,
            self.not_found
        );
        if self.op == "erase" {
            s.push_str(&format!(
                ", HubSpot GDPR deletes: {} done, {} failed, {} linked contacts kept in HubSpot (gdpr_erase off)",
                self.hubspot_erased, self.hubspot_failed, self.hubspot_kept
            ));
        }
        s
    }
}

/// Contacts named by a keys file, in file order, without repeats.
async fn from_file(
    store: &Store,
    tenant: &str,
    path: &Path,
    report: &mut OpReport,
) -> Result<Vec<i64>, ImportError> {
    let mut reader = RowReader::open(path, None)?;
    let header = reader.header().to_vec();
    let find = |field| {
        header
            .iter()
            .position(|h| lookup(ImportKind::Contacts, h) == Some(field))
    };
    let (ext_col, email_col) = (find(Field::ContactId), find(Field::Email));
    if ext_col.is_none() && email_col.is_none() {
        return Err(ImportError::MissingColumns(
            "Contact ID or Email".to_owned(),
        ));
    }
    let mut ids = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut cells = Vec::new();
    while let Some(line) = reader.next_row(&mut cells, path)? {
        let cell = |col: Option<usize>| {
            col.and_then(|c| cells.get(c))
                .map(|v| super::bulk::unneutralize(v.trim()).to_owned())
                .filter(|v| !v.is_empty())
        };
        let (ext, email) = (cell(ext_col), cell(email_col));
        let column = match (&ext, ext_col, email_col) {
            (Some(_), Some(c), _) | (None, _, Some(c)) | (None, Some(c), None) => header[c].clone(),
            _ => String::new(),
        };
        if ext.is_none() && email.is_none() {
            report.not_found += 1;
            report.errors.push(RowError {
                line,
                column,
                reason: "Contact ID or Email is required".into(),
            });
            continue;
        }
        match store
            .find_contact(tenant, ext.as_deref(), email.as_deref())
            .await?
        {
            Some(id) => {
                if seen.insert(id) {
                    ids.push(id);
                }
            }
            None => {
                report.not_found += 1;
                report.errors.push(RowError {
                    line,
                    column,
                    reason: "no such contact".into(),
                });
            }
        }
    }
    Ok(ids)
}

/// Contacts of a segment, by id.
async fn from_segment(store: &Store, tenant: &str, text: &str) -> Result<Vec<i64>, ImportError> {
    let parsed = segment::parse(text).map_err(|e| ImportError::Mapping(e.to_string()))?;
    let compiled = segment::compile(&parsed, store.backend(), 4);
    let condition = Some((compiled.sql.as_str(), compiled.args.as_slice()));
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let page = store.segment_page(tenant, condition, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.contact_id;
        ids.extend(page.iter().map(|c| c.contact_id));
    }
    Ok(ids)
}

/// Runs a contact operation.
///
/// # Errors
/// [`ImportError::Unreadable`] / [`ImportError::MissingColumns`] for a bad keys file,
/// [`ImportError::Mapping`] for a bad segment, [`ImportError::UnknownTenant`], and
/// [`ImportError::Store`] (then nothing was written locally).
pub async fn run(store: &Store, options: OpOptions) -> Result<OpReport, ImportError> {
    if !store.tenant_ids().await?.contains(&options.tenant) {
        return Err(ImportError::UnknownTenant);
    }
    let tenant = options.tenant.as_str();
    let mut report = OpReport {
        op: options.op.as_str().to_owned(),
        dry_run: options.dry_run,
        ..OpReport::default()
    };
    let mut ids = match &options.target {
        Target::File(path) => from_file(store, tenant, path, &mut report).await?,
        Target::Segment(text) => from_segment(store, tenant, text).await?,
    };
    report.matched = ids.len() as u64;
    if options.op == ContactOp::Erase {
        let links: HashMap<i64, String> = store.hubspot_contact_links(tenant, &ids).await?;
        match &options.hubspot {
            None => report.hubspot_kept = links.len() as u64,
            Some(_) if options.dry_run => report.hubspot_erased = links.len() as u64,
            Some(hubspot) => {
                // Remote first: a contact whose remote erase failed keeps its local record
                // and link, so that running the erase again finishes the job.
                let mut failed = std::collections::HashSet::new();
                for id in &ids {
                    let Some(remote) = links.get(id) else {
                        continue;
                    };
                    match hubspot.erase_contact(remote).await {
                        Ok(()) => report.hubspot_erased += 1,
                        Err(reason) => {
                            tracing::warn!(tenant.id = %tenant, contact.id = id, record.external_id = %remote, error = %reason, "HubSpot GDPR delete failed; contact kept");
                            failed.insert(*id);
                            report.hubspot_failed += 1;
                            report.errors.push(RowError {
                                line: 0,
                                column: String::new(),
                                reason: format!(
                                    "contact {id} (HubSpot {remote}) not erased: HubSpot's GDPR delete failed ({reason}); run the erase again"
                                ),
                            });
                        }
                    }
                }
                ids.retain(|id| !failed.contains(id));
            }
        }
    }
    let mut tx = store.begin(&Origin::Import).await?;
    for id in ids {
        let effect = match options.op {
            ContactOp::Inactivate => tx.inactivate_contact(tenant, id).await?,
            ContactOp::Delete => tx.delete_contact(tenant, id).await?,
            ContactOp::Anonymize => tx.anonymize_contact(tenant, id).await?,
            ContactOp::Erase => tx.erase_contact(tenant, id).await?,
        };
        match effect {
            OpEffect::Changed => report.changed += 1,
            OpEffect::Unchanged => report.unchanged += 1,
            // Gone between the lookup and the write (another writer): nothing to do.
            OpEffect::Missing => report.unchanged += 1,
        }
    }
    if options.dry_run {
        // Dropping the transaction rolls it back.
        drop(tx);
    } else {
        tx.commit().await?;
    }
    tracing::info!(
        tenant.id = %tenant,
        contacts.op = options.op.as_str(),
        dry_run = options.dry_run,
        matched = report.matched,
        changed = report.changed,
        unchanged = report.unchanged,
        not_found = report.not_found,
        hubspot_erased = report.hubspot_erased,
        hubspot_failed = report.hubspot_failed,
        "contact operation finished"
    );
    Ok(report)
}
