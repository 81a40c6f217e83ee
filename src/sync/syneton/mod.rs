//! The Syneton sync (spec §4): one [`SynetonSync`] per tenant connection. The first run
//! reads every company, then every person linked to one, page by page (resumable); later
//! runs read the change feeds from where the last stopped and re-read what they name.
//! Then local changes of linked customers go back (full-record PUT, (de)activation).
//!
//! Cursors (connection `syneton`): `customers` holds the full read's progress (JSON) until
//! it is done, then the `customer/changes` position; `links` the `changedetails` position
//! (company ↔ person links); `outbound` the last local change considered. Each advances in
//! the transaction of the writes it covers.

mod full;
mod outbound;
mod read;

use std::collections::BTreeMap;

use tokio_util::sync::CancellationToken;

use crate::config::SynetonConfig;
use crate::connectors::syneton::{ChangeCursor, SynetonClient, SynetonError};
use crate::mapping::ownership::Owner;
use crate::store::sync::RunCounts;
use crate::store::{Store, StoreError};
use crate::sync::accounting::Inbound;

/// The connection's name in the store.
pub const CONNECTION: &str = "syneton";

/// The tenant's Syneton sync settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Field owners (`entity.field`), `Hubspot` standing for Syneton.
    pub owners: BTreeMap<String, Owner>,
}

impl Settings {
    /// From the tenant's Syneton section.
    #[must_use]
    pub fn from_config(c: &SynetonConfig) -> Self {
        Self {
            owners: c
                .field_owners
                .iter()
                .map(|(k, v)| (k.clone(), v.as_owner()))
                .collect(),
        }
    }
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Syneton failed (after retries).
    #[error(transparent)]
    Syneton(#[from] SynetonError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the `customers` cursor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Position {
    /// The first full read, with its progress.
    Full(full::Progress),
    /// Following the change feed.
    Feed(ChangeCursor),
}

impl Position {
    fn decode(text: Option<&str>) -> Self {
        match text {
            None => Self::Full(full::Progress::default()),
            Some(t) if t.starts_with('{') => {
                Self::Full(serde_json::from_str(t).unwrap_or_default())
            }
            // An unreadable cursor restarts with a full read: it writes nothing that did
            // not change.
            Some(t) => ChangeCursor::decode(t)
                .map_or_else(|| Self::Full(full::Progress::default()), Self::Feed),
        }
    }
}

/// A tenant's Syneton connection, kept between runs (the token and the gate's window).
pub struct SynetonSync {
    store: Store,
    client: SynetonClient,
    tenant: String,
    settings: Settings,
    stop: CancellationToken,
}

impl SynetonSync {
    /// A connection.
    #[must_use]
    pub fn new(
        store: Store,
        client: SynetonClient,
        tenant: &str,
        settings: Settings,
        stop: CancellationToken,
    ) -> Self {
        Self {
            store,
            client,
            tenant: tenant.to_owned(),
            settings,
            stop,
        }
    }

    /// The client (calls used).
    #[must_use]
    pub fn client(&self) -> &SynetonClient {
        &self.client
    }

    /// One run. Counts are returned even when the run stops early (with the error).
    pub async fn run(&mut self) -> (RunCounts, Option<RunError>) {
        self.client.forget_settings();
        let before = self.client.calls_used();
        let ctx = Ctx {
            store: &self.store,
            client: &self.client,
            tenant: &self.tenant,
            stop: &self.stop,
        };
        let (mut counts, error) = match Inbound::new(
            &self.store,
            &self.tenant,
            CONNECTION,
            "VATNr",
            self.settings.owners.clone(),
        )
        .await
        {
            Ok(mut inbound) => {
                let result = ctx.steps(&mut inbound).await;
                (inbound.counts, result.err())
            }
            Err(e) => (RunCounts::default(), Some(e.into())),
        };
        counts.calls = i64::try_from(self.client.calls_used() - before).unwrap_or(i64::MAX);
        (counts, error)
    }
}

/// What a run works with.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub store: &'a Store,
    pub client: &'a SynetonClient,
    pub tenant: &'a str,
    pub stop: &'a CancellationToken,
}

impl Ctx<'_> {
    async fn steps(&self, inbound: &mut Inbound<'_>) -> Result<(), RunError> {
        let cursor = self
            .store
            .cursor(self.tenant, CONNECTION, "customers")
            .await?;
        match Position::decode(cursor.as_deref()) {
            Position::Full(progress) => {
                if self
                    .store
                    .cursor(self.tenant, CONNECTION, "outbound")
                    .await?
                    .is_none()
                {
                    // Earlier local changes are in the state the first links compare with.
                    let last = self.store.last_change_id(self.tenant).await?;
                    let mut tx = self.store.begin(&origin()).await?;
                    tx.put_cursor(self.tenant, CONNECTION, "outbound", &last.to_string())
                        .await?;
                    tx.commit().await?;
                }
                if !self.full_read(inbound, progress).await? {
                    return Ok(());
                }
            }
            Position::Feed(position) => self.follow_feed(inbound, position).await?,
        }
        if self.stop.is_cancelled() {
            return Ok(());
        }
        self.retry_inbound(inbound).await?;
        self.push_local(inbound).await
    }
}

/// The origin of this connection's local writes.
pub(crate) fn origin() -> crate::store::Origin {
    crate::store::Origin::Sync(CONNECTION.to_owned())
}

/// Now, in epoch ms (the remote change time of records read without one).
pub(crate) fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl crate::sync::connection::Connection for SynetonSync {
    async fn run(&mut self) -> (RunCounts, Option<crate::sync::connection::Stop>) {
        use crate::sync::connection::Stop;
        let (counts, error) = SynetonSync::run(self).await;
        let stop = error.map(|e| match e {
            RunError::Syneton(
                SynetonError::InvalidApiKey { .. } | SynetonError::Unauthorized { .. },
            ) => Stop::NeedsReauth(
                "Syneton refused the API key; run `crmsync connect syneton`".to_owned(),
            ),
            other => Stop::Failed(other.to_string()),
        });
        (counts, stop)
    }
}
