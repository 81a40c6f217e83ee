//! Pruning of history tables, run by the scheduler's housekeeping job.

use super::args::bind_args;
use super::tx::on_tx;
use super::{Arg, Origin, Store, StoreError, Timestamp};

impl Store {
    /// Deletes finished sync runs and finished imports that ended before `before`.
    /// Returns the number of rows removed.
    ///
    /// # Errors
    /// On database errors.
    pub async fn prune_history(&self, before: Timestamp) -> Result<u64, StoreError> {
        let args = [Arg::Time(Some(before))];
        let mut tx = self.begin(&Origin::Daemon).await?;
        let mut removed = 0;
        for sql in [
            "delete from sync_run where state <> 'running' and finished_at < $1",
            "delete from import_job where state in ('succeeded', 'failed') and finished_at < $1",
        ] {
            removed += on_tx!(tx, conn => bind_args!(sqlx::query(sql), &args).execute(conn).await?.rows_affected());
        }
        tx.commit().await?;
        Ok(removed)
    }
}
