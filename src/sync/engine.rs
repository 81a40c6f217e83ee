//! The engine: one worker per enabled connection. A worker runs on its poll interval or
//! when asked (`POST /api/v1/sync/…`, `crmsync sync --once`); a connection runs once at a
//! time, and connections never wait for each other (one needing re-authorization or paused
//! by its daily budget leaves the others alone).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

use super::connection::{Connection, Stop};
use super::hubspot::HubSpotSync;
use super::hubspot::context::Settings;
use super::metrics::SyncMetrics;
use crate::config::Config;
use crate::secrets::Cipher;
use crate::store::sync::RunCounts;
use crate::store::{Store, Timestamp};

/// What a run did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunSummary {
    /// Run id in the history.
    pub run_id: i64,
    /// Tenant.
    pub tenant: String,
    /// Connector.
    pub connector: String,
    /// Start.
    pub started_at: Timestamp,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// Counts.
    pub counts: RunCounts,
    /// Why it stopped early (no secrets, no personal data).
    pub error: Option<String>,
}

/// Why a run could not be started.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No such connection, or not connected.
    #[error("no connection {connector} for tenant {tenant}")]
    Unknown {
        /// Tenant.
        tenant: String,
        /// Connector.
        connector: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// One connection's worker.
pub struct Worker {
    tenant: String,
    connector: &'static str,
    poll: Duration,
    enabled: bool,
    sync: tokio::sync::Mutex<Box<dyn Connection>>,
    wake: Notify,
    next_run: Mutex<Option<Timestamp>>,
    state: Mutex<Option<String>>,
}

/// The sync engine; clones share it.
#[derive(Clone)]
pub struct Engine {
    store: Store,
    workers: Arc<BTreeMap<(String, String), Arc<Worker>>>,
    metrics: SyncMetrics,
    stop: CancellationToken,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("connections", &self.workers.len())
            .finish()
    }
}

/// Registers a connection's worker.
pub fn add_worker(
    workers: &mut BTreeMap<(String, String), Arc<Worker>>,
    tenant: &str,
    connector: &'static str,
    poll_interval_s: u64,
    enabled: bool,
    sync: Box<dyn Connection>,
) {
    workers.insert(
        (tenant.to_owned(), connector.to_owned()),
        Arc::new(Worker {
            tenant: tenant.to_owned(),
            connector,
            poll: Duration::from_secs(poll_interval_s.max(1)),
            enabled,
            sync: tokio::sync::Mutex::new(sync),
            wake: Notify::new(),
            next_run: Mutex::new(None),
            state: Mutex::new(None),
        }),
    );
}

