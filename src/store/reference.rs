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

/// A row of `TD_HubspotAction`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActionMapRow {
    /// Action domain.
    pub action_domain: String,
    /// Action type.
    pub action_type: String,
    /// Action reason.
    pub action_reason: String,
    /// `CALL`, `MEETING` or `EMAIL`.
    pub engagement_type: String,
}

impl Store {
    /// The `TD_HubspotAction` table, in order.
    ///
    /// # Errors
    /// On database errors.
    pub async fn action_map(&self, tenant: &str) -> Result<Vec<ActionMapRow>, StoreError> {
        let sql = "select action_domain, action_type, action_reason, engagement_type from activity_type_map \
                   where tenant_id = $1 order by position, action_domain, action_type, action_reason";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).fetch_all(pool).await?))
    }

    /// Users (collaborators) of a tenant: id and e-mail.
    ///
    /// # Errors
    /// On database errors.
    pub async fn users(&self, tenant: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let sql = "select user_id, email from app_user where tenant_id = $1 order by user_id";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).fetch_all(pool).await?))
    }

    /// Adds a user for an e-mail not known yet; returns the id either way.
    ///
    /// # Errors
    /// On database errors.
    pub async fn ensure_user(
        &self,
        tenant: &str,
        email: &str,
        name: Option<&str>,
    ) -> Result<i64, StoreError> {
        let find = "select user_id from app_user where tenant_id = $1 and lower(email) = lower($2)";
        let found: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(find).bind(tenant).bind(email).fetch_optional(pool).await?);
        if let Some(id) = found {
            return Ok(id);
        }
        let insert =
            "insert into app_user (tenant_id, email, name) values ($1, $2, $3) returning user_id";
        Ok(
            with_pool!(self, pool => sqlx::query_scalar(insert).bind(tenant).bind(email).bind(name).fetch_one(pool).await?),
        )
    }
}
