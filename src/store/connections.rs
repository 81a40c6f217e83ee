//! Connection states (spec §4): `not_connected`, `active`, `needs_reauth`, `paused`,
//! `error` with a reason. Connectors set them; status reads them.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Store, StoreError, Timestamp, with_pool};

/// A connection's recorded state.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct ConnectionState {
    /// Tenant.
    pub tenant_id: String,
    /// `hubspot`, `syneton` or `adminpulse`.
    pub connection: String,
    /// State.
    pub state: String,
    /// Why (for `error`, `needs_reauth`, `paused`); never contains secrets.
    pub reason: Option<String>,
    /// Until when a paused connection waits (e.g. HubSpot's daily limit).
    pub paused_until: Option<Timestamp>,
    /// Last change.
    pub updated_at: Timestamp,
}

impl Store {
    /// Records a connection's state (`reason` must not hold secrets or personal data).
    ///
    /// # Errors
    /// On database errors.
    pub async fn set_connection_state(
        &self,
        tenant: &str,
        connection: &str,
        state: &str,
        reason: Option<&str>,
        paused_until: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let sql = "insert into connection_state (tenant_id, connection, state, reason, paused_until, updated_at) \
                   values ($1, $2, $3, $4, $5, $6) \
                   on conflict (tenant_id, connection) do update set state = excluded.state, \
                   reason = excluded.reason, paused_until = excluded.paused_until, updated_at = excluded.updated_at";
        with_pool!(self, pool => {
            sqlx::query(sql)
                .bind(tenant)
                .bind(connection)
                .bind(state)
                .bind(reason)
                .bind(paused_until)
                .bind(Timestamp::now())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Recorded states of every connection.
    ///
    /// # Errors
    /// On database errors.
    pub async fn connection_states(&self) -> Result<Vec<ConnectionState>, StoreError> {
        let sql = "select * from connection_state order by tenant_id, connection";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }
}
