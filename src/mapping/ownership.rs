//! Field ownership and conflicts (spec §3.4). Each mapped field has an owner: `hubspot`,
//! `local` or `both`. For `both`, the later modification wins, per field; the loser's
//! value goes to the sync journal. A value never flows back to the side it came from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Who may change a field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    /// HubSpot's value always wins; local edits are overwritten.
    Hubspot,
    /// The local value always wins; HubSpot edits are overwritten.
    Local,
    /// The later change wins.
    #[default]
    Both,
}

/// The owner of `entity.field` among a connection's `field_owners` (keyed
/// `entity.field`); a field not named there is [`Owner::Both`].
#[must_use]
pub fn owner_of(owners: &BTreeMap<String, Owner>, entity: &str, field: &str) -> Owner {
    owners
        .get(&format!("{entity}.{field}"))
        .copied()
        .unwrap_or_default()
}

/// Who may change a field synced with Syneton (`[tenants.<id>.syneton.field_owners]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SynetonOwner {
    /// Syneton's value always wins; local edits are overwritten on its next change.
    Syneton,
    /// The local value always wins and is written back to Syneton.
    Local,
    /// The later change wins.
    #[default]
    Both,
}

impl SynetonOwner {
    /// The owner as [`decide`] reads it, where `Hubspot` stands for the remote side.
    #[must_use]
    pub fn as_owner(self) -> Owner {
        match self {
            Self::Syneton => Owner::Hubspot,
            Self::Local => Owner::Local,
            Self::Both => Owner::Both,
        }
    }
}

/// Which side's value to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Winner {
    /// Keep HubSpot's value (write it locally).
    Hubspot,
    /// Keep the local value (write it to HubSpot).
    Local,
    /// Both sides agree, or neither changed: write nothing.
    Neither,
}

/// A field's change since the last sync on each side: `Some(ms)` when it changed, with
/// when (epoch milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldChange {
    /// HubSpot changed it at this time.
    pub hubspot: Option<i64>,
    /// The store changed it at this time.
    pub local: Option<i64>,
    /// The two current values are equal.
    pub equal: bool,
}

/// Decides one field.
#[must_use]
pub fn decide(owner: Owner, change: FieldChange) -> Winner {
    if change.equal {
        return Winner::Neither;
    }
    match (owner, change.hubspot, change.local) {
        (_, None, None) => Winner::Neither,
        (Owner::Hubspot, Some(_), _) | (Owner::Hubspot, None, Some(_)) => Winner::Hubspot,
        (Owner::Local, _, Some(_)) | (Owner::Local, Some(_), None) => Winner::Local,
        (Owner::Both, Some(_), None) => Winner::Hubspot,
        (Owner::Both, None, Some(_)) => Winner::Local,
        // Ties go to the local store: it is the system of record the platform builds on.
        (Owner::Both, Some(h), Some(l)) => {
            if h > l {
                Winner::Hubspot
            } else {
                Winner::Local
            }
        }
    }
}

/// Whether the decision overwrote a change the other side made (to be journaled).
#[must_use]
pub fn overwrote_a_change(change: FieldChange, winner: Winner) -> bool {
    match winner {
        Winner::Hubspot => change.local.is_some(),
        Winner::Local => change.hubspot.is_some(),
        Winner::Neither => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(hubspot: Option<i64>, local: Option<i64>) -> FieldChange {
        FieldChange {
            hubspot,
            local,
            equal: false,
        }
    }

    #[test]
    fn the_ownership_table_decides_every_case() {
        let cases = [
            (Owner::Both, c(Some(2), None), Winner::Hubspot),
            (Owner::Both, c(None, Some(2)), Winner::Local),
            (Owner::Both, c(Some(3), Some(2)), Winner::Hubspot),
            (Owner::Both, c(Some(2), Some(3)), Winner::Local),
            (Owner::Both, c(Some(2), Some(2)), Winner::Local),
            (Owner::Hubspot, c(None, Some(9)), Winner::Hubspot),
            (Owner::Hubspot, c(Some(1), Some(9)), Winner::Hubspot),
            (Owner::Local, c(Some(9), None), Winner::Local),
            (Owner::Local, c(Some(9), Some(1)), Winner::Local),
            (Owner::Both, c(None, None), Winner::Neither),
        ];
        for (owner, change, expected) in cases {
            assert_eq!(decide(owner, change), expected, "{owner:?} {change:?}");
        }
    }

    #[test]
    fn equal_values_write_nothing_and_only_real_conflicts_are_journaled() {
        let same = FieldChange {
            hubspot: Some(1),
            local: Some(2),
            equal: true,
        };
        assert_eq!(decide(Owner::Both, same), Winner::Neither);
        assert!(overwrote_a_change(c(Some(3), Some(2)), Winner::Hubspot));
        assert!(!overwrote_a_change(c(Some(3), None), Winner::Hubspot));
        assert!(!overwrote_a_change(c(None, None), Winner::Neither));
    }

    #[test]
    fn owners_read_from_config_strings() {
        let o: Owner = serde_json::from_str("\"hubspot\"").expect("parse");
        assert_eq!(o, Owner::Hubspot);
        let s: SynetonOwner = serde_json::from_str("\"syneton\"").expect("parse");
        assert_eq!(s.as_owner(), Owner::Hubspot);
        assert_eq!(SynetonOwner::default().as_owner(), Owner::Both);
        assert!(serde_json::from_str::<SynetonOwner>("\"hubspot\"").is_err());
        assert_eq!(Owner::default(), Owner::Both);
    }
}
