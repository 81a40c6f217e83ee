//! Reading and writing local records as [`Local`] values, inside a page's transaction.

use super::fields::Kind;
use super::local::Local;
use crate::store::activity::Activity;
use crate::store::company::Company;
use crate::store::contact::Contact;
use crate::store::deal::Deal;
use crate::store::{Entity, Store, StoreError, WriteTx, with_pool};
pub use crate::sync::common::lookup::{company_by_key, contact_by_email};

/// A local record as the outbound side reads it, deleted ones included.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Fields.
    pub local: Local,
    /// Soft-deleted.
    pub deleted: bool,
}

async fn read_any<E: Entity>(
    store: &Store,
    tenant: &str,
    id: i64,
) -> Result<Option<E>, StoreError> {
    let sql = format!(
        "select * from {} where tenant_id = $1 and {} = $2",
        E::NAME,
        E::ID
    );
    Ok(
        with_pool!(store, pool => sqlx::query_as(&sql).bind(tenant).bind(id).fetch_optional(pool).await?),
    )
}

/// Reads a record, deleted or not.
///
/// # Errors
/// On database errors.
pub async fn load(
    store: &Store,
    tenant: &str,
    kind: Kind,
    id: i64,
) -> Result<Option<Stored>, StoreError> {
    Ok(match kind {
        Kind::Company => read_any::<Company>(store, tenant, id)
            .await?
            .map(|r| Stored {
                deleted: r.deleted_at.is_some(),
                local: Local::Company(r.fields),
            }),
        Kind::Contact => read_any::<Contact>(store, tenant, id)
            .await?
            .map(|r| Stored {
                deleted: r.deleted_at.is_some(),
                local: Local::Contact(r.fields),
            }),
        Kind::Deal => read_any::<Deal>(store, tenant, id).await?.map(|r| Stored {
            deleted: r.deleted_at.is_some(),
            local: Local::Deal(r.fields),
        }),
        Kind::Activity => read_any::<Activity>(store, tenant, id)
            .await?
            .map(|r| Stored {
                deleted: r.deleted_at.is_some(),
                local: Local::Activity(r.fields),
            }),
    })
}

fn absent(e: StoreError) -> Result<Option<Local>, StoreError> {
    match e {
        StoreError::NotFound { .. } => Ok(None),
        e => Err(e),
    }
}

/// Reads a live (not deleted) record inside the transaction, locking it on PostgreSQL.
///
/// # Errors
/// On database errors.
pub async fn fetch(
    tx: &mut WriteTx,
    tenant: &str,
    kind: Kind,
    id: i64,
) -> Result<Option<Local>, StoreError> {
    let r = match kind {
        Kind::Company => tx
            .fetch::<Company>(tenant, id, true)
            .await
            .map(|r| Local::Company(r.fields)),
        Kind::Contact => tx
            .fetch::<Contact>(tenant, id, true)
            .await
            .map(|r| Local::Contact(r.fields)),
        Kind::Deal => tx
            .fetch::<Deal>(tenant, id, true)
            .await
            .map(|r| Local::Deal(r.fields)),
        Kind::Activity => tx
            .fetch::<Activity>(tenant, id, true)
            .await
            .map(|r| Local::Activity(r.fields)),
    };
    r.map(Some).or_else(absent)
}

/// Inserts a record; returns its id.
///
/// # Errors
/// `Invalid` for a dangling reference, `Conflict` for a taken key.
pub async fn insert(tx: &mut WriteTx, tenant: &str, local: &Local) -> Result<i64, StoreError> {
    match local {
        Local::Company(f) => tx.insert::<Company>(tenant, f).await,
        Local::Contact(f) => tx.insert::<Contact>(tenant, f).await,
        Local::Deal(f) => tx.insert::<Deal>(tenant, f).await,
        Local::Activity(f) => tx.insert::<Activity>(tenant, f).await,
    }
}

/// Writes every field of a record.
///
/// # Errors
/// As [`insert`].
pub async fn write(
    tx: &mut WriteTx,
    tenant: &str,
    id: i64,
    local: &Local,
) -> Result<(), StoreError> {
    match local {
        Local::Company(f) => tx.write::<Company>(tenant, id, f).await,
        Local::Contact(f) => tx.write::<Contact>(tenant, id, f).await,
        Local::Deal(f) => tx.write::<Deal>(tenant, id, f).await,
        Local::Activity(f) => tx.write::<Activity>(tenant, id, f).await,
    }
}
