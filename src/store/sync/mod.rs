//! What the sync engine keeps in the store (spec §2, "Sync state"): links with their base
//! values, cursors, the review list, the conflict journal, run history and the failed-record
//! journal. Writes that must commit with a page of records take a [`WriteTx`].

mod failures;
mod links;
mod review;
mod runs;

pub use failures::{Failure, FailureKey, FailureState};
pub use links::{Base, Link};
pub use review::ReviewItem;
pub use runs::{RunCounts, RunRecord};
