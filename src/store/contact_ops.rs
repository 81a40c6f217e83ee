//! What segments, bulk-update templates and contact operations (spec §5, seeds 001 and 004)
//! need from the store: the tenant's criteria and authorization catalogs, contacts of a
//! segment page by page, key lookups, HubSpot links, and the four operations (inactivate,
//! soft-delete, anonymize, erase) as statements on an open [`WriteTx`], so that a whole
//! operation commits or rolls back at once and lands in the change log with its origin.
//!
//! Anonymizing clears every field that identifies a person (keys, e-mails, phone, names, job
//! title) and keeps what statistics need (company, civility, gender, language, role, NPS,
//! tags, criteria, authorizations). The change log records column names only, never values.

use std::collections::HashMap;

use super::args::bind_args;
use super::contact::Contact;
use super::tx::on_tx;
use super::{Arg, Store, StoreError, Timestamp, WriteTx, with_pool};

/// A criterion and its value codes, in the tenant's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionDef {
    /// Internal code (the key stored on contacts).
    pub code: String,
    /// Label.
    pub label: String,
    /// (value code, label).
    pub values: Vec<(String, String)>,
}

/// A contact found by a key of an operation file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactRef {
    /// Local id.
    pub contact_id: i64,
}

impl Store {
    /// Criteria of the tenant with their value codes, in order.
    ///
    /// # Errors
    /// On database errors.
    pub async fn criteria(&self, tenant: &str) -> Result<Vec<CriterionDef>, StoreError> {
        let sql = "select code, label from criterion where tenant_id = $1 order by position, code";
        let criteria: Vec<(String, String)> =
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).fetch_all(pool).await?);
        let sql = "select criterion_code, code, label from criterion_value where tenant_id = $1 order by position, code";
        let values: Vec<(String, String, String)> =
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).fetch_all(pool).await?);
        let mut by_criterion: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (criterion, code, label) in values {
            by_criterion
                .entry(criterion)
                .or_default()
                .push((code, label));
        }
        Ok(criteria
            .into_iter()
            .map(|(code, label)| CriterionDef {
                values: by_criterion.remove(&code).unwrap_or_default(),
                code,
                label,
            })
            .collect())
    }

    /// Authorization names of the tenant with their labels, in order.
    ///
    /// # Errors
    /// On database errors.
    pub async fn authorization_names(
        &self,
        tenant: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let sql = "select name, label from authorization_name where tenant_id = $1 order by position, name";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).fetch_all(pool).await?))
    }

    /// Up to `limit` live contacts of the tenant with an id above `after` that match
    /// `condition` (a compiled segment whose parameters start at `$4`), by id.
    ///
    /// # Errors
    /// On database errors (a condition compiled for the other backend fails here).
    pub async fn segment_page(
        &self,
        tenant: &str,
        condition: Option<(&str, &[Arg])>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Contact>, StoreError> {
        let (cond, extra) = condition.unwrap_or(("1 = 1", &[]));
        let sql = format!(
            "select c.* from contact c left join company co on co.company_id = c.company_id and co.tenant_id = c.tenant_id \
             where c.tenant_id = $1 and c.deleted_at is null and c.contact_id > $2 and {cond} \
             order by c.contact_id limit $3"
        );
        let mut args = vec![
            Arg::text(tenant),
            Arg::Int(Some(after)),
            Arg::Int(Some(limit)),
        ];
        args.extend(extra.iter().cloned());
        Ok(with_pool!(self, pool => bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await?))
    }

    /// The contact (deleted or not) whose Contact ID is `external_id`, else whose e-mail is
    /// `email` (case-insensitive).
    ///
    /// # Errors
    /// On database errors.
    pub async fn find_contact(
        &self,
        tenant: &str,
        external_id: Option<&str>,
        email: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        if let Some(ext) = external_id {
            let sql = "select contact_id from contact where tenant_id = $1 and external_id = $2";
            let found: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant).bind(ext).fetch_optional(pool).await?);
            if found.is_some() {
                return Ok(found);
            }
        }
        if let Some(email) = email {
            let sql =
                "select contact_id from contact where tenant_id = $1 and lower(email) = lower($2)";
            return Ok(
                with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant).bind(email).fetch_optional(pool).await?),
            );
        }
        Ok(None)
    }

    /// HubSpot ids of the contacts among `ids` that are linked to HubSpot.
    ///
    /// # Errors
    /// On database errors.
    pub async fn hubspot_contact_links(
        &self,
        tenant: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>, StoreError> {
        let sql = "select local_id, remote_id from entity_link where tenant_id = $1 and entity = 'contact' and connection = 'hubspot' and local_id = $2";
        let mut out = HashMap::new();
        for id in ids {
            let found: Option<(i64, String)> = with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).bind(*id).fetch_optional(pool).await?);
            if let Some((local, remote)) = found {
                out.insert(local, remote);
            }
        }
        Ok(out)
    }
}

