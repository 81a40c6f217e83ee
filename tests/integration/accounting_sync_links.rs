//! Accounting syncs next to each other and to HubSpot, on both backends: the same client
//! from Syneton, AdminPulse and HubSpot ends as one local company with a link per
//! connection; AdminPulse's full re-read writes nothing when nothing changed; and
//! `crmsync connect syneton` runs the first sync at once.

use crmsync::simulate::Simulator;
use crmsync::store::Store;
use serde_json::json;

use crate::accounting_sync::{
    TENANT, adminpulse_sync, run_syneton, store, syneton_config, syneton_sync,
};
use crate::adminpulse_client::Sim as ApSim;
use crate::support::{fresh_db, load_config};
use crate::syneton_client::Sim as SynSim;

/// The simulator's id of its `n`-th relation (the seed's fixtures are 1-5).
fn relation_id(n: usize) -> String {
    format!("3f2b7c1e-0000-4000-8000-{n:012}")
}

async fn count(store: &Store, sql: &str) -> i64 {
    store.scalar_i64(sql).await.expect(sql)
}

async fn links_of(store: &Store, local: i64) -> Vec<String> {
    store
        .texts(&format!(
            "select connection from entity_link where entity = 'company' and local_id = {local} order by connection"
        ))
        .await
        .expect("links")
}

crate::both_backends!(
    the_same_client_in_syneton_and_hubspot_is_one_local_company_with_two_links,
    |backend| async move {
        let Some(mut hs) = crate::sync_env::env(backend, |_| {}).await else {
            return;
        };
        let sim = SynSim::start(syneton_config()).await;
        let mut syneton = syneton_sync(&sim, &hs.store, &[]);

        // HubSpot first: ABC arrives with its VAT number as `siret`, then from Syneton.
        let abc_hs = hs.customer("ABC (HubSpot)", "BE 0403.019.261").await;
        hs.run().await;
        let abc = hs
            .local_id("company", &abc_hs)
            .await
            .expect("linked to HubSpot");
        run_syneton(&mut syneton).await;
        assert_eq!(
            count(
                &hs.store,
                "select count(*) from company where registration_key = '0403019261'"
            )
            .await,
            1
        );
        assert_eq!(links_of(&hs.store, abc).await, vec!["hubspot", "syneton"]);

        // Syneton first: Garage Vermeulen (legacy 9-digit VAT), then created in HubSpot.
        let garage = hs
            .store
            .local_ids(TENANT, "company", "syneton", &["106".to_owned()])
            .await
            .expect("links")["106"];
        let garage_hs = hs.customer("Garage Vermeulen BV", "0428759497").await;
        hs.run().await;
        assert_eq!(hs.local_id("company", &garage_hs).await, Some(garage));
        assert_eq!(
            links_of(&hs.store, garage).await,
            vec!["hubspot", "syneton"]
        );
        assert_eq!(
            count(
                &hs.store,
                "select count(*) from company where registration_key = '0428759497'"
            )
            .await,
            1
        );

        // A name changed in Syneton reaches HubSpot through the shared local company.
        sim.admin(
            reqwest::Method::PATCH,
            "/_sim/customers/106",
            json!({"Name": "Garage Vermeulen & Zoon"}),
        )
        .await;
        crate::accounting_sync::second_passes().await;
        run_syneton(&mut syneton).await;
        hs.run().await;
        let read = hs.read("companies", &garage_hs, &["name"]).await;
        assert_eq!(read.prop("name"), Some("Garage Vermeulen & Zoon"));
    }
);

