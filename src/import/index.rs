//! The tenant's data an import checks rows against, loaded once at the start: users and
//! reference codes ([`Refs`]) and the merge keys of every stored record ([`Index`]), in
//! hash maps so that no row needs a query to be validated or matched.
//!
//! The merge keys are held as 64-bit digests ([`KeyMap`]), not as text: a million contacts
//! then cost about 30 MB of keys instead of about 150 MB. Two keys with one digest (odds
//! around 10^-7 for two million keys) are caught where a stored record is read: the merge
//! compares the record's own key with the row's and rejects the row instead of merging.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

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

/// Key text → `V`, by a 64-bit digest of the text.
#[derive(Debug)]
pub(super) struct KeyMap<V>(HashMap<u64, V, foldhash::fast::FixedState>);

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        Self(HashMap::default())
    }
}

/// Fixed, so that digests are stable within the process.
const DIGEST: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x6372_6d73_796e_6321);

impl<V> KeyMap<V> {
    fn digest(key: &str) -> u64 {
        DIGEST.hash_one(key)
    }

    pub(super) fn get(&self, key: &str) -> Option<&V> {
        self.0.get(&Self::digest(key))
    }

    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.0.get_mut(&Self::digest(key))
    }

    pub(super) fn insert(&mut self, key: &str, value: V) -> Option<V> {
        self.0.insert(Self::digest(key), value)
    }

    pub(super) fn entry(&mut self, key: &str) -> Entry<'_, u64, V> {
        self.0.entry(Self::digest(key))
    }
}

/// Merge keys → records (lower-cased domains and e-mails).
#[derive(Debug, Default)]
pub(super) struct Index {
    pub(super) company_by_ext: KeyMap<Key>,
    pub(super) company_by_domain: KeyMap<Key>,
    pub(super) company_by_regkey: KeyMap<i64>,
    pub(super) contact_by_ext: KeyMap<Key>,
    pub(super) contact_by_email: KeyMap<Key>,
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
            index.company_by_ext.insert(&e, key);
        }
        if let Some(d) = c.domain {
            // The oldest live customer of a domain wins.
            let entry = index
                .company_by_domain
                .entry(&d.to_lowercase())
                .or_insert(key);
            if entry.deleted && !key.deleted {
                *entry = key;
            }
        }
        if let Some(rk) = c.registration_key {
            index.company_by_regkey.insert(&rk, c.company_id);
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
                index.contact_by_ext.insert(&e, key);
            }
            if let Some(e) = c.email {
                index.contact_by_email.insert(&e.to_lowercase(), key);
            }
        }
    }
    Ok(index)
}
