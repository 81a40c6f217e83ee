//! The daemon's life: build (store, migrations, tenants, key, listener, scheduler), run
//! until a shutdown signal, then stop in order — stop accepting, drain requests, stop the
//! scheduler, close the store — within [`SHUTDOWN_GRACE`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::control::{self, AppState};
use crate::scheduler::Scheduler;
use crate::secrets::{self, Cipher};
use crate::store::{PoolOptions, Store};

/// Longest time from the shutdown signal to exit; in-flight requests past it are dropped.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// A built daemon, listening but not yet serving.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    scheduler: Scheduler,
    cipher: Cipher,
}

/// Opens the store and applies migrations (also `crmsync migrate`).
///
/// # Errors
/// When the database cannot be reached or a migration fails.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let options = PoolOptions {
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_s.max(1)),
    };
    let store = Store::connect(config.database_url(), options)
        .await
        .context("failed to open the database")?;
    store
        .migrate()
        .await
        .context("failed to apply migrations")?;
    Ok(store)
}

/// Loads (or creates) the key that encrypts stored credentials.
///
/// # Errors
/// When the key is malformed or the key file cannot be read or created.
pub fn load_cipher(config: &Config) -> anyhow::Result<Cipher> {
    let env_key = std::env::var(secrets::KEY_ENV).ok();
    Cipher::load(env_key.as_deref(), &config.secrets.key_file)
        .context("failed to load the secret key")
}

impl Application {
    /// Builds the daemon from a validated configuration.
    ///
    /// # Errors
    /// When the store, the key or the listen address cannot be set up.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = open_store(&config).await?;
        for (id, tenant) in &config.tenants {
            store
                .ensure_tenant(id, tenant.name.as_deref().unwrap_or(id))
                .await
                .with_context(|| format!("failed to prepare tenant {id}"))?;
        }
        let env_key = std::env::var(secrets::KEY_ENV).ok();
        let cipher = Cipher::load(env_key.as_deref(), &config.secrets.key_file)
            .context("failed to load the secret key")?;
        let addr = config.listen_addr()?;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("control.listen: cannot listen on {addr}"))?;
        let scheduler = Scheduler::start(store.clone(), &config.scheduler).await?;
        let engine = crate::sync::engine::Engine::build(&config, &store, &cipher).await?;
        let state = AppState::new(store, Arc::new(config), scheduler.status(), Some(engine));
        Ok(Self {
            listener,
            state,
            scheduler,
            cipher,
        })
    }

    /// The address the control API listens on (port 0 resolved).
    ///
    /// # Errors
    /// When the socket has no local address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The store, for tests and embedding.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The sync engine.
    #[must_use]
    pub fn engine(&self) -> Option<&crate::sync::engine::Engine> {
        self.state.engine.as_ref()
    }

    /// The cipher for stored credentials.
    #[must_use]
    pub fn cipher(&self) -> &Cipher {
        &self.cipher
    }

    /// Serves until `shutdown` resolves, then stops within [`SHUTDOWN_GRACE`].
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            scheduler,
            cipher: _,
        } = self;
        let addr = listener.local_addr()?;
        let token = CancellationToken::new();
        let syncs = state
            .engine
            .as_ref()
            .map(crate::sync::engine::Engine::spawn)
            .unwrap_or_default();
        let watchdog = spawn_watchdog(token.clone());
        let server = {
            let token = token.clone();
            let state = state.clone();
            axum::serve(listener, control::router(state.clone())).with_graceful_shutdown(
                async move {
                    shutdown.await;
                    state.draining.store(true, Ordering::Relaxed);
                    token.cancel();
                },
            )
        };
        tracing::info!(control.listen = %addr, database.backend = ?state.store.backend(), "crmsync is ready");
        notify(&[sd_notify::NotifyState::Ready]);
        let deadline = async {
            token.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            result = server.into_future() => result.context("control API failed")?,
            () = deadline => tracing::warn!("requests still running at the shutdown deadline were dropped"),
        }
        notify(&[sd_notify::NotifyState::Stopping]);
        token.cancel();
        if let Some(engine) = &state.engine {
            engine.shutdown();
        }
        let finish = futures_join_all(syncs);
        if tokio::time::timeout(SHUTDOWN_GRACE, finish).await.is_err() {
            tracing::warn!("a sync run did not finish its page before the shutdown deadline");
        }
        watchdog.abort();
        scheduler.shutdown().await;
        state.store.close().await;
        tracing::info!("crmsync stopped");
        Ok(())
    }
}

async fn futures_join_all(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}

fn notify(states: &[sd_notify::NotifyState<'_>]) {
    // Outside systemd there is no socket and this does nothing.
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::warn!(error = %e, "systemd notification failed");
    }
}

/// Pings the systemd watchdog at half its interval while the daemon runs.
fn spawn_watchdog(token: CancellationToken) -> tokio::task::JoinHandle<()> {
    let mut usec = 0;
    let enabled = sd_notify::watchdog_enabled(false, &mut usec);
    tokio::spawn(async move {
        if !enabled || usec == 0 {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_micros(usec / 2));
        loop {
            tokio::select! {
                _ = tick.tick() => notify(&[sd_notify::NotifyState::Watchdog]),
                () = token.cancelled() => return,
            }
        }
    })
}
