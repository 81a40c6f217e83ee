//! Local → HubSpot (spec §3.1, §3.4): every local change after the outbound cursor (API,
//! import, direct SQL — anything but this connection's own writes), plus the values inbound
//! found the local side must win, goes out in batches. New records are upserted by a key
//! (companies by `siret`, contacts by e-mail, deals and activities by `crmsync_id`), so a
//! crash between HubSpot's answer and the local commit cannot create a duplicate.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::fields::{Canon, Kind, normalized_key, to_properties};
use super::local::{Local, ParentIds};
use super::records::{self, Stored};
use super::run::{CONNECTION, Run, RunError};
use super::writes::{Input, Op};
use crate::connectors::hubspot::associations::types;
use crate::domain::lifecycle::{LifecycleStage, is_backward};
use crate::mapping::activity;
use crate::store::sync::Link;

/// Changes read per step.
const CHANGES_PER_STEP: i64 = 5000;

/// The property that makes deal and activity creates idempotent (provisioned, unique).
pub const CRMSYNC_ID: &str = "crmsync_id";

/// A record to send.
pub(super) struct Outgoing {
    pub local_id: i64,
    pub object: &'static str,
    pub link: Option<Link>,
    pub canon: Canon,
    pub fields: BTreeMap<String, String>,
}

fn kind_of(entity: &str) -> Option<Kind> {
    match entity {
        "company" => Some(Kind::Company),
        "contact" => Some(Kind::Contact),
        "deal" => Some(Kind::Deal),
        "activity" => Some(Kind::Activity),
        _ => None,
    }
}

/// The HubSpot object type of a local activity.
fn activity_object(local: &Local, ctx: &super::context::Ctx) -> &'static str {
    let Local::Activity(f) = local else {
        return "companies";
    };
    let engagement = activity::outbound(
        f.action_domain.as_deref().unwrap_or_default(),
        f.action_type.as_deref().unwrap_or_default(),
        f.action_reason.as_deref().unwrap_or_default(),
        &f.kind,
        &ctx.actions,
    );
    activity::object_type(engagement).unwrap_or("calls")
}

/// Whether setting the lifecycle stage from `old` to `new` needs clearing first (§3.4).
#[must_use]
pub fn needs_clear(old: &str, new: &str) -> bool {
    if old.is_empty() || new.is_empty() || old == new {
        return false;
    }
    match (LifecycleStage::parse(old), LifecycleStage::parse(new)) {
        (Ok(o), Ok(n)) if o.is_default() && n.is_default() => is_backward(&o, &n),
        // Custom stages have an order only HubSpot knows: clearing first is always safe.
        _ => true,
    }
}

