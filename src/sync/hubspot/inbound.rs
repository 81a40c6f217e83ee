//! HubSpot → local (spec §3.1–§3.5): records changed since the cursor, page by page; each
//! page's local writes and the cursor commit in one transaction. The next page is read
//! while the current one is written, so the store never holds the rate limiter up.

use std::collections::{BTreeMap, HashMap};

use super::fields::{Kind, from_remote, read_properties};
use super::run::{CONNECTION, Outcome, RecordError, Run, RunError};
use super::upsert_local;
use crate::connectors::hubspot::HubSpotClient;
use crate::connectors::hubspot::associations::ASSOCIATION_READ_LIMIT;
use crate::connectors::hubspot::models::HsObject;
use crate::connectors::hubspot::search::{ChangeFeed, modified_ms, modified_property};
use crate::mapping::eligibility::{
    CompanyFacts, activity_syncs, checkbox, child_syncs, company_syncs,
};
use crate::store::{Arg, Store, WriteTx};

/// Associated ids of each record, by target object type.
pub type Assoc = HashMap<&'static str, BTreeMap<String, Vec<String>>>;

/// One page of changed records with their associations.
#[derive(Debug)]
pub struct Page {
    /// Records.
    pub records: Vec<HsObject>,
    /// Their associations.
    pub assoc: Assoc,
    /// Cursor after this page.
    pub high_water: Option<i64>,
}

/// Association types read with records of a kind.
fn assoc_targets(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Company => &[],
        Kind::Contact => &["companies"],
        Kind::Deal => &["companies", "contacts"],
        Kind::Activity => &["companies", "contacts", "deals"],
    }
}

/// Reads the associations of the records that may sync (own box ticked, or linked).
///
/// # Errors
/// HubSpot or store failures.
pub async fn associations(
    client: &HubSpotClient,
    store: &Store,
    tenant: &str,
    kind: Kind,
    object: &str,
    sync_property: &str,
    records: &[HsObject],
) -> Result<Assoc, RunError> {
    let mut out = Assoc::new();
    let targets = assoc_targets(kind);
    if targets.is_empty() || records.is_empty() {
        return Ok(out);
    }
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let linked = store
        .local_ids(tenant, kind.entity(), CONNECTION, &ids)
        .await?;
    let wanted: Vec<String> = records
        .iter()
        .filter(|r| {
            kind == Kind::Activity || linked.contains_key(&r.id) || checkbox(r.prop(sync_property))
        })
        .map(|r| r.id.clone())
        .collect();
    if wanted.is_empty() {
        return Ok(out);
    }
    for to in targets {
        let mut map = client.associations_batch_read(object, to, &wanted).await?;
        for v in map.values_mut() {
            v.sort_by_key(|id| id.parse::<u64>().unwrap_or(u64::MAX));
        }
        out.insert(to, map);
    }
    Ok(out)
}

/// Records already applied at their current modification time, by `object:id`: the
/// look-back window reads them again, and they need neither associations nor writes.
pub type Seen = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>;

fn seen_key(object: &str, id: &str) -> String {
    format!("{object}:{id}")
}

#[allow(clippy::too_many_arguments)]
async fn next_page(
    client: &HubSpotClient,
    store: &Store,
    tenant: &str,
    kind: Kind,
    object: &str,
    sync_property: &str,
    feed: &mut ChangeFeed,
    seen: &Seen,
) -> Result<Option<Page>, RunError> {
    let modified = modified_property(object);
    // Records whose associations are read are gathered up to one associations call
    // (1,000): five search pages share it instead of one call each.
    let batch = if assoc_targets(kind).is_empty() {
        1
    } else {
        ASSOCIATION_READ_LIMIT
    };
    let mut records = Vec::new();
    while records.len() < batch {
        let Some(mut page) = feed.next_page(client).await? else {
            break;
        };
        {
            let seen = seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            page.retain(|r| {
                seen.get(&seen_key(object, &r.id)) != modified_ms(r, modified).as_ref()
            });
        }
        records.extend(page);
        if feed.is_done() {
            break;
        }
    }
    if records.is_empty() {
        return Ok(None);
    }
    let assoc = associations(client, store, tenant, kind, object, sync_property, &records).await?;
    Ok(Some(Page {
        records,
        assoc,
        high_water: feed.high_water_ms(),
    }))
}

