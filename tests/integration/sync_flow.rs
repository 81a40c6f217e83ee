//! Sync engine, both ways: local changes out (API, direct SQL), HubSpot changes in,
//! conflicts by owner with the journal, echoes suppressed, deletes, merges, the review list
//! and the failed-record journal.

use serde_json::json;

use crate::both_backends;
use crate::sync_env::{TENANT, env};
use crmsync::store::Origin;
use crmsync::store::company::{Company, CompanyPatch};

both_backends!(
    changes_flow_both_ways_and_a_quiet_run_writes_nothing,
    |backend| async move {
        let Some(mut e) = env(backend, |_| {}).await else {
            return;
        };
        let remote = e.customer("Remote SA", "73282932000074").await;
        let contact = e
            .create(
                "contacts",
                &[
                    ("email", "ana@remote.fr"),
                    ("firstname", "Ana"),
                    ("synchro_artis", "true"),
                ],
            )
            .await;
        e.associate("contacts", &contact, "companies", &remote)
            .await;
        e.run().await;

        // A company created locally (as the control API does) goes to HubSpot with its key.
        let patch: CompanyPatch = serde_json::from_value(
            json!({"name": "Local SARL", "registration_key": "552 100 554 00013"}),
        )
        .expect("patch");
        let local: Company = e
            .store
            .create(TENANT, patch, &Origin::Api)
            .await
            .expect("create");
        // Direct SQL on a synced contact.
        let c = e.local_id("contact", &contact).await.expect("linked");
        e.store
            .execute_raw(&format!(
                "update contact set job_title = 'DAF' where contact_id = {c}"
            ))
            .await
            .expect("sql");
        // And a change in HubSpot.
        e.update("companies", &remote, &[("phone", "0102030405")])
            .await;
        let counts = e.run().await;
        assert_eq!(counts.failed, 0, "{counts:?}");

        let linked = e
            .store
            .remote_ids(TENANT, "company", "hubspot", &[local.company_id])
            .await
            .expect("links");
        let id = linked
            .get(&local.company_id)
            .expect("the local company is in HubSpot");
        let made = e
            .read("companies", id, &["siret", "synchro_artis", "name"])
            .await;
        assert_eq!(made.prop("siret"), Some("55210055400013"));
        assert_eq!(made.prop("synchro_artis"), Some("true"));
        assert_eq!(
            e.read("contacts", &contact, &["jobtitle"])
                .await
                .prop("jobtitle"),
            Some("DAF")
        );
        let r = e.local_id("company", &remote).await.expect("linked");
        assert_eq!(
            e.text(&format!("select phone from company where company_id = {r}"))
                .await
                .as_deref(),
            Some("0102030405")
        );

        // Echoes of this run's writes are read back once; after that, nothing moves.
        e.run().await;
        let writes = e.write_calls();
        let changes = e.change_log_len().await;
        let counts = e.run().await;
        assert_eq!(
            e.write_calls(),
            writes,
            "no HubSpot write in a run without changes"
        );
        assert_eq!(
            e.change_log_len().await,
            changes,
            "no local write in a run without changes"
        );
        assert_eq!(
            (counts.created, counts.updated, counts.failed),
            (0, 0, 0),
            "{counts:?}"
        );
    }
);

both_backends!(
    conflicts_follow_owners_and_are_journaled,
    |backend| async move {
        let Some(mut e) = env(backend, |c| {
            c.field_owners.insert(
                "company.city".into(),
                crmsync::mapping::ownership::Owner::Local,
            );
        })
        .await
        else {
            return;
        };
        let remote = e.customer("Conflict SA", "73282932000074").await;
        e.run().await;
        let id = e.local_id("company", &remote).await.expect("linked");
        // Both sides change the name; HubSpot's change is the later one.
        e.store
            .execute_raw(&format!(
                "update company set name = 'Local name' where company_id = {id}"
            ))
            .await
            .expect("sql");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        e.update(
            "companies",
            &remote,
            &[("name", "Remote name"), ("city", "Remote city")],
        )
        .await;
        e.run().await;
        assert_eq!(
            e.text(&format!("select name from company where company_id = {id}"))
                .await
                .as_deref(),
            Some("Remote name")
        );
        assert_eq!(
        e.text(&format!("select overwritten_value from sync_journal where local_id = {id} and field = 'name'")).await.as_deref(),
        Some("Local name")
    );
        // The city belongs to the local side: HubSpot's value is sent back over.
        assert_eq!(
            e.text(&format!("select city from company where company_id = {id}"))
                .await,
            None
        );
        assert_eq!(
            e.read("companies", &remote, &["city", "name"])
                .await
                .prop("city"),
            None
        );
        assert_eq!(
            e.read("companies", &remote, &["name"]).await.prop("name"),
            Some("Remote name")
        );

        // Lifecycle stage moved back locally: cleared, then set.
        e.store
            .execute_raw(&format!(
                "update company set lifecycle_stage = 'lead' where company_id = {id}"
            ))
            .await
            .expect("sql");
        e.run().await;
        assert_eq!(
            e.read("companies", &remote, &["lifecyclestage"])
                .await
                .prop("lifecyclestage"),
            Some("lead")
        );
    }
);

