//! The tenant's data an import checks rows against, loaded once at the start: users and
//! reference codes ([`Refs`]) and the merge keys of every stored record ([`Index`]), in
//! hash maps so that no row needs a query to be validated or matched.

use std::collections::HashMap;

use crate::store::import_support::ImportTx;

use super::rows::{Codes, Refs};
use super::{ImportError, ImportKind};

/// Where a merge key points.
#[derive(Debug, Clone, Copy)]
pub(super) struct Key {
    pub(super) id: i64,
    pub(super) deleted: bool,
    /// For the domain map: the record has a Customer ID.
    pub(super) has_external_id: bool,
}

/// Merge keys → records (lower-cased domains and e-mails).
#[derive(Debug, Default)]
pub(super) struct Index {
    pub(super) company_by_ext: HashMap<String, Key>,
    pub(super) company_by_domain: HashMap<String, Key>,
    pub(super) company_by_regkey: HashMap<String, i64>,
    pub(super) contact_by_ext: HashMap<String, Key>,
    pub(super) contact_by_email: HashMap<String, Key>,
}

/// Users and reference codes the rows of `kind` refer to.
pub(super) async fn load_refs(
    tx: &mut ImportTx,
    tenant: &str,
    kind: ImportKind,
) -> Result<Refs, ImportError> {
    let mut refs = Refs::default();
    match kind {
        ImportKind::Customers => {
            refs.users = tx
                .users(tenant)
                .await?
                .into_iter()
                .map(|(id, email)| (email.to_lowercase(), id))
                .collect();
            refs.stages = Codes::new(tx.codes(tenant, "customer_stage").await?);
            refs.profiles = Codes::new(tx.codes(tenant, "health_score_profile").await?);
            refs.goals = Codes::new(tx.codes(tenant, "interaction_goal").await?);
        }
        _ => {
            refs.civilities = Codes::new(tx.codes(tenant, "civility").await?);
        }
    }
    Ok(refs)
}

/// Merge keys of the tenant's records, deleted ones included.
pub(super) async fn load_index(
    tx: &mut ImportTx,
    tenant: &str,
    kind: ImportKind,
) -> Result<Index, ImportError> {
    let mut index = Index::default();
    for c in tx.company_keys(tenant).await? {
        let key = Key {
            id: c.company_id,
            deleted: c.deleted,
            has_external_id: c.external_id.is_some(),
        };
        if let Some(e) = c.external_id {
            index.company_by_ext.insert(e, key);
        }
        if let Some(d) = c.domain {
            // The oldest live customer of a domain wins.
            let entry = index
                .company_by_domain
                .entry(d.to_lowercase())
                .or_insert(key);
            if entry.deleted && !key.deleted {
                *entry = key;
            }
        }
        if let Some(rk) = c.registration_key {
            index.company_by_regkey.insert(rk, c.company_id);
        }
    }
    if kind != ImportKind::Customers {
        for c in tx.contact_keys(tenant).await? {
            let key = Key {
                id: c.contact_id,
                deleted: c.deleted,
                has_external_id: c.external_id.is_some(),
            };
            if let Some(e) = c.external_id {
                index.contact_by_ext.insert(e, key);
            }
            if let Some(e) = c.email {
                index.contact_by_email.insert(e.to_lowercase(), key);
            }
        }
    }
    Ok(index)
}
