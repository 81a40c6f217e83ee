//! Reading records by id rather than by change: the children of companies that start
//! syncing (their contacts, deals and activities may not have changed in a while), inbound
//! records whose earlier attempt failed, and HubSpot's archived records (spec §3.4).

use std::collections::{BTreeMap, BTreeSet};

use super::fields::{Kind, read_properties};
use super::inbound::{Page, associations};
use super::records;
use super::run::{CONNECTION, Run, RunError};
use crate::connectors::hubspot::objects::ListRequest;

/// Object types and the entity each holds, parents first.
pub const OBJECTS: [(Kind, &str); 6] = [
    (Kind::Company, "companies"),
    (Kind::Contact, "contacts"),
    (Kind::Deal, "deals"),
    (Kind::Activity, "calls"),
    (Kind::Activity, "meetings"),
    (Kind::Activity, "emails"),
];

impl Run<'_> {
    /// Reads `ids` of `object` and applies them like changed records (no cursor moves).
    ///
    /// # Errors
    /// HubSpot or store failures.
    pub async fn apply_ids(
        &mut self,
        kind: Kind,
        object: &'static str,
        ids: &[String],
    ) -> Result<Vec<String>, RunError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let props = read_properties(kind, object, &self.ctx.settings.sync_property);
        let found = self.client.batch_read(object, ids, &props, None).await?;
        let records = found.results;
        let seen: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        let tenant = self.ctx.tenant.clone();
        let sync_property = self.ctx.settings.sync_property.clone();
        for chunk in records.chunks(200) {
            let assoc = associations(
                self.client,
                self.store,
                &tenant,
                kind,
                object,
                &sync_property,
                chunk,
            )
            .await?;
            let page = Page {
                records: chunk.to_vec(),
                assoc,
                high_water: None,
            };
            self.apply_page(kind, object, page).await?;
        }
        Ok(seen)
    }

    /// Reads the contacts, deals and activities of companies linked in this run.
    ///
    /// # Errors
    /// HubSpot or store failures.
    pub async fn read_children(&mut self) -> Result<(), RunError> {
        let companies = std::mem::take(&mut self.new_companies);
        if companies.is_empty() {
            return Ok(());
        }
        let tenant = self.ctx.tenant.clone();
        for (kind, object) in &OBJECTS[1..] {
            let related = self
                .client
                .associations_batch_read("companies", object, &companies)
                .await?;
            let ids: BTreeSet<String> = related.into_values().flatten().collect();
            let ids: Vec<String> = ids.into_iter().collect();
            let linked = self
                .store
                .local_ids(&tenant, kind.entity(), CONNECTION, &ids)
                .await?;
            let fresh: Vec<String> = ids
                .into_iter()
                .filter(|i| !linked.contains_key(i))
                .collect();
            self.apply_ids(*kind, object, &fresh).await?;
        }
        Ok(())
    }

    /// Retries inbound records whose failure is due.
    ///
    /// # Errors
    /// HubSpot or store failures.
    pub async fn retry_inbound(&mut self) -> Result<(), RunError> {
        let tenant = self.ctx.tenant.clone();
        let mut due: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in self.store.due_failures(&tenant, CONNECTION).await? {
            if f.direction == "inbound"
                && let Some(r) = f.remote_id
            {
                due.entry(f.entity).or_default().push(r);
            }
        }
        for (kind, object) in OBJECTS {
            let Some(ids) = due.remove(object) else {
                continue;
            };
            let seen = self.apply_ids(kind, object, &ids).await?;
            for gone in ids.iter().filter(|i| !seen.contains(i)) {
                // Gone from HubSpot (archived or merged away): nothing left to retry.
                self.passed_inbound(object, gone);
            }
        }
        self.flush_failures().await
    }

    /// Marks local records inactive whose HubSpot record is archived.
    ///
    /// # Errors
    /// HubSpot or store failures.
    pub async fn poll_archived(&mut self) -> Result<(), RunError> {
        let tenant = self.ctx.tenant.clone();
        for (kind, object) in OBJECTS {
            let mut request = ListRequest {
                archived: true,
                ..ListRequest::default()
            };
            loop {
                let page = self.client.list_page(object, &request).await?;
                let ids: Vec<String> = page.results.iter().map(|r| r.id.clone()).collect();
                let linked = self
                    .store
                    .local_ids(&tenant, kind.entity(), CONNECTION, &ids)
                    .await?;
                if !linked.is_empty() {
                    let mut tx = self.store.begin(&self.origin()).await?;
                    for local_id in linked.values() {
                        if let Some(mut local) =
                            records::fetch(&mut tx, &tenant, kind, *local_id).await?
                            && local.active()
                        {
                            local.deactivate();
                            records::write(&mut tx, &tenant, *local_id, &local).await?;
                            self.counts.updated += 1;
                        }
                    }
                    tx.commit().await?;
                }
                match page.paging.and_then(|p| p.next) {
                    Some(next) => request.after = Some(next.after),
                    None => break,
                }
            }
        }
        Ok(())
    }
}
