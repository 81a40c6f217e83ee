//! The Syneton and AdminPulse syncs against their simulators, on both backends: import of
//! companies and contact persons, the review list, deactivation, write-back to Syneton,
//! runs without changes that write nothing, one local company for the same client in
//! Syneton, AdminPulse and HubSpot, and `crmsync connect syneton` starting the first sync.

use std::collections::BTreeMap;
use std::time::Duration;

use crmsync::connectors::adminpulse::{AdminPulseClient, Credentials};
use crmsync::connectors::syneton::SynetonClient;
use crmsync::mapping::ownership::Owner;
use crmsync::simulate::Simulator;
use crmsync::store::Store;
use crmsync::store::sync::RunCounts;
use crmsync::sync::adminpulse::AdminPulseSync;
use crmsync::sync::syneton::{Settings, SynetonSync};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::adminpulse_client::Sim as ApSim;
use crate::support::{Backend, TestDb, fresh_db, open_store};
use crate::syneton_client::Sim as SynSim;

pub const TENANT: &str = "acme";

pub fn syneton_config() -> crmsync::simulate::syneton::SimConfig {
    let mut c = crmsync::simulate::syneton::SimConfig::default();
    c.settings.rate_limit = 100_000;
    c
}

pub fn syneton_sync(sim: &SynSim, store: &Store, owners: &[(&str, Owner)]) -> SynetonSync {
    syneton_sync_with(sim, store, owners, CancellationToken::new())
}

pub fn syneton_sync_with(
    sim: &SynSim,
    store: &Store,
    owners: &[(&str, Owner)],
    stop: CancellationToken,
) -> SynetonSync {
    let mut config = crate::syneton_client::fast_config(sim);
    config.change_lag = Duration::ZERO;
    let client = SynetonClient::new(
        config,
        SecretString::from(crmsync::simulate::syneton::DEFAULT_API_KEY),
    )
    .expect("client");
    let settings = Settings {
        owners: owners
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect::<BTreeMap<_, _>>(),
    };
    SynetonSync::new(store.clone(), client, TENANT, settings, stop)
}

pub fn adminpulse_sync(sim: &ApSim, store: &Store) -> AdminPulseSync {
    let client = AdminPulseClient::new(
        crate::adminpulse_client::fast_config(sim),
        Credentials::ApiKey(SecretString::from(
            crmsync::simulate::adminpulse::DEFAULT_API_KEY,
        )),
        None,
    )
    .expect("client");
    AdminPulseSync::new(
        store.clone(),
        client,
        TENANT,
        crmsync::config::AdminPulseFieldMap::default(),
        CancellationToken::new(),
    )
}

pub async fn store(backend: Backend) -> Option<(Store, TestDb)> {
    let db = fresh_db(backend).await?;
    let store = open_store(&db).await;
    store.migrate().await.expect("migrate");
    store.ensure_tenant(TENANT, "Acme").await.expect("tenant");
    Some((store, db))
}

pub async fn run_syneton(sync: &mut SynetonSync) -> RunCounts {
    let (counts, error) = sync.run().await;
    assert!(error.is_none(), "Syneton run failed: {error:?}");
    counts
}

async fn count(store: &Store, sql: &str) -> i64 {
    store.scalar_i64(sql).await.expect(sql)
}

async fn text(store: &Store, sql: &str) -> Option<String> {
    store.scalar_text(sql).await.expect(sql)
}

/// The local company linked to a Syneton customer.
async fn company_of(store: &Store, connection: &str, remote: &str) -> Option<i64> {
    store
        .local_ids(TENANT, "company", connection, &[remote.to_owned()])
        .await
        .expect("links")
        .get(remote)
        .copied()
}

/// Waits until the second of the last remote change is over: a change-feed window ends at
/// the current second (exclusive) until the feed's rows have given it a `LogId` to follow.
pub async fn second_passes() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

