//! What became of one record in a run, whichever connection and direction, and how it
//! counts.

use crate::store::sync::RunCounts;

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Created on the side being written.
    Created,
    /// Updated (or linked) on the side being written.
    Updated,
    /// Nothing to do (not eligible, or unchanged).
    Skipped,
    /// Waiting in the review list.
    Review,
}

impl Outcome {
    /// Adds the outcome to a run's counts; a record waiting for review counts as skipped.
    pub fn count(self, counts: &mut RunCounts) {
        match self {
            Self::Created => counts.created += 1,
            Self::Updated => counts.updated += 1,
            Self::Skipped | Self::Review => counts.skipped += 1,
        }
    }
}
