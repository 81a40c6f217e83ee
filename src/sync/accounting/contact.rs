//! One contact person applied locally: through its link, else matched by e-mail, else
//! created under its company. Anonymized contacts are never touched.

use super::canon::{self, local_contact, remote_contact};
use super::{Inbound, Outcome, RecordError};
use crate::mapping::accounting::ContactPerson;
use crate::store::contact::{Contact, ContactFields};
use crate::store::sync::{Base, Link};
use crate::store::{StoreError, WriteTx};
use crate::sync::common::lookup;

const ENTITY: &str = "contact";
/// Entity name of inbound contact failures.
pub const INBOUND: &str = "contacts";

/// The linked company a contact person belongs to: (remote id, local id).
pub type CompanyRef<'a> = Option<(&'a str, i64)>;

async fn live(tx: &mut WriteTx, tenant: &str, id: i64) -> Result<Option<Contact>, StoreError> {
    match tx.fetch::<Contact>(tenant, id, true).await {
        Ok(c) if c.fields.state == "anonymized" => Ok(None),
        Ok(c) => Ok(Some(c)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Inbound<'_> {
    /// Applies one contact person of `company` in its own savepoint; a record-level
    /// failure is journaled. A person without a linked company is not imported.
    ///
    /// # Errors
    /// Store failures that end the page.
    pub async fn contact(
        &mut self,
        tx: &mut WriteTx,
        person: &ContactPerson,
        company: CompanyRef<'_>,
        remote_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.begin_record(tx).await?;
        let applied = self.contact_inner(tx, person, company, remote_ms).await;
        self.end_record(tx, INBOUND, &person.remote_id, applied)
            .await
    }

    async fn contact_inner(
        &mut self,
        tx: &mut WriteTx,
        person: &ContactPerson,
        company: CompanyRef<'_>,
        remote_ms: i64,
    ) -> Result<(Outcome, Option<i64>), RecordError> {
        let tenant = self.tenant.clone();
        let conn = self.connection;
        if person.remote_id.is_empty() {
            return Ok((Outcome::Skipped, None));
        }
        let remote = remote_contact(person, company.map(|c| c.0));
        if let Some(link) = tx
            .link_by_remote(&tenant, ENTITY, conn, &person.remote_id)
            .await?
        {
            let Some(local) = live(tx, &tenant, link.local_id).await? else {
                return Ok((Outcome::Skipped, None));
            };
            let outcome = self
                .merge_contact(tx, person, &remote, remote_ms, local, company, Some(&link))
                .await?;
            return Ok((outcome, Some(link.local_id)));
        }
        let Some((_, company_id)) = company else {
            return Ok((Outcome::Skipped, None));
        };
        let email = remote.get("email").filter(|e| !e.is_empty());
        let existing = match email {
            Some(e) => lookup::contact_by_email(tx, &tenant, e).await?,
            None => None,
        };
        if let Some(local_id) = existing {
            if let Some(other) = tx.link_by_local(&tenant, ENTITY, conn, local_id).await? {
                return Err(RecordError::Taken(format!(
                    "the local contact {local_id} with this e-mail is already linked to {conn} record {}",
                    other.remote_id
                )));
            }
            let Some(local) = live(tx, &tenant, local_id).await? else {
                return Ok((Outcome::Skipped, None));
            };
            self.merge_contact(tx, person, &remote, remote_ms, local, company, None)
                .await?;
            return Ok((Outcome::Updated, Some(local_id)));
        }
        let mut f = ContactFields::default();
        for (field, value) in &remote {
            canon::apply_contact(&mut f, field, value, Some(company_id));
        }
        let id = tx.insert::<Contact>(&tenant, &f).await?;
        let base = local_contact(&f, company.map(|c| c.0));
        tx.put_link(&tenant, ENTITY, conn, id, &person.remote_id, None, &base)
            .await?;
        Ok((Outcome::Created, Some(id)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn merge_contact(
        &mut self,
        tx: &mut WriteTx,
        person: &ContactPerson,
        remote: &crate::sync::common::Canon,
        remote_ms: i64,
        local: Contact,
        company: CompanyRef<'_>,
        link: Option<&Link>,
    ) -> Result<Outcome, RecordError> {
        let tenant = self.tenant.clone();
        let conn = self.connection;
        let local_id = local.contact_id;
        let mut fields = local.fields;
        let linked_company = match fields.company_id {
            Some(c) => tx
                .link_by_local(&tenant, "company", conn, c)
                .await?
                .map(|l| l.remote_id),
            None => None,
        };
        let empty = Base::new();
        let base = link.map_or(&empty, |l| &l.base);
        let canon = local_contact(&fields, linked_company.as_deref());
        let mut plan = self
            .plan(
                tx,
                (ENTITY, local_id),
                &person.remote_id,
                (remote, &canon, base),
                remote_ms,
            )
            .await?;
        let before = fields.clone();
        for (field, value) in &plan.to_local {
            canon::apply_contact(&mut fields, field, value, company.map(|c| c.1));
        }
        let changed = fields != before;
        if changed {
            tx.write::<Contact>(&tenant, local_id, &fields).await?;
        }
        // A contact's company and activity are not written back.
        plan.to_remote
            .retain(|(f, _)| !matches!(f.as_str(), "company" | "active"));
        self.conclude(tx, (ENTITY, local_id), &person.remote_id, link, None, plan)
            .await?;
        Ok(if changed {
            Outcome::Updated
        } else {
            Outcome::Skipped
        })
    }
}
