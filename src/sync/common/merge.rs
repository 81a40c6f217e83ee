//! The three-way, per-field comparison of a remote record, its local record and the values
//! both held at the last sync (spec §3.4), shared by every connection: `Owner::Hubspot` and
//! `Winner::Hubspot` stand for the remote side of whichever connection compares. A field equal on both sides is left alone; a field
//! changed on one side goes to the other; a field changed on both sides goes by its owner,
//! and for `both` the later change wins. A value is never sent back to the side it came
//! from, which is what keeps runs without changes free of writes.

use super::Canon;
use crate::mapping::ownership::{FieldChange, Owner, Winner, decide, overwrote_a_change};
use crate::store::sync::Base;

/// A conflict to journal: both sides changed the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overwrite {
    /// Canonical field.
    pub field: String,
    /// `hubspot` or `local`.
    pub winner: &'static str,
    /// The value kept.
    pub kept: String,
    /// The value overwritten.
    pub overwritten: String,
}

/// What to do with one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Fields to write locally (HubSpot's value won).
    pub to_local: Vec<(String, String)>,
    /// Fields to send to HubSpot (the local value won).
    pub to_remote: Vec<(String, String)>,
    /// Conflicts.
    pub overwrites: Vec<Overwrite>,
    /// The new base once `to_local` is written (fields sent remotely keep their old base
    /// until the write succeeds).
    pub base: Base,
}

impl Plan {
    /// Whether nothing needs writing on either side.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.to_local.is_empty() && self.to_remote.is_empty()
    }
}

/// Compares `remote` and `local` against `base`. `owner` gives each field's owner;
/// `remote_ms`/`local_ms` are when each side last changed the record.
#[must_use]
pub fn plan(
    remote: &Canon,
    local: &Canon,
    base: &Base,
    owner: impl Fn(&str) -> Owner,
    remote_ms: i64,
    local_ms: i64,
) -> Plan {
    let mut out = Plan {
        base: base.clone(),
        ..Plan::default()
    };
    let empty = String::new();
    for (field, r) in remote {
        let l = local.get(field).unwrap_or(&empty);
        let b = base.get(field);
        if r == l {
            out.base.insert(field.clone(), r.clone());
            continue;
        }
        // Without a base (a first link), an empty value is no change.
        let changed = |v: &String| b.map_or(!v.is_empty(), |b| b != v);
        let change = FieldChange {
            hubspot: changed(r).then_some(remote_ms),
            local: changed(l).then_some(local_ms),
            equal: false,
        };
        let winner = decide(owner(field), change);
        let overwrote = overwrote_a_change(change, winner);
        match winner {
            Winner::Hubspot => {
                out.to_local.push((field.clone(), r.clone()));
                out.base.insert(field.clone(), r.clone());
                if overwrote {
                    out.overwrites.push(Overwrite {
                        field: field.clone(),
                        winner: "hubspot",
                        kept: r.clone(),
                        overwritten: l.clone(),
                    });
                }
            }
            Winner::Local => {
                out.to_remote.push((field.clone(), l.clone()));
                if overwrote {
                    out.overwrites.push(Overwrite {
                        field: field.clone(),
                        winner: "local",
                        kept: l.clone(),
                        overwritten: r.clone(),
                    });
                }
            }
            Winner::Neither => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(pairs: &[(&str, &str)]) -> Canon {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn both(_: &str) -> Owner {
        Owner::Both
    }

    #[test]
    fn nothing_changed_means_nothing_to_write() {
        let b = canon(&[("name", "Acme"), ("city", "Lyon")]);
        let p = plan(&b, &b, &b, both, 10, 20);
        assert!(p.is_empty());
        assert!(p.overwrites.is_empty());
        assert_eq!(p.base, b);
    }

    #[test]
    fn a_change_on_one_side_goes_to_the_other_only() {
        let b = canon(&[("name", "Acme"), ("city", "Lyon")]);
        let r = canon(&[("name", "Acme SA"), ("city", "Lyon")]);
        let l = canon(&[("name", "Acme"), ("city", "Paris")]);
        let p = plan(&r, &l, &b, both, 10, 20);
        assert_eq!(p.to_local, vec![("name".to_owned(), "Acme SA".to_owned())]);
        assert_eq!(p.to_remote, vec![("city".to_owned(), "Paris".to_owned())]);
        assert!(p.overwrites.is_empty());
        assert_eq!(p.base.get("name").map(String::as_str), Some("Acme SA"));
        assert_eq!(
            p.base.get("city").map(String::as_str),
            Some("Lyon"),
            "kept until sent"
        );
    }

    #[test]
    fn both_sides_changed_the_later_wins_and_is_journaled() {
        let b = canon(&[("name", "Acme")]);
        let r = canon(&[("name", "Remote")]);
        let l = canon(&[("name", "Local")]);
        let p = plan(&r, &l, &b, both, 30, 20);
        assert_eq!(p.to_local, vec![("name".to_owned(), "Remote".to_owned())]);
        assert_eq!(p.overwrites[0].overwritten, "Local");
        let p = plan(&r, &l, &b, both, 10, 20);
        assert_eq!(p.to_remote, vec![("name".to_owned(), "Local".to_owned())]);
        assert_eq!(p.overwrites[0].winner, "local");
        assert_eq!(p.overwrites[0].overwritten, "Remote");
    }

    #[test]
    fn owners_override_time() {
        let b = canon(&[("name", "Acme")]);
        let r = canon(&[("name", "Remote")]);
        let l = canon(&[("name", "Local")]);
        let p = plan(&r, &l, &b, |_| Owner::Local, 99, 1);
        assert_eq!(p.to_remote.len(), 1);
        let p = plan(&r, &l, &b, |_| Owner::Hubspot, 1, 99);
        assert_eq!(p.to_local.len(), 1);
        // HubSpot changed a locally owned field: the local value goes back.
        let p = plan(&r, &b, &b, |_| Owner::Local, 5, 1);
        assert_eq!(p.to_remote, vec![("name".to_owned(), "Acme".to_owned())]);
        assert!(p.overwrites.is_empty() || p.overwrites[0].winner == "local");
    }

    #[test]
    fn a_first_link_fills_empty_fields_from_either_side() {
        let r = canon(&[("name", "Acme"), ("city", ""), ("phone", "01")]);
        let l = canon(&[("name", "Acme"), ("city", "Lyon"), ("phone", "")]);
        let p = plan(&r, &l, &Base::new(), both, 1, 2);
        assert_eq!(p.to_local, vec![("phone".to_owned(), "01".to_owned())]);
        assert_eq!(p.to_remote, vec![("city".to_owned(), "Lyon".to_owned())]);
        assert!(p.overwrites.is_empty());
    }
}
