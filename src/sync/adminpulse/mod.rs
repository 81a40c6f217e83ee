//! The AdminPulse sync (spec §4): one [`AdminPulseSync`] per tenant connection. AdminPulse
//! has no known modified-since filter, so every run reads all relations again (400 per
//! call) and compares each with its link's base: a relation that did not change writes
//! nothing. Company relations (the configured `company_types`) are matched and created
//! like Syneton's companies, with their embedded contact persons; other relations are not
//! imported. Read-only: no write API for relations is established, so nothing goes back.
//!
//! No cursor: a run always starts at page 0, and an interrupted run costs one re-read.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::AdminPulseFieldMap;
use crate::connectors::adminpulse::{AdminPulseClient, AdminPulseError};
use crate::mapping::accounting::from_adminpulse;
use crate::store::sync::RunCounts;
use crate::store::{Origin, Store, StoreError};
use crate::sync::accounting::Inbound;
use crate::sync::connection::{Connection, Stop};

/// The connection's name in the store.
pub const CONNECTION: &str = "adminpulse";

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// AdminPulse failed (after retries).
    #[error(transparent)]
    AdminPulse(#[from] AdminPulseError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A tenant's AdminPulse connection, kept between runs (token and gate).
pub struct AdminPulseSync {
    store: Store,
    client: AdminPulseClient,
    tenant: String,
    fields: AdminPulseFieldMap,
    stop: CancellationToken,
}

impl AdminPulseSync {
    /// A connection reading relations through `fields`.
    #[must_use]
    pub fn new(
        store: Store,
        client: AdminPulseClient,
        tenant: &str,
        fields: AdminPulseFieldMap,
        stop: CancellationToken,
    ) -> Self {
        Self {
            store,
            client,
            tenant: tenant.to_owned(),
            fields,
            stop,
        }
    }

    /// The client (calls used).
    #[must_use]
    pub fn client(&self) -> &AdminPulseClient {
        &self.client
    }

    /// One run. Counts are returned even when the run stops early (with the error).
    pub async fn run(&mut self) -> (RunCounts, Option<RunError>) {
        let before = self.client.calls_used();
        let (mut counts, error) = match Inbound::new(
            &self.store,
            &self.tenant,
            CONNECTION,
            &self.fields.vat_number,
            BTreeMap::new(),
        )
        .await
        {
            Ok(mut inbound) => {
                let result = self.read_all(&mut inbound).await;
                (inbound.counts, result.err())
            }
            Err(e) => (RunCounts::default(), Some(e.into())),
        };
        counts.calls = i64::try_from(self.client.calls_used() - before).unwrap_or(i64::MAX);
        (counts, error)
    }

    async fn read_all(&self, inbound: &mut Inbound<'_>) -> Result<(), RunError> {
        let mut pages = self.client.relation_pages();
        let mut seen = BTreeSet::new();
        let mut current = pages.next_page(&self.client).await?;
        while let Some(relations) = current.take() {
            let (next, done) = tokio::join!(
                pages.next_page(&self.client),
                self.apply_page(inbound, &relations, &mut seen)
            );
            done?;
            current = next?;
            if current.is_some() && self.stop.is_cancelled() {
                return Ok(());
            }
        }
        // Failures of records AdminPulse no longer has cannot be retried.
        for f in self.store.due_failures(&self.tenant, CONNECTION).await? {
            if let Some(r) = f.remote_id.filter(|r| !seen.contains(r)) {
                inbound.journal.passed_inbound(&f.entity, &r);
            }
        }
        inbound.flush().await?;
        Ok(())
    }

    async fn apply_page(
        &self,
        inbound: &mut Inbound<'_>,
        relations: &[Value],
        seen: &mut BTreeSet<String>,
    ) -> Result<(), RunError> {
        // Without an API clock, a value that changed in AdminPulse is taken as the newer.
        let ms = super::syneton::now_ms();
        let mut tx = self
            .store
            .begin(&Origin::Sync(CONNECTION.to_owned()))
            .await?;
        for relation in relations {
            let rec = from_adminpulse(relation, &self.fields);
            seen.insert(rec.remote_id.clone());
            let company = inbound.company(&mut tx, &rec, ms).await?;
            for person in &rec.contacts {
                seen.insert(person.remote_id.clone());
                let parent = company.map(|local| (rec.remote_id.as_str(), local));
                inbound.contact(&mut tx, person, parent, ms).await?;
            }
        }
        tx.commit().await?;
        inbound.flush().await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Connection for AdminPulseSync {
    async fn run(&mut self) -> (RunCounts, Option<Stop>) {
        let (counts, error) = AdminPulseSync::run(self).await;
        let stop = error.map(|e| match e {
            RunError::AdminPulse(AdminPulseError::Unauthorized | AdminPulseError::NeedsReauth) => {
                Stop::NeedsReauth(
                    "AdminPulse refused the credentials; run `crmsync connect adminpulse`"
                        .to_owned(),
                )
            }
            other => Stop::Failed(other.to_string()),
        });
        (counts, stop)
    }
}
