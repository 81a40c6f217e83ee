//! The store a sync bench writes into.

use crmsync::store::{PoolOptions, Store};

/// A migrated store holding `tenant`: `BENCH_DATABASE_URL`, else a fresh SQLite file in
/// `dir` (which must outlive the store).
pub async fn fresh(dir: &std::path::Path, tenant: &str) -> Store {
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.join("bench.db").display()));
    let store = Store::connect(&url, PoolOptions::default())
        .await
        .expect("store");
    store.migrate().await.expect("migrate");
    store.ensure_tenant(tenant, "Bench").await.expect("tenant");
    store
}