impl Run<'_> {
    /// Reads and applies every record of `object` changed since its cursor.
    ///
    /// # Errors
    /// HubSpot or store failures; committed pages stay committed.
    pub async fn pull(&mut self, kind: Kind, object: &'static str) -> Result<(), RunError> {
        let since = self
            .store
            .cursor(&self.ctx.tenant, CONNECTION, object)
            .await?
            .and_then(|c| c.parse::<i64>().ok());
        let props = read_properties(kind, object, &self.ctx.settings.sync_property);
        let mut feed = ChangeFeed::new(object, since, self.ctx.settings.lookback_ms, props);
        let (client, store) = (self.client, self.store);
        let tenant = self.ctx.tenant.clone();
        let sync_property = self.ctx.settings.sync_property.clone();
        let seen = self.seen.clone();
        let mut pending = next_page(
            client,
            store,
            &tenant,
            kind,
            object,
            &sync_property,
            &mut feed,
            &seen,
        )
        .await?;
        while let Some(page) = pending.take() {
            let fetch = next_page(
                client,
                store,
                &tenant,
                kind,
                object,
                &sync_property,
                &mut feed,
                &seen,
            );
            let (next, done) = tokio::join!(fetch, self.apply_page(kind, object, page));
            done?;
            pending = next?;
            if self.stopping() {
                return Ok(());
            }
        }
        if let Some(hw) = feed.high_water_ms() {
            let cutoff = hw - 2 * self.ctx.settings.lookback_ms;
            let prefix = format!("{object}:");
            self.seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .retain(|k, ms| !k.starts_with(&prefix) || *ms >= cutoff);
        }
        if since.is_none() && feed.high_water_ms().is_none() {
            // Nothing there yet: record that the first full read is done all the same.
            let mut tx = self.store.begin(&self.origin()).await?;
            tx.put_cursor(&tenant, CONNECTION, object, "0").await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Applies one page in one transaction, with the cursor.
    ///
    /// # Errors
    /// Store failures (the page is then not applied).
    pub async fn apply_page(
        &mut self,
        kind: Kind,
        object: &str,
        page: Page,
    ) -> Result<(), RunError> {
        let mut tx = self.store.begin(&self.origin()).await?;
        for record in &page.records {
            self.counts.read += 1;
            tx.exec("savepoint record", &[]).await?;
            match self
                .apply_record(&mut tx, kind, object, record, &page.assoc)
                .await
            {
                Ok(outcome) => {
                    tx.exec("release savepoint record", &[]).await?;
                    self.count(outcome);
                    self.passed_inbound(object, &record.id);
                }
                Err(RecordError::Store(e)) if !e.is_record_level() => return Err(e.into()),
                Err(e) => {
                    tx.exec("rollback to savepoint record", &[]).await?;
                    tx.exec("release savepoint record", &[]).await?;
                    self.fail_inbound(object, &record.id, &e.to_string());
                }
            }
        }
        if let Some(hw) = page.high_water {
            tx.put_cursor(&self.ctx.tenant, CONNECTION, object, &hw.to_string())
                .await?;
        }
        tx.commit().await?;
        {
            let modified = modified_property(object);
            let mut seen = self
                .seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for r in &page.records {
                if let Some(ms) = modified_ms(r, modified) {
                    seen.insert(seen_key(object, &r.id), ms);
                }
            }
        }
        self.flush_failures().await
    }

    async fn apply_record(
        &mut self,
        tx: &mut WriteTx,
        kind: Kind,
        object: &str,
        record: &HsObject,
        assoc: &Assoc,
    ) -> Result<Outcome, RecordError> {
        let tenant = self.ctx.tenant.clone();
        let entity = kind.entity();
        let mut link = tx
            .link_by_remote(&tenant, entity, CONNECTION, &record.id)
            .await?;
        if kind != Kind::Activity {
            link = self.follow_merges(tx, kind, record, link).await?;
        }
        let related = |to: &str| {
            assoc
                .get(to)
                .and_then(|m| m.get(&record.id))
                .cloned()
                .unwrap_or_default()
        };
        let company = first_linked(tx, &tenant, "company", &related("companies")).await?;
        let deal = if kind == Kind::Activity {
            first_linked(tx, &tenant, "deal", &related("deals")).await?
        } else {
            None
        };
        let boxed = checkbox(record.prop(&self.ctx.settings.sync_property));
        let linked = link.is_some();
        let eligible = match kind {
            Kind::Company => company_syncs(
                CompanyFacts {
                    lifecycle_stage: record.prop("lifecyclestage"),
                    sync_box: boxed,
                    linked,
                },
                &self.ctx.settings.trigger,
            ),
            Kind::Contact | Kind::Deal => child_syncs(boxed, linked, company.is_some()),
            Kind::Activity => activity_syncs(linked, company.is_some()),
        };
        if !eligible {
            return Ok(Outcome::Skipped);
        }
        let parents = (
            company.as_ref().map(|(r, _)| r.as_str()),
            deal.as_ref().map(|(r, _)| r.as_str()),
        );
        let remote = from_remote(kind, object, record, parents, &self.ctx)?;
        let remote_ms = modified_ms(record, modified_property(object)).unwrap_or(0);
        let incoming = upsert_local::Incoming {
            kind,
            object,
            record,
            remote,
            remote_ms,
            company: company.map(|(_, l)| l),
            deal: deal.map(|(_, l)| l),
        };
        let (outcome, local_id) = match link {
            Some(link) => self.update_linked(tx, &incoming, link).await?,
            None => self.link_or_create(tx, &incoming).await?,
        };
        if let Some(local_id) = local_id {
            self.join_contacts(tx, kind, local_id, &related("contacts"))
                .await?;
        }
        Ok(outcome)
    }

    /// Re-points links of records HubSpot merged into this one (spec §3.4).
    async fn follow_merges(
        &mut self,
        tx: &mut WriteTx,
        kind: Kind,
        record: &HsObject,
        mut link: Option<crate::store::sync::Link>,
    ) -> Result<Option<crate::store::sync::Link>, RecordError> {
        let Some(merged) = record.prop("hs_merged_object_ids") else {
            return Ok(link);
        };
        let tenant = self.ctx.tenant.clone();
        let entity = kind.entity();
        for old in merged
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != record.id)
        {
            let Some(old_link) = tx.link_by_remote(&tenant, entity, CONNECTION, old).await? else {
                continue;
            };
            if link.is_none() {
                tx.put_link(
                    &tenant,
                    entity,
                    CONNECTION,
                    old_link.local_id,
                    &record.id,
                    None,
                    &old_link.base,
                )
                .await?;
                link = tx
                    .link_by_remote(&tenant, entity, CONNECTION, &record.id)
                    .await?;
            } else {
                tx.delete_link(old_link.link_id).await?;
                let reason = format!(
                    "HubSpot merged record {old} into {}; the local record {} that was linked to {old} is a duplicate",
                    record.id, old_link.local_id
                );
                tx.open_review(&tenant, CONNECTION, entity, &record.id, None, &reason)
                    .await?;
            }
        }
        Ok(link)
    }

    async fn join_contacts(
        &mut self,
        tx: &mut WriteTx,
        kind: Kind,
        local_id: i64,
        contacts: &[String],
    ) -> Result<(), RecordError> {
        let sql = match kind {
            Kind::Deal => {
                "insert into deal_contact (tenant_id, deal_id, contact_id) values ($1, $2, $3) on conflict do nothing"
            }
            Kind::Activity => {
                "insert into activity_contact (tenant_id, activity_id, contact_id) values ($1, $2, $3) on conflict do nothing"
            }
            _ => return Ok(()),
        };
        let tenant = self.ctx.tenant.clone();
        for remote in contacts {
            if let Some(link) = tx
                .link_by_remote(&tenant, "contact", CONNECTION, remote)
                .await?
            {
                tx.exec(
                    sql,
                    &[
                        Arg::text(&tenant),
                        Arg::Int(Some(local_id)),
                        Arg::Int(Some(link.local_id)),
                    ],
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// The first of `remote_ids` (in id order) linked locally: (remote id, local id).
async fn first_linked(
    tx: &mut WriteTx,
    tenant: &str,
    entity: &str,
    remote_ids: &[String],
) -> Result<Option<(String, i64)>, RecordError> {
    for id in remote_ids {
        if let Some(link) = tx.link_by_remote(tenant, entity, CONNECTION, id).await? {
            return Ok(Some((id.clone(), link.local_id)));
        }
    }
    Ok(None)
}
