//! Segments and contact operations (spec §5, seeds 001 and 004): the segment language run
//! on both backends, inactivate / delete / anonymize / erase by keys file or segment, in one
//! transaction with a dry run, and HubSpot's GDPR delete for erased contacts linked to it.

use std::process::ExitCode;

use crmsync::import::ops::{self, ContactOp, OpOptions, Target};
use crmsync::import::segment;
use crmsync::store::company::{Company, CompanyPatch};
use crmsync::store::contact::{Contact, ContactPatch};
use crmsync::store::{ListQuery, Origin, Store};
use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestDb, fresh_db, load_config, open_store};

const TENANT: &str = "acme";

/// A tenant with a criterion, an authorization, two companies and four contacts (one
/// deleted): a@ VIP/FR/TRIAL/IT/news, b@ vip+key/EN/RUN/RETAIL/no news, c@ inactive and bare,
/// d@ deleted VIP.
pub async fn seeded(backend: Backend) -> Option<(TestDb, Store)> {
    let db = fresh_db(backend).await?;
    let store = open_store(&db).await;
    store.migrate().await.expect("migrate");
    seed(&store).await;
    Some((db, store))
}

/// The tenant, its reference codes, two customers and four contacts (one deleted).
pub async fn seed(store: &Store) {
    store.ensure_tenant(TENANT, "Acme").await.expect("tenant");
    for (table, code, label) in [
        ("customer_stage", "TRIAL", "Trial"),
        ("customer_stage", "RUN", "Run"),
        ("criterion", "SECTOR", "Sector"),
        ("criterion", "SIZE", "Size"),
        ("authorization_name", "NEWSLETTER", "Newsletter"),
        ("authorization_name", "SMS", "Text messages"),
    ] {
        store
            .add_reference(TENANT, table, code, label)
            .await
            .expect("reference");
    }
    for (criterion, code) in [
        ("SECTOR", "IT"),
        ("SECTOR", "RETAIL"),
        ("SECTOR", "=CMD"),
        ("SIZE", "S"),
        ("SIZE", "L"),
    ] {
        store
            .add_criterion_value(TENANT, criterion, code, code)
            .await
            .expect("value");
    }
    let company = |v| serde_json::from_value::<CompanyPatch>(v).expect("patch");
    let c1: Company = store
        .create(
            TENANT,
            company(json!({"name": "Acme", "domain": "acme.fr", "external_id": "C-1", "customer_stage": "TRIAL"})),
            &Origin::Api,
        )
        .await
        .expect("company");
    let c2: Company = store
        .create(
            TENANT,
            company(json!({"name": "Globex", "domain": "globex.com", "external_id": "C-2", "customer_stage": "RUN"})),
            &Origin::Api,
        )
        .await
        .expect("company");
    let contact = |v| serde_json::from_value::<ContactPatch>(v).expect("patch");
    for patch in [
        json!({"external_id": "P-1", "email": "a@example.com", "first_name": "Anna", "last_name": "Alpha", "phone": "+33 6 00 00 00 01",
               "tags": ["VIP"], "language": "FR", "company_id": c1.company_id, "job_title": "CEO", "gender": "FEMALE",
               "criteria": {"SECTOR": "IT"}, "authorizations": {"NEWSLETTER": true}}),
        json!({"external_id": "P-2", "email": "b@example.com", "tags": ["vip", "key"], "language": "EN", "company_id": c2.company_id,
               "criteria": {"SECTOR": "RETAIL"}, "authorizations": {"NEWSLETTER": false}}),
        json!({"email": "c@example.com", "company_id": c1.company_id, "state": "inactive"}),
        json!({"email": "d@example.com", "tags": ["VIP"], "company_id": c1.company_id}),
    ] {
        let created: Contact = store
            .create(TENANT, contact(patch), &Origin::Api)
            .await
            .expect("contact");
        if created.fields.email.as_deref() == Some("d@example.com") {
            store
                .delete::<Contact>(TENANT, created.contact_id, &Origin::Api)
                .await
                .expect("delete");
        }
    }
}

/// E-mails of the live contacts matching `text`, sorted.
async fn members(store: &Store, text: &str) -> Vec<String> {
    let parsed = segment::parse(text).expect("segment parses");
    let compiled = segment::compile(&parsed, store.backend(), 4);
    let page = store
        .segment_page(
            TENANT,
            Some((compiled.sql.as_str(), compiled.args.as_slice())),
            0,
            100,
        )
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    let mut emails: Vec<String> = page
        .into_iter()
        .map(|c| c.fields.email.unwrap_or_default())
        .collect();
    emails.sort();
    emails
}