impl Engine {
    /// Workers for every configured connection that has credentials; the others are
    /// reported `not_connected` by status.
    ///
    /// # Errors
    /// Store failures.
    pub async fn build(config: &Config, store: &Store, cipher: &Cipher) -> anyhow::Result<Self> {
        let _ = store.cancel_stale_runs().await?;
        let mut workers = BTreeMap::new();
        let stop = CancellationToken::new();
        for (tenant, t) in &config.tenants {
            let Some(h) = &t.hubspot else { continue };
            let client = match crate::commands::hubspot::client_for(config, store, cipher, tenant)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(tenant.id = %tenant, error = %e, "HubSpot connection not usable; not scheduled");
                    continue;
                }
            };
            let sync = HubSpotSync::new(
                store.clone(),
                Arc::new(client),
                tenant,
                Settings::from_config(h),
                stop.clone(),
            );
            add_worker(
                &mut workers,
                tenant,
                "hubspot",
                h.poll_interval_s,
                h.enabled,
                Box::new(sync),
            );
        }
        super::accounting::workers::add(&mut workers, config, store, cipher, &stop, None).await;
        Ok(Self {
            store: store.clone(),
            workers: Arc::new(workers),
            metrics: SyncMetrics::default(),
            stop,
        })
    }

    /// An engine running only the accounting connection `connector` of `tenant` (the
    /// first sync of `crmsync connect`); runs in progress elsewhere are left alone.
    ///
    /// # Errors
    /// `Unknown` when that connection has no section or no usable credentials.
    pub async fn for_accounting(
        config: &Config,
        store: &Store,
        cipher: &Cipher,
        tenant: &str,
        connector: &str,
    ) -> Result<Self, EngineError> {
        let mut workers = BTreeMap::new();
        let stop = CancellationToken::new();
        super::accounting::workers::add(
            &mut workers,
            config,
            store,
            cipher,
            &stop,
            Some((tenant, connector)),
        )
        .await;
        if workers.is_empty() {
            return Err(EngineError::Unknown {
                tenant: tenant.to_owned(),
                connector: connector.to_owned(),
            });
        }
        Ok(Self {
            store: store.clone(),
            workers: Arc::new(workers),
            metrics: SyncMetrics::default(),
            stop,
        })
    }

    /// The engine's metrics (registered by the control API).
    #[must_use]
    pub fn metrics(&self) -> &SyncMetrics {
        &self.metrics
    }

    /// Connections the engine runs: (tenant, connector).
    #[must_use]
    pub fn connections(&self) -> Vec<(String, String)> {
        self.workers.keys().cloned().collect()
    }

    /// When a connection runs next on its schedule.
    #[must_use]
    pub fn next_run(&self, tenant: &str, connector: &str) -> Option<Timestamp> {
        let w = self
            .workers
            .get(&(tenant.to_owned(), connector.to_owned()))?;
        *w.next_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs a connection now (waiting for a run in progress to end first).
    ///
    /// # Errors
    /// `Unknown` for a connection the engine does not run; store failures.
    pub async fn run_now(
        &self,
        tenant: &str,
        connector: &str,
        reason: &str,
    ) -> Result<RunSummary, EngineError> {
        let worker = self
            .workers
            .get(&(tenant.to_owned(), connector.to_owned()))
            .ok_or_else(|| EngineError::Unknown {
                tenant: tenant.to_owned(),
                connector: connector.to_owned(),
            })?
            .clone();
        self.run_worker(&worker, reason).await
    }

    /// Asks a connection's scheduled loop to run at once; `false` for an unknown one.
    #[must_use]
    pub fn wake(&self, tenant: &str, connector: &str) -> bool {
        match self.workers.get(&(tenant.to_owned(), connector.to_owned())) {
            Some(w) => {
                w.wake.notify_one();
                true
            }
            None => false,
        }
    }

    async fn run_worker(&self, worker: &Worker, reason: &str) -> Result<RunSummary, EngineError> {
        let mut sync = worker.sync.lock().await;
        let run_id = self
            .store
            .start_run(&worker.tenant, worker.connector, reason)
            .await?;
        let started_at = Timestamp::now();
        let started = Instant::now();
        let (counts, error) = sync.run().await;
        drop(sync);
        let seconds = started.elapsed().as_secs_f64();
        let message = error.as_ref().map(ToString::to_string);
        self.store
            .finish_run(run_id, &counts, message.as_deref())
            .await?;
        self.metrics.observe(
            &worker.tenant,
            worker.connector,
            &counts,
            error.is_none(),
            seconds,
        );
        self.record_state(worker, error.as_ref()).await?;
        match &message {
            None => {
                tracing::info!(tenant.id = %worker.tenant, connector = worker.connector, reason, run_id,
                read = counts.read, created = counts.created, updated = counts.updated, skipped = counts.skipped,
                failed = counts.failed, calls = counts.calls, seconds, "sync run finished")
            }
            Some(e) => {
                tracing::warn!(tenant.id = %worker.tenant, connector = worker.connector, reason, run_id,
                read = counts.read, created = counts.created, updated = counts.updated, failed = counts.failed,
                calls = counts.calls, seconds, error = %e, "sync run stopped")
            }
        }
        Ok(RunSummary {
            run_id,
            tenant: worker.tenant.clone(),
            connector: worker.connector.to_owned(),
            started_at,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            counts,
            error: message,
        })
    }

    /// Records the connection state when it changed (the client itself records
    /// `needs_reauth` and `paused` as they happen).
    async fn record_state(&self, worker: &Worker, error: Option<&Stop>) -> Result<(), EngineError> {
        let (state, reason) = match error {
            None => ("active", None),
            Some(Stop::NeedsReauth(m)) => ("needs_reauth", Some(m.clone())),
            Some(Stop::Paused) => return Ok(()),
            Some(Stop::Failed(m)) => ("error", Some(m.clone())),
        };
        let key = format!("{state}:{}", reason.as_deref().unwrap_or_default());
        let mut last = worker
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if last.as_deref() != Some(key.as_str()) {
            self.store
                .set_connection_state(
                    &worker.tenant,
                    worker.connector,
                    state,
                    reason.as_deref(),
                    None,
                )
                .await?;
            last = Some(key);
            *worker
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = last;
        }
        Ok(())
    }

    /// Asks running syncs to stop after the page in hand and the loops to end.
    pub fn shutdown(&self) {
        self.stop.cancel();
    }

    /// Starts the scheduled loops of enabled connections; they end after [`Engine::shutdown`].
    #[must_use]
    pub fn spawn(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let token = &self.stop;
        self.workers
            .values()
            .filter(|w| w.enabled)
            .map(|w| {
                let (engine, worker, token) = (self.clone(), w.clone(), token.clone());
                tokio::spawn(async move { engine.schedule(worker, token).await })
            })
            .collect()
    }

    async fn schedule(&self, worker: Arc<Worker>, token: CancellationToken) {
        let mut reason = "startup";
        loop {
            // Runs start every `poll` (start to start), so a remote change waits at most one
            // interval plus the time a run takes to reach it, however long runs take.
            let started = tokio::time::Instant::now();
            let wall = time::OffsetDateTime::now_utc();
            // Not raced against the token: a stopping run commits its page and returns.
            if let Err(e) = self.run_worker(&worker, reason).await {
                tracing::error!(tenant.id = %worker.tenant, connector = worker.connector, error = %e, "sync run could not be recorded");
            }
            if token.is_cancelled() {
                return;
            }
            let due = started + worker.poll;
            let next = wall + worker.poll.max(started.elapsed());
            *worker
                .next_run
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Timestamp::from(next));
            tokio::select! {
                () = tokio::time::sleep_until(due) => reason = "schedule",
                () = worker.wake.notified() => reason = "api",
                () = token.cancelled() => return,
            }
        }
    }
}
