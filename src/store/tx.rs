//! [`WriteTx`]: a transaction that tells the change-capture triggers who is writing.
//!
//! PostgreSQL: `set_config('crmsync.origin', …, true)` lasts until the transaction ends.
//! SQLite has no session variables: the origin goes into the one-row `write_context`
//! table inside the transaction and is deleted again just before commit. SQLite admits one
//! writer at a time, so no other transaction can observe or overwrite it; and a rollback
//! removes it with everything else.

use sqlx::{Postgres, Sqlite, Transaction};

use super::{Pool, Store, StoreError};

/// Who made a write; the change log records it so the sync can skip its own echoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The control API (a local change, to be synced out).
    Api,
    /// A file import (a local change, to be synced out).
    Import,
    /// The sync engine applying what a connection sent (not to be sent back there).
    Sync(String),
    /// The daemon's own bookkeeping.
    Daemon,
}

impl Origin {
    /// The value stored in `change_log.origin`.
    #[must_use]
    pub fn as_str(&self) -> String {
        match self {
            Origin::Api => "api".to_owned(),
            Origin::Import => "import".to_owned(),
            Origin::Sync(connection) => format!("sync:{connection}"),
            Origin::Daemon => "daemon".to_owned(),
        }
    }
}

pub(crate) enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// An open write transaction with its origin set.
pub struct WriteTx {
    pub(crate) inner: TxInner,
}

/// Runs `$body` with `$conn` bound to the transaction's connection, once per backend.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::store::tx::TxInner::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::store::tx::TxInner::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

impl Store {
    /// Begins a write transaction marked with `origin`.
    ///
    /// # Errors
    /// On database errors.
    pub async fn begin(&self, origin: &Origin) -> Result<WriteTx, StoreError> {
        let origin = origin.as_str();
        let inner = match &self.pool {
            Pool::Sqlite(pool) => {
                let mut t = pool.begin().await?;
                // Being a write, this also takes SQLite's write lock at the start of the
                // transaction, so later read-then-write steps cannot hit SQLITE_BUSY_SNAPSHOT.
                sqlx::query(
                    "insert or replace into write_context (context_id, origin) values (1, $1)",
                )
                .bind(origin)
                .execute(&mut *t)
                .await?;
                TxInner::Sqlite(t)
            }
            Pool::Postgres(pool) => {
                let mut t = pool.begin().await?;
                sqlx::query("select set_config('crmsync.origin', $1, true)")
                    .bind(origin)
                    .execute(&mut *t)
                    .await?;
                TxInner::Postgres(t)
            }
        };
        Ok(WriteTx { inner })
    }
}

impl WriteTx {
    /// Commits.
    ///
    /// # Errors
    /// On database errors; the transaction is then rolled back.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(mut t) => {
                sqlx::query("delete from write_context")
                    .execute(&mut *t)
                    .await?;
                t.commit().await?;
            }
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl WriteTx {
    /// Runs a one-id lookup `sql` with `$1` = tenant and `$2` = a text value.
    ///
    /// # Errors
    /// On database errors.
    pub async fn scalar_id(
        &mut self,
        sql: &str,
        tenant: &str,
        value: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(
            on_tx!(self, conn => sqlx::query_scalar(sql).bind(tenant).bind(value).fetch_optional(conn).await?),
        )
    }

    /// Runs `sql` (no result) with the given arguments.
    ///
    /// # Errors
    /// On database errors.
    pub async fn exec(&mut self, sql: &str, args: &[super::Arg]) -> Result<u64, StoreError> {
        Ok(
            on_tx!(self, conn => super::args::bind_args!(sqlx::query(sql), args).execute(conn).await?.rows_affected()),
        )
    }
}
