//! `GET /api/v1/status`: what the daemon is, how long it has run, its store, and each
//! configured connection with its state. Later issues add run counts and cursors.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::error::ApiError;
use crate::store::Backend;

/// The daemon's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// crmsync version.
    pub version: String,
    /// Seconds since start.
    pub uptime_s: u64,
    /// The store.
    pub database: DatabaseStatus,
    /// The scheduler.
    pub scheduler: SchedulerStatus,
    /// Tenants and their connections.
    pub tenants: Vec<TenantStatus>,
}

/// Store status.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseStatus {
    /// `sqlite` or `postgres`.
    pub backend: Backend,
    /// Reachable with every migration applied.
    pub ready: bool,
}

/// Scheduler status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchedulerStatus {
    /// Whether the scheduler runs.
    pub running: bool,
    /// Registered jobs by name.
    pub jobs: Vec<String>,
}

/// One tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantStatus {
    /// Tenant id.
    pub id: String,
    /// Configured connections.
    pub connections: Vec<ConnectionStatus>,
}

/// One configured connection.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionStatus {
    /// `hubspot`, `syneton` or `adminpulse`.
    pub connector: String,
    /// Whether the scheduler runs it.
    pub enabled: bool,
    /// `not_connected`, `active`, `needs_reauth`, `paused` or `error`.
    pub state: String,
    /// Why, when not active.
    pub reason: Option<String>,
    /// Until when a paused connection waits (HubSpot's daily budget).
    pub paused_until: Option<crate::store::Timestamp>,
}

/// `GET /api/v1/status`
#[utoipa::path(get, path = "/api/v1/status", tag = "status",
    responses((status = 200, body = Status), (status = 401, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn handler(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let recorded = state.store.connection_states().await?;
    let ready = state.store.ready().await.unwrap_or(false);
    let tenants = state
        .config
        .tenants
        .iter()
        .map(|(id, tenant)| {
            let configured = [
                ("hubspot", tenant.hubspot.as_ref().map(|c| c.enabled)),
                ("syneton", tenant.syneton.as_ref().map(|c| c.enabled)),
                ("adminpulse", tenant.adminpulse.as_ref().map(|c| c.enabled)),
            ];
            let connections = configured
                .into_iter()
                .filter_map(|(connector, enabled)| {
                    let enabled = enabled?;
                    let found = recorded
                        .iter()
                        .find(|r| &r.tenant_id == id && r.connection == connector);
                    Some(ConnectionStatus {
                        connector: connector.to_owned(),
                        enabled,
                        state: found
                            .map_or_else(|| "not_connected".to_owned(), |r| r.state.clone()),
                        reason: found.and_then(|r| r.reason.clone()),
                        paused_until: found.and_then(|r| r.paused_until),
                    })
                })
                .collect();
            TenantStatus {
                id: id.clone(),
                connections,
            }
        })
        .collect();
    Ok(Json(Status {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_s: state.started.elapsed().as_secs(),
        database: DatabaseStatus {
            backend: state.store.backend(),
            ready,
        },
        scheduler: state.scheduler.borrow().clone(),
        tenants,
    }))
}
