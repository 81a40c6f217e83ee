//! The HubSpot sync (spec §3): one [`HubSpotSync`] per tenant connection. A run reads what
//! changed in HubSpot (companies first, so children find their parents), then sends what
//! changed locally, then, now and then, looks for records HubSpot archived.

pub mod context;
pub mod fields;
pub mod inbound;
pub mod local;
pub use super::common::merge;
pub mod outbound;
pub mod records;
pub mod reread;
pub mod run;
pub mod upsert_local;
pub mod writes;

use std::sync::Arc;
use std::time::Instant;

use context::{Ctx, RemoteCache, Settings};
use fields::Kind;
use reread::OBJECTS;
pub use run::{CONNECTION, RunError};

use crate::connectors::hubspot::HubSpotClient;
use crate::store::Store;
use crate::store::sync::RunCounts;

/// A tenant's HubSpot connection, kept between runs (reference cache, archive poll time).
pub struct HubSpotSync {
    store: Store,
    client: Arc<HubSpotClient>,
    tenant: String,
    settings: Settings,
    cache: RemoteCache,
    last_archive_poll: Option<Instant>,
    stop: tokio_util::sync::CancellationToken,
    seen: inbound::Seen,
}

impl HubSpotSync {
    /// A connection.
    #[must_use]
    pub fn new(
        store: Store,
        client: Arc<HubSpotClient>,
        tenant: &str,
        settings: Settings,
        stop: tokio_util::sync::CancellationToken,
    ) -> Self {
        Self {
            store,
            client,
            tenant: tenant.to_owned(),
            settings,
            cache: RemoteCache::default(),
            last_archive_poll: None,
            stop,
            seen: inbound::Seen::default(),
        }
    }

    /// The client (calls used, daily budget).
    #[must_use]
    pub fn client(&self) -> &Arc<HubSpotClient> {
        &self.client
    }

    /// One run. Counts are returned even when the run stops early (with the error).
    ///
    /// # Errors
    /// A HubSpot or store failure that stopped the run; committed pages stay committed.
    pub async fn run(&mut self) -> (RunCounts, Option<RunError>) {
        let before = self.client.calls_used();
        let mut counts = RunCounts::default();
        let (store, client) = (self.store.clone(), self.client.clone());
        let error = match Ctx::load(
            &self.store,
            &self.client,
            &mut self.cache,
            &self.tenant,
            self.settings.clone(),
        )
        .await
        {
            Ok(ctx) => {
                match run::Run::new(&store, &client, ctx, self.stop.clone(), self.seen.clone())
                    .await
                {
                    Ok(mut run) => {
                        let result = self.steps(&mut run).await;
                        counts = run.counts;
                        result.err()
                    }
                    Err(e) => Some(e.into()),
                }
            }
            Err(e) => Some(e.into()),
        };
        if error.is_some() {
            // An unknown owner or stage may be why: read them again next time.
            self.cache.invalidate();
        }
        counts.calls = i64::try_from(self.client.calls_used() - before).unwrap_or(i64::MAX);
        (counts, error)
    }

    async fn steps(&mut self, run: &mut run::Run<'_>) -> Result<(), RunError> {
        let first = self
            .store
            .cursor(&self.tenant, CONNECTION, "contacts")
            .await?
            .is_none();
        for (kind, object) in OBJECTS {
            if run.stopping() {
                return Ok(());
            }
            run.pull(kind, object).await?;
            if kind == Kind::Company && !first {
                run.read_children().await?;
            }
        }
        run.new_companies.clear();
        if run.stopping() {
            return Ok(());
        }
        run.retry_inbound().await?;
        run.push_local().await?;
        let due = self
            .last_archive_poll
            .is_none_or(|t| t.elapsed() >= self.settings.archive_poll);
        if due {
            // Nothing can be linked to an archived record before the first full read.
            if !first {
                run.poll_archived().await?;
            }
            self.last_archive_poll = Some(Instant::now());
        }
        Ok(())
    }
}
