//! What a contacts import knows of contact keys without holding them all: which keys the
//! store may hold ([`StoredKeys`], built once from the stored contacts) and which keys the
//! file names, once or more than once ([`FileKeys`], from a first pass over the file's two
//! key columns). Both are Bloom filters: "no" is certain, "yes" is probable.
//!
//! Why: holding every contact's merge keys made an import's memory grow with the file,
//! about 35 bytes a key. With these filters the merge reads a stored contact only when the
//! store may hold its key, and remembers what the import did to a key only when a later row
//! may name it (`index.rs`). A filter costs about a byte and a half per key, sized by the
//! store or by the file's length and capped, so a contacts import's memory no longer grows
//! with its rows.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::store::import_support::ImportTx;

use super::columns::{ColumnMap, Field};
use super::{ImportError, RowReader};

/// Probes per key. With 11 bits a key, about 1% of the keys not in a filter are taken for
/// members; such a false "yes" costs a lookup or a remembered key, never a wrong merge.
const PROBES: u64 = 4;
/// Bounds of a filter's size in bits: 8 KiB, 128 MiB.
const MIN_BITS: u64 = 1 << 16;
const MAX_BITS: u64 = 1 << 30;
/// Stored keys read per statement while the store's filter is built.
const PAGE: i64 = 10_000;

/// Fixed, so that digests are stable within the process.
const DIGEST: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x6b65_7966_696c_7472);

/// Which kind of key a digest is of, so equal texts of two kinds stay apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Namespace {
    ContactExt,
    ContactEmail,
}

/// The digest of `key` (a Contact ID, or a lower-cased e-mail) as a key of kind `ns`.
pub(super) fn digest(ns: Namespace, key: &str) -> u64 {
    DIGEST.hash_one((ns, key))
}

/// A blocked Bloom filter of 64-bit digests: each digest sets its bits within one 64-byte
/// block, so a lookup costs one cache miss instead of one per probe (on a million-row file
/// the per-probe misses made the first pass a third slower).
#[derive(Debug)]
pub(super) struct Bloom {
    blocks: Vec<[u64; 8]>,
}

impl Bloom {
    /// A filter of `bits` bits, rounded up to a power of two within the bounds.
    pub(super) fn with_bits(bits: u64) -> Self {
        let bits = bits.clamp(MIN_BITS, MAX_BITS).next_power_of_two();
        Self {
            blocks: vec![[0; 8]; (bits / 512) as usize],
        }
    }

    /// A filter for about `keys` keys, at 16 bits a key.
    pub(super) fn for_keys(keys: u64) -> Self {
        Self::with_bits(keys.saturating_mul(16))
    }

    /// The block of `d` (from its top bits) and, for each probe, a word of the block and
    /// a bit in it (9 low bits of `d` a probe).
    fn probes(&self, d: u64) -> (usize, impl Iterator<Item = (usize, u64)> + use<>) {
        let block = (d >> 40) as usize & (self.blocks.len() - 1);
        let bits = (0..PROBES).map(move |i| {
            let bit = (d >> (9 * i)) & 511;
            ((bit / 64) as usize, 1u64 << (bit % 64))
        });
        (block, bits)
    }

    pub(super) fn contains(&self, d: u64) -> bool {
        let (block, bits) = self.probes(d);
        let block = &self.blocks[block];
        bits.into_iter().all(|(w, m)| block[w] & m != 0)
    }

    /// Sets the bits of `d`; whether they were all set already.
    pub(super) fn insert(&mut self, d: u64) -> bool {
        let (block, bits) = self.probes(d);
        let block = &mut self.blocks[block];
        let mut seen = true;
        for (w, m) in bits {
            seen &= block[w] & m != 0;
            block[w] |= m;
        }
        seen
    }
}

/// The keys the stored contacts of a tenant hold, deleted ones included.
#[derive(Debug)]
pub(super) struct StoredKeys {
    filter: Bloom,
    /// Contacts by lower-cased e-mail, for the e-mails that are not ASCII. The store's
    /// `lower()` may lower only ASCII (SQLite's does), so its e-mail index cannot find
    /// `JOSÉ@…` by `josé@…`; the import matches e-mails lower-cased in full, and looks these
    /// few up here instead.
    unicode: HashMap<String, i64>,
}

