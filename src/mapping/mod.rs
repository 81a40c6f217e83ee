//! Pure sync rules (spec §3): who syncs (§3.1), which side wins a field (§3.4), and the
//! tenant's decision tables (§3.5) in both directions. No I/O: the sync engine loads the
//! tables from the store and hands the facts in; everything here is table-tested.

pub mod accounting;
pub mod activity;
pub mod civility;
pub mod eligibility;
pub mod ownership;
pub mod stage;
