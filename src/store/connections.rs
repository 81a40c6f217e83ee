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
    /// Recorded states of every connection.
    ///
    /// # Errors
    /// On database errors.
    pub async fn connection_states(&self) -> Result<Vec<ConnectionState>, StoreError> {
        let sql = "select * from connection_state order by tenant_id, connection";
        Ok(with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }
}
