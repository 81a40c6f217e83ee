//! One accounting company applied locally: through its link, else by registration key,
//! else created; without a valid key it goes to the review list.

use super::canon::{self, local_company, remote_company};
use super::{Inbound, Outcome, RecordError};
use crate::mapping::accounting::{AccountingCompany, ReviewReason};
use crate::store::company::{Company, CompanyFields};
use crate::store::sync::{Base, Link};
use crate::store::{StoreError, WriteTx};
use crate::sync::common::{Canon, lookup};

const ENTITY: &str = "company";
/// Entity name of inbound company failures (as the review list's hand-linking uses it).
pub const INBOUND: &str = "companies";

fn review_text(reason: &ReviewReason) -> String {
    match reason {
        ReviewReason::MissingKey => "no enterprise, VAT or SIRET number".to_owned(),
        ReviewReason::InvalidKey { field, error } => {
            format!("invalid registration number in {field}: {error}")
        }
    }
}

async fn live(tx: &mut WriteTx, tenant: &str, id: i64) -> Result<Option<Company>, StoreError> {
    match tx.fetch::<Company>(tenant, id, true).await {
        Ok(c) => Ok(Some(c)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Inbound<'_> {
    /// Applies one company in its own savepoint; a record-level failure is journaled and
    /// the page goes on. Returns the local company it is linked to.
    ///
    /// # Errors
    /// Store failures that end the page.
    pub async fn company(
        &mut self,
        tx: &mut WriteTx,
        rec: &AccountingCompany,
        remote_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.begin_record(tx).await?;
        let applied = self.company_inner(tx, rec, remote_ms).await;
        self.end_record(tx, INBOUND, &rec.remote_id, applied).await
    }

    async fn company_inner(
        &mut self,
        tx: &mut WriteTx,
        rec: &AccountingCompany,
        remote_ms: i64,
    ) -> Result<(Outcome, Option<i64>), RecordError> {
        let tenant = self.tenant.clone();
        let conn = self.connection;
        if !rec.is_company || rec.remote_id.is_empty() {
            return Ok((Outcome::Skipped, None));
        }
        let remote = remote_company(rec, &self.vat_field);
        if let Some(link) = tx
            .link_by_remote(&tenant, ENTITY, conn, &rec.remote_id)
            .await?
        {
            // Deleted locally: the tombstone stays and is not resurrected.
            let Some(local) = live(tx, &tenant, link.local_id).await? else {
                return Ok((Outcome::Skipped, None));
            };
            let outcome = self
                .merge_company(
                    tx,
                    rec,
                    &remote,
                    remote_ms,
                    (link.local_id, local.fields),
                    Some(&link),
                )
                .await?;
            return Ok((outcome, Some(link.local_id)));
        }
        let raw = rec.keys.first().map(|k| k.raw.as_str());
        let Some(key) = rec.company_key() else {
            let reason = rec
                .review_reason()
                .map_or_else(String::new, |r| review_text(&r));
            tx.open_review(&tenant, conn, ENTITY, &rec.remote_id, raw, &reason)
                .await?;
            return Ok((Outcome::Review, None));
        };
        let key_raw = rec
            .keys
            .iter()
            .find(|k| k.parsed.as_ref().ok() == Some(key))
            .map_or("", |k| k.raw.as_str());
        let local_id = match lookup::company_by_key(tx, &tenant, key.normalized()).await? {
            Some(local_id) => {
                if let Some(other) = tx.link_by_local(&tenant, ENTITY, conn, local_id).await? {
                    let reason = format!(
                        "the local company {local_id} with this registration number is already linked to {conn} record {}",
                        other.remote_id
                    );
                    tx.open_review(&tenant, conn, ENTITY, &rec.remote_id, raw, &reason)
                        .await?;
                    return Ok((Outcome::Review, None));
                }
                let Some(local) = live(tx, &tenant, local_id).await? else {
                    return Ok((Outcome::Skipped, None));
                };
                self.merge_company(tx, rec, &remote, remote_ms, (local_id, local.fields), None)
                    .await?;
                local_id
            }
            None => {
                let mut f = CompanyFields {
                    status: "client".to_owned(),
                    ..CompanyFields::default()
                };
                canon::set_key(&mut f, key, key_raw);
                for (field, value) in &remote {
                    canon::apply_company(&mut f, field, value)?;
                }
                let id = tx.insert::<Company>(&tenant, &f).await?;
                tx.put_link(
                    &tenant,
                    ENTITY,
                    conn,
                    id,
                    &rec.remote_id,
                    Some(key.normalized()),
                    &local_company(&f),
                )
                .await?;
                tx.close_review(&tenant, conn, ENTITY, &rec.remote_id, id)
                    .await?;
                self.linked_companies.push(rec.remote_id.clone());
                return Ok((Outcome::Created, Some(id)));
            }
        };
        tx.close_review(&tenant, conn, ENTITY, &rec.remote_id, local_id)
            .await?;
        self.linked_companies.push(rec.remote_id.clone());
        Ok((Outcome::Updated, Some(local_id)))
    }

    /// The three-way merge of a company with its local record; links it when `link` is
    /// `None` (a first link, by key).
    async fn merge_company(
        &mut self,
        tx: &mut WriteTx,
        rec: &AccountingCompany,
        remote: &Canon,
        remote_ms: i64,
        (local_id, mut fields): (i64, CompanyFields),
        link: Option<&Link>,
    ) -> Result<Outcome, RecordError> {
        let empty = Base::new();
        let base = link.map_or(&empty, |l| &l.base);
        let canon = local_company(&fields);
        let mut plan = self
            .plan(
                tx,
                (ENTITY, local_id),
                &rec.remote_id,
                (remote, &canon, base),
                remote_ms,
            )
            .await?;
        let before = fields.clone();
        for (field, value) in &plan.to_local {
            canon::apply_company(&mut fields, field, value)?;
        }
        if fields.registration_key.is_none()
            && let Some(key) = rec.company_key()
        {
            let raw = rec
                .keys
                .iter()
                .find(|k| k.parsed.as_ref().ok() == Some(key))
                .map_or("", |k| k.raw.as_str());
            canon::set_key(&mut fields, key, raw);
        }
        let changed = fields != before;
        if changed {
            tx.write::<Company>(&self.tenant, local_id, &fields).await?;
            // The base holds what the local side now has.
            let after = local_company(&fields);
            for (field, _) in &plan.to_local {
                if let Some(v) = after.get(field) {
                    plan.base.insert(field.clone(), v.clone());
                }
            }
        }
        let key = rec.company_key().map(|k| k.normalized());
        self.conclude(tx, (ENTITY, local_id), &rec.remote_id, link, key, plan)
            .await?;
        Ok(if changed {
            Outcome::Updated
        } else {
            Outcome::Skipped
        })
    }
}
