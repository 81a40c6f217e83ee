//! Applying one eligible HubSpot record locally: update the linked record field by field,
//! or match an unlinked one by key (companies by registration number, contacts by e-mail),
//! or create it (spec §2.1, §3.2).

use super::fields::{Canon, Kind, normalized_key};
use super::local::{Local, LocalParents, ParentIds};
use super::records;
use super::run::{CONNECTION, Outcome, Push, RecordError, Run};
use crate::connectors::hubspot::models::HsObject;
use crate::mapping::activity;
use crate::store::activity::ActivityFields;
use crate::store::company::CompanyFields;
use crate::store::contact::ContactFields;
use crate::store::deal::DealFields;
use crate::store::sync::{Base, Link};
use crate::store::{StoreError, WriteTx};
use crate::sync::common::linked::{self, Pair};

/// The commercial role of a deal's HubSpot creator (spec §3.2; the code is kept exactly).
pub const CREATOR_ROLE: &str = "TELEVENDEUR_HUBSPOT";

/// An eligible record, mapped.
pub struct Incoming<'a> {
    /// Entity.
    pub kind: Kind,
    /// HubSpot object type.
    pub object: &'a str,
    /// The record.
    pub record: &'a HsObject,
    /// Canonical values.
    pub remote: Canon,
    /// Its modification time.
    pub remote_ms: i64,
    /// Local id of the linked parent company.
    pub company: Option<i64>,
    /// Local id of the linked parent deal.
    pub deal: Option<i64>,
}

impl Incoming<'_> {
    fn parents(&self) -> LocalParents {
        LocalParents {
            company: self.company,
            deal: self.deal,
        }
    }
}

/// Remote ids of a local record's linked parents.
///
/// # Errors
/// Store failures.
pub async fn parent_ids(
    tx: &mut WriteTx,
    tenant: &str,
    local: &Local,
) -> Result<ParentIds, StoreError> {
    let (company, deal) = match local {
        Local::Company(_) => (None, None),
        Local::Contact(f) => (f.company_id, None),
        Local::Deal(f) => (f.company_id, None),
        Local::Activity(f) => (f.company_id, f.deal_id),
    };
    let mut out = ParentIds::default();
    if let Some(c) = company {
        out.company = tx
            .link_by_local(tenant, "company", CONNECTION, c)
            .await?
            .map(|l| l.remote_id);
    }
    if let Some(d) = deal {
        out.deal = tx
            .link_by_local(tenant, "deal", CONNECTION, d)
            .await?
            .map(|l| l.remote_id);
    }
    Ok(out)
}

