//! CRUD through the control API on both backends (issue: foundation).

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::spawn_app;

async fn body(resp: reqwest::Response) -> Value {
    resp.json().await.expect("JSON body")
}

both_backends!(company_crud_round_trip, |backend| async move {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let resp = app
        .post("/api/v1/default/companies", &json!({"name": "Acme", "siret": "732 829 320 00074", "domain": "https://www.acme.fr/contact"}))
        .await;
    assert_eq!(resp.status(), 201);
    let created = body(resp).await;
    let id = created["company_id"].as_i64().expect("id");
    assert_eq!(created["registration_key"], "73282932000074");
    assert_eq!(created["registration_kind"], "siret");
    assert_eq!(created["domain"], "acme.fr");
    assert_eq!(created["status"], "prospect");

    let resp = app
        .patch(
            &format!("/api/v1/default/companies/{id}"),
            &json!({"city": "Lyon", "csm_pulse": 4, "domain": null}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = body(resp).await;
    assert_eq!(updated["city"], "Lyon");
    assert_eq!(updated["csm_pulse"], 4);
    assert_eq!(updated["domain"], Value::Null);
    assert_eq!(updated["name"], "Acme", "absent fields stay unchanged");

    let got = body(app.get(&format!("/api/v1/default/companies/{id}")).await).await;
    assert_eq!(got, updated);

    let listed = body(
        app.get("/api/v1/default/companies?registration_key=BE%200403.019.261")
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
    let listed = body(
        app.get("/api/v1/default/companies?registration_key=732829320%2000074")
            .await,
    )
    .await;
    assert_eq!(listed["items"][0]["company_id"], id);

    assert_eq!(
        app.delete(&format!("/api/v1/default/companies/{id}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.get(&format!("/api/v1/default/companies/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.delete(&format!("/api/v1/default/companies/{id}"))
            .await
            .status(),
        404
    );
    let with_deleted = body(
        app.get("/api/v1/default/companies?include_deleted=true")
            .await,
    )
    .await;
    assert!(
        with_deleted["items"][0]["deleted_at"].is_string(),
        "tombstone kept"
    );
    app.stop().await;
});

both_backends!(
    invalid_siret_is_rejected_with_422_naming_the_field,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let resp = app
            .post(
                "/api/v1/default/companies",
                &json!({"name": "Bad", "registration_key": "73282932000075"}),
            )
            .await;
        assert_eq!(resp.status(), 422);
        let err = body(resp).await;
        assert_eq!(err["error"]["code"], "validation_failed");
        assert_eq!(err["error"]["details"]["field"], "registration_key");
        assert!(
            !err["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("73282932000075")
        );
        let count = app
            .store
            .scalar_i64("select count(*) from company")
            .await
            .expect("count");
        assert_eq!(count, 0, "nothing written");
        app.stop().await;
    }
);

both_backends!(
    same_siret_twice_in_a_tenant_conflicts_but_another_tenant_may_reuse_it,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let company = json!({"name": "Acme", "registration_key": "73282932000074"});
        assert_eq!(
            app.post("/api/v1/default/companies", &company)
                .await
                .status(),
            201
        );
        let resp = app
            .post(
                "/api/v1/default/companies",
                &json!({"name": "Acme bis", "siret": "732.829.320.00074"}),
            )
            .await;
        assert_eq!(resp.status(), 409);
        assert_eq!(
            body(resp).await["error"]["details"]["field"],
            "registration_key"
        );
        assert_eq!(
            app.post("/api/v1/acme/companies", &company).await.status(),
            201
        );
        assert_eq!(
            app.post("/api/v1/nosuchtenant/companies", &company)
                .await
                .status(),
            404
        );
        app.stop().await;
    }
);

both_backends!(
    belgian_enterprise_numbers_are_normalized_and_checked,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let resp = app
            .post(
                "/api/v1/default/companies",
                &json!({"name": "Gent NV", "registration_key": "BE 0403.019.261"}),
            )
            .await;
        assert_eq!(resp.status(), 201);
        let created = body(resp).await;
        assert_eq!(created["registration_key"], "0403019261");
        assert_eq!(created["registration_kind"], "be_enterprise");
        let resp = app
            .post(
                "/api/v1/default/companies",
                &json!({"name": "Bad NV", "registration_key": "BE431150351"}),
            )
            .await;
        assert_eq!(resp.status(), 422);
        app.stop().await;
    }
);

both_backends!(
    cursor_paging_returns_every_record_once,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        for i in 0..7 {
            assert_eq!(
                app.post(
                    "/api/v1/default/companies",
                    &json!({"name": format!("Company {i}")})
                )
                .await
                .status(),
                201
            );
        }
        let mut seen = Vec::new();
        let mut path = "/api/v1/default/companies?limit=3".to_owned();
        loop {
            let page = body(app.get(&path).await).await;
            for item in page["items"].as_array().expect("items") {
                seen.push(item["name"].as_str().expect("name").to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/default/companies?limit=3&after={cursor}"),
                None => break,
            }
        }
        let expected: Vec<String> = (0..7).map(|i| format!("Company {i}")).collect();
        assert_eq!(seen, expected);
        assert_eq!(
            app.get("/api/v1/default/companies?after=garbage")
                .await
                .status(),
            400
        );
        let found = body(app.get("/api/v1/default/companies?q=COMPANY%203").await).await;
        assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
        app.stop().await;
    }
);

both_backends!(
    contacts_validate_email_company_and_references,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let company = body(
            app.post("/api/v1/default/companies", &json!({"name": "Acme"}))
                .await,
        )
        .await;
        let company_id = company["company_id"].as_i64().expect("id");
        let resp = app
        .post(
            "/api/v1/default/contacts",
            &json!({"email": "Jeanne.Martin@Example.fr", "company_id": company_id, "civility": "MME", "gender": "female", "nps_score": 5, "tags": ["vip"]}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let contact = body(resp).await;
        assert_eq!(contact["gender"], "FEMALE");
        assert_eq!(contact["state"], "active");

        let dup = app
            .post(
                "/api/v1/default/contacts",
                &json!({"email": "jeanne.martin@example.FR"}),
            )
            .await;
        assert_eq!(
            dup.status(),
            409,
            "e-mail is unique per tenant, case-insensitively"
        );
        assert_eq!(body(dup).await["error"]["details"]["field"], "email");

        for (input, field) in [
            (json!({"email": "not-an-email"}), "email"),
            (
                json!({"email": "a@b.fr", "company_id": 999_999}),
                "company_id",
            ),
            (json!({"email": "a@b.fr", "civility": "XYZ"}), "civility"),
            (json!({"email": "a@b.fr", "nps_score": 6}), "nps_score"),
            (json!({"email": "a@b.fr", "gender": "robot"}), "gender"),
            (
                json!({"email": "a@b.fr", "criteria": {"SECTOR": "IT"}}),
                "criteria",
            ),
        ] {
            let resp = app.post("/api/v1/default/contacts", &input).await;
            assert_eq!(resp.status(), 422, "{input}");
            assert_eq!(
                body(resp).await["error"]["details"]["field"],
                field,
                "{input}"
            );
        }
        let unknown = app
            .post(
                "/api/v1/default/contacts",
                &json!({"email": "a@b.fr", "emial": "x"}),
            )
            .await;
        assert_eq!(unknown.status(), 422);
        assert!(
            body(unknown).await["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("emial")
        );
        let by_email = body(
            app.get("/api/v1/default/contacts?email=JEANNE.MARTIN%40example.fr")
                .await,
        )
        .await;
        assert_eq!(by_email["items"].as_array().map(Vec::len), Some(1));
        app.stop().await;
    }
);

both_backends!(
    deals_and_activities_round_trip_with_decision_table_statuses,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let company = body(
            app.post("/api/v1/default/companies", &json!({"name": "Acme"}))
                .await,
        )
        .await;
        let company_id = company["company_id"].as_i64().expect("id");
        let user = app
            .store
            .upsert_user("default", "sales@example.fr", Some("Sales"))
            .await
            .expect("user");
        let resp = app
        .post(
            "/api/v1/default/deals",
            &json!({"name": "Renewal", "amount_cents": 150_000, "currency": "eur", "close_date": "2026-12-31",
                    "status": "negociation", "progress_pct": 40, "company_id": company_id,
                    "secondary_user_id": user, "secondary_role": "TELEVENDEUR_HUBSPOT"}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let deal = body(resp).await;
        assert_eq!(deal["currency"], "EUR");
        assert_eq!(deal["close_date"], "2026-12-31");
        let deal_id = deal["deal_id"].as_i64().expect("id");
        let bad = app
            .post(
                "/api/v1/default/deals",
                &json!({"name": "X", "status": "nonsense"}),
            )
            .await;
        assert_eq!(bad.status(), 422);
        assert_eq!(body(bad).await["error"]["details"]["field"], "status");

        let resp = app
        .post(
            "/api/v1/default/activities",
            &json!({"kind": "call", "occurred_at": "2026-11-02T10:00:00+01:00", "subject": "Kick-off", "company_id": company_id, "deal_id": deal_id, "owner_user_id": user}),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let activity = body(resp).await;
        assert_eq!(activity["kind"], "CALL");
        assert_eq!(activity["occurred_at"], "2026-11-02T09:00:00Z");
        let listed = body(
            app.get(&format!("/api/v1/default/activities?deal_id={deal_id}"))
                .await,
        )
        .await;
        assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            app.post("/api/v1/default/activities", &json!({"kind": "FAX"}))
                .await
                .status(),
            422
        );
        app.stop().await;
    }
);
