//! The tenant's data an import checks rows against, loaded once at the start: users and
//! reference codes ([`Refs`]) and the merge keys of every stored customer ([`Index`]), in
//! hash maps so that no row needs a query to be validated or matched. Contacts are too many
//! to hold so: a contacts import reads the stored contacts a chunk of rows names, through
//! their unique indexes (`apply.rs`, `key_filters.rs`), and the index keeps only what the
//! import did to contact keys that later rows may name.
//!
//! The merge keys are held as 64-bit digests ([`KeyMap`]), not as text: each key costs one
//! 16-byte slot (digest, packed [`Key`]) instead of its text. Two keys with one digest (odds
//! around 10^-7 for two million keys) are caught where a stored record is read: the merge
//! compares the record's own key with the row's and rejects the row instead of merging.

use std::collections::HashMap;
use std::hash::BuildHasher;

use crate::store::import_support::ImportTx;

use super::rows::{Codes, Refs};
use super::{ImportError, ImportKind};

/// Where a merge key points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Key {
    pub(super) id: i64,
    pub(super) deleted: bool,
    /// For the domain map: the record has a Customer ID.
    pub(super) has_external_id: bool,
}

/// A value a [`KeyMap`] holds in 8 bytes.
pub(super) trait Packed: Copy {
    fn pack(self) -> u64;
    fn unpack(bits: u64) -> Self;
}

impl Packed for i64 {
    fn pack(self) -> u64 {
        u64::from_ne_bytes(self.to_ne_bytes())
    }
    fn unpack(bits: u64) -> Self {
        i64::from_ne_bytes(bits.to_ne_bytes())
    }
}

/// Flag bits of a packed [`Key`]; the id takes the 62 bits below them (ids, placeholders
/// included, stay far inside ±2^61).
const DELETED: u64 = 1 << 63;
const HAS_EXTERNAL_ID: u64 = 1 << 62;

impl Packed for Key {
    fn pack(self) -> u64 {
        let id = i64::pack(self.id) & !(DELETED | HAS_EXTERNAL_ID);
        id | if self.deleted { DELETED } else { 0 }
            | if self.has_external_id {
                HAS_EXTERNAL_ID
            } else {
                0
            }
    }
    fn unpack(bits: u64) -> Self {
        // Shifting left then arithmetically right restores the id's sign.
        let id = i64::unpack(bits << 2) >> 2;
        Self {
            id,
            deleted: bits & DELETED != 0,
            has_external_id: bits & HAS_EXTERNAL_ID != 0,
        }
    }
}

/// Key text → `V`, as a 64-bit digest of the text → `V` packed in 64 bits: 16 bytes a slot.
#[derive(Debug)]
pub(super) struct KeyMap<V>(
    HashMap<u64, u64, foldhash::fast::FixedState>,
    std::marker::PhantomData<V>,
);

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        Self(HashMap::default(), std::marker::PhantomData)
    }
}

/// Fixed, so that digests are stable within the process.
const DIGEST: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x6372_6d73_796e_6321);

impl<V: Packed> KeyMap<V> {
    fn digest(key: &str) -> u64 {
        DIGEST.hash_one(key)
    }

    pub(super) fn get(&self, key: &str) -> Option<V> {
        self.0.get(&Self::digest(key)).map(|bits| V::unpack(*bits))
    }

    pub(super) fn insert(&mut self, key: &str, value: V) {
        self.0.insert(Self::digest(key), value.pack());
    }

    /// Makes room for `additional` more keys at once.
    fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }
}

impl KeyMap<Key> {
    /// Forgets `key` if it points at record `id` (a key the record no longer has).
    pub(super) fn release(&mut self, key: &str, id: i64) {
        if self.get(key).is_some_and(|k| k.id == id) {
            self.0.remove(&Self::digest(key));
        }
    }

    /// Forgets `key`.
    pub(super) fn forget(&mut self, key: &str) {
        self.0.remove(&Self::digest(key));
    }

    /// Points `key` at `id` if it still holds the placeholder id `placeholder`.
    pub(super) fn repoint(&mut self, key: &str, placeholder: i64, id: i64) {
        if let Some(mut k) = self.get(key).filter(|k| k.id == placeholder) {
            k.id = id;
            self.insert(key, k);
        }
    }
}

/// Merge keys → records (lower-cased domains and e-mails). The customer maps hold every
/// stored customer and those the import creates. The contact maps hold only what the
/// import did to a key a later row may name: the keys of contacts it created or changed,
/// and (id 0) keys a stored contact gave up.
#[derive(Debug, Default)]
pub(super) struct Index {
    pub(super) company_by_ext: KeyMap<Key>,
    pub(super) company_by_domain: KeyMap<Key>,
    pub(super) company_by_regkey: KeyMap<i64>,
    pub(super) contact_by_ext: KeyMap<Key>,
    pub(super) contact_by_email: KeyMap<Key>,
}

impl Index {
    /// Makes room for the keys of `rows` more customers in one allocation per map, instead
    /// of growing by doublings: a map that doubles holds its old and new tables at once, and
    /// the small tables it leaves behind fragment the heap, which made the peak memory of a
    /// million-row import vary by a third from run to run.
    pub(super) fn reserve_customers(&mut self, rows: usize) {
        self.company_by_ext.reserve(rows);
        self.company_by_domain.reserve(rows);
    }
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

/// Merge keys of the tenant's customers, deleted ones included.
pub(super) async fn load_index(tx: &mut ImportTx, tenant: &str) -> Result<Index, ImportError> {
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
            let d = d.to_lowercase();
            match index.company_by_domain.get(&d) {
                Some(old) if !old.deleted || key.deleted => {}
                _ => index.company_by_domain.insert(&d, key),
            }
        }
        if let Some(rk) = c.registration_key {
            index.company_by_regkey.insert(&rk, c.company_id);
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_pack_and_unpack_with_sign_and_flags() {
        for id in [1, -1, -7, 0, 42, (1 << 60) - 1, -(1 << 60)] {
            for (deleted, has_external_id) in
                [(false, false), (true, false), (false, true), (true, true)]
            {
                let k = Key {
                    id,
                    deleted,
                    has_external_id,
                };
                assert_eq!(Key::unpack(k.pack()), k);
            }
        }
        let mut map: KeyMap<Key> = KeyMap::default();
        map.insert(
            "a@example.com",
            Key {
                id: -3,
                deleted: false,
                has_external_id: true,
            },
        );
        map.repoint("a@example.com", -4, 10);
        assert_eq!(map.get("a@example.com").map(|k| k.id), Some(-3));
        map.repoint("a@example.com", -3, 10);
        assert_eq!(
            map.get("a@example.com"),
            Some(Key {
                id: 10,
                deleted: false,
                has_external_id: true
            })
        );
        assert_eq!(map.get("b@example.com"), None);
    }
}
