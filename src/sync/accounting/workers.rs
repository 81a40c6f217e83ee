//! The engine's workers of the accounting connections: one per `[tenants.<id>.syneton]` /
//! `[tenants.<id>.adminpulse]` section whose client can be built from the stored (or
//! configured) credentials.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::secrets::Cipher;
use crate::store::Store;
use crate::sync::engine::{Worker, add_worker};

/// Registers the Syneton and AdminPulse connections that have credentials (all, or only
/// `only`); the others are reported `not_connected` by status.
pub(crate) async fn add(
    workers: &mut BTreeMap<(String, String), Arc<Worker>>,
    config: &Config,
    store: &Store,
    cipher: &Cipher,
    stop: &CancellationToken,
    only: Option<(&str, &str)>,
) {
    use crate::commands::accounting::{adminpulse_client_for, syneton_client_for};
    let wanted = |t: &str, c: &str| only.is_none_or(|(ot, oc)| ot == t && oc == c);
    for (tenant, t) in &config.tenants {
        // A connection asked for by name may run on the defaults of its section.
        let syneton = t
            .syneton
            .clone()
            .or_else(|| only.is_some().then(crate::config::SynetonConfig::default));
        let adminpulse = t.adminpulse.clone().or_else(|| {
            only.is_some()
                .then(crate::config::AdminPulseConfig::default)
        });
        if let Some(s) = &syneton
            && wanted(tenant, "syneton")
        {
            match syneton_client_for(config, store, cipher, tenant).await {
                Ok(client) => {
                    let sync = crate::sync::syneton::SynetonSync::new(
                        store.clone(),
                        client,
                        tenant,
                        crate::sync::syneton::Settings::from_config(s),
                        stop.clone(),
                    );
                    add_worker(
                        workers,
                        tenant,
                        "syneton",
                        s.poll_interval_s,
                        s.enabled,
                        Box::new(sync),
                    );
                }
                Err(e) => {
                    tracing::info!(tenant.id = %tenant, error = %e, "Syneton connection not usable; not scheduled");
                }
            }
        }
        if let Some(a) = &adminpulse
            && wanted(tenant, "adminpulse")
        {
            match adminpulse_client_for(config, store, cipher, tenant).await {
                Ok(client) => {
                    let sync = crate::sync::adminpulse::AdminPulseSync::new(
                        store.clone(),
                        client,
                        tenant,
                        a.fields.clone(),
                        stop.clone(),
                    );
                    add_worker(
                        workers,
                        tenant,
                        "adminpulse",
                        a.poll_interval_s,
                        a.enabled,
                        Box::new(sync),
                    );
                }
                Err(e) => {
                    tracing::info!(tenant.id = %tenant, error = %e, "AdminPulse connection not usable; not scheduled");
                }
            }
        }
    }
}
