//! The review list (spec §2.1): remote companies that could not be matched safely wait here
//! until they get a key or an admin links or dismisses them.

use serde::Serialize;
use utoipa::ToSchema;

use super::super::tx::on_tx;
use super::super::{Store, StoreError, Timestamp, WriteTx, with_pool};

/// One item.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct ReviewItem {
    /// Id.
    pub review_id: i64,
    /// Tenant.
    pub tenant_id: String,
    /// Connection the record came from.
    pub connection: String,
    /// Entity.
    pub entity: String,
    /// Remote id.
    pub remote_id: String,
    /// The key as the remote record gave it (may be empty or invalid).
    pub raw_key: Option<String>,
    /// Why it waits.
    pub reason: String,
    /// `open`, `linked` or `dismissed`.
    pub state: String,
    /// The local record it was linked to.
    pub local_id: Option<i64>,
    /// First seen.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

impl WriteTx {
    /// Puts a remote record on the review list (again); a dismissed one stays dismissed.
    ///
    /// # Errors
    /// On database errors.
    pub async fn open_review(
        &mut self,
        tenant: &str,
        connection: &str,
        entity: &str,
        remote_id: &str,
        raw_key: Option<&str>,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let sql = "insert into review_item (tenant_id, connection, entity, remote_id, raw_key, reason) values ($1, $2, $3, $4, $5, $6) \
                   on conflict (tenant_id, connection, entity, remote_id) do update set raw_key = excluded.raw_key, \
                   reason = excluded.reason, updated_at = $7 \
                   where review_item.state = 'open' and (review_item.reason <> excluded.reason or coalesce(review_item.raw_key, '') <> coalesce(excluded.raw_key, ''))";
        let n = on_tx!(self, conn => sqlx::query(sql).bind(tenant).bind(connection).bind(entity).bind(remote_id).bind(raw_key).bind(reason).bind(Timestamp::now()).execute(conn).await?.rows_affected());
        Ok(n > 0)
    }

    /// Closes an open item once the record was matched.
    ///
    /// # Errors
    /// On database errors.
    pub async fn close_review(
        &mut self,
        tenant: &str,
        connection: &str,
        entity: &str,
        remote_id: &str,
        local_id: i64,
    ) -> Result<(), StoreError> {
        let sql = "update review_item set state = 'linked', local_id = $5, updated_at = $6 \
                   where tenant_id = $1 and connection = $2 and entity = $3 and remote_id = $4 and state = 'open'";
        on_tx!(self, conn => sqlx::query(sql).bind(tenant).bind(connection).bind(entity).bind(remote_id).bind(local_id).bind(Timestamp::now()).execute(conn).await?.rows_affected());
        Ok(())
    }
}

impl Store {
    /// Items, optionally of one tenant and state, oldest first.
    ///
    /// # Errors
    /// On database errors.
    pub async fn review_items(
        &self,
        tenant: Option<&str>,
        state: Option<&str>,
    ) -> Result<Vec<ReviewItem>, StoreError> {
        let sql = "select review_id, tenant_id, connection, entity, remote_id, raw_key, reason, state, local_id, created_at, updated_at \
                   from review_item where ($1 is null or tenant_id = $1) and ($2 is null or state = $2) order by review_id limit 1000";
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).bind(state).fetch_all(pool).await?),
        )
    }

    /// One item.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn review_item(&self, id: i64) -> Result<ReviewItem, StoreError> {
        let sql = "select review_id, tenant_id, connection, entity, remote_id, raw_key, reason, state, local_id, created_at, updated_at \
                   from review_item where review_id = $1";
        let item: Option<ReviewItem> =
            with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await?);
        item.ok_or(StoreError::NotFound {
            entity: "review item",
        })
    }

    /// Dismisses an open item: the remote record is left alone.
    ///
    /// # Errors
    /// `NotFound` unless the item is open.
    pub async fn dismiss_review(&self, id: i64) -> Result<(), StoreError> {
        let sql = "update review_item set state = 'dismissed', updated_at = $2 where review_id = $1 and state = 'open'";
        let n = with_pool!(self, pool => sqlx::query(sql).bind(id).bind(Timestamp::now()).execute(pool).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: "open review item",
            });
        }
        Ok(())
    }
}

impl Store {
    /// Links an open item to a local record by hand. The remote record is read again on
    /// the connection's next run (through the retry queue) and merged like a first link.
    ///
    /// # Errors
    /// `NotFound` for an unknown item or record; `Conflict` when either side is linked.
    pub async fn link_review(&self, id: i64, local_id: i64) -> Result<ReviewItem, StoreError> {
        let item = self.review_item(id).await?;
        if item.state != "open" {
            return Err(StoreError::NotFound {
                entity: "open review item",
            });
        }
        let mut tx = self.begin(&super::super::Origin::Daemon).await?;
        let table = match item.entity.as_str() {
            "company" => {
                "select company_id from company where tenant_id = $1 and company_id = cast($2 as integer) and deleted_at is null"
            }
            "contact" => {
                "select contact_id from contact where tenant_id = $1 and contact_id = cast($2 as integer) and deleted_at is null"
            }
            _ => {
                return Err(StoreError::NotFound {
                    entity: "linkable entity",
                });
            }
        };
        if tx
            .scalar_id(table, &item.tenant_id, &local_id.to_string())
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound {
                entity: "local record",
            });
        }
        if tx
            .link_by_local(&item.tenant_id, &item.entity, &item.connection, local_id)
            .await?
            .is_some()
            || tx
                .link_by_remote(
                    &item.tenant_id,
                    &item.entity,
                    &item.connection,
                    &item.remote_id,
                )
                .await?
                .is_some()
        {
            return Err(StoreError::Conflict {
                field: "link".to_owned(),
            });
        }
        tx.put_link(
            &item.tenant_id,
            &item.entity,
            &item.connection,
            local_id,
            &item.remote_id,
            None,
            &super::Base::new(),
        )
        .await?;
        tx.close_review(
            &item.tenant_id,
            &item.connection,
            &item.entity,
            &item.remote_id,
            local_id,
        )
        .await?;
        tx.commit().await?;
        let object = if item.entity == "company" {
            "companies"
        } else {
            "contacts"
        };
        let key = super::FailureKey {
            tenant: &item.tenant_id,
            connection: &item.connection,
            entity: object,
            direction: "inbound",
            local_id: None,
            remote_id: Some(&item.remote_id),
        };
        self.record_failure(&key, "linked by hand; read again on the next run")
            .await?;
        let _ = self.set_failure_due_now(&key).await?;
        self.review_item(id).await
    }
}
