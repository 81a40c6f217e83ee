//! Reading the change log the triggers write (spec §6.4).

use serde::Serialize;
use sqlx::types::Json;

use super::{Store, StoreError, Timestamp, with_pool};

/// One captured change.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Change {
    /// Increasing id: the order of the changes.
    pub change_id: i64,
    /// Tenant.
    pub tenant_id: String,
    /// `company`, `contact`, `deal` or `activity`.
    pub entity: String,
    /// Local id of the record.
    pub entity_id: i64,
    /// `insert`, `update` or `delete`.
    pub op: String,
    /// `sql` (direct write), `api`, `import`, `daemon` or `sync:<connection>`.
    pub origin: String,
    /// Columns whose value changed (updates only).
    pub changed_fields: Option<Json<Vec<String>>>,
    /// When.
    pub changed_at: Timestamp,
}

impl Store {
    /// Changes of `tenant` after `after_id`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// On database errors.
    pub async fn changes_after(
        &self,
        tenant: &str,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Change>, StoreError> {
        let sql = "select * from change_log where tenant_id = $1 and change_id > $2 order by change_id limit $3";
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql).bind(tenant).bind(after_id).bind(limit).fetch_all(pool).await?
        }))
    }

    /// The id of the tenant's latest change (0 when none): where a new connection starts
    /// reading local changes, the earlier ones being in the state it first links against.
    ///
    /// # Errors
    /// On database errors.
    pub async fn last_change_id(&self, tenant: &str) -> Result<i64, StoreError> {
        let sql = "select coalesce(max(change_id), 0) from change_log where tenant_id = $1";
        Ok(with_pool!(self, pool => {
            let v: Option<i64> = sqlx::query_scalar(sql).bind(tenant).fetch_one(pool).await?;
            v.unwrap_or(0)
        }))
    }
}