/// What an operation did to one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpEffect {
    /// The contact changed (or was erased).
    Changed,
    /// Nothing to do (already in that state).
    Unchanged,
    /// No such contact in the tenant.
    Missing,
}

impl WriteTx {
    async fn contact_exists(&mut self, tenant: &str, id: i64) -> Result<bool, StoreError> {
        let sql = "select count(*) from contact where tenant_id = $1 and contact_id = $2";
        let n: i64 = on_tx!(self, conn => sqlx::query_scalar(sql).bind(tenant).bind(id).fetch_one(conn).await?);
        Ok(n > 0)
    }

    async fn effect(&mut self, done: u64, tenant: &str, id: i64) -> Result<OpEffect, StoreError> {
        if done > 0 {
            Ok(OpEffect::Changed)
        } else if self.contact_exists(tenant, id).await? {
            Ok(OpEffect::Unchanged)
        } else {
            Ok(OpEffect::Missing)
        }
    }

    /// Marks a live, active contact `inactive` (the record and its data stay).
    ///
    /// # Errors
    /// On database errors.
    pub async fn inactivate_contact(
        &mut self,
        tenant: &str,
        id: i64,
    ) -> Result<OpEffect, StoreError> {
        let sql = "update contact set state = 'inactive', updated_at = $1 where tenant_id = $2 and contact_id = $3 and deleted_at is null and state = 'active'";
        let done = self.exec(sql, &stamp(tenant, id)).await?;
        self.effect(done, tenant, id).await
    }

    /// Soft-deletes a contact (it can be restored by a re-import).
    ///
    /// # Errors
    /// On database errors.
    pub async fn delete_contact(&mut self, tenant: &str, id: i64) -> Result<OpEffect, StoreError> {
        let sql = "update contact set deleted_at = $1, updated_at = $1 where tenant_id = $2 and contact_id = $3 and deleted_at is null";
        let done = self.exec(sql, &stamp(tenant, id)).await?;
        self.effect(done, tenant, id).await
    }

    /// Replaces the contact's personal fields for good and marks it `anonymized`.
    ///
    /// # Errors
    /// On database errors.
    pub async fn anonymize_contact(
        &mut self,
        tenant: &str,
        id: i64,
    ) -> Result<OpEffect, StoreError> {
        let sql = "update contact set external_id = null, email = null, additional_emails = '[]', phone = null, \
                   first_name = null, last_name = null, job_title = null, state = 'anonymized', updated_at = $1 \
                   where tenant_id = $2 and contact_id = $3 and state <> 'anonymized'";
        let done = self.exec(sql, &stamp(tenant, id)).await?;
        self.effect(done, tenant, id).await
    }

    /// Removes the contact and its links (its deal and activity memberships cascade).
    ///
    /// # Errors
    /// On database errors.
    pub async fn erase_contact(&mut self, tenant: &str, id: i64) -> Result<OpEffect, StoreError> {
        let args = [Arg::text(tenant), Arg::Int(Some(id))];
        self.exec(
            "delete from entity_link where tenant_id = $1 and entity = 'contact' and local_id = $2",
            &args,
        )
        .await?;
        let done = self
            .exec(
                "delete from contact where tenant_id = $1 and contact_id = $2",
                &args,
            )
            .await?;
        Ok(if done > 0 {
            OpEffect::Changed
        } else {
            OpEffect::Missing
        })
    }
}

fn stamp(tenant: &str, id: i64) -> [Arg; 3] {
    [
        Arg::Time(Some(Timestamp::now())),
        Arg::text(tenant),
        Arg::Int(Some(id)),
    ]
}
