//! Harness of the sync engine tests: an empty simulated portal, a fresh store on either
//! backend, and a HubSpot connection with a short call floor (the pace has its own tests).

use std::collections::BTreeMap;
use std::sync::Arc;

use crmsync::config::HubSpotConfig;
use crmsync::connectors::hubspot::HubSpotClient;
use crmsync::connectors::hubspot::associations::types;
use crmsync::connectors::hubspot::models::{AssociationSpec, HsObject, ObjectInput};
use crmsync::simulate::Simulator;
use crmsync::simulate::hubspot::SimConfig;
use crmsync::store::Store;
use crmsync::store::sync::RunCounts;
use crmsync::sync::hubspot::HubSpotSync;
use crmsync::sync::hubspot::context::Settings;
use tokio_util::sync::CancellationToken;

use crate::hubspot_client::{Sim, client};
use crate::support::{Backend, TestDb, fresh_db, open_store};

pub const TENANT: &str = "acme";

pub struct Env {
    pub sim: Sim,
    pub hs: HubSpotClient,
    pub store: Store,
    pub sync: HubSpotSync,
    pub _db: TestDb,
}

/// An empty portal (owners and the six stages only) and an empty store.
pub async fn env(backend: Backend, tweak: impl FnOnce(&mut HubSpotConfig)) -> Option<Env> {
    env_with(
        backend,
        SimConfig {
            companies: 0,
            contacts: 0,
            deals: 0,
            activities: 0,
            ..SimConfig::default()
        },
        tweak,
    )
    .await
}

pub async fn env_with(
    backend: Backend,
    portal: SimConfig,
    tweak: impl FnOnce(&mut HubSpotConfig),
) -> Option<Env> {
    let db = fresh_db(backend).await?;
    let store = open_store(&db).await;
    store.migrate().await.expect("migrate");
    store.ensure_tenant(TENANT, "Acme").await.expect("tenant");
    let sim = Sim::start(portal).await;
    let mut cfg = HubSpotConfig::default();
    tweak(&mut cfg);
    let sync = HubSpotSync::new(
        store.clone(),
        Arc::new(client(&sim, 2)),
        TENANT,
        Settings::from_config(&cfg),
        CancellationToken::new(),
    );
    let hs = client(&sim, 0);
    Some(Env {
        sim,
        hs,
        store,
        sync,
        _db: db,
    })
}

pub fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Env {
    pub async fn run(&mut self) -> RunCounts {
        let (counts, error) = self.sync.run().await;
        assert!(error.is_none(), "run failed: {error:?}");
        counts
    }

    pub async fn create(&self, object: &str, pairs: &[(&str, &str)]) -> String {
        let input = ObjectInput {
            properties: props(pairs),
            ..ObjectInput::default()
        };
        self.hs
            .create(object, &input)
            .await
            .expect("create in HubSpot")
            .id
    }

    /// A record made by a user in HubSpot's UI (through the simulator's admin API).
    pub async fn create_as_user(&self, object: &str, pairs: &[(&str, &str)]) -> String {
        let body = serde_json::json!({ "properties": props(pairs) });
        let v = self
            .sim
            .admin(
                reqwest::Method::POST,
                &format!("/_sim/objects/{object}"),
                body,
            )
            .await;
        v["id"].as_str().expect("id").to_owned()
    }

    pub async fn update(&self, object: &str, id: &str, pairs: &[(&str, &str)]) {
        self.hs
            .update(object, id, &props(pairs))
            .await
            .expect("update in HubSpot");
    }

    pub async fn read(&self, object: &str, id: &str, names: &[&str]) -> HsObject {
        let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
        self.hs
            .read(object, id, &names)
            .await
            .expect("read in HubSpot")
    }

    pub async fn associate(&self, from: &str, from_id: &str, to: &str, to_id: &str) {
        let type_id = match (from, to) {
            ("contacts", "companies") => types::CONTACT_TO_COMPANY,
            ("deals", "companies") => types::DEAL_TO_COMPANY,
            ("deals", "contacts") => types::DEAL_TO_CONTACT,
            ("calls", "companies") => types::CALL_TO[1],
            ("calls", "contacts") => types::CALL_TO[0],
            ("calls", "deals") => types::CALL_TO[2],
            ("meetings", "companies") => types::MEETING_TO[1],
            ("emails", "companies") => types::EMAIL_TO[1],
            other => panic!("no type for {other:?}"),
        };
        self.hs
            .associations_batch_create(
                from,
                to,
                &[(from_id.to_owned(), to_id.to_owned())],
                &AssociationSpec::hubspot(type_id),
            )
            .await
            .expect("associate");
    }

    /// A company that meets the trigger.
    pub async fn customer(&self, name: &str, siret: &str) -> String {
        self.create(
            "companies",
            &[
                ("name", name),
                ("siret", siret),
                ("lifecyclestage", "customer"),
                ("synchro_artis", "true"),
            ],
        )
        .await
    }

    pub async fn local_id(&self, entity: &str, remote: &str) -> Option<i64> {
        let map = self
            .store
            .local_ids(TENANT, entity, "hubspot", &[remote.to_owned()])
            .await
            .expect("links");
        map.get(remote).copied()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.store.scalar_i64(sql).await.expect("count")
    }

    pub async fn text(&self, sql: &str) -> Option<String> {
        crmsync_text(&self.store, sql).await
    }

    /// Calls that changed something in HubSpot.
    pub fn write_calls(&self) -> usize {
        self.sim
            .sim
            .request_log()
            .iter()
            .filter(|r| {
                r.method != "GET"
                    && !r.path.ends_with("/search")
                    && !r.path.ends_with("/batch/read")
            })
            .count()
    }

    pub async fn change_log_len(&self) -> i64 {
        self.count("select count(*) from change_log").await
    }
}

/// One text value (or NULL) from a query.
pub async fn crmsync_text(store: &Store, sql: &str) -> Option<String> {
    store.scalar_text(sql).await.expect("query")
}

/// The first owner of the simulated portal: (owner id, e-mail, HubSpot user id).
pub async fn first_owner(hs: &HubSpotClient) -> (String, String, String) {
    let owners = hs.owners(None).await.expect("owners");
    let o = owners
        .into_iter()
        .find(|o| o.email.is_some() && !o.archived)
        .expect("an owner");
    (
        o.id,
        o.email.unwrap_or_default(),
        o.user_id.unwrap_or_default(),
    )
}