both_backends!(archives_merges_review_and_failures, |backend| async move {
    let Some(mut e) = env(backend, |c| c.archive_poll_interval_s = 0).await else {
        return;
    };
    let a = e.customer("A", "73282932000074").await;
    let b = e.customer("B", "55210055400013").await;
    let keyless = e
        .create(
            "companies",
            &[
                ("name", "No key"),
                ("lifecyclestage", "customer"),
                ("synchro_artis", "true"),
            ],
        )
        .await;
    let bad = e
        .create(
            "companies",
            &[
                ("name", "Bad key"),
                ("siret", "12345678901234"),
                ("lifecyclestage", "customer"),
                ("synchro_artis", "true"),
            ],
        )
        .await;
    let deal = e
        .create(
            "deals",
            &[
                ("dealname", "Odd stage"),
                ("synchro_artis", "true"),
                ("dealstage", "no-such-stage"),
            ],
        )
        .await;
    e.associate("deals", &deal, "companies", &a).await;
    let counts = e.run().await;
    assert_eq!(counts.failed, 1, "{counts:?}");
    assert!(
        e.local_id("company", &keyless).await.is_none()
            && e.local_id("company", &bad).await.is_none()
    );
    let review = e
        .store
        .review_items(Some(TENANT), Some("open"))
        .await
        .expect("review");
    assert_eq!(review.len(), 2, "{review:?}");
    assert!(
        review
            .iter()
            .any(|r| r.remote_id == bad && r.reason.contains("invalid"))
    );
    let companies = e.count("select count(*) from company").await;
    e.update("companies", &keyless, &[("city", "Brest")]).await;
    e.run().await;
    assert_eq!(
        e.count("select count(*) from company").await,
        companies,
        "never created twice"
    );
    // Linked by hand: the record is merged on the next run.
    let item = review
        .iter()
        .find(|r| r.remote_id == keyless)
        .expect("item");
    let patch: CompanyPatch =
        serde_json::from_value(json!({"name": "Known locally"})).expect("patch");
    let target = e
        .store
        .create::<Company>(TENANT, patch, &Origin::Api)
        .await
        .expect("create")
        .company_id;
    e.store
        .link_review(item.review_id, target)
        .await
        .expect("link");
    e.run().await;
    assert_eq!(e.local_id("company", &keyless).await, Some(target));
    assert_eq!(
        e.text(&format!(
            "select city from company where company_id = {target}"
        ))
        .await
        .as_deref(),
        Some("Brest")
    );
    assert_eq!(
        e.read("companies", &keyless, &["name"]).await.prop("name"),
        Some("Known locally"),
        "the later change wins on a first link"
    );

    // The failed deal is journaled with its reason and retried after a fix.
    let failures = e
        .store
        .failures(Some(TENANT), Some("pending"), 10)
        .await
        .expect("failures");
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].reason.contains("deal-stage table"),
        "{}",
        failures[0].reason
    );
    e.update("deals", &deal, &[("dealstage", "no-such-stage")])
        .await;
    let stage = e.hs.deal_pipelines().await.expect("p")[0].stages[0]
        .id
        .clone();
    e.update("deals", &deal, &[("dealstage", &stage)]).await;
    e.store
        .set_failure(failures[0].failure_id, true)
        .await
        .expect("retry");
    e.run().await;
    assert!(e.local_id("deal", &deal).await.is_some());
    assert!(
        e.store
            .failures(Some(TENANT), Some("pending"), 10)
            .await
            .expect("f")
            .is_empty()
    );

    // Archived in HubSpot: inactive locally, tombstone kept.
    e.hs.archive("companies", &a).await.expect("archive");
    e.run().await;
    let ida = e.local_id("company", &a).await.expect("still linked");
    assert_eq!(
        e.count(&format!(
            "select count(*) from company where company_id = {ida} and active = false"
        ))
        .await,
        1
    );
    // Merged into a record that was not synced: the survivor takes over the link, and the
    // local company stays the same one.
    let survivor = e
        .create(
            "companies",
            &[("name", "Survivor"), ("lifecyclestage", "lead")],
        )
        .await;
    e.run().await;
    assert!(e.local_id("company", &survivor).await.is_none());
    let before = e.local_id("company", &b).await.expect("b");
    let ids = json!({"primaryObjectId": survivor.parse::<u64>().expect("id"), "objectIdToMerge": b.parse::<u64>().expect("id")});
    e.sim
        .admin(reqwest::Method::POST, "/_sim/merge/companies", ids)
        .await;
    let companies = e.count("select count(*) from company").await;
    e.run().await;
    assert_eq!(
        e.local_id("company", &survivor).await,
        Some(before),
        "relinked"
    );
    assert_eq!(e.local_id("company", &b).await, None);
    assert_eq!(
        e.count("select count(*) from company").await,
        companies,
        "no new company"
    );
});

both_backends!(
    deletes_archive_in_hubspot_only_when_asked,
    |backend| async move {
        for propagate in [false, true] {
            let Some(mut e) = env(backend, |c| c.propagate_deletes = propagate).await else {
                return;
            };
            let remote = e.customer("Gone", "73282932000074").await;
            e.run().await;
            let id = e.local_id("company", &remote).await.expect("linked");
            let now = "2026-11-21T10:00:00.000Z";
            let sql = format!("update company set deleted_at = '{now}' where company_id = {id}");
            let sql = if backend == crate::support::Backend::Postgres {
                sql.replace(&format!("'{now}'"), &format!("'{now}'::timestamptz"))
            } else {
                sql
            };
            e.store.execute_raw(&sql).await.expect("soft delete");
            e.run().await;
            let archived =
                e.hs.read("companies", &remote, &["name".to_owned()])
                    .await
                    .is_err();
            assert_eq!(archived, propagate, "propagate_deletes = {propagate}");
        }
    }
);
