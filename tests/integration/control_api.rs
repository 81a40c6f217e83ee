//! Control API plumbing: health, readiness, metrics, status, auth, errors, limits, OpenAPI.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{spawn_app, spawn_app_with};

both_backends!(
    health_readiness_metrics_and_status_answer,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        assert_eq!(app.get("/healthz").await.status(), 200);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        assert_eq!(
            ready.json::<Value>().await.expect("json")["status"],
            "ready"
        );

        let metrics = app.get("/metrics").await;
        assert_eq!(metrics.status(), 200);
        let text = metrics.text().await.expect("text");
        for family in [
            "crmsync_uptime_seconds",
            "crmsync_http_requests_total",
            "crmsync_db_pool_connections",
            "crmsync_build_info",
        ] {
            assert!(text.contains(family), "{family} missing from:\n{text}");
        }
        assert!(
            text.contains(r#"route="/healthz""#),
            "requests are labelled by route template"
        );

        let status: Value = app.get("/api/v1/status").await.json().await.expect("json");
        let expected_backend = match backend {
            crate::support::Backend::Sqlite => "sqlite",
            crate::support::Backend::Postgres => "postgres",
        };
        assert_eq!(status["database"]["backend"], expected_backend);
        assert_eq!(status["database"]["ready"], true);
        assert_eq!(status["scheduler"]["running"], true);
        let tenants: Vec<&str> = status["tenants"]
            .as_array()
            .expect("tenants")
            .iter()
            .filter_map(|t| t["id"].as_str())
            .collect();
        assert_eq!(tenants, vec!["acme", "default"]);
        app.stop().await;
    }
);

both_backends!(
    api_requires_the_bearer_token_but_probes_do_not,
    |backend| async move {
        let Some(app) = spawn_app_with(backend, Some("t0ken-for-tests"), "", "").await else {
            return;
        };
        let anonymous = reqwest::Client::new();
        let resp = anonymous
            .get(app.url("/api/v1/status"))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 401);
        let err: Value = resp.json().await.expect("json");
        assert_eq!(err["error"]["code"], "unauthorized");
        let wrong = anonymous
            .get(app.url("/api/v1/default/companies"))
            .bearer_auth("t0ken-for-testz")
            .send()
            .await
            .expect("send");
        assert_eq!(wrong.status(), 401);
        assert_eq!(
            app.get("/api/v1/status").await.status(),
            200,
            "the right token works"
        );
        for open in ["/healthz", "/readyz", "/metrics", "/api/openapi.json"] {
            assert_eq!(
                anonymous
                    .get(app.url(open))
                    .send()
                    .await
                    .expect("send")
                    .status(),
                200,
                "{open}"
            );
        }
        app.stop().await;
    }
);

both_backends!(
    errors_are_json_with_code_message_and_details,
    |backend| async move {
        let Some(app) = spawn_app_with(backend, None, "max_body_bytes = 2048", "").await else {
            return;
        };
        let resp = app.get("/no/such/route").await;
        assert_eq!(resp.status(), 404);
        assert_eq!(
            resp.json::<Value>().await.expect("json")["error"]["code"],
            "not_found"
        );

        let resp = app.get("/api/v1/default/companies/not-a-number").await;
        assert_eq!(resp.status(), 400);
        assert_eq!(
            resp.json::<Value>().await.expect("json")["error"]["code"],
            "bad_request"
        );

        let resp = app
            .client
            .post(app.url("/api/v1/default/companies"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 400);
        assert!(resp.json::<Value>().await.expect("json")["error"]["message"].is_string());

        let big = json!({"name": "x".repeat(4096)});
        let resp = app.post("/api/v1/default/companies", &big).await;
        assert_eq!(resp.status(), 413);
        assert_eq!(
            resp.json::<Value>().await.expect("json")["error"]["code"],
            "payload_too_large"
        );
        app.stop().await;
    }
);

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let doc = serde_json::to_value(crmsync::control::openapi()).expect("serializable");
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/healthz",
        "/readyz",
        "/api/v1/status",
        "/api/v1/{tenant}/companies",
        "/api/v1/{tenant}/companies/{id}",
        "/api/v1/{tenant}/contacts",
        "/api/v1/{tenant}/contacts/{id}",
        "/api/v1/{tenant}/deals",
        "/api/v1/{tenant}/deals/{id}",
        "/api/v1/{tenant}/activities",
        "/api/v1/{tenant}/activities/{id}",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    let item = &paths["/api/v1/{tenant}/companies/{id}"];
    for method in ["get", "patch", "delete"] {
        assert!(item.get(method).is_some(), "{method} missing");
    }
    assert!(doc["components"]["schemas"]["Company"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