pub async fn all_contacts(store: &Store) -> Vec<Contact> {
    let q = ListQuery {
        limit: 1000,
        include_deleted: true,
        ..ListQuery::default()
    };
    store.list::<Contact>(TENANT, &q).await.expect("list").items
}

fn by_email<'a>(list: &'a [Contact], email: &str) -> Option<&'a Contact> {
    list.iter()
        .find(|c| c.fields.email.as_deref() == Some(email))
}

both_backends!(segments_select_the_right_contacts, |backend| async move {
    let Some((_db, store)) = seeded(backend).await else {
        return;
    };
    let (a, b, c) = ("a@example.com", "b@example.com", "c@example.com");
    let cases: &[(&str, &[&str])] = &[
        ("tag = vip", &[a, b]),
        ("tag != VIP", &[c]),
        ("tag in (KEY, nope)", &[b]),
        ("language = fr", &[a]),
        ("language != FR", &[b, c]),
        ("language is not set", &[c]),
        ("company.stage = TRIAL", &[a, c]),
        ("company.id in (C-2)", &[b]),
        ("company.domain = ACME.fr", &[a, c]),
        ("company.name = globex", &[b]),
        ("criterion.SECTOR = IT", &[a]),
        ("criterion.SECTOR != IT", &[b, c]),
        ("criterion.SECTOR is not set", &[c]),
        ("authorization.NEWSLETTER = f", &[b]),
        ("authorization.NEWSLETTER = TRUE", &[a]),
        ("authorization.NEWSLETTER is not set", &[c]),
        ("state = inactive", &[c]),
        ("state = active and (tag = key or language = FR)", &[a, b]),
        ("not (tag = VIP or state = inactive)", &[]),
        (r#"company.name = "x'); drop table contact; --""#, &[]),
    ];
    for (text, expected) in cases {
        assert_eq!(members(&store, text).await, *expected, "{text}");
    }
    // Nothing was dropped by the last one.
    assert_eq!(
        members(&store, "state = active or state = inactive")
            .await
            .len(),
        3
    );
});

fn options(op: ContactOp, target: Target, dry_run: bool) -> OpOptions {
    OpOptions {
        op,
        tenant: TENANT.to_owned(),
        target,
        dry_run,
        hubspot: None,
    }
}

both_backends!(
    operations_by_keys_file_with_dry_run_and_not_found_keys,
    |backend| async move {
        let Some((db, store)) = seeded(backend).await else {
            return;
        };
        let keys = db.dir.path().join("keys.csv");
        std::fs::write(
            &keys,
            "Identifiant contact;Courriel\nP-1;\n;B@example.com\n;nobody@example.com\nP-1;a@example.com\n",
        )
        .expect("write");
        let changes_before = store
            .changes_after(TENANT, 0, 1000)
            .await
            .expect("log")
            .len();
        let dry = ops::run(
            &store,
            options(ContactOp::Inactivate, Target::File(keys.clone()), true),
        )
        .await
        .expect("dry run");
        assert_eq!(
            (dry.matched, dry.changed, dry.unchanged, dry.not_found),
            (2, 2, 0, 1)
        );
        assert_eq!(dry.errors[0].line, 4);
        assert_eq!(dry.errors[0].column, "Courriel");
        assert_eq!(dry.errors[0].reason, "no such contact");
        let list = all_contacts(&store).await;
        assert_eq!(
            by_email(&list, "a@example.com").expect("a").fields.state,
            "active"
        );
        assert_eq!(
            store
                .changes_after(TENANT, 0, 1000)
                .await
                .expect("log")
                .len(),
            changes_before
        );
        let done = ops::run(
            &store,
            options(ContactOp::Inactivate, Target::File(keys.clone()), false),
        )
        .await
        .expect("run");
        assert_eq!((done.changed, done.not_found), (2, 1));
        let list = all_contacts(&store).await;
        for email in ["a@example.com", "b@example.com"] {
            assert_eq!(
                by_email(&list, email).expect("contact").fields.state,
                "inactive"
            );
        }
        // Again: nothing left to do.
        let again = ops::run(
            &store,
            options(ContactOp::Inactivate, Target::File(keys), false),
        )
        .await
        .expect("run");
        assert_eq!((again.changed, again.unchanged), (0, 2));
        let log = store.changes_after(TENANT, 0, 1000).await.expect("log");
        let imported: Vec<_> = log.iter().filter(|c| c.origin == "import").collect();
        assert_eq!(imported.len(), 2);
        assert!(
            imported
                .iter()
                .all(|c| c.op == "update" && c.entity == "contact")
        );
        // A file without a key column is refused before anything happens.
        let bad = db.dir.path().join("bad.csv");
        std::fs::write(&bad, "Name\nx\n").expect("write");
        let err = ops::run(&store, options(ContactOp::Delete, Target::File(bad), false))
            .await
            .expect_err("no key column");
        assert!(
            err.is_usage() && err.to_string().contains("Contact ID or Email"),
            "{err}"
        );
    }
);

both_backends!(
    anonymize_keeps_the_record_without_personal_data_and_erase_removes_it,
    |backend| async move {
        let Some((_db, store)) = seeded(backend).await else {
            return;
        };
        let report = ops::run(
            &store,
            options(
                ContactOp::Anonymize,
                Target::Segment("criterion.SECTOR = IT".into()),
                false,
            ),
        )
        .await
        .expect("anonymize");
        assert_eq!((report.matched, report.changed), (1, 1));
        let list = all_contacts(&store).await;
        let anon = list
            .iter()
            .find(|c| c.fields.state == "anonymized")
            .expect("kept for statistics");
        let f = &anon.fields;
        assert_eq!(
            (
                &f.email,
                &f.external_id,
                &f.first_name,
                &f.last_name,
                &f.phone,
                &f.job_title
            ),
            (&None, &None, &None, &None, &None, &None)
        );
        assert!(f.additional_emails.is_empty());
        // What statistics need stays.
        assert!(f.company_id.is_some());
        assert_eq!(f.gender.as_deref(), Some("FEMALE"));
        assert_eq!(f.criteria.get("SECTOR").map(String::as_str), Some("IT"));
        assert_eq!(f.tags.0, ["VIP"]);
        // The change log names columns, never values.
        let log = store.changes_after(TENANT, 0, 1000).await.expect("log");
        let last = log.last().expect("logged");
        assert_eq!(
            (last.origin.as_str(), last.op.as_str()),
            ("import", "update")
        );
        let text = serde_json::to_string(&log).expect("json");
        assert!(
            !text.contains("Anna") && !text.contains("a@example.com"),
            "{text}"
        );

        // Delete by segment: a soft delete.
        let deleted = ops::run(
            &store,
            options(
                ContactOp::Delete,
                Target::Segment("company.id = C-2".into()),
                false,
            ),
        )
        .await
        .expect("delete");
        assert_eq!(deleted.changed, 1);
        let list = all_contacts(&store).await;
        assert!(
            by_email(&list, "b@example.com")
                .expect("kept")
                .deleted_at
                .is_some()
        );

        // Erase: the record is gone, the log records a delete.
        let erased = ops::run(
            &store,
            options(
                ContactOp::Erase,
                Target::Segment("state = inactive".into()),
                false,
            ),
        )
        .await
        .expect("erase");
        assert_eq!((erased.changed, erased.hubspot_kept), (1, 0));
        let list = all_contacts(&store).await;
        assert!(by_email(&list, "c@example.com").is_none());
        assert_eq!(list.len(), 3);
        let log = store.changes_after(TENANT, 0, 1000).await.expect("log");
        let last = log.last().expect("logged");
        assert_eq!(
            (last.origin.as_str(), last.op.as_str()),
            ("import", "delete")
        );
        // A bad segment is a usage error naming the position.
        let err = ops::run(
            &store,
            options(ContactOp::Erase, Target::Segment("tag = ".into()), false),
        )
        .await
        .expect_err("bad segment");
        assert!(
            err.is_usage() && err.to_string().contains("character 7"),
            "{err}"
        );
    }
);

async fn contacts_cli(db: &TestDb, extra: &str, args: &[&str]) -> ExitCode {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: crmsync::import::ops::cli::ContactsArgs,
    }
    let (_, config) = load_config(db, "127.0.0.1:0", "", extra);
    let mut argv = vec!["contacts"];
    argv.extend_from_slice(args);
    argv.extend(["--tenant", TENANT]);
    let w = Wrapper::try_parse_from(argv).expect("valid arguments");
    crmsync::import::ops::cli::run(&config, w.args)
        .await
        .expect("cli runs")
}