crate::both_backends!(
    adminpulse_imports_relations_reviews_bad_numbers_and_a_reread_writes_nothing,
    |backend| async move {
        let Some((store, _db)) = store(backend).await else {
            return;
        };
        let ap = ApSim::start(crmsync::simulate::adminpulse::SimConfig::default()).await;
        let mut sync = adminpulse_sync(&ap, &store);
        let (counts, error) = sync.run().await;
        assert!(error.is_none(), "{error:?}");
        assert!(counts.created > 20, "{counts:?}");
        let linked = |id: &str| {
            let store = store.clone();
            let id = id.to_owned();
            async move {
                store
                    .local_ids(TENANT, "company", "adminpulse", std::slice::from_ref(&id))
                    .await
                    .expect("links")
                    .get(&id)
                    .copied()
            }
        };
        let abc_id = relation_id(1);
        let abc = linked(&abc_id).await.expect("ABC");
        assert_eq!(
            store
                .scalar_text(&format!(
                    "select registration_key from company where company_id = {abc}"
                ))
                .await
                .expect("key")
                .as_deref(),
            Some("0403019261")
        );
        assert_eq!(count(&store, &format!("select count(*) from contact where email = 'an.peeters@abc.be' and company_id = {abc}")).await, 1);
        // Invalid VAT and a sole proprietor without one: review, not created.
        let review = store
            .review_items(Some(TENANT), Some("open"))
            .await
            .expect("review");
        for n in [2, 3] {
            let id = relation_id(n);
            assert!(linked(&id).await.is_none());
            assert!(
                review
                    .iter()
                    .any(|r| r.remote_id == id && r.connection == "adminpulse"),
                "{review:?}"
            );
        }
        // The ended relation is inactive.
        let ended = linked(&relation_id(5)).await.expect("5");
        assert_eq!(
            count(
                &store,
                &format!(
                    "select count(*) from company where company_id = {ended} and active = false"
                )
            )
            .await,
            1
        );

        // Read again with nothing changed: no local write, the review list unchanged.
        let log = count(&store, "select count(*) from change_log").await;
        let (counts, error) = sync.run().await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(
            (counts.created, counts.updated, counts.failed),
            (0, 0, 0),
            "{counts:?}"
        );
        assert!(counts.read > 20);
        assert_eq!(count(&store, "select count(*) from change_log").await, log);
        assert_eq!(
            store
                .review_items(Some(TENANT), Some("open"))
                .await
                .expect("review")
                .len(),
            review.len()
        );
        assert!(ap.sim.request_log().iter().all(|r| r.method == "GET"));

        // A change in AdminPulse comes in on the next read.
        ap.admin(
            reqwest::Method::PATCH,
            "/_sim/relations/APR00001",
            json!({"name": "The ABC company NV"}),
        )
        .await;
        let (counts, _) = sync.run().await;
        assert_eq!(counts.updated, 1, "{counts:?}");
        assert_eq!(
            store
                .scalar_text(&format!(
                    "select name from company where company_id = {abc}"
                ))
                .await
                .expect("name")
                .as_deref(),
            Some("The ABC company NV")
        );

        // A second person with An's e-mail cannot take her contact: journaled once; once
        // an admin ignores it, later re-reads leave it ignored.
        ap.admin(
            reqwest::Method::PATCH,
            "/_sim/relations/APR00004",
            json!({"contacts": [{"id": "dup-1", "firstName": "Anne", "lastName": "Peeters", "email": "An.Peeters@abc.be"}]}),
        )
        .await;
        let (counts, _) = sync.run().await;
        assert_eq!(counts.failed, 1, "{counts:?}");
        let failures = store
            .failures(Some(TENANT), Some("pending"), 10)
            .await
            .expect("failures");
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].remote_id.as_deref(), Some("dup-1"));
        assert!(
            failures[0].reason.contains("already linked"),
            "{failures:?}"
        );
        assert!(
            !failures[0].reason.contains("abc.be"),
            "no personal data: {failures:?}"
        );
        store
            .set_failure(failures[0].failure_id, false)
            .await
            .expect("ignore");
        let (counts, _) = sync.run().await;
        assert_eq!(counts.failed, 0, "{counts:?}");
        assert!(
            store
                .failures(Some(TENANT), Some("pending"), 10)
                .await
                .expect("failures")
                .is_empty()
        );

        // The same office in Syneton links to the same companies.
        let syn = SynSim::start(syneton_config()).await;
        run_syneton(&mut syneton_sync(&syn, &store, &[])).await;
        assert_eq!(links_of(&store, abc).await, vec!["adminpulse", "syneton"]);
        assert_eq!(
            count(
                &store,
                "select count(*) from company where registration_key = '0403019261'"
            )
            .await,
            1
        );
    }
);

crate::both_backends!(
    connect_syneton_runs_the_first_sync_at_once,
    |backend| async move {
        let Some(db) = fresh_db(backend).await else {
            return;
        };
        let sim = SynSim::start(syneton_config()).await;
        let extra = "[tenants.acme.syneton]\nenabled = true\nbase_url = \"http://127.0.0.1:9\"\nmin_call_interval_ms = 1\nchange_lag_s = 0\n";
        let (_, config) = load_config(&db, "127.0.0.1:0", "", extra);
        let key_file = db.dir.path().join("syneton.key");
        std::fs::write(&key_file, crmsync::simulate::syneton::DEFAULT_API_KEY).expect("key file");
        crmsync::commands::connect_accounting::syneton_cli(
            &config,
            "acme",
            Some(sim.base.to_string()),
            Some(&key_file),
        )
        .await
        .expect("connected and synced");
        let store = crmsync::app::open_store(&config).await.expect("store");
        let runs = store.last_runs().await.expect("runs");
        let run = runs
            .iter()
            .find(|r| r.connection == "syneton")
            .expect("a recorded run");
        assert_eq!(
            (run.state.as_str(), run.reason.as_str()),
            ("succeeded", "connect")
        );
        assert!(run.created_count > 20, "{run:?}");
        assert!(count(&store, "select count(*) from company").await > 20);
        let states = store.connection_states().await.expect("states");
        assert_eq!(
            states
                .iter()
                .find(|s| s.connection == "syneton")
                .map(|s| s.state.as_str()),
            Some("active")
        );
        // The next run, as the daemon or `sync --once` would make it, follows the feed.
        let cipher = crmsync::app::load_cipher(&config).expect("key");
        let engine = crmsync::sync::engine::Engine::build(&config, &store, &cipher)
            .await
            .expect("engine");
        let summary = engine.run_now("acme", "syneton", "cli").await.expect("run");
        assert!(summary.error.is_none(), "{summary:?}");
        assert_eq!(summary.counts.created, 0, "{summary:?}");

        // The daemon schedules it; the control API runs it now and shows it active.
        let app = crmsync::app::Application::build(config.clone())
            .await
            .expect("app");
        let addr = app.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::new();
        let run: serde_json::Value = http
            .post(format!("http://{addr}/api/v1/sync/acme/syneton"))
            .send()
            .await
            .expect("run now")
            .json()
            .await
            .expect("summary");
        assert_eq!(run["connector"], "syneton", "{run}");
        assert!(run["error"].is_null(), "{run}");
        let status: serde_json::Value = http
            .get(format!("http://{addr}/api/v1/status"))
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("status json");
        let conn = status["tenants"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["id"] == "acme"))
            .and_then(|t| t["connections"].as_array())
            .and_then(|c| c.iter().find(|c| c["connector"] == "syneton"))
            .cloned()
            .expect("syneton in status");
        assert_eq!(conn["state"], "active", "{conn}");
        assert_eq!(conn["last_run"]["state"], "succeeded", "{conn}");
        let _ = stop.send(());
        task.await.expect("app task").expect("stopped cleanly");
    }
);
