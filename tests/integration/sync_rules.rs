//! Sync engine, HubSpot → local: the §3.1 trigger table, stickiness, the parent rule, the
//! decision tables, user matching, the creator's role and the sales engineer.

use crate::both_backends;
use crate::sync_env::{TENANT, env, first_owner};

both_backends!(
    trigger_table_parent_rule_and_stickiness,
    |backend| async move {
        let Some(mut e) = env(backend, |_| {}).await else {
            return;
        };
        let lead_on = e
            .create(
                "companies",
                &[
                    ("name", "Lead On"),
                    ("siret", "73282932000074"),
                    ("lifecyclestage", "lead"),
                    ("synchro_artis", "true"),
                ],
            )
            .await;
        let cust_off = e
            .create(
                "companies",
                &[
                    ("name", "Cust Off"),
                    ("siret", "55210055400013"),
                    ("lifecyclestage", "customer"),
                ],
            )
            .await;
        let cust_on = e.customer("Cust On", "44306184100047").await;
        // Children of the synced company: boxes on and off.
        let c_on = e
            .create(
                "contacts",
                &[
                    ("email", "on@cust.fr"),
                    ("firstname", "A"),
                    ("synchro_artis", "true"),
                ],
            )
            .await;
        let c_off = e
            .create("contacts", &[("email", "off@cust.fr"), ("firstname", "B")])
            .await;
        let d_on = e
            .create(
                "deals",
                &[("dealname", "Deal on"), ("synchro_artis", "true")],
            )
            .await;
        let d_off = e.create("deals", &[("dealname", "Deal off")]).await;
        let call = e
            .create(
                "calls",
                &[
                    ("hs_timestamp", "1767225600000"),
                    ("hs_call_title", "Appel"),
                ],
            )
            .await;
        for c in [&c_on, &c_off] {
            e.associate("contacts", c, "companies", &cust_on).await;
        }
        for d in [&d_on, &d_off] {
            e.associate("deals", d, "companies", &cust_on).await;
        }
        e.associate("calls", &call, "companies", &cust_on).await;
        // Box ticked, but the company does not sync: the parent rule keeps it out.
        let orphan = e
            .create(
                "contacts",
                &[("email", "x@lead.fr"), ("synchro_artis", "true")],
            )
            .await;
        e.associate("contacts", &orphan, "companies", &lead_on)
            .await;

        let counts = e.run().await;
        assert_eq!(counts.failed, 0);
        assert!(
            e.local_id("company", &cust_on).await.is_some(),
            "trigger met"
        );
        assert!(
            e.local_id("company", &lead_on).await.is_none(),
            "stage is not the trigger"
        );
        assert!(e.local_id("company", &cust_off).await.is_none(), "box off");
        assert!(e.local_id("contact", &c_on).await.is_some());
        assert!(e.local_id("contact", &c_off).await.is_none());
        assert!(
            e.local_id("contact", &orphan).await.is_none(),
            "parent not synced"
        );
        assert!(e.local_id("deal", &d_on).await.is_some());
        assert!(e.local_id("deal", &d_off).await.is_none());
        assert!(
            e.local_id("activity", &call).await.is_some(),
            "activities follow the company"
        );
        let company = e.local_id("company", &cust_on).await.expect("linked");
        let contact = e.local_id("contact", &c_on).await.expect("linked");
        assert_eq!(
            e.count(&format!(
                "select company_id from contact where contact_id = {contact}"
            ))
            .await,
            company
        );

        // Stickiness: the stage moves on and the box is unticked; changes still arrive.
        e.update(
            "companies",
            &cust_on,
            &[
                ("lifecyclestage", "evangelist"),
                ("synchro_artis", "false"),
                ("city", "Lyon"),
            ],
        )
        .await;
        e.run().await;
        assert_eq!(
            e.text(&format!(
                "select city from company where company_id = {company}"
            ))
            .await
            .as_deref(),
            Some("Lyon")
        );
        // A company that meets the trigger later starts syncing, with its children.
        e.update("companies", &lead_on, &[("lifecyclestage", "customer")])
            .await;
        e.run().await;
        assert!(e.local_id("company", &lead_on).await.is_some());
        assert!(
            e.local_id("contact", &orphan).await.is_some(),
            "children read when the company starts syncing"
        );
    }
);