impl Run<'_> {
    /// Compares and applies a linked record.
    ///
    /// # Errors
    /// A record-level failure, or a store failure.
    pub async fn update_linked(
        &mut self,
        tx: &mut WriteTx,
        inc: &Incoming<'_>,
        link: Link,
    ) -> Result<(Outcome, Option<i64>), RecordError> {
        let tenant = self.ctx.tenant.clone();
        let Some(local) = records::fetch(tx, &tenant, inc.kind, link.local_id).await? else {
            // Deleted locally: the tombstone stays; HubSpot's copy is not resurrected.
            return Ok((Outcome::Skipped, None));
        };
        let outcome = self
            .merge_into(tx, inc, link.local_id, local, &link.base, Some(&link))
            .await?;
        Ok((outcome, Some(link.local_id)))
    }

    /// Links an unlinked record to its local match, or creates it.
    ///
    /// # Errors
    /// A record-level failure, or a store failure.
    pub async fn link_or_create(
        &mut self,
        tx: &mut WriteTx,
        inc: &Incoming<'_>,
    ) -> Result<(Outcome, Option<i64>), RecordError> {
        let tenant = self.ctx.tenant.clone();
        let entity = inc.kind.entity();
        let id = &inc.record.id;
        let existing = match inc.kind {
            Kind::Company => {
                let key = inc.remote.get("siret").cloned().unwrap_or_default();
                let raw = inc.record.prop("siret");
                let reason = match (key.is_empty(), normalized_key(&key)) {
                    (true, _) => Some("no SIRET or enterprise number".to_owned()),
                    (false, Err(e)) => Some(format!("invalid registration number: {e}")),
                    (false, Ok(_)) => None,
                };
                if let Some(reason) = reason {
                    tx.open_review(&tenant, CONNECTION, entity, id, raw, &reason)
                        .await?;
                    return Ok((Outcome::Review, None));
                }
                records::company_by_key(tx, &tenant, &key).await?
            }
            Kind::Contact => match inc.remote.get("email").filter(|e| !e.is_empty()) {
                Some(email) => records::contact_by_email(tx, &tenant, email).await?,
                None => None,
            },
            Kind::Deal | Kind::Activity => None,
        };
        if let Some(local_id) = existing {
            if let Some(other) = tx
                .link_by_local(&tenant, entity, CONNECTION, local_id)
                .await?
            {
                let reason = format!(
                    "the matching local {entity} {local_id} is already linked to HubSpot record {}",
                    other.remote_id
                );
                if inc.kind == Kind::Company {
                    tx.open_review(
                        &tenant,
                        CONNECTION,
                        entity,
                        id,
                        inc.record.prop("siret"),
                        &reason,
                    )
                    .await?;
                    return Ok((Outcome::Review, None));
                }
                return Err(RecordError::HubSpot(reason));
            }
            let Some(local) = records::fetch(tx, &tenant, inc.kind, local_id).await? else {
                return Ok((Outcome::Skipped, None));
            };
            self.merge_into(tx, inc, local_id, local, &Base::new(), None)
                .await?;
            self.after_link(tx, inc, local_id).await?;
            return Ok((Outcome::Updated, Some(local_id)));
        }
        let local_id = self.create_local(tx, inc).await?;
        self.after_link(tx, inc, local_id).await?;
        Ok((Outcome::Created, Some(local_id)))
    }

    async fn after_link(
        &mut self,
        tx: &mut WriteTx,
        inc: &Incoming<'_>,
        local_id: i64,
    ) -> Result<(), StoreError> {
        if inc.kind == Kind::Company {
            let tenant = self.ctx.tenant.clone();
            tx.close_review(&tenant, CONNECTION, "company", &inc.record.id, local_id)
                .await?;
            self.new_companies.push(inc.record.id.clone());
        }
        Ok(())
    }

    /// The three-way merge of one record, its local writes, base and journal.
    async fn merge_into(
        &mut self,
        tx: &mut WriteTx,
        inc: &Incoming<'_>,
        local_id: i64,
        mut local: Local,
        base: &Base,
        link: Option<&Link>,
    ) -> Result<Outcome, RecordError> {
        let tenant = self.ctx.tenant.clone();
        let entity = inc.kind.entity();
        let parents = parent_ids(tx, &tenant, &local).await?;
        let canon = local.canon(&self.ctx, &parents, base);
        let pair = Pair {
            tenant: &tenant,
            connection: CONNECTION,
            entity,
            local_id,
            remote_id: &inc.record.id,
        };
        let settings = &self.ctx.settings;
        let mut plan = linked::plan(
            tx,
            &pair,
            (&inc.remote, &canon, base),
            |f| settings.owner(entity, f),
            inc.remote_ms,
        )
        .await?;
        let before = local.clone();
        for (field, value) in &plan.to_local {
            local.apply(field, value, &self.ctx, inc.parents())?;
        }
        let changed = local != before;
        if changed {
            records::write(tx, &tenant, local_id, &local).await?;
        }
        if !plan.to_local.is_empty() {
            // The base holds what the local side now has: a value the store could not take
            // as given (an owner without a user) must not read as a local change next time.
            let after_parents = ParentIds {
                company: inc
                    .remote
                    .get("company")
                    .filter(|_| inc.company.is_some())
                    .cloned()
                    .or(parents.company),
                deal: inc
                    .remote
                    .get("deal")
                    .filter(|_| inc.deal.is_some())
                    .cloned()
                    .or(parents.deal),
            };
            let after = local.canon(&self.ctx, &after_parents, &plan.base);
            for (field, _) in &plan.to_local {
                if let Some(v) = after.get(field) {
                    plan.base.insert(field.clone(), v.clone());
                }
            }
        }
        let key = inc
            .remote
            .get("siret")
            .filter(|_| inc.kind == Kind::Company)
            .map(String::as_str);
        linked::settle(tx, &pair, &plan, link, key).await?;
        if !plan.to_remote.is_empty() {
            self.pushes.push(Push {
                kind: inc.kind,
                local_id,
                fields: plan.to_remote.clone(),
            });
        }
        Ok(if changed {
            Outcome::Updated
        } else {
            Outcome::Skipped
        })
    }

    async fn create_local(
        &mut self,
        tx: &mut WriteTx,
        inc: &Incoming<'_>,
    ) -> Result<i64, RecordError> {
        let tenant = self.ctx.tenant.clone();
        let mut local = match inc.kind {
            Kind::Company => Local::Company(CompanyFields {
                status: "client".to_owned(),
                ..CompanyFields::default()
            }),
            Kind::Contact => Local::Contact(ContactFields::default()),
            Kind::Deal => {
                let mut f = DealFields::default();
                if let Some(creator) = inc.record.prop("hs_created_by_user_id")
                    && let Some(user) = self.ctx.hs_user.get(creator)
                {
                    f.secondary_user_id = Some(*user);
                    f.secondary_role = Some(CREATOR_ROLE.to_owned());
                }
                if let Some(company) = inc.company
                    && let Some(Local::Company(c)) =
                        records::fetch(tx, &tenant, Kind::Company, company).await?
                {
                    f.sales_engineer_user_id = c.sales_engineer_user_id;
                }
                Local::Deal(f)
            }
            Kind::Activity => {
                let engagement = match inc.object {
                    "calls" => "CALL",
                    "meetings" => "MEETING",
                    _ => "EMAIL",
                };
                let row = activity::inbound(engagement, &self.ctx.actions);
                Local::Activity(ActivityFields {
                    kind: engagement.to_owned(),
                    action_domain: row.map(|r| r.domain.clone()),
                    action_type: row.map(|r| r.kind.clone()),
                    action_reason: row.map(|r| r.reason.clone()),
                    ..ActivityFields::default()
                })
            }
        };
        for (field, value) in &inc.remote {
            local.apply(field, value, &self.ctx, inc.parents())?;
        }
        let local_id = records::insert(tx, &tenant, &local).await?;
        let parents = ParentIds {
            company: inc
                .remote
                .get("company")
                .filter(|_| inc.company.is_some())
                .cloned(),
            deal: inc
                .remote
                .get("deal")
                .filter(|_| inc.deal.is_some())
                .cloned(),
        };
        let base = local.canon(&self.ctx, &parents, &inc.remote);
        let key = inc
            .remote
            .get("siret")
            .filter(|_| inc.kind == Kind::Company)
            .map(String::as_str);
        tx.put_link(
            &tenant,
            inc.kind.entity(),
            CONNECTION,
            local_id,
            &inc.record.id,
            key,
            &base,
        )
        .await?;
        Ok(local_id)
    }
}
