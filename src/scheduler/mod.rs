//! The scheduler (tokio-cron-scheduler). It owns the periodic jobs of the daemon; sync
//! runs per connection are added by the sync engine. Jobs are idempotent and take no
//! input: a missed or repeated tick does no harm. Its status goes out on a `watch`
//! channel that readers clone.

use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::config::SchedulerConfig;
use crate::control::status::SchedulerStatus;
use crate::store::{Store, Timestamp};

/// The running scheduler.
pub struct Scheduler {
    inner: JobScheduler,
    status: watch::Sender<SchedulerStatus>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("status", &*self.status.borrow())
            .finish()
    }
}

impl Scheduler {
    /// Registers the daemon's jobs and starts.
    ///
    /// # Errors
    /// When a cron expression is invalid or the scheduler cannot start.
    pub async fn start(store: Store, config: &SchedulerConfig) -> anyhow::Result<Self> {
        let inner = JobScheduler::new()
            .await
            .context("failed to create the scheduler")?;
        let retention = Duration::from_secs(u64::from(config.history_retention_days) * 86_400);
        let job = Job::new_async(config.housekeeping_cron.as_str(), move |_id, _scheduler| {
            let store = store.clone();
            Box::pin(async move { housekeeping(&store, retention).await })
        })
        .map_err(|e| {
            anyhow::anyhow!("scheduler.housekeeping_cron: invalid cron expression ({e})")
        })?;
        inner
            .add(job)
            .await
            .context("failed to add the housekeeping job")?;
        inner
            .start()
            .await
            .context("failed to start the scheduler")?;
        let (status, _) = watch::channel(SchedulerStatus {
            running: true,
            jobs: vec!["housekeeping".to_owned()],
        });
        Ok(Self { inner, status })
    }

    /// A receiver of the scheduler's status.
    #[must_use]
    pub fn status(&self) -> watch::Receiver<SchedulerStatus> {
        self.status.subscribe()
    }

    /// Stops scheduling; running jobs are dropped (they are idempotent).
    pub async fn shutdown(mut self) {
        if let Err(e) = self.inner.shutdown().await {
            tracing::warn!(error = %e, "scheduler did not shut down cleanly");
        }
        self.status.send_modify(|s| s.running = false);
    }
}

async fn housekeeping(store: &Store, retention: Duration) {
    let cutoff = time::OffsetDateTime::now_utc() - retention;
    match store.prune_history(Timestamp::from(cutoff)).await {
        Ok(removed) => tracing::info!(rows = removed, "history pruned"),
        Err(e) => tracing::warn!(error = %e, "history pruning failed; retried at the next tick"),
    }
}
