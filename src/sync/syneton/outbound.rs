//! Local → Syneton (spec §4): local changes of linked customers, read from the change log
//! after the `outbound` cursor (any origin but this connection's own), plus the values the
//! inbound comparison found the local side must win. A field goes out when its local value
//! differs from the link's base and Syneton does not own it. Syneton's PUT replaces the
//! whole record, so each customer is read first and the full mapped record is sent;
//! the active flag goes through `activatedeactivate`. Customers are never created or
//! deleted in Syneton from here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::{CONNECTION, Ctx, RunError, origin};
use crate::connectors::syneton::{Customer, CustomerAddress, SynetonError};
use crate::mapping::accounting::{LocalCompanyFields, PostalAddress, SynetonField, to_syneton_put};
use crate::mapping::ownership::Owner;
use crate::store::company::Company;
use crate::store::contact::Contact;
use crate::store::sync::Link;
use crate::sync::accounting::Inbound;
use crate::sync::accounting::canon::{address_line, local_company, local_contact};
use crate::sync::common::Canon;

/// Changes read per step.
const CHANGES_PER_STEP: i64 = 5000;

/// A linked customer with fields to send.
struct Outgoing {
    entity: &'static str,
    local_id: i64,
    remote_id: i64,
    link: Link,
    send: BTreeMap<String, String>,
    local: LocalValues,
}

enum LocalValues {
    Company(Box<Company>),
    Contact(Box<Contact>),
}

