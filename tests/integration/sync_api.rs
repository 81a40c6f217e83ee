//! Sync through the daemon: run-now, status with run counts, metrics, the failure and
//! review endpoints, and a company created through the control API reaching HubSpot.

use serde_json::{Value, json};

use crate::both_backends;
use crate::hubspot_client::{Sim, client};
use crate::support::{Backend, spawn_app_with};
use crmsync::simulate::hubspot::{DEFAULT_TOKEN, SimConfig};

both_backends!(
    run_now_status_failures_review_and_metrics,
    |backend: Backend| async move {
        let sim = Sim::start(SimConfig {
            companies: 0,
            contacts: 0,
            deals: 0,
            activities: 0,
            ..SimConfig::default()
        })
        .await;
        let hs = client(&sim, 0);
        let extra = format!(
            "[tenants.acme.hubspot]\nbase_url = {:?}\naccess_token = {DEFAULT_TOKEN:?}\npoll_interval_s = 3600\n",
            sim.base.as_str().trim_end_matches('/')
        );
        let Some(app) = spawn_app_with(backend, Some("t0ken"), "", &extra).await else {
            return;
        };
        let props = |pairs: &[(&str, &str)]| crmsync::connectors::hubspot::models::ObjectInput {
            properties: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Default::default()
        };
        hs.create(
            "companies",
            &props(&[
                ("name", "Sans clé"),
                ("lifecyclestage", "customer"),
                ("synchro_artis", "true"),
            ]),
        )
        .await
        .expect("create");

        let made = app
            .post(
                "/api/v1/acme/companies",
                &json!({"name": "Via API", "siret": "732 829 320 00074"}),
            )
            .await;
        assert_eq!(made.status(), 201);
        let run = app.post("/api/v1/sync/acme/hubspot", &json!({})).await;
        assert_eq!(run.status(), 200);
        let run: Value = run.json().await.expect("json");
        // The startup run may have sent it already; after this run it is there either way.
        assert!(
            run["run_id"].as_i64().is_some() && run["error"].is_null(),
            "{run}"
        );
        let found = hs
            .batch_read(
                "companies",
                &["73282932000074".to_owned()],
                &["synchro_artis".to_owned()],
                Some("siret"),
            )
            .await
            .expect("read by siret");
        assert_eq!(found.results.len(), 1, "the API's company is in HubSpot");
        assert_eq!(found.results[0].prop("synchro_artis"), Some("true"));

        let review: Value = app
            .get("/api/v1/review?tenant=acme")
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(review.as_array().map(Vec::len), Some(1), "{review}");
        let failures = app.get("/api/v1/failures?state=pending").await;
        assert_eq!(failures.status(), 200);
        assert_eq!(app.get("/api/v1/failures?state=nope").await.status(), 400);
        assert_eq!(
            app.post("/api/v1/failures/999/retry", &json!({}))
                .await
                .status(),
            404
        );
        assert_eq!(
            app.post("/api/v1/sync/acme/syneton", &json!({}))
                .await
                .status(),
            404
        );
        let id = review[0]["review_id"].as_i64().expect("id");
        let dismissed: Value = app
            .post(&format!("/api/v1/review/{id}/dismiss"), &json!({}))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(dismissed["state"], "dismissed");

        let status: Value = app.get("/api/v1/status").await.json().await.expect("json");
        let conn = &status["tenants"][0]["connections"][0];
        assert_eq!(conn["state"], "active", "{status}");
        assert!(
            conn["last_run"]["calls_used"].as_i64().unwrap_or(0) > 0,
            "{status}"
        );
        assert!(conn["next_run"].is_string(), "{status}");
        assert!(conn["calls_today"].as_i64().unwrap_or(0) > 0);
        let metrics = app.get("/metrics").await.text().await.expect("text");
        assert!(metrics.contains("crmsync_sync_runs_total{tenant=\"acme\",connection=\"hubspot\",result=\"succeeded\"}"), "{metrics}");
        assert!(metrics.contains("crmsync_sync_api_calls_total"));
        app.stop().await;
    }
);

both_backends!(
    a_connection_needing_reauth_leaves_others_alone,
    |backend: Backend| async move {
        let sim = Sim::start(SimConfig {
            companies: 3,
            contacts: 0,
            deals: 0,
            activities: 0,
            ..SimConfig::default()
        })
        .await;
        let base = sim.base.as_str().trim_end_matches('/').to_owned();
        let extra = format!(
            "[tenants.acme.hubspot]\nbase_url = {base:?}\naccess_token = {DEFAULT_TOKEN:?}\npoll_interval_s = 3600\n\n\
         [tenants.beta.hubspot]\nbase_url = {base:?}\naccess_token = \"pat-na1-revoked\"\npoll_interval_s = 3600\n"
        );
        let Some(app) = spawn_app_with(backend, None, "", &extra).await else {
            return;
        };
        let beta: Value = app
            .post("/api/v1/sync/beta/hubspot", &json!({}))
            .await
            .json()
            .await
            .expect("json");
        assert!(beta["error"].is_string(), "{beta}");
        let acme: Value = app
            .post("/api/v1/sync/acme/hubspot", &json!({}))
            .await
            .json()
            .await
            .expect("json");
        assert!(acme["error"].is_null(), "{acme}");
        let status: Value = app.get("/api/v1/status").await.json().await.expect("json");
        let state = |tenant: &str| {
            status["tenants"]
                .as_array()
                .and_then(|t| t.iter().find(|x| x["id"] == tenant))
                .map(|t| t["connections"][0]["state"].clone())
                .unwrap_or(Value::Null)
        };
        assert_eq!(state("beta"), "needs_reauth", "{status}");
        assert_eq!(state("acme"), "active", "{status}");
        let logs = format!("{beta}{status}");
        assert!(!logs.contains("pat-na1-revoked"), "no token in answers");
        app.stop().await;
    }
);