#[tokio::test]
async fn erase_asks_hubspot_gdpr_delete_for_linked_contacts_when_configured() {
    use crate::hubspot_client::Sim;
    use crmsync::connectors::hubspot::objects::ListRequest;
    use crmsync::connectors::hubspot::{ClientConfig, Credentials, HubSpotClient, HubSpotError};
    use crmsync::simulate::Simulator;
    use crmsync::simulate::hubspot::{DEFAULT_TOKEN, SimConfig};

    let Some((db, store)) = seeded(Backend::Sqlite).await else {
        return;
    };
    let sim = Sim::start(SimConfig {
        companies: 2,
        contacts: 3,
        deals: 0,
        activities: 0,
        ..SimConfig::default()
    })
    .await;
    let mut config = ClientConfig::new(sim.base.clone());
    config.min_call_interval = std::time::Duration::from_millis(10);
    config.min_backoff = std::time::Duration::from_millis(10);
    let client = HubSpotClient::new(
        config,
        Credentials::Static(secrecy::SecretString::from(DEFAULT_TOKEN)),
        None,
    )
    .expect("client");
    let remote: Vec<String> = client
        .list_page("contacts", &ListRequest::default())
        .await
        .expect("list")
        .results
        .into_iter()
        .map(|r| r.id)
        .collect();
    let list = all_contacts(&store).await;
    let local = |email| by_email(&list, email).expect("contact").contact_id;
    for (id, remote) in [
        (local("a@example.com"), &remote[0]),
        (local("b@example.com"), &remote[1]),
    ] {
        store
            .execute_raw(&format!(
                "insert into entity_link (tenant_id, entity, local_id, connection, remote_id) values ('{TENANT}', 'contact', {id}, 'hubspot', '{remote}')"
            ))
            .await
            .expect("link");
    }
    // gdpr_erase on, through the configuration and the CLI; a dry run calls nothing.
    let extra = format!(
        "[tenants.{TENANT}.hubspot]\nbase_url = \"{}\"\naccess_token = \"{DEFAULT_TOKEN}\"\ngdpr_erase = true\n",
        sim.base
    );
    let keys = db.dir.path().join("erase.csv");
    std::fs::write(&keys, "Email\na@example.com\n").expect("write");
    let keys_s = keys.display().to_string();
    assert_eq!(
        contacts_cli(&db, &extra, &["erase", &keys_s, "--dry-run"]).await,
        ExitCode::SUCCESS
    );
    let gdpr_calls = |sim: &Sim| {
        sim.sim
            .request_log()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/crm/v3/objects/contacts/gdpr-delete")
            .count()
    };
    assert_eq!(gdpr_calls(&sim), 0);
    assert_eq!(
        contacts_cli(&db, &extra, &["erase", &keys_s]).await,
        ExitCode::SUCCESS
    );
    assert_eq!(gdpr_calls(&sim), 1);
    assert!(matches!(
        client.read("contacts", &remote[0], &[]).await,
        Err(HubSpotError::NotFound)
    ));
    let list = all_contacts(&store).await;
    assert!(by_email(&list, "a@example.com").is_none());
    let links = store
        .scalar_i64("select count(*) from entity_link where entity = 'contact'")
        .await
        .expect("count");
    assert_eq!(links, 1);

    // HubSpot refuses: the contact and its link stay, the failure is reported (exit 1).
    sim.fault("403", 1).await;
    let report = ops::run(
        &store,
        OpOptions {
            hubspot: Some(Box::new(client)),
            ..options(ContactOp::Erase, Target::Segment("tag = key".into()), false)
        },
    )
    .await
    .expect("erase runs");
    assert_eq!((report.hubspot_failed, report.changed), (1, 0));
    assert!(report.errors[0].reason.contains("GDPR delete failed"));
    assert!(by_email(&all_contacts(&store).await, "b@example.com").is_some());
    // Without gdpr_erase, linked contacts are erased here only, and counted.
    let report = ops::run(
        &store,
        options(ContactOp::Erase, Target::Segment("tag = key".into()), false),
    )
    .await
    .expect("erase runs");
    assert_eq!((report.changed, report.hubspot_kept), (1, 1));
}
