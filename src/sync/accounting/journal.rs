//! The failed-record journal as an accounting run uses it: failures are collected while a
//! page's transaction is open and written after it commits (a failure outlives a rolled
//! back page); a record that passes resolves its pending failure.
//!
//! Entity names follow the review list's hand-linking (`companies`/`contacts` inbound) and
//! the local entity names outbound (`company`/`contact`). A failure an admin chose to ignore
//! stays ignored: AdminPulse reads every record on every run, and would otherwise put it
//! back in the journal each time.

use std::collections::HashSet;

use crate::store::sync::FailureKey;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone)]
struct Pending {
    entity: String,
    direction: &'static str,
    local_id: Option<i64>,
    remote_id: Option<String>,
    reason: String,
}

/// Failures and resolutions of one run, for one connection.
#[derive(Debug, Default)]
pub struct Journal {
    connection: &'static str,
    failures: Vec<Pending>,
    pending_inbound: HashSet<(String, String)>,
    pending_outbound: HashSet<(String, i64)>,
    ignored_inbound: HashSet<(String, String)>,
    ignored_outbound: HashSet<(String, i64)>,
    resolved_inbound: Vec<(String, String)>,
    resolved_outbound: Vec<(String, i64)>,
}

impl Journal {
    /// The connection's pending and ignored failures.
    ///
    /// # Errors
    /// Store failures.
    pub async fn load(
        store: &Store,
        tenant: &str,
        connection: &'static str,
    ) -> Result<Self, StoreError> {
        let mut out = Self {
            connection,
            ..Self::default()
        };
        for state in ["pending", "ignored"] {
            for f in store.failures(Some(tenant), Some(state), 100_000).await? {
                if f.connection != connection {
                    continue;
                }
                let (inbound, outbound) = if state == "pending" {
                    (&mut out.pending_inbound, &mut out.pending_outbound)
                } else {
                    (&mut out.ignored_inbound, &mut out.ignored_outbound)
                };
                match (f.direction.as_str(), f.remote_id, f.local_id) {
                    ("inbound", Some(r), _) => {
                        inbound.insert((f.entity, r));
                    }
                    ("outbound", _, Some(l)) => {
                        outbound.insert((f.entity, l));
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// An inbound record failed (`entity`: `companies` or `contacts`); `false` when an
    /// admin ignores its failure (then it is not journaled again).
    pub fn fail_inbound(&mut self, entity: &str, remote_id: &str, reason: &str) -> bool {
        if self
            .ignored_inbound
            .contains(&(entity.to_owned(), remote_id.to_owned()))
        {
            return false;
        }
        tracing::debug!(
            connector.id = self.connection,
            entity,
            record.external_id = remote_id,
            reason,
            "inbound record failed"
        );
        self.failures.push(Pending {
            entity: entity.to_owned(),
            direction: "inbound",
            local_id: None,
            remote_id: Some(remote_id.to_owned()),
            reason: reason.to_owned(),
        });
        true
    }

    /// An outbound record failed (`entity`: `company` or `contact`); `false` when an admin
    /// ignores its failure.
    pub fn fail_outbound(&mut self, entity: &str, local_id: i64, reason: &str) -> bool {
        if self
            .ignored_outbound
            .contains(&(entity.to_owned(), local_id))
        {
            return false;
        }
        tracing::debug!(
            connector.id = self.connection,
            entity,
            local_id,
            reason,
            "outbound record failed"
        );
        self.failures.push(Pending {
            entity: entity.to_owned(),
            direction: "outbound",
            local_id: Some(local_id),
            remote_id: None,
            reason: reason.to_owned(),
        });
        true
    }

    /// An inbound record passed.
    pub fn passed_inbound(&mut self, entity: &str, remote_id: &str) {
        let key = (entity.to_owned(), remote_id.to_owned());
        if self.pending_inbound.remove(&key) {
            self.resolved_inbound.push(key);
        }
    }

    /// An outbound record passed.
    pub fn passed_outbound(&mut self, entity: &str, local_id: i64) {
        let key = (entity.to_owned(), local_id);
        if self.pending_outbound.remove(&key) {
            self.resolved_outbound.push(key);
        }
    }

    /// Writes what was collected.
    ///
    /// # Errors
    /// Store failures.
    pub async fn flush(&mut self, store: &Store, tenant: &str) -> Result<(), StoreError> {
        for f in std::mem::take(&mut self.failures) {
            let key = FailureKey {
                tenant,
                connection: self.connection,
                entity: &f.entity,
                direction: f.direction,
                local_id: f.local_id,
                remote_id: f.remote_id.as_deref(),
            };
            store.record_failure(&key, &f.reason).await?;
            if let Some(r) = f.remote_id {
                self.pending_inbound.insert((f.entity.clone(), r));
            }
            if let Some(l) = f.local_id {
                self.pending_outbound.insert((f.entity, l));
            }
        }
        for (entity, remote) in std::mem::take(&mut self.resolved_inbound) {
            let key = FailureKey {
                tenant,
                connection: self.connection,
                entity: &entity,
                direction: "inbound",
                local_id: None,
                remote_id: Some(&remote),
            };
            store.resolve_failure(&key).await?;
        }
        for (entity, local) in std::mem::take(&mut self.resolved_outbound) {
            let key = FailureKey {
                tenant,
                connection: self.connection,
                entity: &entity,
                direction: "outbound",
                local_id: Some(local),
                remote_id: None,
            };
            store.resolve_failure(&key).await?;
        }
        Ok(())
    }
}
