//! Keeping current after the full read: the change feeds name the customers (and the
//! company ↔ person links) that changed; those are read again with their registered
//! offices and links and applied like the full read's pages. The same re-read serves
//! records whose earlier attempt failed and records an admin linked by hand.

use std::collections::{BTreeSet, HashMap};

use super::{CONNECTION, Ctx, RunError, now_ms, origin};
use crate::connectors::syneton::{
    ChangeCursor, Customer, CustomerAddress, CustomerLink, Filter, clock::parse_naive,
};
use crate::mapping::accounting::{ContactPerson, SynetonContact, from_syneton, syneton_person};
use crate::store::{StoreError, WriteTx};
use crate::sync::accounting::Inbound;

/// Company links by person, current ones first, then by link id.
pub(crate) struct PersonLinks(HashMap<i64, Vec<CustomerLink>>);

impl PersonLinks {
    pub(crate) fn new(links: Vec<CustomerLink>) -> Self {
        let mut by_person: HashMap<i64, Vec<CustomerLink>> = HashMap::new();
        for l in links {
            by_person.entry(l.customer_id_fk).or_default().push(l);
        }
        for v in by_person.values_mut() {
            v.sort_by_key(|l| (l.end_mandate.is_some(), l.customer_link_customer_id));
            v.dedup_by_key(|l| l.customer_link_customer_id);
        }
        Self(by_person)
    }

    pub(crate) fn of(&self, person: i64) -> &[CustomerLink] {
        self.0.get(&person).map_or(&[], Vec::as_slice)
    }
}

/// A person as the contact person of the first company it is linked to that is linked
/// here: (contact, (remote company id, local company id)).
pub(crate) async fn contact_of(
    tx: &mut WriteTx,
    tenant: &str,
    person: &Customer,
    links: &[CustomerLink],
) -> Result<Option<(ContactPerson, (String, i64))>, StoreError> {
    if person.is_company == Some(true) {
        return Ok(None);
    }
    for link in links {
        let company = link.customer_id_pk.to_string();
        if let Some(l) = tx
            .link_by_remote(tenant, "company", CONNECTION, &company)
            .await?
        {
            let contact = syneton_person(&SynetonContact {
                link,
                person,
                function: None,
            });
            return Ok(Some((contact, (company, l.local_id))));
        }
    }
    Ok(None)
}