impl StoredKeys {
    /// Reads the tenant's contact keys page by page into a filter sized by their count.
    pub(super) async fn load(tx: &mut ImportTx, tenant: &str) -> Result<Self, ImportError> {
        let count = tx.contact_count(tenant).await?;
        let mut filter = Bloom::for_keys(2 * u64::try_from(count).unwrap_or(0));
        let mut unicode = HashMap::new();
        let mut after = 0;
        loop {
            let page = tx.contact_keys_after(tenant, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.contact_id;
            for c in &page {
                if let Some(e) = &c.external_id {
                    filter.insert(digest(Namespace::ContactExt, e));
                }
                if let Some(e) = &c.email {
                    let lower = e.to_lowercase();
                    filter.insert(digest(Namespace::ContactEmail, &lower));
                    if !e.is_ascii() {
                        unicode.insert(lower, c.contact_id);
                    }
                }
            }
        }
        Ok(Self { filter, unicode })
    }

    /// Whether a stored contact may have `key` (never false when one has).
    pub(super) fn may_hold(&self, ns: Namespace, key: &str) -> bool {
        self.filter.contains(digest(ns, key))
    }

    /// The stored contact whose e-mail, not ASCII, lower-cases to `key`.
    pub(super) fn unicode_email(&self, key: &str) -> Option<i64> {
        self.unicode.get(key).copied()
    }
}

/// The contact keys a file names ([`FileKeys::named`]) and names more than once
/// ([`FileKeys::repeated`]); rows that fail validation count too, on the side of caution.
#[derive(Debug)]
pub(super) struct FileKeys {
    named: Bloom,
    repeated: HashSet<u64, foldhash::fast::FixedState>,
}

impl FileKeys {
    /// One pass over the Contact ID and Email columns of the rows `reader` has not read
    /// (see [`RowReader::scan_rows`]), until the end or until `stop` is set. The filter
    /// takes a bit per 4 bytes of CSV (about 11 bits a key for a typical contacts file) or
    /// 24 bits per XLSX row.
    ///
    /// # Errors
    /// [`ImportError::Unreadable`] when the file breaks mid-way.
    pub(super) fn scan(
        reader: &mut RowReader,
        file: &Path,
        columns: &ColumnMap,
        stop: &AtomicBool,
    ) -> Result<Self, ImportError> {
        let bits = match reader.sheet_rows() {
            Some(rows) => 24 * rows as u64,
            None => reader.file_size() / 4,
        };
        let mut keys = Self {
            named: Bloom::with_bits(bits),
            repeated: HashSet::default(),
        };
        let ext = columns.column(Field::ContactId);
        let email = columns.column(Field::Email);
        let wanted: Vec<usize> = ext.into_iter().chain(email).collect();
        let mut lower = String::new();
        reader.scan_rows(file, &wanted, |cells| {
            if stop.load(Ordering::Relaxed) {
                return ControlFlow::Break(());
            }
            if let Some(e) = columns.cell(cells, Field::ContactId) {
                keys.note(digest(Namespace::ContactExt, e));
            }
            if let Some(e) = columns.cell(cells, Field::Email) {
                // As `Email::normalized` (trimmed, lower-cased) for every valid address.
                if e.is_ascii() {
                    lower.clear();
                    lower.push_str(e);
                    lower.make_ascii_lowercase();
                } else {
                    lower = e.to_lowercase();
                }
                keys.note(digest(Namespace::ContactEmail, &lower));
            }
            ControlFlow::Continue(())
        })?;
        Ok(keys)
    }

    fn note(&mut self, d: u64) {
        if self.named.insert(d) {
            self.repeated.insert(d);
        }
    }

    /// Whether the file (probably) names `key`; never false when it does.
    pub(super) fn named(&self, ns: Namespace, key: &str) -> bool {
        self.named.contains(digest(ns, key))
    }

    /// Whether the file (probably) names `key` more than once; never false when it does.
    pub(super) fn repeated(&self, ns: Namespace, key: &str) -> bool {
        self.repeated.contains(&digest(ns, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_finds_every_key_it_holds_and_rarely_another() {
        let mut bloom = Bloom::for_keys(200_000);
        let keys: Vec<u64> = (0..200_000u32)
            .map(|i| digest(Namespace::ContactEmail, &format!("person{i}@example.com")))
            .collect();
        let false_hits = keys.iter().filter(|d| bloom.insert(**d)).count();
        assert!(false_hits < 400, "{false_hits} false positives in 200,000");
        assert!(
            keys.iter().all(|d| bloom.contains(*d)),
            "every key is found"
        );
        let others = (0..100_000u32)
            .filter(|i| bloom.contains(digest(Namespace::ContactExt, &format!("P-{i}"))))
            .count();
        assert!(others < 200, "{others} of 100,000 absent keys found");
        assert_ne!(
            digest(Namespace::ContactEmail, "a@b.c"),
            digest(Namespace::ContactExt, "a@b.c"),
            "namespaces keep equal texts apart"
        );
    }

    #[test]
    fn the_first_pass_tells_keys_named_once_from_keys_named_again() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("contacts.csv");
        std::fs::write(
            &path,
            "Email;Contact ID;Customer domain\n\
             a@example.com;P-1;acme.fr\n\
             b@example.com;;acme.fr\n\
             ;P-1;acme.fr\n\
             \u{20}A@Example.COM ;P-2;acme.fr\n",
        )
        .expect("write");
        let mut reader = RowReader::open(&path, None).expect("open");
        let columns = ColumnMap::build(super::super::ImportKind::Contacts, reader.header(), &[])
            .expect("columns");
        let keys =
            FileKeys::scan(&mut reader, &path, &columns, &AtomicBool::new(false)).expect("scan");
        let email = Namespace::ContactEmail;
        let ext = Namespace::ContactExt;
        assert!(
            keys.repeated(email, "a@example.com"),
            "case and spaces ignored"
        );
        assert!(keys.repeated(ext, "P-1"));
        assert!(keys.named(email, "b@example.com") && !keys.repeated(email, "b@example.com"));
        assert!(keys.named(ext, "P-2") && !keys.repeated(ext, "P-2"));
        assert!(!keys.named(email, "c@example.com"));
        assert!(!keys.named(ext, "a@example.com"), "kinds of keys apart");
    }

    #[test]
    fn a_filter_stays_within_its_bounds() {
        let bits = |b: &Bloom| b.blocks.len() as u64 * 512;
        assert_eq!(bits(&Bloom::with_bits(0)), MIN_BITS);
        assert_eq!(bits(&Bloom::with_bits(u64::MAX)), MAX_BITS);
        assert_eq!(bits(&Bloom::with_bits(MIN_BITS + 1)), 2 * MIN_BITS);
    }
}
