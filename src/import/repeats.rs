//! Which merge keys a contacts file names more than once, found by a first pass over the
//! file before the merge.
//!
//! The merge looks stored contacts up in the database chunk by chunk, so it keeps no map of
//! the tenant's contacts; what it must still remember is what the file itself does: a
//! record created at line 10 that line 900 names again. Remembering every created key would
//! make memory grow with the file, so the first pass marks the keys that occur twice (a
//! fixed-size Bloom filter of the keys seen so far; a hit is a repeat or, rarely, a false
//! positive), and the merge remembers created records only under those keys. Memory is the
//! filter's 4 MiB plus 8 bytes per repeated key, whatever the file's length.

use std::collections::HashSet;
use std::path::Path;

use crate::domain::email::Email;

use super::columns::{ColumnMap, Field};
use super::index::{Namespace, digest};
use super::{ImportError, RowReader};

/// Bits of the filter: 2^25 (4 MiB). For the 2,000,000 keys of a million-row file with
/// four probes, about 0.2% of first occurrences are taken for repeats (which only costs
/// remembering them).
const BITS: u64 = 1 << 25;
const PROBES: u64 = 4;

/// The keys a file names, as a filter, and those it names more than once (or might: see
/// the module doc). The default names nothing.
#[derive(Debug, Default)]
pub(super) struct Repeats {
    named: Bloom,
    repeated: HashSet<u64, foldhash::fast::FixedState>,
}

impl Repeats {
    /// Whether the file (probably) names `key`; never false when it does.
    pub(super) fn named(&self, ns: Namespace, key: &str) -> bool {
        self.named.contains(digest(ns, key))
    }

    /// Whether the file (probably) names `key` more than once; never false when it does.
    pub(super) fn repeated(&self, ns: Namespace, key: &str) -> bool {
        self.repeated.contains(&digest(ns, key))
    }
}

#[derive(Debug, Default)]
struct Bloom(Vec<u64>);

impl Bloom {
    fn new() -> Self {
        Self(vec![0; (BITS / 64) as usize])
    }

    /// The filter's bits for `d`: word index and mask. Double hashing: the probes are
    /// h1 + i·h2 over the two halves of the digest.
    fn probes(d: u64) -> impl Iterator<Item = (usize, u64)> {
        let (h1, h2) = (d & 0xffff_ffff, (d >> 32) | 1);
        (0..PROBES).map(move |i| {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % BITS;
            ((bit / 64) as usize, 1u64 << (bit % 64))
        })
    }

    fn contains(&self, d: u64) -> bool {
        !self.0.is_empty() && Self::probes(d).all(|(w, m)| self.0[w] & m != 0)
    }

    /// Sets the bits of `d`; whether they were all set already.
    fn insert(&mut self, d: u64) -> bool {
        let seen = self.contains(d);
        for (w, m) in Self::probes(d) {
            self.0[w] |= m;
        }
        seen
    }
}

/// Reads `path` once and returns the Contact IDs and e-mails (normalized as the merge
/// normalizes them) it names, and those it names more than once. Rows that fail validation count too: it errs
/// on the side of remembering.
///
/// # Errors
/// [`ImportError::Unreadable`] when the file breaks mid-way.
pub(super) fn contact_repeats(
    path: &Path,
    sheet: Option<&str>,
    columns: &ColumnMap,
) -> Result<Repeats, ImportError> {
    let mut reader = RowReader::open(path, sheet)?;
    let mut repeats = Repeats {
        named: Bloom::new(),
        repeated: HashSet::default(),
    };
    let mut cells = Vec::new();
    let mut note = |ns: Namespace, key: &str| {
        let d = digest(ns, key);
        if repeats.named.insert(d) {
            repeats.repeated.insert(d);
        }
    };
    while reader.next_row(&mut cells, path)?.is_some() {
        if let Some(ext) = columns.cell(&cells, Field::ContactId) {
            note(Namespace::ContactExt, ext);
        }
        if let Some(email) = columns
            .cell(&cells, Field::Email)
            .and_then(|e| Email::parse(e).ok())
        {
            note(Namespace::ContactEmail, &email.normalized());
        }
    }
    Ok(repeats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_reports_a_key_seen_before_and_rarely_a_new_one() {
        let mut bloom = Bloom::new();
        let keys: Vec<u64> = (0..200_000u32)
            .map(|i| digest(Namespace::ContactEmail, &format!("person{i}@example.com")))
            .collect();
        let false_hits = keys.iter().filter(|d| bloom.insert(**d)).count();
        assert!(false_hits < 20, "{false_hits} false positives in 200,000");
        assert!(
            keys.iter().all(|d| bloom.insert(*d)),
            "every key seen is found"
        );
        assert_ne!(
            digest(Namespace::ContactEmail, "a@b.c"),
            digest(Namespace::ContactExt, "a@b.c"),
            "namespaces keep equal texts apart"
        );
    }
}
