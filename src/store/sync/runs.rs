//! Run history: one row per run of a connection, with its counts.

use serde::Serialize;
use utoipa::ToSchema;

use super::super::{Store, StoreError, Timestamp, with_pool};

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RunCounts {
    /// Records read from the remote side and local changes considered.
    pub read: i64,
    /// Records created (either side).
    pub created: i64,
    /// Records updated (either side).
    pub updated: i64,
    /// Records left alone (not eligible, nothing changed).
    pub skipped: i64,
    /// Records that went to the failed-record journal.
    pub failed: i64,
    /// API calls used.
    pub calls: i64,
}

/// One run.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct RunRecord {
    /// Id.
    pub run_id: i64,
    /// Tenant.
    pub tenant_id: String,
    /// Connection.
    pub connection: String,
    /// `schedule`, `api`, `cli`, `startup`.
    pub reason: String,
    /// `running`, `succeeded`, `failed`, `cancelled`.
    pub state: String,
    /// Start.
    pub started_at: Timestamp,
    /// End.
    pub finished_at: Option<Timestamp>,
    /// Counts.
    pub read_count: i64,
    /// Counts.
    pub created_count: i64,
    /// Counts.
    pub updated_count: i64,
    /// Counts.
    pub skipped_count: i64,
    /// Counts.
    pub failed_count: i64,
    /// API calls.
    pub calls_used: i64,
    /// Why it failed (no secrets).
    pub error: Option<String>,
}

impl Store {
    /// Records the start of a run.
    ///
    /// # Errors
    /// On database errors.
    pub async fn start_run(
        &self,
        tenant: &str,
        connection: &str,
        reason: &str,
    ) -> Result<i64, StoreError> {
        let sql = "insert into sync_run (tenant_id, connection, reason, state, started_at) values ($1, $2, $3, 'running', $4) returning run_id";
        Ok(
            with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant).bind(connection).bind(reason).bind(Timestamp::now()).fetch_one(pool).await?),
        )
    }

    /// Records the end of a run.
    ///
    /// # Errors
    /// On database errors.
    pub async fn finish_run(
        &self,
        run_id: i64,
        counts: &RunCounts,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let state = if error.is_some() {
            "failed"
        } else {
            "succeeded"
        };
        let sql = "update sync_run set state = $2, finished_at = $3, read_count = $4, created_count = $5, updated_count = $6, \
                   skipped_count = $7, failed_count = $8, calls_used = $9, error = $10 where run_id = $1";
        with_pool!(self, pool => sqlx::query(sql).bind(run_id).bind(state).bind(Timestamp::now())
            .bind(counts.read).bind(counts.created).bind(counts.updated).bind(counts.skipped)
            .bind(counts.failed).bind(counts.calls).bind(error).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Runs interrupted by a crash are marked cancelled at start.
    ///
    /// # Errors
    /// On database errors.
    pub async fn cancel_stale_runs(&self) -> Result<u64, StoreError> {
        let sql = "update sync_run set state = 'cancelled', finished_at = $1, error = 'interrupted' where state = 'running'";
        Ok(
            with_pool!(self, pool => sqlx::query(sql).bind(Timestamp::now()).execute(pool).await?.rows_affected()),
        )
    }

    /// The latest run of each (tenant, connection).
    ///
    /// # Errors
    /// On database errors.
    pub async fn last_runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        let sql = "select r.* from sync_run r join (select tenant_id, connection, max(run_id) as run_id from sync_run group by tenant_id, connection) m \
                   on r.run_id = m.run_id order by r.tenant_id, r.connection";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }

    /// Calls used today (UTC) by a connection's finished runs.
    ///
    /// # Errors
    /// On database errors.
    pub async fn calls_today(&self, tenant: &str, connection: &str) -> Result<i64, StoreError> {
        let midnight = time::OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);
        let sql = "select cast(coalesce(sum(calls_used), 0) as bigint) from sync_run where tenant_id = $1 and connection = $2 and started_at >= $3";
        let n: i64 = with_pool!(self, pool => {
            let v: Option<i64> = sqlx::query_scalar(sql).bind(tenant).bind(connection).bind(Timestamp::from(midnight)).fetch_one(pool).await?;
            v.unwrap_or(0)
        });
        Ok(n)
    }
}
