//! The local store (spec §2): one [`Store`] over SQLite or PostgreSQL, picked by the URL
//! scheme. SQL is written once in the dialect both accept (`$n` parameters, `returning`,
//! `lower()`); what differs stays in the backend arm of a `match`. Queries are runtime
//! queries (`query_as` + `FromRow`) because compile-time checking covers one database per
//! crate. Migrations live in `migrations/sqlite` and `migrations/postgres` with the same
//! version numbers and run at start.
//!
//! Writes of companies, contacts, deals and activities go through a [`WriteTx`] that marks
//! the transaction's origin, so the change-capture triggers can tell the daemon's own writes
//! from direct SQL (spec §6.4).

mod args;
mod changes;
mod connections;
pub mod contact_ops;
mod credentials;
mod crud;
mod error;
mod housekeeping;
pub mod import_support;
mod reference;
mod refs;
pub mod sync;
mod tenants;
mod timestamp;
mod tx;
mod url;

pub mod activity;
pub mod company;
pub mod contact;
pub mod deal;
pub mod patch;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use args::Arg;
pub use changes::Change;
pub use connections::ConnectionState;
pub use crud::{Entity, Filter, ListPage, ListQuery};
pub use error::{FieldError, StoreError};
pub use reference::{ActionMapRow, DealStageRow};
pub use tenants::{
    DEFAULT_ACTIVITY_TYPES, DEFAULT_CIVILITIES, DEFAULT_DEAL_STAGES, TELEVENDEUR_HUBSPOT,
};
pub use timestamp::Timestamp;
pub use tx::{Origin, WriteTx};
pub use url::{Backend, DatabaseUrl};

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled once per
/// backend, which is how one SQL text serves both.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Largest number of connections.
    pub max_connections: u32,
    /// How long to wait for a connection or a lock.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// Connection pool sizes, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Configured maximum.
    pub max: u32,
}

/// The local store.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    max_connections: u32,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

impl Store {
    /// Opens the database. A SQLite file (and its directory) is created on first use, in WAL
    /// mode with foreign keys on.
    ///
    /// # Errors
    /// When the URL is malformed or the database cannot be reached.
    pub async fn connect(url: &str, options: PoolOptions) -> Result<Self, StoreError> {
        let parsed = DatabaseUrl::parse(url).map_err(|reason| StoreError::Url { reason })?;
        let pool = match parsed.backend() {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(options.acquire_timeout);
                if let Some(dir) = opts
                    .get_filename()
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { source })?;
                }
                Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(options.max_connections)
                        .acquire_timeout(options.acquire_timeout)
                        .connect_with(opts)
                        .await?,
                )
            }
            Backend::Postgres => Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(PgConnectOptions::from_str(url)?)
                    .await?,
            ),
        };
        Ok(Self {
            pool,
            max_connections: options.max_connections,
        })
    }

    /// Which database this is.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATOR,
            Pool::Postgres(_) => &POSTGRES_MIGRATOR,
        }
    }

    /// Applies pending migrations.
    ///
    /// # Errors
    /// When a migration fails or an applied one was changed.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = self.migrator();
        with_pool!(self, pool => migrator.run(pool).await)?;
        Ok(())
    }

    /// Readiness (spec §6.3): the database answers and every embedded migration is applied.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn ready(&self) -> Result<bool, StoreError> {
        let latest = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let sql = "select coalesce(max(version), 0) from _sqlx_migrations where success";
        let applied: Result<i64, sqlx::Error> =
            with_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await);
        match applied {
            Ok(v) => Ok(v >= latest),
            // No migration table yet: reachable, not ready.
            Err(sqlx::Error::Database(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Pool sizes.
    #[must_use]
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle) = with_pool!(self, pool => (pool.size(), u32::try_from(pool.num_idle()).unwrap_or(u32::MAX)));
        PoolStats {
            size,
            idle,
            max: self.max_connections,
        }
    }

    /// Closes every connection (at shutdown; SQLite checkpoints its WAL).
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
    }

    /// Runs a read-only statement returning one integer; for tests and diagnostics.
    ///
    /// # Errors
    /// On database errors.
    pub async fn scalar_i64(&self, sql: &str) -> Result<i64, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await)?)
    }

    /// The first column of every row of `sql`, as text. For tests and diagnostics.
    ///
    /// # Errors
    /// On database errors.
    pub async fn texts(&self, sql: &str) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(sql).fetch_all(pool).await?))
    }

    /// One optional text value from `sql` (no row or NULL: `None`). For tests and
    /// diagnostics.
    ///
    /// # Errors
    /// On database errors.
    pub async fn scalar_text(&self, sql: &str) -> Result<Option<String>, StoreError> {
        let v: Option<Option<String>> =
            with_pool!(self, pool => sqlx::query_scalar(sql).fetch_optional(pool).await?);
        Ok(v.flatten())
    }

    /// Runs one statement as-is, outside any origin marking: what an application writing
    /// the tables directly does (spec §6.4). For tests and `crmsync` diagnostics.
    ///
    /// # Errors
    /// On database errors.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query(sql).execute(pool).await?.rows_affected()))
    }
}
