//! Reading a tenant's label and decision tables.

use super::{Store, StoreError, with_pool};

/// A deal-stage decision row: HubSpot stage name, local status, progress %.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DealStageRow {
    /// Stage name in HubSpot (exact).
    pub stage_name: String,
    /// Local status.
    pub status: String,
    /// Progress %.
    pub progress_pct: i64,
    /// HubSpot's stage id once looked up.
    pub hubspot_stage_id: Option<String>,
}

impl Store {
    /// Codes and labels of a label table (`civility`, `commercial_role`, `structure_type`),
    /// in order.
    ///
    /// # Errors
    /// On database errors.
    pub async fn labels(
        &self,
        tenant: &str,
        kind: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let sql = "select code, label from label where tenant_id = $1 and kind = $2 order by position, code";
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).bind(kind).fetch_all(pool).await?),
        )
    }

    /// The deal-stage decision table, in order.
    ///
    /// # Errors
    /// On database errors.
    pub async fn deal_stages(&self, tenant: &str) -> Result<Vec<DealStageRow>, StoreError> {
        let sql = "select stage_name, status, progress_pct, hubspot_stage_id from deal_stage_map \
                   where tenant_id = $1 order by position, stage_name";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).fetch_all(pool).await?))
    }
}
