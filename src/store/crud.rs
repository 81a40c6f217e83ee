//! Create, read, update, (soft-)delete and list for the four synced entities, written once
//! against the [`Entity`] description each of them gives.
//!
//! Updates read the row, apply the patch in Rust and write every column back: one static
//! statement per entity, and the triggers record only the columns whose value changed.
//! Deletes are soft (`deleted_at`): the tombstone is what the sync needs to act on.

use serde::Serialize;
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::args::bind_args;
use super::refs::Ref;
use super::tx::on_tx;
use super::{Arg, FieldError, Origin, Store, StoreError, Timestamp, WriteTx, with_pool};

/// What the generic operations need to know about an entity.
pub trait Entity:
    Sized + Send + Unpin + Serialize + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>
{
    /// Table name, also the `change_log.entity` value.
    const NAME: &'static str;
    /// Primary key column.
    const ID: &'static str;
    /// Writable columns, in the order of [`Entity::args`].
    const COLUMNS: &'static [&'static str];
    /// The writable part of a record.
    type Fields: Default + Clone + Send + Sync;
    /// A partial update (also used for creation).
    type Patch: Send;

    /// Bind values for [`Entity::COLUMNS`].
    fn args(fields: &Self::Fields) -> Vec<Arg>;
    /// The writable part of a stored record.
    fn fields(&self) -> &Self::Fields;
    /// The record's id.
    fn id(&self) -> i64;
    /// Validates and applies `patch`.
    ///
    /// # Errors
    /// A [`FieldError`] naming the first invalid field.
    fn apply(patch: Self::Patch, fields: &mut Self::Fields) -> Result<(), FieldError>;
    /// Checks required fields once the patch is applied.
    ///
    /// # Errors
    /// A [`FieldError`] naming the missing field.
    fn check_complete(fields: &Self::Fields) -> Result<(), FieldError>;
    /// References to other rows of the tenant.
    fn refs(fields: &Self::Fields) -> Vec<Ref>;
}

