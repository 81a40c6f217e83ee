//! What a run needs besides the records: the tenant's settings and decision tables, and
//! HubSpot's owners and pipeline, read once and kept for a while.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use crate::config::HubSpotConfig;
use crate::connectors::hubspot::{HubSpotClient, HubSpotError};
use crate::mapping::activity::ActionRow;
use crate::mapping::ownership::{Owner, owner_of};
use crate::mapping::stage::{StageMap, StageRow};
use crate::store::{Store, StoreError};

/// How long owners and pipelines are trusted before they are read again.
pub const REFERENCE_TTL: Duration = Duration::from_secs(15 * 60);

/// The tenant's sync settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Lifecycle stage that, with the checkbox, starts a company's sync.
    pub trigger: String,
    /// The checkbox property.
    pub sync_property: String,
    /// Archive in HubSpot on local deletes.
    pub propagate_deletes: bool,
    /// Field owners (`entity.field`).
    pub owners: BTreeMap<String, Owner>,
    /// Look-back of incremental reads.
    pub lookback_ms: i64,
    /// Between two reads of archived records.
    pub archive_poll: Duration,
}

impl Settings {
    /// From the tenant's HubSpot section.
    #[must_use]
    pub fn from_config(c: &HubSpotConfig) -> Self {
        Self {
            trigger: c.lifecycle_trigger.clone(),
            sync_property: c.sync_property.clone(),
            propagate_deletes: c.propagate_deletes,
            owners: c.field_owners.clone(),
            lookback_ms: i64::try_from(c.search_lookback_s.saturating_mul(1000))
                .unwrap_or(i64::MAX),
            archive_poll: Duration::from_secs(c.archive_poll_interval_s),
        }
    }

    /// The owner of `entity.field`.
    #[must_use]
    pub fn owner(&self, entity: &str, field: &str) -> Owner {
        owner_of(&self.owners, entity, field)
    }
}

/// An owner: id, e-mail (lowercase), name, HubSpot user id.
type OwnerRow = (String, Option<String>, Option<String>, Option<String>);

/// HubSpot's side of the reference data.
#[derive(Debug, Clone, Default)]
pub struct Remote {
    owners: Vec<OwnerRow>,
    /// Pipeline stages (id, label).
    stages: Vec<(String, String)>,
}

/// Cached [`Remote`] data of a connection.
#[derive(Debug, Default)]
pub struct RemoteCache {
    loaded: Option<(Instant, Remote)>,
}

impl RemoteCache {
    /// Drops the cache (an unknown owner or stage was met).
    pub fn invalidate(&mut self) {
        self.loaded = None;
    }

    async fn get(&mut self, client: &HubSpotClient) -> Result<Remote, HubSpotError> {
        if let Some((at, remote)) = &self.loaded
            && at.elapsed() < REFERENCE_TTL
        {
            return Ok(remote.clone());
        }
        let owners = client
            .owners(None)
            .await?
            .into_iter()
            .map(|o| {
                let name = match (o.first_name, o.last_name) {
                    (Some(f), Some(l)) => Some(format!("{f} {l}")),
                    (f, l) => f.or(l),
                };
                (o.id, o.email.map(|e| e.to_lowercase()), name, o.user_id)
            })
            .collect();
        let stages = client
            .deal_pipelines()
            .await?
            .into_iter()
            .flat_map(|p| p.stages.into_iter().map(|s| (s.id, s.label)))
            .collect();
        let remote = Remote { owners, stages };
        self.loaded = Some((Instant::now(), remote.clone()));
        Ok(remote)
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// HubSpot failed.
    #[error(transparent)]
    HubSpot(#[from] HubSpotError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Everything a run maps with.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Tenant.
    pub tenant: String,
    /// Settings.
    pub settings: Settings,
    /// Deal stages with HubSpot ids.
    pub stages: StageMap,
    stage_rows: Vec<(String, i64)>,
    /// Civility codes in order.
    pub civility: Vec<String>,
    /// `TD_HubspotAction`.
    pub actions: Vec<ActionRow>,
    /// HubSpot owner id → local user.
    pub owner_user: HashMap<String, i64>,
    /// Local user → HubSpot owner id.
    pub user_owner: HashMap<i64, String>,
    /// HubSpot user id → local user (deal creators).
    pub hs_user: HashMap<String, i64>,
}

impl Ctx {
    /// Loads the tenant's tables and HubSpot's owners and stages (cached). Owners without a
    /// local user get one, matched by e-mail from then on (spec §3.2).
    ///
    /// # Errors
    /// HubSpot or store failures.
    pub async fn load(
        store: &Store,
        client: &HubSpotClient,
        cache: &mut RemoteCache,
        tenant: &str,
        settings: Settings,
    ) -> Result<Self, ContextError> {
        let remote = cache.get(client).await?;
        let rows = store.deal_stages(tenant).await?;
        let stage_rows = rows
            .iter()
            .map(|r| (r.status.clone(), r.progress_pct))
            .collect();
        let mut stages = StageMap::new(
            rows.into_iter()
                .map(|r| StageRow {
                    stage_name: r.stage_name,
                    status: r.status,
                    progress_pct: r.progress_pct,
                    hubspot_stage_id: r.hubspot_stage_id,
                })
                .collect(),
        );
        stages.resolve_ids(remote.stages.iter().map(|(i, l)| (i.as_str(), l.as_str())));
        let civility = store
            .labels(tenant, "civility")
            .await?
            .into_iter()
            .map(|(code, _)| code)
            .collect();
        let actions = store
            .action_map(tenant)
            .await?
            .into_iter()
            .map(|r| ActionRow {
                domain: r.action_domain,
                kind: r.action_type,
                reason: r.action_reason,
                engagement: r.engagement_type,
            })
            .collect();
        let mut by_email: HashMap<String, i64> = store
            .users(tenant)
            .await?
            .into_iter()
            .map(|(id, e)| (e.to_lowercase(), id))
            .collect();
        let (mut owner_user, mut user_owner, mut hs_user) =
            (HashMap::new(), HashMap::new(), HashMap::new());
        for (owner_id, email, name, user_id) in &remote.owners {
            let Some(email) = email else { continue };
            let user = match by_email.get(email) {
                Some(u) => *u,
                None => {
                    let u = store.ensure_user(tenant, email, name.as_deref()).await?;
                    by_email.insert(email.clone(), u);
                    u
                }
            };
            owner_user.insert(owner_id.clone(), user);
            user_owner.entry(user).or_insert_with(|| owner_id.clone());
            if let Some(hs) = user_id {
                hs_user.insert(hs.clone(), user);
            }
        }
        Ok(Self {
            tenant: tenant.to_owned(),
            settings,
            stages,
            stage_rows,
            civility,
            actions,
            owner_user,
            user_owner,
            hs_user,
        })
    }

    /// Progress % of a local status.
    #[must_use]
    pub fn progress(&self, status: &str) -> Option<i64> {
        self.stage_rows
            .iter()
            .find(|(s, _)| s == status)
            .map(|(_, p)| *p)
    }
}
