//! One run of a HubSpot connection: its context, counts, the pushes inbound found, and the
//! failures it journals.

use std::collections::HashSet;

use super::context::Ctx;
use super::fields::{Kind, MapError};
use crate::connectors::hubspot::{HubSpotClient, HubSpotError};
use crate::store::sync::{FailureKey, RunCounts};
use crate::store::{Origin, Store, StoreError};

pub use crate::sync::common::Outcome;

/// The connection's name in the store.
pub const CONNECTION: &str = "hubspot";

/// A record that failed on its own.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A value did not map.
    #[error("cannot map {0}")]
    Map(#[from] MapError),
    /// The store refused it (or failed).
    #[error("{0}")]
    Store(#[from] StoreError),
    /// HubSpot refused it.
    #[error("{0}")]
    HubSpot(String),
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// HubSpot failed (after retries).
    #[error(transparent)]
    HubSpot(#[from] HubSpotError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<super::context::ContextError> for RunError {
    fn from(e: super::context::ContextError) -> Self {
        match e {
            super::context::ContextError::HubSpot(e) => Self::HubSpot(e),
            super::context::ContextError::Store(e) => Self::Store(e),
        }
    }
}

/// Local values that won and must go to HubSpot.
#[derive(Debug, Clone)]
pub struct Push {
    /// Entity.
    pub kind: Kind,
    /// Local record.
    pub local_id: i64,
    /// Fields to send even when they equal the base (HubSpot changed a field the local
    /// side owns).
    pub fields: Vec<(String, String)>,
}

/// A failure to journal after the page's transaction.
#[derive(Debug, Clone)]
struct PendingFailure {
    entity: String,
    direction: &'static str,
    local_id: Option<i64>,
    remote_id: Option<String>,
    reason: String,
}

/// State of one run.
pub struct Run<'a> {
    /// Store.
    pub store: &'a Store,
    /// Client.
    pub client: &'a HubSpotClient,
    /// Context.
    pub ctx: Ctx,
    /// Counts so far.
    pub counts: RunCounts,
    /// Records whose local values must be sent.
    pub pushes: Vec<Push>,
    /// Companies linked in this run (their children may need reading).
    pub new_companies: Vec<String>,
    failures: Vec<PendingFailure>,
    /// Remote ids (by object) and local ids (by entity) with pending failures.
    pending_inbound: HashSet<(String, String)>,
    pending_outbound: HashSet<(String, i64)>,
    resolved_inbound: Vec<(String, String)>,
    resolved_outbound: Vec<(String, i64)>,
    stop: tokio_util::sync::CancellationToken,
    /// Records applied at their current modification time.
    pub seen: super::inbound::Seen,
}

impl<'a> Run<'a> {
    /// A run over `ctx`.
    ///
    /// # Errors
    /// Store failures reading the failure journal.
    pub async fn new(
        store: &'a Store,
        client: &'a HubSpotClient,
        ctx: Ctx,
        stop: tokio_util::sync::CancellationToken,
        seen: super::inbound::Seen,
    ) -> Result<Self, StoreError> {
        let mut pending_inbound = HashSet::new();
        let mut pending_outbound = HashSet::new();
        for f in store
            .failures(Some(&ctx.tenant), Some("pending"), 100_000)
            .await?
        {
            if f.connection != CONNECTION {
                continue;
            }
            match (f.direction.as_str(), f.remote_id, f.local_id) {
                ("inbound", Some(r), _) => {
                    pending_inbound.insert((f.entity, r));
                }
                ("outbound", _, Some(l)) => {
                    pending_outbound.insert((f.entity, l));
                }
                _ => {}
            }
        }
        Ok(Self {
            store,
            client,
            ctx,
            counts: RunCounts::default(),
            pushes: Vec::new(),
            new_companies: Vec::new(),
            failures: Vec::new(),
            pending_inbound,
            pending_outbound,
            resolved_inbound: Vec::new(),
            resolved_outbound: Vec::new(),
            stop,
            seen,
        })
    }

    /// Whether the daemon is stopping: the run ends after the page in hand.
    #[must_use]
    pub fn stopping(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// The origin of this run's local writes.
    #[must_use]
    pub fn origin(&self) -> Origin {
        Origin::Sync(CONNECTION.to_owned())
    }

    /// Counts an outcome.
    pub fn count(&mut self, outcome: Outcome) {
        outcome.count(&mut self.counts);
    }

    /// Journals an inbound record that failed (after the page commits).
    pub fn fail_inbound(&mut self, object: &str, remote_id: &str, reason: &str) {
        // The reason may quote a value HubSpot sent: it goes to the journal, not the log.
        tracing::debug!(object, remote_id, "inbound record failed");
        self.counts.failed += 1;
        self.failures.push(PendingFailure {
            entity: object.to_owned(),
            direction: "inbound",
            local_id: None,
            remote_id: Some(remote_id.to_owned()),
            reason: reason.to_owned(),
        });
    }

    /// Journals an outbound record that failed.
    pub fn fail_outbound(&mut self, kind: Kind, local_id: i64, reason: &str) {
        tracing::debug!(entity = kind.entity(), local_id, "outbound record failed");
        self.counts.failed += 1;
        self.failures.push(PendingFailure {
            entity: kind.entity().to_owned(),
            direction: "outbound",
            local_id: Some(local_id),
            remote_id: None,
            reason: reason.to_owned(),
        });
    }

    /// Notes that a record with a pending inbound failure passed.
    pub fn passed_inbound(&mut self, object: &str, remote_id: &str) {
        let key = (object.to_owned(), remote_id.to_owned());
        if self.pending_inbound.remove(&key) {
            self.resolved_inbound.push(key);
        }
    }

    /// Notes that a record with a pending outbound failure passed.
    pub fn passed_outbound(&mut self, kind: Kind, local_id: i64) {
        let key = (kind.entity().to_owned(), local_id);
        if self.pending_outbound.remove(&key) {
            self.resolved_outbound.push(key);
        }
    }

    /// Writes journaled failures and resolutions.
    ///
    /// # Errors
    /// Store failures.
    pub async fn flush_failures(&mut self) -> Result<(), RunError> {
        let tenant = self.ctx.tenant.clone();
        for f in std::mem::take(&mut self.failures) {
            let key = FailureKey {
                tenant: &tenant,
                connection: CONNECTION,
                entity: &f.entity,
                direction: f.direction,
                local_id: f.local_id,
                remote_id: f.remote_id.as_deref(),
            };
            self.store.record_failure(&key, &f.reason).await?;
            if let Some(r) = &f.remote_id {
                self.pending_inbound.insert((f.entity.clone(), r.clone()));
            }
            if let Some(l) = f.local_id {
                self.pending_outbound.insert((f.entity.clone(), l));
            }
        }
        for (entity, remote) in std::mem::take(&mut self.resolved_inbound) {
            let key = FailureKey {
                tenant: &tenant,
                connection: CONNECTION,
                entity: &entity,
                direction: "inbound",
                local_id: None,
                remote_id: Some(&remote),
            };
            self.store.resolve_failure(&key).await?;
        }
        for (entity, local) in std::mem::take(&mut self.resolved_outbound) {
            let key = FailureKey {
                tenant: &tenant,
                connection: CONNECTION,
                entity: &entity,
                direction: "outbound",
                local_id: Some(local),
                remote_id: None,
            };
            self.store.resolve_failure(&key).await?;
        }
        Ok(())
    }
}