both_backends!(
    decision_tables_users_role_and_sales_engineer,
    |backend| async move {
        let Some(mut e) = env(backend, |_| {}).await else {
            return;
        };
        let (owner, owner_email, owner_user) = first_owner(&e.hs).await;
        // The collaborator exists locally already: matched by e-mail, case-insensitively.
        let user = e
            .store
            .upsert_user(TENANT, &owner_email.to_uppercase(), Some("Known"))
            .await
            .expect("user");
        let company = e
            .create(
                "companies",
                &[
                    ("name", "Eng"),
                    ("siret", "73282932000074"),
                    ("lifecyclestage", "customer"),
                    ("synchro_artis", "true"),
                    ("ingenieur_commercial", &owner),
                    ("hubspot_owner_id", &owner),
                ],
            )
            .await;
        let stages = e.hs.deal_pipelines().await.expect("pipelines");
        let stage = |label: &str| {
            stages[0]
                .stages
                .iter()
                .find(|s| s.label == label)
                .map(|s| s.id.clone())
                .expect("stage")
        };
        let deal = e
            .create_as_user(
                "deals",
                &[
                    ("dealname", "D"),
                    ("synchro_artis", "true"),
                    ("dealstage", &stage("Négociation")),
                    ("amount", "1500.50"),
                    ("hs_created_by_user_id", &owner_user),
                    ("hubspot_owner_id", &owner),
                ],
            )
            .await;
        e.associate("deals", &deal, "companies", &company).await;
        let no_civ = e
            .create(
                "contacts",
                &[("email", "a@eng.fr"), ("synchro_artis", "true")],
            )
            .await;
        let mme = e
            .create(
                "contacts",
                &[
                    ("email", "b@eng.fr"),
                    ("synchro_artis", "true"),
                    ("civilite", "MME"),
                ],
            )
            .await;
        for c in [&no_civ, &mme] {
            e.associate("contacts", c, "companies", &company).await;
        }
        let meeting = e
            .create(
                "meetings",
                &[
                    ("hs_timestamp", "1767225600000"),
                    ("hs_meeting_title", "RDV"),
                ],
            )
            .await;
        e.associate("meetings", &meeting, "companies", &company)
            .await;
        e.run().await;

        let c = e.local_id("company", &company).await.expect("company");
        assert_eq!(
            e.count(&format!(
                "select sales_engineer_user_id from company where company_id = {c}"
            ))
            .await,
            user
        );
        assert_eq!(
            e.count(&format!(
                "select owner_user_id from company where company_id = {c}"
            ))
            .await,
            user
        );
        let d = e.local_id("deal", &deal).await.expect("deal");
        let row = |col: &str| format!("select {col} from deal where deal_id = {d}");
        assert_eq!(e.text(&row("status")).await.as_deref(), Some("negociation"));
        assert_eq!(e.count(&row("progress_pct")).await, 40);
        assert_eq!(e.count(&row("amount_cents")).await, 150_050);
        assert_eq!(
            e.count(&row("secondary_user_id")).await,
            user,
            "the creator"
        );
        assert_eq!(
            e.text(&row("secondary_role")).await.as_deref(),
            Some("TELEVENDEUR_HUBSPOT")
        );
        assert_eq!(
            e.count(&row("sales_engineer_user_id")).await,
            user,
            "copied from the company"
        );
        assert_eq!(e.count(&row("primary_user_id")).await, user);
        let civ = |r: i64| format!("select civility from contact where contact_id = {r}");
        let first = e.local_id("contact", &no_civ).await.expect("contact");
        assert_eq!(
            e.text(&civ(first)).await.as_deref(),
            Some("M"),
            "empty takes the first code"
        );
        let second = e.local_id("contact", &mme).await.expect("contact");
        assert_eq!(e.text(&civ(second)).await.as_deref(), Some("MME"));
        let a = e.local_id("activity", &meeting).await.expect("activity");
        assert_eq!(
            e.text(&format!(
                "select kind || '/' || action_reason from activity where activity_id = {a}"
            ))
            .await
            .as_deref(),
            Some("MEETING/rendez-vous")
        );

        // Backwards: local status and civility go out through the same tables.
        e.store
            .execute_raw(&format!(
                "update deal set status = 'gagnee' where deal_id = {d}"
            ))
            .await
            .expect("sql");
        e.store
            .execute_raw(&format!(
                "update contact set civility = 'MME' where contact_id = {first}"
            ))
            .await
            .expect("sql");
        e.run().await;
        assert_eq!(
            e.read("deals", &deal, &["dealstage"])
                .await
                .prop("dealstage"),
            Some(stage("Gagnée").as_str())
        );
        assert_eq!(
            e.read("contacts", &no_civ, &["civilite"])
                .await
                .prop("civilite"),
            Some("MME")
        );
    }
);