impl Ctx<'_> {
    /// Reads both feeds from their cursors, applies what they name, and moves the cursors
    /// with the last writes.
    pub(super) async fn follow_feed(
        &self,
        inbound: &mut Inbound<'_>,
        position: ChangeCursor,
    ) -> Result<(), RunError> {
        let links_at = self
            .store
            .cursor(self.tenant, CONNECTION, "links")
            .await?
            .and_then(|c| ChangeCursor::decode(&c))
            .unwrap_or(position);
        let changes = self.client.customer_changes(position, None).await?;
        let details = self.client.change_details(links_at, None).await?;
        let zone = self.client.config().time_zone;
        let mut when: HashMap<i64, i64> = HashMap::new();
        for row in &changes.rows {
            let ms = row
                .date_action
                .as_deref()
                .and_then(|d| parse_naive(d, zone))
                .map(|t| zone.to_utc(t))
                .and_then(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok())
                .unwrap_or_else(now_ms);
            let e = when.entry(row.id).or_insert(ms);
            *e = (*e).max(ms);
        }
        let link_ids: Vec<i64> = details
            .rows
            .iter()
            .filter(|d| d.table_name.as_deref() == Some("CUSTOMER_LINK_CUSTOMER"))
            .filter_map(|d| d.row_identification.as_deref()?.trim().parse().ok())
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect();
        tracing::debug!(
            connector.id = CONNECTION,
            customers = changes.rows.len(),
            links = link_ids.len(),
            "Syneton changes read"
        );
        self.refresh(inbound, &changes.customer_ids(), &link_ids, &when)
            .await?;
        let mut tx = self.store.begin(&origin()).await?;
        tx.put_cursor(self.tenant, CONNECTION, "customers", &changes.next.encode())
            .await?;
        tx.put_cursor(self.tenant, CONNECTION, "links", &details.next.encode())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reads the customers `ids` and the persons of links `link_ids` again and applies
    /// them: companies first, then the persons that changed, whose link changed, or whose
    /// company was linked just now. Returns the ids Syneton still has.
    pub(super) async fn refresh(
        &self,
        inbound: &mut Inbound<'_>,
        ids: &[i64],
        link_ids: &[i64],
        when: &HashMap<i64, i64>,
    ) -> Result<BTreeSet<i64>, RunError> {
        let customers = if ids.is_empty() {
            Vec::new()
        } else {
            self.client.customers_by_ids(ids).await?
        };
        let (companies, mut persons): (Vec<Customer>, Vec<Customer>) = customers
            .iter()
            .cloned()
            .partition(|c| c.is_company == Some(true));
        let mut found: BTreeSet<i64> = customers.iter().map(|c| c.customer_id).collect();
        let ms = |id: i64| when.get(&id).copied().unwrap_or_else(now_ms);
        inbound.linked_companies.clear();
        if !companies.is_empty() {
            let company_ids: Vec<i64> = companies.iter().map(|c| c.customer_id).collect();
            let offices: HashMap<i64, CustomerAddress> = self
                .client
                .registered_offices(Some(&company_ids))
                .await?
                .into_iter()
                .map(|a| (a.customer_id, a))
                .collect();
            for chunk in companies.chunks(200) {
                let mut tx = self.store.begin(&origin()).await?;
                for c in chunk {
                    let rec = from_syneton(c, offices.get(&c.customer_id), &[]);
                    inbound.company(&mut tx, &rec, ms(c.customer_id)).await?;
                }
                tx.commit().await?;
                inbound.flush().await?;
            }
        }
        let mut wanted: BTreeSet<i64> = persons.iter().map(|p| p.customer_id).collect();
        if !link_ids.is_empty() {
            let filters = Filter::new().split_in(
                "CustomerLinkCustomerId",
                link_ids.iter().copied(),
                self.client.config().in_limits,
            );
            for f in &filters {
                let rows: Vec<CustomerLink> = self
                    .client
                    .pages("customerlinkcustomer", Some(f))
                    .await?
                    .collect(self.client)
                    .await?;
                wanted.extend(rows.iter().map(|l| l.customer_id_fk));
            }
        }
        let fresh: Vec<i64> = std::mem::take(&mut inbound.linked_companies)
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect();
        if !fresh.is_empty() {
            let rows = self.client.links_of(&fresh).await?;
            wanted.extend(rows.iter().map(|l| l.customer_id_fk));
        }
        if wanted.is_empty() {
            return Ok(found);
        }
        let wanted: Vec<i64> = wanted.into_iter().collect();
        let have: BTreeSet<i64> = persons.iter().map(|p| p.customer_id).collect();
        let missing: Vec<i64> = wanted
            .iter()
            .copied()
            .filter(|id| !have.contains(id))
            .collect();
        if !missing.is_empty() {
            let read = self.client.customers_by_ids(&missing).await?;
            found.extend(read.iter().map(|c| c.customer_id));
            persons.extend(read.into_iter().filter(|c| c.is_company != Some(true)));
        }
        let mut links = Vec::new();
        for f in Filter::new().split_in(
            "CustomerIdFk",
            wanted.iter().copied(),
            self.client.config().in_limits,
        ) {
            links.extend(
                self.client
                    .pages::<CustomerLink>("customerlinkcustomer", Some(&f))
                    .await?
                    .collect(self.client)
                    .await?,
            );
        }
        let links = PersonLinks::new(links);
        for chunk in persons.chunks(200) {
            let mut tx = self.store.begin(&origin()).await?;
            for person in chunk {
                let id = person.customer_id;
                match contact_of(&mut tx, self.tenant, person, links.of(id)).await? {
                    Some((contact, (remote, local))) => {
                        inbound
                            .contact(&mut tx, &contact, Some((&remote, local)), ms(id))
                            .await?;
                    }
                    // Linked here already but no longer under a linked company: its fields
                    // still follow Syneton.
                    None if self.is_linked_contact(&mut tx, id).await? => {
                        inbound
                            .contact(&mut tx, &person_only(person), None, ms(id))
                            .await?;
                    }
                    None => inbound.counts.skipped += 1,
                }
            }
            tx.commit().await?;
            inbound.flush().await?;
        }
        Ok(found)
    }

    async fn is_linked_contact(&self, tx: &mut WriteTx, id: i64) -> Result<bool, StoreError> {
        Ok(tx
            .link_by_remote(self.tenant, "contact", CONNECTION, &id.to_string())
            .await?
            .is_some())
    }

    /// Re-reads records whose failure is due (and records an admin linked by hand).
    pub(super) async fn retry_inbound(&self, inbound: &mut Inbound<'_>) -> Result<(), RunError> {
        let due: Vec<i64> = self
            .store
            .due_failures(self.tenant, CONNECTION)
            .await?
            .into_iter()
            .filter(|f| f.direction == "inbound")
            .filter_map(|f| f.remote_id?.parse().ok())
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        let found = self.refresh(inbound, &due, &[], &HashMap::new()).await?;
        // Gone from Syneton: nothing left to retry.
        for id in due.iter().filter(|id| !found.contains(id)) {
            for entity in ["companies", "contacts"] {
                inbound.journal.passed_inbound(entity, &id.to_string());
            }
        }
        inbound.flush().await?;
        Ok(())
    }
}

/// A person's own fields, without a company link.
fn person_only(person: &Customer) -> ContactPerson {
    let link = CustomerLink::default();
    syneton_person(&SynetonContact {
        link: &link,
        person,
        function: None,
    })
}
