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
    /// The latest run.
    pub last_run: Option<crate::store::sync::RunRecord>,
    /// When the next scheduled run starts.
    pub next_run: Option<crate::store::Timestamp>,
    /// Seconds since the least recently moved cursor moved.
    pub cursor_age_s: Option<i64>,
    /// API calls used today (UTC) by runs.
    pub calls_today: i64,
    /// Records waiting in the failed-record journal.
    pub failures_pending: i64,
}

/// `GET /api/v1/status`
#[utoipa::path(get, path = "/api/v1/status", tag = "status",
    responses((status = 200, body = Status), (status = 401, body = super::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn handler(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let recorded = state.store.connection_states().await?;
    let ready = state.store.ready().await.unwrap_or(false);
    let runs = state.store.last_runs().await?;
    let pending = state.store.pending_failure_counts().await?;
    let mut usage = std::collections::HashMap::new();
    for (id, tenant) in &state.config.tenants {
        for (connector, present) in [
            ("hubspot", tenant.hubspot.is_some()),
            ("syneton", tenant.syneton.is_some()),
            ("adminpulse", tenant.adminpulse.is_some()),
        ] {
            if present {
                let calls = state.store.calls_today(id, connector).await?;
                let now = time::OffsetDateTime::now_utc();
                let age = state
                    .store
                    .cursor_times(id, connector)
                    .await?
                    .iter()
                    .map(|(_, t)| (now - t.get()).whole_seconds())
                    .max();
                usage.insert((id.clone(), connector), (calls, age));
            }
        }
    }
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
                        last_run: runs
                            .iter()
                            .find(|r| &r.tenant_id == id && r.connection == connector)
                            .cloned(),
                        next_run: state
                            .engine
                            .as_ref()
                            .and_then(|e| e.next_run(id, connector)),
                        cursor_age_s: usage.get(&(id.clone(), connector)).and_then(|u| u.1),
                        calls_today: usage.get(&(id.clone(), connector)).map_or(0, |u| u.0),
                        failures_pending: pending
                            .iter()
                            .find(|(t, c, _)| t == id && c == connector)
                            .map_or(0, |p| p.2),
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