/// A list filter: `column op value`.
#[derive(Debug, Clone)]
pub enum Filter {
    /// `column = value`.
    Eq(&'static str, Arg),
    /// `lower(column) = lower(value)`.
    EqIgnoreCase(&'static str, String),
    /// Any of the columns contains the text, case-insensitively.
    Contains(&'static [&'static str], String),
    /// `column >= value`.
    AtLeast(&'static str, Arg),
}

/// Paging and filters of a list request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Return records with an id above this (the previous page's `next_cursor`).
    pub after: Option<i64>,
    /// Page size.
    pub limit: u32,
    /// Include soft-deleted records.
    pub include_deleted: bool,
    /// Filters, all of which must hold.
    pub filters: Vec<Filter>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct ListPage<T> {
    /// The records, by ascending id.
    pub items: Vec<T>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

impl Store {
    /// Creates a record from `patch` applied to empty fields.
    ///
    /// # Errors
    /// `Invalid` naming the field, `Conflict` naming the taken key, `NotFound` for an
    /// unknown tenant.
    pub async fn create<E: Entity>(
        &self,
        tenant: &str,
        patch: E::Patch,
        origin: &Origin,
    ) -> Result<E, StoreError> {
        let mut fields = E::Fields::default();
        E::apply(patch, &mut fields)?;
        E::check_complete(&fields)?;
        let mut tx = self.begin(origin).await?;
        tx.require_tenant(tenant).await?;
        let id = tx.insert::<E>(tenant, &fields).await?;
        let record = tx.fetch::<E>(tenant, id, false).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Applies `patch` to record `id`.
    ///
    /// # Errors
    /// As [`Store::create`], and `NotFound` for an unknown or deleted record.
    pub async fn update<E: Entity>(
        &self,
        tenant: &str,
        id: i64,
        patch: E::Patch,
        origin: &Origin,
    ) -> Result<E, StoreError> {
        let mut tx = self.begin(origin).await?;
        let current = tx.fetch::<E>(tenant, id, true).await?;
        let mut fields = current.fields().clone();
        E::apply(patch, &mut fields)?;
        E::check_complete(&fields)?;
        tx.write::<E>(tenant, id, &fields).await?;
        let record = tx.fetch::<E>(tenant, id, false).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Soft-deletes record `id` (sets `deleted_at`).
    ///
    /// # Errors
    /// `NotFound` for an unknown or already deleted record.
    pub async fn delete<E: Entity>(
        &self,
        tenant: &str,
        id: i64,
        origin: &Origin,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin(origin).await?;
        let sql = format!(
            "update {} set deleted_at = $1, updated_at = $1 where tenant_id = $2 and {} = $3 and deleted_at is null",
            E::NAME,
            E::ID
        );
        let args = [
            Arg::Time(Some(Timestamp::now())),
            Arg::text(tenant),
            Arg::Int(Some(id)),
        ];
        let done = on_tx!(tx, conn => bind_args!(sqlx::query(&sql), &args).execute(conn).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound { entity: E::NAME });
        }
        tx.commit().await
    }

    /// Reads record `id`; soft-deleted records count as absent.
    ///
    /// # Errors
    /// `NotFound` when absent.
    pub async fn get<E: Entity>(&self, tenant: &str, id: i64) -> Result<E, StoreError> {
        let sql = format!(
            "select * from {} where tenant_id = $1 and {} = $2 and deleted_at is null",
            E::NAME,
            E::ID
        );
        let found: Option<E> = with_pool!(self, pool => {
            sqlx::query_as(&sql).bind(tenant).bind(id).fetch_optional(pool).await?
        });
        found.ok_or(StoreError::NotFound { entity: E::NAME })
    }

    /// Lists records of `tenant` by ascending id.
    ///
    /// # Errors
    /// On database errors.
    pub async fn list<E: Entity>(
        &self,
        tenant: &str,
        query: &ListQuery,
    ) -> Result<ListPage<E>, StoreError> {
        let mut sql = format!("select * from {} where tenant_id = $1", E::NAME);
        let mut args = vec![Arg::text(tenant)];
        if !query.include_deleted {
            sql.push_str(" and deleted_at is null");
        }
        if let Some(after) = query.after {
            args.push(Arg::Int(Some(after)));
            sql.push_str(&format!(" and {} > ${}", E::ID, args.len()));
        }
        for filter in &query.filters {
            push_filter(&mut sql, &mut args, filter);
        }
        let limit = query.limit.clamp(1, 1000);
        args.push(Arg::Int(Some(i64::from(limit) + 1)));
        sql.push_str(&format!(" order by {} limit ${}", E::ID, args.len()));
        let mut items: Vec<E> = with_pool!(self, pool => bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await?);
        let next_after = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(Entity::id)
        } else {
            None
        };
        Ok(ListPage { items, next_after })
    }
}

fn push_filter(sql: &mut String, args: &mut Vec<Arg>, filter: &Filter) {
    match filter {
        Filter::Eq(column, value) => {
            args.push(value.clone());
            sql.push_str(&format!(" and {column} = ${}", args.len()));
        }
        Filter::EqIgnoreCase(column, value) => {
            args.push(Arg::text(value));
            sql.push_str(&format!(" and lower({column}) = lower(${})", args.len()));
        }
        Filter::Contains(columns, needle) => {
            let escaped = needle
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            args.push(Arg::Text(Some(format!("%{escaped}%"))));
            let n = args.len();
            let alternatives: Vec<String> = columns
                .iter()
                .map(|c| format!("lower({c}) like ${n} escape '\\'"))
                .collect();
            sql.push_str(&format!(" and ({})", alternatives.join(" or ")));
        }
        Filter::AtLeast(column, value) => {
            args.push(value.clone());
            sql.push_str(&format!(" and {column} >= ${}", args.len()));
        }
    }
}

impl WriteTx {
    /// Fails with `NotFound` unless the tenant exists.
    ///
    /// # Errors
    /// `NotFound { entity: "tenant" }`.
    pub async fn require_tenant(&mut self, tenant: &str) -> Result<(), StoreError> {
        let n: i64 = on_tx!(self, conn => {
            sqlx::query_scalar("select count(*) from tenant where tenant_id = $1").bind(tenant).fetch_one(conn).await?
        });
        if n == 0 {
            return Err(StoreError::NotFound { entity: "tenant" });
        }
        Ok(())
    }

    /// Inserts a record whose fields are complete; checks references first.
    ///
    /// # Errors
    /// `Invalid` for a missing reference, `Conflict` for a taken key.
    pub async fn insert<E: Entity>(
        &mut self,
        tenant: &str,
        fields: &E::Fields,
    ) -> Result<i64, StoreError> {
        self.check_refs(tenant, &E::refs(fields)).await?;
        let placeholders: Vec<String> = (2..=E::COLUMNS.len() + 1)
            .map(|i| format!("${i}"))
            .collect();
        let sql = format!(
            "insert into {} (tenant_id, {}) values ($1, {}) returning {}",
            E::NAME,
            E::COLUMNS.join(", "),
            placeholders.join(", "),
            E::ID
        );
        let mut args = vec![Arg::text(tenant)];
        args.extend(E::args(fields));
        Ok(
            on_tx!(self, conn => bind_args!(sqlx::query_scalar::<_, i64>(&sql), &args).fetch_one(conn).await?),
        )
    }

    /// Writes every column of record `id`; checks references first.
    ///
    /// # Errors
    /// As [`WriteTx::insert`].
    pub async fn write<E: Entity>(
        &mut self,
        tenant: &str,
        id: i64,
        fields: &E::Fields,
    ) -> Result<(), StoreError> {
        self.check_refs(tenant, &E::refs(fields)).await?;
        let sets: Vec<String> = E::COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let n = E::COLUMNS.len();
        let sql = format!(
            "update {} set {}, updated_at = ${} where tenant_id = ${} and {} = ${}",
            E::NAME,
            sets.join(", "),
            n + 1,
            n + 2,
            E::ID,
            n + 3
        );
        let mut args = E::args(fields);
        args.extend([
            Arg::Time(Some(Timestamp::now())),
            Arg::text(tenant),
            Arg::Int(Some(id)),
        ]);
        on_tx!(self, conn => bind_args!(sqlx::query(&sql), &args).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Reads record `id` inside the transaction; `for_update` locks it (PostgreSQL).
    ///
    /// # Errors
    /// `NotFound` when absent or deleted.
    pub async fn fetch<E: Entity>(
        &mut self,
        tenant: &str,
        id: i64,
        for_update: bool,
    ) -> Result<E, StoreError> {
        let base = format!(
            "select * from {} where tenant_id = $1 and {} = $2 and deleted_at is null",
            E::NAME,
            E::ID
        );
        let found: Option<E> = match &mut self.inner {
            super::tx::TxInner::Sqlite(t) => {
                sqlx::query_as(&base)
                    .bind(tenant)
                    .bind(id)
                    .fetch_optional(&mut **t)
                    .await?
            }
            super::tx::TxInner::Postgres(t) => {
                let sql = if for_update {
                    format!("{base} for update")
                } else {
                    base
                };
                sqlx::query_as(&sql)
                    .bind(tenant)
                    .bind(id)
                    .fetch_optional(&mut **t)
                    .await?
            }
        };
        found.ok_or(StoreError::NotFound { entity: E::NAME })
    }
}