impl Run<'_> {
    /// Sends local changes.
    ///
    /// # Errors
    /// HubSpot or store failures of whole calls.
    pub async fn push_local(&mut self) -> Result<(), RunError> {
        let tenant = self.ctx.tenant.clone();
        let own = format!("sync:{CONNECTION}");
        let mut cursor: i64 = self
            .store
            .cursor(&tenant, CONNECTION, "outbound")
            .await?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut forced: HashMap<(Kind, i64), Vec<(String, String)>> = HashMap::new();
        let mut todo: BTreeMap<u8, BTreeSet<i64>> = BTreeMap::new();
        let order = |k: Kind| match k {
            Kind::Company => 0,
            Kind::Contact => 1,
            Kind::Deal => 2,
            Kind::Activity => 3,
        };
        for p in std::mem::take(&mut self.pushes) {
            todo.entry(order(p.kind)).or_default().insert(p.local_id);
            forced
                .entry((p.kind, p.local_id))
                .or_default()
                .extend(p.fields);
        }
        for f in self.store.due_failures(&tenant, CONNECTION).await? {
            if let (Some(kind), "outbound", Some(id)) =
                (kind_of(&f.entity), f.direction.as_str(), f.local_id)
            {
                todo.entry(order(kind)).or_default().insert(id);
            }
        }
        loop {
            let changes = self
                .store
                .changes_after(&tenant, cursor, CHANGES_PER_STEP)
                .await?;
            let full = i64::try_from(changes.len()).unwrap_or(0) == CHANGES_PER_STEP;
            for ch in &changes {
                cursor = cursor.max(ch.change_id);
                if ch.origin == own {
                    continue;
                }
                if let Some(kind) = kind_of(&ch.entity) {
                    todo.entry(order(kind)).or_default().insert(ch.entity_id);
                }
            }
            for (rank, ids) in std::mem::take(&mut todo) {
                let kind =
                    [Kind::Company, Kind::Contact, Kind::Deal, Kind::Activity][usize::from(rank)];
                self.push_kind(kind, &ids, &mut forced).await?;
            }
            if !changes.is_empty() {
                let mut tx = self.store.begin(&self.origin()).await?;
                tx.put_cursor(&tenant, CONNECTION, "outbound", &cursor.to_string())
                    .await?;
                tx.commit().await?;
            }
            self.flush_failures().await?;
            if !full {
                return Ok(());
            }
        }
    }

    async fn push_kind(
        &mut self,
        kind: Kind,
        ids: &BTreeSet<i64>,
        forced: &mut HashMap<(Kind, i64), Vec<(String, String)>>,
    ) -> Result<(), RunError> {
        let tenant = self.ctx.tenant.clone();
        let entity = kind.entity();
        let mut updates = Vec::new();
        let mut creates = Vec::new();
        let mut archives: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for &id in ids {
            let Some(Stored { local, deleted }) =
                records::load(self.store, &tenant, kind, id).await?
            else {
                continue;
            };
            self.counts.read += 1;
            let link = self
                .store
                .link_of_local(&tenant, entity, CONNECTION, id)
                .await?;
            let object = match kind {
                Kind::Activity => activity_object(&local, &self.ctx),
                _ => kind.objects()[0],
            };
            if deleted {
                if let Some(link) = link.filter(|_| self.ctx.settings.propagate_deletes) {
                    archives.entry(object).or_default().push(link.remote_id);
                }
                continue;
            }
            let parents = self.parents_of(&local).await?;
            let base = link.as_ref().map(|l| l.base.clone()).unwrap_or_default();
            let canon = local.canon(&self.ctx, &parents, &base);
            let extra = forced.remove(&(kind, id)).unwrap_or_default();
            match link {
                Some(link) => {
                    let mut fields: BTreeMap<String, String> = canon
                        .iter()
                        .filter(|(f, v)| {
                            link.base.get(*f) != Some(*v)
                                && self.ctx.settings.owner(entity, f)
                                    != crate::mapping::ownership::Owner::Hubspot
                        })
                        .map(|(f, v)| (f.clone(), v.clone()))
                        .collect();
                    fields.extend(extra);
                    if fields.is_empty() {
                        self.counts.skipped += 1;
                        self.passed_outbound(kind, id);
                        continue;
                    }
                    updates.push(Outgoing {
                        local_id: id,
                        object,
                        link: Some(link),
                        canon,
                        fields,
                    });
                }
                None => match self.creatable(kind, &local, &parents) {
                    Ok(true) => {
                        let fields = canon
                            .iter()
                            .filter(|(_, v)| !v.is_empty())
                            .map(|(f, v)| (f.clone(), v.clone()))
                            .collect();
                        creates.push(Outgoing {
                            local_id: id,
                            object,
                            link: None,
                            canon,
                            fields,
                        });
                    }
                    Ok(false) => self.counts.skipped += 1,
                    Err(reason) => self.fail_outbound(kind, id, &reason),
                },
            }
        }
        for (object, ids) in archives {
            self.client.batch_archive(object, &ids).await?;
            self.counts.updated += i64::try_from(ids.len()).unwrap_or(0);
        }
        self.send_updates(kind, updates).await?;
        self.send_creates(kind, creates).await
    }

    /// Whether an unlinked local record goes to HubSpot; `Err` when it should but cannot.
    fn creatable(&self, kind: Kind, local: &Local, parents: &ParentIds) -> Result<bool, String> {
        Ok(match (kind, local) {
            (Kind::Company, Local::Company(f)) => {
                if !f.active {
                    return Ok(false);
                }
                match f.registration_key.as_deref().map(normalized_key) {
                    Some(Ok(_)) => true,
                    _ => {
                        return Err("no valid SIRET or enterprise number: HubSpot companies are matched on `siret`".to_owned());
                    }
                }
            }
            (Kind::Contact, Local::Contact(f)) => {
                parents.company.is_some()
                    && f.state == "active"
                    && f.email.as_deref().is_some_and(|e| !e.is_empty())
            }
            (Kind::Deal, Local::Deal(f)) => parents.company.is_some() && f.active,
            (Kind::Activity, Local::Activity(f)) => parents.company.is_some() && f.active,
            _ => false,
        })
    }

    async fn parents_of(&self, local: &Local) -> Result<ParentIds, RunError> {
        let tenant = &self.ctx.tenant;
        let (company, deal) = match local {
            Local::Company(_) => (None, None),
            Local::Contact(f) => (f.company_id, None),
            Local::Deal(f) => (f.company_id, None),
            Local::Activity(f) => (f.company_id, f.deal_id),
        };
        let mut out = ParentIds::default();
        if let Some(c) = company {
            out.company = self
                .store
                .link_of_local(tenant, "company", CONNECTION, c)
                .await?
                .map(|l| l.remote_id);
        }
        if let Some(d) = deal {
            out.deal = self
                .store
                .link_of_local(tenant, "deal", CONNECTION, d)
                .await?
                .map(|l| l.remote_id);
        }
        Ok(out)
    }

    async fn send_updates(&mut self, kind: Kind, updates: Vec<Outgoing>) -> Result<(), RunError> {
        if updates.is_empty() {
            return Ok(());
        }
        // Lifecycle stages only move forward: clear first where the move goes back.
        let clears: Vec<Input> = updates
            .iter()
            .filter_map(|u| {
                let new = u.fields.get("lifecyclestage")?;
                let link = u.link.as_ref()?;
                let old = link.base.get("lifecyclestage")?;
                needs_clear(old, new)
                    .then(|| Input::update(u.local_id, &link.remote_id, [("lifecyclestage", "")]))
            })
            .collect();
        if !clears.is_empty() {
            self.write_batch(kind, "companies", Op::Update, clears)
                .await?;
        }
        let mut by_object: BTreeMap<&str, Vec<(Outgoing, Input)>> = BTreeMap::new();
        for u in updates {
            let Some(link) = &u.link else { continue };
            match to_properties(kind, u.object, &u.fields, &self.ctx) {
                Ok(props) => {
                    let input = Input::with_properties(
                        u.local_id,
                        Some(link.remote_id.clone()),
                        None,
                        props,
                    );
                    by_object.entry(u.object).or_default().push((u, input));
                }
                Err(e) => self.fail_outbound(kind, u.local_id, &e.to_string()),
            }
        }
        for (object, items) in by_object {
            let (outgoing, inputs): (Vec<Outgoing>, Vec<Input>) = items.into_iter().unzip();
            let done = if inputs.iter().all(|i| i.properties.is_empty()) {
                outgoing
                    .iter()
                    .map(|o| {
                        (
                            o.local_id,
                            o.link
                                .as_ref()
                                .map(|l| l.remote_id.clone())
                                .unwrap_or_default(),
                        )
                    })
                    .collect()
            } else {
                self.write_batch(kind, object, Op::Update, inputs).await?
            };
            self.settle(kind, object, outgoing, &done, false).await?;
        }
        Ok(())
    }

    async fn send_creates(&mut self, kind: Kind, creates: Vec<Outgoing>) -> Result<(), RunError> {
        let tenant = self.ctx.tenant.clone();
        let mut by_object: BTreeMap<&str, Vec<(Outgoing, Input)>> = BTreeMap::new();
        for c in creates {
            let (key_prop, key) = match kind {
                Kind::Company => ("siret", c.canon.get("siret").cloned().unwrap_or_default()),
                Kind::Contact => ("email", c.canon.get("email").cloned().unwrap_or_default()),
                _ => (
                    CRMSYNC_ID,
                    format!("{tenant}:{}:{}", kind.entity(), c.local_id),
                ),
            };
            match to_properties(kind, c.object, &c.fields, &self.ctx) {
                Ok(mut props) => {
                    if kind != Kind::Activity {
                        props.insert(self.ctx.settings.sync_property.clone(), "true".to_owned());
                    }
                    // The key stays among the properties: answers then name it, created or not.
                    props.insert(key_prop.to_owned(), key.clone());
                    let input =
                        Input::with_properties(c.local_id, Some(key), Some(key_prop), props);
                    by_object.entry(c.object).or_default().push((c, input));
                }
                Err(e) => self.fail_outbound(kind, c.local_id, &e.to_string()),
            }
        }
        for (object, items) in by_object {
            let (outgoing, inputs): (Vec<Outgoing>, Vec<Input>) = items.into_iter().unzip();
            let done = self.write_batch(kind, object, Op::Upsert, inputs).await?;
            self.settle(kind, object, outgoing, &done, true).await?;
        }
        Ok(())
    }

    /// Creates the associations of sent records, then records links and bases in one
    /// transaction.
    async fn settle(
        &mut self,
        kind: Kind,
        object: &str,
        sent: Vec<Outgoing>,
        done: &HashMap<i64, String>,
        created: bool,
    ) -> Result<(), RunError> {
        let tenant = self.ctx.tenant.clone();
        let mut pairs: BTreeMap<(&str, u32), Vec<(String, String)>> = BTreeMap::new();
        let type_ids = match object {
            "calls" => types::CALL_TO,
            "meetings" => types::MEETING_TO,
            _ => types::EMAIL_TO,
        };
        for o in &sent {
            let Some(remote) = done.get(&o.local_id) else {
                continue;
            };
            let parent_changed = |f: &str| {
                o.fields
                    .get(f)
                    .filter(|v| !v.is_empty())
                    .filter(|v| o.link.as_ref().and_then(|l| l.base.get(f)) != Some(*v))
            };
            let (company_type, deal_type) = match kind {
                Kind::Contact => (types::CONTACT_TO_COMPANY, 0),
                Kind::Deal => (types::DEAL_TO_COMPANY, 0),
                Kind::Activity => (type_ids[1], type_ids[2]),
                Kind::Company => (0, 0),
            };
            if company_type != 0
                && let Some(c) = parent_changed("company")
            {
                pairs
                    .entry(("companies", company_type))
                    .or_default()
                    .push((remote.clone(), c.clone()));
            }
            if deal_type != 0
                && let Some(d) = parent_changed("deal")
            {
                pairs
                    .entry(("deals", deal_type))
                    .or_default()
                    .push((remote.clone(), d.clone()));
            }
            if created && matches!(kind, Kind::Deal | Kind::Activity) {
                let (table, column, type_id) = if kind == Kind::Deal {
                    ("deal_contact", "deal_id", types::DEAL_TO_CONTACT)
                } else {
                    ("activity_contact", "activity_id", type_ids[0])
                };
                for contact in self
                    .store
                    .joined_contacts(table, column, o.local_id)
                    .await?
                {
                    if let Some(l) = self
                        .store
                        .link_of_local(&tenant, "contact", CONNECTION, contact)
                        .await?
                    {
                        pairs
                            .entry(("contacts", type_id))
                            .or_default()
                            .push((remote.clone(), l.remote_id));
                    }
                }
            }
        }
        for ((to, type_id), list) in &pairs {
            let spec = crate::connectors::hubspot::models::AssociationSpec::hubspot(*type_id);
            self.client
                .associations_batch_create(object, to, list, &spec)
                .await?;
        }
        let mut tx = self.store.begin(&self.origin()).await?;
        for o in sent {
            let Some(remote) = done.get(&o.local_id) else {
                continue;
            };
            let mut base = o.link.as_ref().map(|l| l.base.clone()).unwrap_or_default();
            for (f, v) in &o.fields {
                base.insert(f.clone(), v.clone());
            }
            if created {
                for (f, v) in &o.canon {
                    base.entry(f.clone()).or_insert_with(|| v.clone());
                }
                base.retain(|f, v| !v.is_empty() || o.fields.contains_key(f));
            }
            let key = o
                .canon
                .get("siret")
                .filter(|_| kind == Kind::Company)
                .map(String::as_str);
            match &o.link {
                Some(l) => tx.set_link_base(l.link_id, &base).await?,
                None => {
                    tx.put_link(
                        &tenant,
                        kind.entity(),
                        CONNECTION,
                        o.local_id,
                        remote,
                        key,
                        &base,
                    )
                    .await?
                }
            }
            if created {
                self.counts.created += 1;
            } else {
                self.counts.updated += 1;
            }
            self.passed_outbound(kind, o.local_id);
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::needs_clear;

    #[test]
    fn lifecycle_moves_back_are_cleared_first() {
        assert!(needs_clear("customer", "lead"));
        assert!(!needs_clear("lead", "customer"));
        assert!(!needs_clear("", "lead"));
        assert!(!needs_clear("lead", "lead"));
        assert!(needs_clear("customer", "my_custom_stage"));
    }
}