fn syneton_fields(entity: &str, send: &BTreeMap<String, String>) -> Vec<SynetonField> {
    let mut out = Vec::new();
    for field in send.keys() {
        let f = match (entity, field.as_str()) {
            ("company", "name") | ("contact", "lastname") => SynetonField::Name,
            ("company", "vat") => SynetonField::VatNumber,
            ("company", "legal_form") => SynetonField::LegalForm,
            (_, "language") => SynetonField::Language,
            ("company", "phone") => SynetonField::Phone,
            ("contact", "phone") => SynetonField::Mobile,
            ("contact", "email") => SynetonField::Email,
            ("company", "domain") => SynetonField::Website,
            ("company", "address" | "zip" | "city" | "country") => SynetonField::Address,
            _ => continue,
        };
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// The local side of the PUT body. The address keeps Syneton's street, number and box when
/// the local line is what they read as.
fn local_fields(local: &LocalValues, office: Option<&CustomerAddress>) -> LocalCompanyFields {
    match local {
        LocalValues::Company(c) => {
            let f = &c.fields;
            let line = f.address_line1.clone();
            let remote = office.map(|a| PostalAddress {
                street: a.street_name.clone().or_else(|| a.street1.clone()),
                number: a.house_nr.clone(),
                r#box: a.house_box.clone(),
                ..PostalAddress::default()
            });
            let (street, number, r#box) = match remote {
                Some(r) if line.as_deref().map(str::trim) == Some(address_line(&r).as_str()) => {
                    (r.street, r.number, r.r#box)
                }
                _ => (line, None, None),
            };
            LocalCompanyFields {
                name: Some(f.name.clone()),
                vat_number: f.vat_number.clone(),
                legal_form: f.legal_form.clone(),
                language: f.language.clone(),
                phone: f.phone.clone(),
                website: f.domain.clone(),
                address: Some(PostalAddress {
                    street,
                    number,
                    r#box,
                    postal_code: f.postal_code.clone(),
                    city: f.city.clone(),
                    country: f.country.clone(),
                }),
                ..LocalCompanyFields::default()
            }
        }
        LocalValues::Contact(c) => LocalCompanyFields {
            name: c.fields.last_name.clone(),
            email: c.fields.email.clone(),
            mobile: c.fields.phone.clone(),
            language: c.fields.language.clone(),
            ..LocalCompanyFields::default()
        },
    }
}

fn is_record_error(e: &SynetonError) -> bool {
    matches!(
        e,
        SynetonError::Rejected { .. } | SynetonError::NotFound { .. } | SynetonError::UriTooLong
    )
}

impl Ctx<'_> {
    /// Sends local changes after the `outbound` cursor and the pushes of this run.
    pub(super) async fn push_local(&self, inbound: &mut Inbound<'_>) -> Result<(), RunError> {
        let own = origin().as_str();
        let mut cursor: i64 = self
            .store
            .cursor(self.tenant, CONNECTION, "outbound")
            .await?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut todo: BTreeSet<(&'static str, i64)> = inbound.pushes.keys().copied().collect();
        for f in self.store.due_failures(self.tenant, CONNECTION).await? {
            match (f.direction.as_str(), f.entity.as_str(), f.local_id) {
                ("outbound", "company", Some(id)) => todo.insert(("company", id)),
                ("outbound", "contact", Some(id)) => todo.insert(("contact", id)),
                _ => false,
            };
        }
        loop {
            let changes = self
                .store
                .changes_after(self.tenant, cursor, CHANGES_PER_STEP)
                .await?;
            let full = i64::try_from(changes.len()).unwrap_or(0) == CHANGES_PER_STEP;
            for ch in &changes {
                cursor = cursor.max(ch.change_id);
                if ch.origin == own {
                    continue;
                }
                match ch.entity.as_str() {
                    "company" => todo.insert(("company", ch.entity_id)),
                    "contact" => todo.insert(("contact", ch.entity_id)),
                    _ => false,
                };
            }
            let mut outgoing = Vec::new();
            for (entity, id) in std::mem::take(&mut todo) {
                if let Some(o) = self.outgoing(inbound, entity, id).await? {
                    outgoing.push(o);
                }
            }
            self.send(inbound, outgoing).await?;
            if !changes.is_empty() {
                let mut tx = self.store.begin(&origin()).await?;
                tx.put_cursor(self.tenant, CONNECTION, "outbound", &cursor.to_string())
                    .await?;
                tx.commit().await?;
            }
            inbound.flush().await?;
            if !full {
                return Ok(());
            }
        }
    }

    /// What a local record has to send, if it is linked and differs from its base.
    async fn outgoing(
        &self,
        inbound: &mut Inbound<'_>,
        entity: &'static str,
        id: i64,
    ) -> Result<Option<Outgoing>, RunError> {
        let Some(link) = self
            .store
            .link_of_local(self.tenant, entity, CONNECTION, id)
            .await?
        else {
            return Ok(None);
        };
        let Ok(remote_id) = link.remote_id.parse::<i64>() else {
            return Ok(None);
        };
        let (canon, local): (Canon, LocalValues) = if entity == "company" {
            match self.store.get::<Company>(self.tenant, id).await {
                Ok(c) => (local_company(&c.fields), LocalValues::Company(Box::new(c))),
                Err(crate::store::StoreError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        } else {
            match self.store.get::<Contact>(self.tenant, id).await {
                Ok(c) if c.fields.state == "anonymized" => return Ok(None),
                Ok(c) => {
                    let company = match c.fields.company_id {
                        Some(cid) => self
                            .store
                            .link_of_local(self.tenant, "company", CONNECTION, cid)
                            .await?
                            .map(|l| l.remote_id),
                        None => None,
                    };
                    (
                        local_contact(&c.fields, company.as_deref()),
                        LocalValues::Contact(Box::new(c)),
                    )
                }
                Err(crate::store::StoreError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        };
        inbound.counts.read += 1;
        let mut send: BTreeMap<String, String> = canon
            .into_iter()
            .filter(|(f, v)| {
                link.base.get(f) != Some(v)
                    && inbound.owner(entity, f) != Owner::Hubspot
                    && !(entity == "contact" && matches!(f.as_str(), "company" | "active"))
            })
            .collect();
        if let Some(forced) = inbound.pushes.remove(&(entity, id)) {
            send.extend(forced);
        }
        if send.is_empty() {
            inbound.counts.skipped += 1;
            inbound.journal.passed_outbound(entity, id);
            return Ok(None);
        }
        Ok(Some(Outgoing {
            entity,
            local_id: id,
            remote_id,
            link,
            send,
            local,
        }))
    }

    /// Reads the customers, sends their full records, records the new bases.
    async fn send(
        &self,
        inbound: &mut Inbound<'_>,
        outgoing: Vec<Outgoing>,
    ) -> Result<(), RunError> {
        if outgoing.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = outgoing.iter().map(|o| o.remote_id).collect();
        let current: HashMap<i64, Customer> = self
            .client
            .customers_by_ids(&ids)
            .await?
            .into_iter()
            .map(|c| (c.customer_id, c))
            .collect();
        let offices: HashMap<i64, CustomerAddress> = self
            .client
            .registered_offices(Some(&ids))
            .await?
            .into_iter()
            .map(|a| (a.customer_id, a))
            .collect();
        let today = time::OffsetDateTime::now_utc().date();
        let mut sent = Vec::new();
        for o in outgoing {
            let Some(cur) = current.get(&o.remote_id) else {
                if inbound.journal.fail_outbound(
                    o.entity,
                    o.local_id,
                    "the linked Syneton customer no longer exists",
                ) {
                    inbound.counts.failed += 1;
                }
                continue;
            };
            let office = offices.get(&o.remote_id);
            let owned = syneton_fields(o.entity, &o.send);
            let result = async {
                if !owned.is_empty() || o.send.contains_key("firstname") {
                    let mut body =
                        to_syneton_put(cur, office, &local_fields(&o.local, office), &owned);
                    if let (Some(v), LocalValues::Contact(c)) = (o.send.get("firstname"), &o.local)
                        && let Value::Object(m) = &mut body
                    {
                        let first = c.fields.first_name.clone().filter(|_| !v.is_empty());
                        m.insert("Firstname".into(), first.map_or(Value::Null, Value::from));
                    }
                    self.client.update_customer(&body).await?;
                }
                if let (Some(active), "company") = (o.send.get("active"), o.entity) {
                    self.client
                        .set_active(o.remote_id, active == "true", today)
                        .await?;
                }
                Ok::<(), SynetonError>(())
            }
            .await;
            match result {
                Ok(()) => sent.push(o),
                Err(e) if is_record_error(&e) => {
                    if inbound
                        .journal
                        .fail_outbound(o.entity, o.local_id, &e.to_string())
                    {
                        inbound.counts.failed += 1;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut tx = self.store.begin(&origin()).await?;
        for o in sent {
            let mut base = o.link.base.clone();
            base.extend(o.send);
            tx.set_link_base(o.link.link_id, &base).await?;
            inbound.counts.updated += 1;
            inbound.journal.passed_outbound(o.entity, o.local_id);
        }
        tx.commit().await?;
        Ok(())
    }
}
