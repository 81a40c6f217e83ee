//! The failed-record journal: records a connection rejected or that could not be mapped,
//! retried with growing delay until they pass, or until an admin ignores them.

use serde::Serialize;
use utoipa::ToSchema;

use super::super::{Store, StoreError, Timestamp, with_pool};

/// Where a failure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailureState {
    /// Will be retried.
    Pending,
    /// An admin chose to leave it.
    Ignored,
    /// A later attempt passed.
    Resolved,
}

/// Which record failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureKey<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Connection.
    pub connection: &'a str,
    /// `company`, `contact`, `deal`, `activity`.
    pub entity: &'a str,
    /// `inbound` or `outbound`.
    pub direction: &'a str,
    /// Local record (outbound).
    pub local_id: Option<i64>,
    /// Remote record (inbound).
    pub remote_id: Option<&'a str>,
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct Failure {
    /// Id.
    pub failure_id: i64,
    /// Tenant.
    pub tenant_id: String,
    /// Connection.
    pub connection: String,
    /// Entity.
    pub entity: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Local record.
    pub local_id: Option<i64>,
    /// Remote record.
    pub remote_id: Option<String>,
    /// Why (no personal data).
    pub reason: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Next automatic attempt.
    pub next_attempt_at: Option<Timestamp>,
    /// `pending`, `ignored` or `resolved`.
    pub state: String,
    /// First failure.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// Delay before attempt `attempts + 1`: one minute, doubling, at most six hours.
#[must_use]
pub fn retry_delay(attempts: i64) -> time::Duration {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let minutes = 1_i64.checked_shl(exp).unwrap_or(i64::MAX).min(360);
    time::Duration::minutes(minutes)
}

const KEY_WHERE: &str = "tenant_id = $1 and connection = $2 and entity = $3 and direction = $4 \
    and coalesce(local_id, -1) = coalesce($5, -1) and coalesce(remote_id, '') = coalesce($6, '')";

impl Store {
    /// Records a failure, or one more attempt of a known one.
    ///
    /// # Errors
    /// On database errors.
    pub async fn record_failure(
        &self,
        key: &FailureKey<'_>,
        reason: &str,
    ) -> Result<(), StoreError> {
        let now = Timestamp::now();
        let update = format!(
            "update failed_record set reason = $7, attempts = attempts + 1, state = 'pending', updated_at = $8, \
             next_attempt_at = $9 where {KEY_WHERE} and state <> 'resolved' returning attempts"
        );
        let attempts: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar(&update)
                .bind(key.tenant).bind(key.connection).bind(key.entity).bind(key.direction)
                .bind(key.local_id).bind(key.remote_id).bind(reason).bind(now)
                .bind(Timestamp::from(now.get() + retry_delay(1)))
                .fetch_optional(pool).await?
        });
        match attempts {
            Some(n) if n > 1 => {
                // Stretch the delay to match the attempt count just reached.
                let next = Timestamp::from(now.get() + retry_delay(n));
                let sql = format!(
                    "update failed_record set next_attempt_at = $7 where {KEY_WHERE} and state = 'pending'"
                );
                with_pool!(self, pool => sqlx::query(&sql)
                    .bind(key.tenant).bind(key.connection).bind(key.entity).bind(key.direction)
                    .bind(key.local_id).bind(key.remote_id).bind(next).execute(pool).await?.rows_affected());
            }
            Some(_) => {}
            None => {
                let sql = "insert into failed_record (tenant_id, connection, entity, direction, local_id, remote_id, reason, next_attempt_at) \
                           values ($1, $2, $3, $4, $5, $6, $7, $8)";
                with_pool!(self, pool => sqlx::query(sql)
                    .bind(key.tenant).bind(key.connection).bind(key.entity).bind(key.direction)
                    .bind(key.local_id).bind(key.remote_id).bind(reason)
                    .bind(Timestamp::from(now.get() + retry_delay(1)))
                    .execute(pool).await?.rows_affected());
            }
        }
        Ok(())
    }

    /// Marks a record's pending failure resolved (it passed).
    ///
    /// # Errors
    /// On database errors.
    pub async fn resolve_failure(&self, key: &FailureKey<'_>) -> Result<(), StoreError> {
        let sql = format!(
            "update failed_record set state = 'resolved', updated_at = $7 where {KEY_WHERE} and state = 'pending'"
        );
        with_pool!(self, pool => sqlx::query(&sql)
            .bind(key.tenant).bind(key.connection).bind(key.entity).bind(key.direction)
            .bind(key.local_id).bind(key.remote_id).bind(Timestamp::now()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Pending failures of a connection whose next attempt is due.
    ///
    /// # Errors
    /// On database errors.
    pub async fn due_failures(
        &self,
        tenant: &str,
        connection: &str,
    ) -> Result<Vec<Failure>, StoreError> {
        let sql = "select * from failed_record where tenant_id = $1 and connection = $2 and state = 'pending' \
                   and next_attempt_at <= $3 order by failure_id limit 1000";
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).bind(connection).bind(Timestamp::now()).fetch_all(pool).await?),
        )
    }

    /// Failures, newest first, optionally of one state.
    ///
    /// # Errors
    /// On database errors.
    pub async fn failures(
        &self,
        tenant: Option<&str>,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Failure>, StoreError> {
        let sql = "select * from failed_record where ($1 is null or tenant_id = $1) and ($2 is null or state = $2) \
                   order by failure_id desc limit $3";
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant).bind(state).bind(limit).fetch_all(pool).await?),
        )
    }

    /// Pending failures per (tenant, connection).
    ///
    /// # Errors
    /// On database errors.
    pub async fn pending_failure_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let sql = "select tenant_id, connection, count(*) from failed_record where state = 'pending' group by tenant_id, connection";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }

    /// Makes a failure due now (`retry`) or leaves it (`ignore`). Returns it, or `None`.
    ///
    /// # Errors
    /// On database errors.
    pub async fn set_failure(&self, id: i64, retry: bool) -> Result<Option<Failure>, StoreError> {
        let sql = if retry {
            "update failed_record set state = 'pending', next_attempt_at = $2, updated_at = $2 where failure_id = $1 returning *"
        } else {
            "update failed_record set state = 'ignored', next_attempt_at = null, updated_at = $2 where failure_id = $1 returning *"
        };
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(id).bind(Timestamp::now()).fetch_optional(pool).await?),
        )
    }
}

impl Store {
    /// Makes a record's pending failure due now.
    ///
    /// # Errors
    /// On database errors.
    pub async fn set_failure_due_now(&self, key: &FailureKey<'_>) -> Result<u64, StoreError> {
        let sql = format!(
            "update failed_record set next_attempt_at = $7 where {KEY_WHERE} and state = 'pending'"
        );
        Ok(with_pool!(self, pool => sqlx::query(&sql)
            .bind(key.tenant).bind(key.connection).bind(key.entity).bind(key.direction)
            .bind(key.local_id).bind(key.remote_id).bind(Timestamp::now()).execute(pool).await?.rows_affected()))
    }
}

#[cfg(test)]
mod tests {
    use super::retry_delay;

    #[test]
    fn the_delay_doubles_and_is_capped() {
        assert_eq!(retry_delay(1).whole_minutes(), 1);
        assert_eq!(retry_delay(2).whole_minutes(), 2);
        assert_eq!(retry_delay(4).whole_minutes(), 8);
        assert_eq!(retry_delay(30).whole_minutes(), 360);
    }
}