/// Calls that would change something in Syneton.
fn syneton_writes(sim: &SynSim) -> Vec<(String, String)> {
    sim.sim
        .request_log()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

crate::both_backends!(
    syneton_imports_companies_with_their_contact_persons_and_reviews_bad_numbers,
    |backend| async move {
        let Some((store, _db)) = store(backend).await else {
            return;
        };
        let sim = SynSim::start(syneton_config()).await;
        let mut sync = syneton_sync(&sim, &store, &[]);
        let counts = run_syneton(&mut sync).await;
        assert!(counts.created > 20, "{counts:?}");
        assert_eq!(counts.failed, 0, "{counts:?}");

        let abc = company_of(&store, "syneton", "101")
            .await
            .expect("ABC linked");
        let row = |col: &str| format!("select {col} from company where company_id = {abc}");
        assert_eq!(
            text(&store, &row("registration_key")).await.as_deref(),
            Some("0403019261")
        );
        assert_eq!(
            text(&store, &row("name")).await.as_deref(),
            Some("The ABC company")
        );
        assert_eq!(
            text(&store, &row("address_line1")).await.as_deref(),
            Some("Dorpstraat 116 bus c")
        );
        assert_eq!(
            text(&store, &row("city")).await.as_deref(),
            Some("Kortrijk")
        );
        assert_eq!(
            text(&store, &row("legal_form")).await.as_deref(),
            Some("NV")
        );
        assert_eq!(
            text(&store, &row("status")).await.as_deref(),
            Some("client")
        );
        // The contact person, linked to its company.
        let an = count(
            &store,
            "select count(*) from contact where email = 'an@abc.be'",
        )
        .await;
        assert_eq!(an, 1);
        assert_eq!(
            count(
                &store,
                "select company_id from contact where email = 'an@abc.be'"
            )
            .await,
            abc
        );
        let linked = store
            .local_ids(TENANT, "contact", "syneton", &["102".to_owned()])
            .await
            .expect("links");
        assert!(linked.contains_key("102"));
        // French company by its SIRET, legacy 9-digit Belgian VAT padded.
        let siret = company_of(&store, "syneton", "104").await.expect("104");
        assert_eq!(
            text(
                &store,
                &format!("select registration_key from company where company_id = {siret}")
            )
            .await
            .as_deref(),
            Some("73282932000074")
        );
        let legacy = company_of(&store, "syneton", "106").await.expect("106");
        assert_eq!(
            text(
                &store,
                &format!("select registration_key from company where company_id = {legacy}")
            )
            .await
            .as_deref(),
            Some("0428759497")
        );
        // The deactivated customer is imported inactive.
        let gone = company_of(&store, "syneton", "105").await.expect("105");
        assert_eq!(
            count(
                &store,
                &format!(
                    "select count(*) from company where company_id = {gone} and active = false"
                )
            )
            .await,
            1
        );
        // Invalid and missing numbers wait for review and are not created.
        assert!(company_of(&store, "syneton", "103").await.is_none());
        assert!(company_of(&store, "syneton", "108").await.is_none());
        let review = store
            .review_items(Some(TENANT), Some("open"))
            .await
            .expect("review");
        let reason = |id: &str| {
            review
                .iter()
                .find(|r| r.remote_id == id && r.connection == "syneton")
                .map(|r| r.reason.clone())
        };
        assert!(
            reason("103").expect("103 in review").contains("checksum"),
            "{review:?}"
        );
        assert!(
            reason("108")
                .expect("108 in review")
                .contains("no enterprise"),
            "{review:?}"
        );
        assert_eq!(
            count(
                &store,
                "select count(*) from company where name = 'Bakkerij ''t Hoekske'"
            )
            .await,
            0
        );
        // Every company was either created or put on the review list.
        let (companies, _, _, _) = sim.sim.counts();
        let local = count(&store, "select count(*) from company").await;
        assert_eq!(
            local + i64::try_from(review.len()).expect("len"),
            i64::try_from(companies).expect("n")
        );
        assert_eq!(
            local,
            store
                .link_count(TENANT, "company", "syneton")
                .await
                .expect("links")
        );
        // Every imported contact hangs under a linked company.
        let orphans = store.texts("select c.contact_id || ' ' || coalesce(l.remote_id, '-') || ' ' || c.state from contact c left join entity_link l on l.entity = 'contact' and l.local_id = c.contact_id where c.company_id is null").await.expect("q");
        assert!(orphans.is_empty(), "{orphans:?}");
        assert!(count(&store, "select count(*) from contact").await > 40);

        // A second run: the bad number is changed but still invalid, the missing one is
        // still missing. Nothing is created and the review list does not grow; a person
        // newly linked to the bakery waits with it.
        let baker = sim
            .admin(
                reqwest::Method::POST,
                "/_sim/customers",
                json!({"Name": "Claes", "Firstname": "Jef", "IsCompany": false, "Email": "jef@hoekske.be", "linkTo": 103}),
            )
            .await["CustomerId"]
            .as_i64()
            .expect("person id");
        sim.admin(
            reqwest::Method::PATCH,
            "/_sim/customers/103",
            json!({"VATNr": "BE0123456124"}),
        )
        .await;
        second_passes().await;
        let companies_before = count(&store, "select count(*) from company").await;
        let counts = run_syneton(&mut sync).await;
        assert_eq!(counts.created, 0, "{counts:?}");
        assert_eq!(
            count(&store, "select count(*) from company").await,
            companies_before
        );
        let again = store
            .review_items(Some(TENANT), Some("open"))
            .await
            .expect("review");
        assert_eq!(again.len(), review.len());
        assert_eq!(again.iter().filter(|r| r.remote_id == "103").count(), 1);
        assert_eq!(
            count(
                &store,
                "select count(*) from contact where email = 'jef@hoekske.be'"
            )
            .await,
            0
        );

        // Corrected in Syneton: created, and the review item closes.
        sim.admin(
            reqwest::Method::PATCH,
            "/_sim/customers/103",
            json!({"VATNr": "BE0403019261"}),
        )
        .await;
        run_syneton(&mut sync).await;
        assert!(
            company_of(&store, "syneton", "103").await.is_none(),
            "the number is taken by 101"
        );
        sim.admin(
            reqwest::Method::PATCH,
            "/_sim/customers/103",
            json!({"VATNr": "BE0202239951"}),
        )
        .await;
        run_syneton(&mut sync).await;
        let bakery = company_of(&store, "syneton", "103")
            .await
            .expect("103 linked now");
        // Its contact person came with it, though the person did not change since.
        assert_eq!(
            count(&store, &format!("select count(*) from contact where email = 'jef@hoekske.be' and company_id = {bakery}")).await,
            1
        );
        assert!(
            store
                .local_ids(TENANT, "contact", "syneton", &[baker.to_string()])
                .await
                .expect("links")
                .contains_key(&baker.to_string())
        );
        let closed = store
            .review_items(Some(TENANT), Some("linked"))
            .await
            .expect("review");
        assert!(
            closed
                .iter()
                .any(|r| r.remote_id == "103" && r.local_id == Some(bakery)),
            "{closed:?}"
        );
    }
);

crate::both_backends!(
    syneton_deactivation_and_changes_flow_in_and_a_quiet_run_writes_nothing,
    |backend| async move {
        let Some((store, _db)) = store(backend).await else {
            return;
        };
        let sim = SynSim::start(syneton_config()).await;
        let mut sync = syneton_sync(&sim, &store, &[]);
        run_syneton(&mut sync).await;
        let abc = company_of(&store, "syneton", "101").await.expect("ABC");

        sim.admin(
            reqwest::Method::POST,
            "/_sim/customers/101/deactivate",
            json!({}),
        )
        .await;
        sim.admin(
            reqwest::Method::PATCH,
            "/_sim/customers/102",
            json!({"Firstname": "Anna"}),
        )
        .await;
        second_passes().await;
        let counts = run_syneton(&mut sync).await;
        assert_eq!(counts.updated, 2, "{counts:?}");
        assert_eq!(
            count(
                &store,
                &format!(
                    "select count(*) from company where company_id = {abc} and active = false"
                )
            )
            .await,
            1
        );
        assert_eq!(
            text(
                &store,
                "select first_name from contact where email = 'an@abc.be'"
            )
            .await
            .as_deref(),
            Some("Anna")
        );
        assert_eq!(count(&store, "select count(*) from change_log where origin = 'sync:syneton' and entity = 'company' and op = 'update'").await, 1);

        // Nothing changed on either side: reads only, and no local write.
        sim.admin(reqwest::Method::DELETE, "/_sim/requests", json!({}))
            .await;
        let log = count(&store, "select count(*) from change_log").await;
        let counts = run_syneton(&mut sync).await;
        assert_eq!(
            (counts.created, counts.updated, counts.failed),
            (0, 0, 0),
            "{counts:?}"
        );
        assert!(
            syneton_writes(&sim).is_empty(),
            "{:?}",
            syneton_writes(&sim)
        );
        assert_eq!(count(&store, "select count(*) from change_log").await, log);
        assert!(
            counts.calls <= 4,
            "settings, changes and change details: {counts:?}"
        );
    }
);

crate::both_backends!(
    local_changes_of_linked_customers_are_written_back_with_a_full_put,
    |backend| async move {
        let Some((store, _db)) = store(backend).await else {
            return;
        };
        let sim = SynSim::start(syneton_config()).await;
        let mut sync = syneton_sync(&sim, &store, &[("company.phone", Owner::Hubspot)]);
        run_syneton(&mut sync).await;
        let abc = company_of(&store, "syneton", "101").await.expect("ABC");
        sim.admin(reqwest::Method::DELETE, "/_sim/requests", json!({}))
            .await;

        // A direct SQL write (as another application would make) and a change of a field
        // Syneton owns.
        store
            .execute_raw(&format!("update company set name = 'ABC Holding', city = 'Gent', phone = '000' where company_id = {abc}"))
            .await
            .expect("local write");
        store
            .execute_raw(
                "update contact set last_name = 'Peeters-Janssens' where email = 'an@abc.be'",
            )
            .await
            .expect("local write");
        let counts = run_syneton(&mut sync).await;
        assert_eq!(counts.failed, 0, "{counts:?}");
        let writes = syneton_writes(&sim);
        assert_eq!(
            writes
                .iter()
                .filter(|(m, p)| m == "PUT" && p == "/api/v1/customers")
                .count(),
            2,
            "{writes:?}"
        );
        let abc_remote = sim.sim.customer(101).expect("101");
        assert_eq!(abc_remote["Name"], "ABC Holding");
        assert_eq!(abc_remote["City"], "Gent");
        // The rest of the record survived the full PUT; the Syneton-owned phone did not move.
        assert_eq!(abc_remote["Email"], "info@abc.be");
        assert_eq!(abc_remote["CustCode"], "987");
        assert_eq!(abc_remote["Street1"], "Dorpstraat");
        assert_eq!(abc_remote["Nr"], "116");
        assert_eq!(abc_remote["Phone"], "+32 56 98 65 32");
        let an = sim.sim.customer(102).expect("102");
        assert_eq!(an["Name"], "Peeters-Janssens");
        assert_eq!(an["Firstname"], "An");

        // Deactivated locally: (de)activation in Syneton.
        store
            .execute_raw(&format!(
                "update company set active = false where company_id = {abc}"
            ))
            .await
            .expect("local write");
        second_passes().await;
        run_syneton(&mut sync).await;
        assert_eq!(sim.sim.customer(101).expect("101")["IsActive"], false);
        assert!(
            syneton_writes(&sim)
                .iter()
                .any(|(m, p)| m == "POST" && p == "/api/v1/customers/101/activatedeactivate")
        );

        // Our own writes come back through the change feed and change nothing.
        sim.admin(reqwest::Method::DELETE, "/_sim/requests", json!({}))
            .await;
        let log = count(&store, "select count(*) from change_log").await;
        for _ in 0..2 {
            let counts = run_syneton(&mut sync).await;
            assert_eq!(
                (counts.created, counts.updated, counts.failed),
                (0, 0, 0),
                "{counts:?}"
            );
        }
        assert!(
            syneton_writes(&sim).is_empty(),
            "{:?}",
            syneton_writes(&sim)
        );
        assert_eq!(count(&store, "select count(*) from change_log").await, log);
        assert_eq!(
            text(
                &store,
                &format!("select name from company where company_id = {abc}")
            )
            .await
            .as_deref(),
            Some("ABC Holding")
        );
        // Syneton owns the phone: its value came back over the local edit.
        assert_eq!(
            text(
                &store,
                &format!("select phone from company where company_id = {abc}")
            )
            .await
            .as_deref(),
            Some("+32 56 98 65 32")
        );
    }
);

crate::both_backends!(
    an_interrupted_full_read_resumes_at_the_page_it_stopped,
    |backend| async move {
        let Some((store, _db)) = store(backend).await else {
            return;
        };
        let mut config = syneton_config();
        config.settings.max_per_page = 7;
        config.settings.default_per_page = 7;
        let sim = SynSim::start(config).await;
        // The daemon is stopping: the run ends after the page in hand.
        let stop = CancellationToken::new();
        stop.cancel();
        let counts = run_syneton(&mut syneton_sync_with(&sim, &store, &[], stop)).await;
        assert_eq!(counts.read, 7, "{counts:?}");
        let cursor = store
            .cursor(TENANT, "syneton", "customers")
            .await
            .expect("cursor")
            .expect("progress kept");
        assert!(
            cursor.starts_with('{') && cursor.contains("page=2"),
            "{cursor}"
        );
        let first = count(&store, "select count(*) from company").await;
        assert!(first > 0 && first <= 7);

        sim.admin(reqwest::Method::DELETE, "/_sim/requests", json!({}))
            .await;
        let mut sync = syneton_sync(&sim, &store, &[]);
        let counts = run_syneton(&mut sync).await;
        assert_eq!(counts.failed, 0, "{counts:?}");
        // The companies' first page was not read again.
        let company_pages: Vec<String> = sim
            .sim
            .request_log()
            .into_iter()
            .filter(|r| r.path == "/api/v1/customers")
            .filter_map(|r| r.query)
            .filter(|q| q.contains("IsCompany%20eq%201"))
            .collect();
        assert!(
            company_pages.first().is_some_and(|q| q.contains("page=2")),
            "{company_pages:?}"
        );
        let cursor = store
            .cursor(TENANT, "syneton", "customers")
            .await
            .expect("cursor")
            .expect("feed");
        assert!(cursor.starts_with("time:"), "the feed follows: {cursor}");
        let review = store
            .review_items(Some(TENANT), Some("open"))
            .await
            .expect("review");
        let (companies, _, _, _) = sim.sim.counts();
        let local = count(&store, "select count(*) from company").await;
        assert_eq!(
            local + i64::try_from(review.len()).expect("len"),
            i64::try_from(companies).expect("n")
        );
        assert!(count(&store, "select count(*) from contact").await > 40);
    }
);

crate::both_backends!(
    a_company_linked_by_hand_from_the_review_list_is_read_again_and_merged,
    |backend| async move {
        let Some((store, _db)) = store(backend).await else {
            return;
        };
        let sim = SynSim::start(syneton_config()).await;
        let mut sync = syneton_sync(&sim, &store, &[]);
        run_syneton(&mut sync).await;
        let item = store
            .review_items(Some(TENANT), Some("open"))
            .await
            .expect("review")
            .into_iter()
            .find(|r| r.remote_id == "108")
            .expect("108 waits for review");
        // The admin knows the company: it exists locally, without a number.
        let mut tx = store.begin(&crmsync::store::Origin::Api).await.expect("tx");
        let local = tx
            .insert::<crmsync::store::company::Company>(
                TENANT,
                &crmsync::store::company::CompanyFields {
                    name: "O'Brien".to_owned(),
                    ..Default::default()
                },
            )
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
        store
            .link_review(item.review_id, local)
            .await
            .expect("linked by hand");

        let counts = run_syneton(&mut sync).await;
        assert_eq!(counts.failed, 0, "{counts:?}");
        assert_eq!(company_of(&store, "syneton", "108").await, Some(local));
        let row = |col: &str| format!("select {col} from company where company_id = {local}");
        assert_eq!(
            text(&store, &row("city")).await.as_deref(),
            Some("Antwerpen")
        );
        assert_eq!(
            text(&store, &row("address_line1")).await.as_deref(),
            Some("Nieuwstraat 1 bus 2")
        );
        // Both sides had a name: Syneton's, read now, is the later one; the loser is journaled.
        assert_eq!(
            text(&store, &row("name")).await.as_deref(),
            Some("O'Brien & Zonen")
        );
        assert_eq!(
            count(&store, &format!("select count(*) from sync_journal where connection = 'syneton' and local_id = {local} and field = 'name' and winner = 'syneton'")).await,
            1
        );
        assert!(text(&store, &row("registration_key")).await.is_none());
        assert!(
            store
                .failures(Some(TENANT), Some("pending"), 10)
                .await
                .expect("failures")
                .is_empty()
        );
        let linked = store
            .review_items(Some(TENANT), Some("linked"))
            .await
            .expect("review");
        assert!(
            linked
                .iter()
                .any(|r| r.remote_id == "108" && r.local_id == Some(local))
        );
    }
);
