//! Matching an unlinked remote record to a local one inside a page's transaction:
//! companies by normalized registration key, contacts by e-mail (spec §2.1).

use crate::store::{StoreError, WriteTx};

/// The live local company with this registration key.
///
/// # Errors
/// On database errors.
pub async fn company_by_key(
    tx: &mut WriteTx,
    tenant: &str,
    key: &str,
) -> Result<Option<i64>, StoreError> {
    tx.scalar_id("select company_id from company where tenant_id = $1 and registration_key = $2 and deleted_at is null", tenant, key).await
}

/// The live local contact with this e-mail (case-insensitive).
///
/// # Errors
/// On database errors.
pub async fn contact_by_email(
    tx: &mut WriteTx,
    tenant: &str,
    email: &str,
) -> Result<Option<i64>, StoreError> {
    tx.scalar_id("select contact_id from contact where tenant_id = $1 and lower(email) = lower($2) and deleted_at is null", tenant, email).await
}
