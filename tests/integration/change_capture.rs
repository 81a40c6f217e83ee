//! Change capture (spec §6.4): triggers log every write, direct SQL included, with the
//! origin that lets the sync skip its own echoes.

use crmsync::store::company::{Company, CompanyPatch};
use crmsync::store::{Change, Origin};
use serde_json::json;

use crate::both_backends;
use crate::support::spawn_app;

fn fields(change: &Change) -> Vec<String> {
    change
        .changed_fields
        .as_ref()
        .map(|f| f.0.clone())
        .unwrap_or_default()
}

both_backends!(
    direct_sql_update_of_a_company_lands_in_the_change_log,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let created = app
            .post(
                "/api/v1/default/companies",
                &json!({"name": "Acme", "city": "Paris"}),
            )
            .await;
        assert_eq!(created.status(), 201);
        let id: i64 = created.json::<serde_json::Value>().await.expect("json")["company_id"]
            .as_i64()
            .expect("id");

        // Another application writes the table directly, through its own connection.
        let other = crate::support::open_store(&app.db).await;
        let n = other
            .execute_raw(&format!(
                "update company set city = 'Lyon', phone = '+33 1 23' where company_id = {id}"
            ))
            .await
            .expect("update");
        assert_eq!(n, 1);
        other
            .execute_raw(&format!(
                "update company set city = 'Lyon' where company_id = {id}"
            ))
            .await
            .expect("no-op update");
        other.close().await;

        let changes = app
            .store
            .changes_after("default", 0, 100)
            .await
            .expect("changes");
        let ops: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| (c.op.as_str(), c.origin.as_str()))
            .collect();
        assert_eq!(
            ops,
            vec![("insert", "api"), ("update", "sql")],
            "a write that changes nothing is not logged"
        );
        let update = &changes[1];
        assert_eq!(update.entity, "company");
        assert_eq!(update.entity_id, id);
        let mut changed = fields(update);
        changed.sort();
        assert_eq!(changed, vec!["city".to_owned(), "phone".to_owned()]);
        app.stop().await;
    }
);

both_backends!(
    every_entity_and_every_operation_is_captured_with_its_origin,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let store = &app.store;
        let company: Company = store
            .create(
                "default",
                CompanyPatch {
                    name: Some(Some("Sync Co".into())),
                    ..Default::default()
                },
                &Origin::Sync("hubspot".into()),
            )
            .await
            .expect("create");
        store
            .update::<Company>(
                "default",
                company.company_id,
                CompanyPatch {
                    city: Some(Some("Gent".into())),
                    ..Default::default()
                },
                &Origin::Import,
            )
            .await
            .expect("update");
        store
            .delete::<Company>("default", company.company_id, &Origin::Api)
            .await
            .expect("soft delete");
        store
            .execute_raw(
                "insert into contact (tenant_id, email) values ('default', 'direct@example.fr')",
            )
            .await
            .expect("insert");
        store
            .execute_raw("insert into deal (tenant_id, name) values ('default', 'Direct deal')")
            .await
            .expect("insert");
        store
        .execute_raw("insert into activity (tenant_id, kind, occurred_at) values ('default', 'CALL', '2026-01-01T00:00:00.000Z')")
        .await
        .expect("insert");
        store
            .execute_raw("delete from contact")
            .await
            .expect("delete");

        let changes = store
            .changes_after("default", 0, 100)
            .await
            .expect("changes");
        let summary: Vec<(String, String, String)> = changes
            .iter()
            .map(|c| (c.entity.clone(), c.op.clone(), c.origin.clone()))
            .collect();
        let expect = |e: &str, o: &str, g: &str| (e.to_owned(), o.to_owned(), g.to_owned());
        assert_eq!(
            summary,
            vec![
                expect("company", "insert", "sync:hubspot"),
                expect("company", "update", "import"),
                expect("company", "update", "api"),
                expect("contact", "insert", "sql"),
                expect("deal", "insert", "sql"),
                expect("activity", "insert", "sql"),
                expect("contact", "delete", "sql"),
            ]
        );
        assert_eq!(fields(&changes[2]), vec!["deleted_at".to_owned()]);
        let after = store
            .changes_after("default", changes[4].change_id, 100)
            .await
            .expect("changes");
        assert_eq!(after.len(), 2, "reading resumes after a change id");
        app.stop().await;
    }
);

both_backends!(
    a_rolled_back_write_leaves_no_change_and_no_origin_behind,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let ok = app
            .post(
                "/api/v1/default/companies",
                &json!({"name": "A", "registration_key": "73282932000074"}),
            )
            .await;
        assert_eq!(ok.status(), 201);
        let dup = app
            .post(
                "/api/v1/default/companies",
                &json!({"name": "B", "registration_key": "73282932000074"}),
            )
            .await;
        assert_eq!(dup.status(), 409);
        // A later direct write must not inherit the failed transaction's origin.
        app.store
            .execute_raw("update company set city = 'Nice'")
            .await
            .expect("update");
        let changes = app
            .store
            .changes_after("default", 0, 100)
            .await
            .expect("changes");
        let origins: Vec<&str> = changes.iter().map(|c| c.origin.as_str()).collect();
        assert_eq!(origins, vec!["api", "sql"]);
        app.stop().await;
    }
);
