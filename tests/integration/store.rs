//! Store behaviour below the API: tenants and defaults, credentials at rest.

use crmsync::secrets::Cipher;
use secrecy::{ExposeSecret, SecretString};

use crate::both_backends;
use crate::support::spawn_app;

both_backends!(
    tenants_get_the_default_decision_tables_once,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let store = &app.store;
        store
            .ensure_tenant("default", "Default")
            .await
            .expect("idempotent");
        let count = |sql: &'static str| async move { store.scalar_i64(sql).await.expect(sql) };
        assert_eq!(
            count("select count(*) from deal_stage_map where tenant_id = 'default'").await,
            6
        );
        assert_eq!(
            count("select count(*) from activity_type_map where tenant_id = 'acme'").await,
            3
        );
        assert_eq!(
        count("select count(*) from label where kind = 'commercial_role' and code = 'TELEVENDEUR_HUBSPOT' and tenant_id = 'default'").await,
        1
    );
        assert_eq!(count("select progress_pct from deal_stage_map where tenant_id = 'default' and stage_name = 'Conclusion'").await, 70);
        assert_eq!(count("select count(*) from tenant").await, 2);
        app.stop().await;
    }
);

both_backends!(
    credentials_are_encrypted_at_rest_and_bound_to_their_row,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let cipher = Cipher::from_key(&[42; 32]);
        let token = SecretString::from("pat-na1-0123456789abcdef");
        app.store
            .put_credential(&cipher, "default", "hubspot", "access_token", &token)
            .await
            .expect("put");
        let back = app
            .store
            .get_credential(&cipher, "default", "hubspot", "access_token")
            .await
            .expect("get")
            .expect("present");
        assert_eq!(back.expose_secret(), token.expose_secret());
        assert!(
            app.store
                .get_credential(&cipher, "default", "hubspot", "refresh_token")
                .await
                .expect("get")
                .is_none()
        );

        // The plaintext is nowhere in the table.
        let found = app
            .store
            .scalar_i64(
                "select count(*) from connection_credential where ciphertext like '%pat-na1%'",
            )
            .await
            .expect("query");
        assert_eq!(found, 0);
        // Moved to another row, or read with another key, it does not decrypt.
        app.store
        .execute_raw("insert into connection_credential (tenant_id, connection, name, ciphertext) select 'acme', connection, name, ciphertext from connection_credential")
        .await
        .expect("copy");
        assert!(
            app.store
                .get_credential(&cipher, "acme", "hubspot", "access_token")
                .await
                .is_err()
        );
        assert!(
            app.store
                .get_credential(
                    &Cipher::from_key(&[1; 32]),
                    "default",
                    "hubspot",
                    "access_token"
                )
                .await
                .is_err()
        );
        app.stop().await;
    }
);

both_backends!(
    history_pruning_removes_only_old_finished_runs,
    |backend| async move {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let store = &app.store;
        store
        .execute_raw(
            "insert into sync_run (tenant_id, connection, reason, state, started_at, finished_at) values \
             ('default', 'hubspot', 'schedule', 'succeeded', '2020-01-01T00:00:00.000Z', '2020-01-01T00:01:00.000Z'), \
             ('default', 'hubspot', 'schedule', 'succeeded', '2099-01-01T00:00:00.000Z', '2099-01-01T00:01:00.000Z')",
        )
        .await
        .expect("runs");
        let removed = store
            .prune_history(crmsync::store::Timestamp::now())
            .await
            .expect("prune");
        assert_eq!(removed, 1);
        assert_eq!(
            store
                .scalar_i64("select count(*) from sync_run")
                .await
                .expect("count"),
            1
        );
        app.stop().await;
    }
);
