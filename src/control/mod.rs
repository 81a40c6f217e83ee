//! The local HTTP control API (spec §6.3): health, readiness, metrics, status and the
//! records of each tenant. `/healthz`, `/readyz`, `/metrics` and `/api/openapi.json` are
//! open (probes and scrapers); everything under `/api/v1` needs the bearer token when one
//! is configured. The OpenAPI document is built from the handlers' own annotations, so it
//! cannot drift from the routes.

pub mod auth;
pub mod error;
pub mod health;
pub mod imports;
pub mod metrics;
pub mod records;
pub mod status;
pub mod sync;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use tokio::sync::watch;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config::{Config, Secret};
use crate::store::Store;
use error::ApiError;
use status::SchedulerStatus;

/// Shared state of the handlers.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Inner {
    /// The store.
    pub store: Store,
    /// Metrics registry.
    pub metrics: metrics::Metrics,
    /// Effective configuration.
    pub config: Arc<Config>,
    /// Bearer token for `/api/v1`, if any.
    pub token: Option<Secret>,
    /// Start time.
    pub started: Instant,
    /// Set once shutdown begins: readiness then answers 503 so load balancers drain.
    pub draining: AtomicBool,
    /// Scheduler status.
    pub scheduler: watch::Receiver<SchedulerStatus>,
    /// The sync engine (absent in tools that only serve records).
    pub engine: Option<crate::sync::engine::Engine>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state.
    #[must_use]
    pub fn new(
        store: Store,
        config: Arc<Config>,
        scheduler: watch::Receiver<SchedulerStatus>,
        engine: Option<crate::sync::engine::Engine>,
    ) -> Self {
        let backend = match store.backend() {
            crate::store::Backend::Sqlite => "sqlite",
            crate::store::Backend::Postgres => "postgres",
        };
        let mut metrics = metrics::Metrics::new(backend);
        if let Some(e) = &engine {
            e.metrics().register(metrics.registry_mut());
        }
        Self(Arc::new(Inner {
            metrics,
            engine,
            token: config.control.token.clone(),
            store,
            config,
            started: Instant::now(),
            draining: AtomicBool::new(false),
            scheduler,
        }))
    }

    /// 404 unless the tenant is configured (every configured tenant exists in the store).
    ///
    /// # Errors
    /// A 404 [`ApiError`].
    pub fn require_tenant(&self, tenant: &str) -> Result<(), ApiError> {
        if self.config.tenants.contains_key(tenant) {
            Ok(())
        } else {
            Err(
                ApiError::new(StatusCode::NOT_FOUND, "not_found", "tenant not found")
                    .with_details(serde_json::json!({"entity": "tenant"})),
            )
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "crmsync control API", description = "Local control API of the crmsync daemon (spec §6.3)."),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn api_parts() -> (Router<AppState>, Router<AppState>, utoipa::openapi::OpenApi) {
    let (open, open_doc) = OpenApiRouter::new()
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .split_for_parts();
    let (protected, protected_doc) = OpenApiRouter::new()
        .routes(routes!(status::handler))
        .routes(routes!(records::list_companies, records::create_company))
        .routes(routes!(
            records::get_company,
            records::update_company,
            records::delete_company
        ))
        .routes(routes!(records::list_contacts, records::create_contact))
        .routes(routes!(
            records::get_contact,
            records::update_contact,
            records::delete_contact
        ))
        .routes(routes!(records::list_deals, records::create_deal))
        .routes(routes!(
            records::get_deal,
            records::update_deal,
            records::delete_deal
        ))
        .routes(routes!(records::list_activities, records::create_activity))
        .routes(routes!(
            records::get_activity,
            records::update_activity,
            records::delete_activity
        ))
        .routes(routes!(imports::create_import))
        .routes(routes!(imports::get_import))
        .routes(routes!(imports::import_errors_csv))
        .routes(routes!(sync::run_now))
        .routes(routes!(sync::list_failures))
        .routes(routes!(sync::retry_failure))
        .routes(routes!(sync::ignore_failure))
        .routes(routes!(sync::list_review))
        .routes(routes!(sync::link_review))
        .routes(routes!(sync::dismiss_review))
        .split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.merge(open_doc);
    doc.merge(protected_doc);
    (open, protected, doc)
}

/// The OpenAPI document of the control API.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_parts().2
}

/// The whole control API.
pub fn router(state: AppState) -> Router {
    let (open, protected, doc) = api_parts();
    let doc = Arc::new(doc);
    let protected = protected.route_layer(from_fn_with_state(state.clone(), auth::require_token));
    let max_body = state.config.control.max_body_bytes;
    let timeout = Duration::from_secs(state.config.control.request_timeout_s.max(1));
    open.route("/metrics", get(metrics::handler))
        .route(
            "/api/openapi.json",
            get(move || async move { axum::Json(doc.as_ref().clone()) }),
        )
        .merge(protected)
        .route_layer(from_fn_with_state(state.clone(), metrics::track))
        .fallback(|| async { ApiError::no_route() })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .with_state(state)
}
