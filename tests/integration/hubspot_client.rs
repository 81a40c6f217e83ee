//! The HubSpot client against the HubSpot simulator: pace, faults, OAuth, feed, batches,
//! associations, metadata and provisioning (issue: HubSpot simulator and client).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crmsync::connectors::hubspot::models::ObjectInput;
use crmsync::connectors::hubspot::objects::ListRequest;
use crmsync::connectors::hubspot::provision::{ProvisionPlan, provision};
use crmsync::connectors::hubspot::search::ChangeFeed;
use crmsync::connectors::hubspot::{ClientConfig, Credentials, HubSpotClient, HubSpotError};
use crmsync::simulate::Simulator;
use crmsync::simulate::hubspot::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TOKEN, HubSpotSim, SimConfig,
};
use secrecy::SecretString;
use serde_json::json;

use crate::simulator::Running;

/// The HubSpot simulator on 127.0.0.1:0.
pub type Sim = Running<HubSpotSim>;

impl Sim {
    pub async fn start(config: SimConfig) -> Self {
        Self::serve(HubSpotSim::new(config)).await
    }

    pub async fn fault(&self, kind: &str, count: u32) {
        self.post_fault(json!({"kind": kind, "count": count})).await;
    }
}

fn small(companies: usize) -> SimConfig {
    SimConfig {
        companies,
        contacts: companies * 2,
        deals: companies / 2,
        activities: companies,
        ..SimConfig::default()
    }
}

/// A portal of companies only.
fn companies_only(companies: usize) -> SimConfig {
    SimConfig {
        companies,
        contacts: 0,
        deals: 0,
        activities: 0,
        ..SimConfig::default()
    }
}

/// A client with a short floor, so tests that do not check the pace run fast.
pub fn client(sim: &Sim, interval_ms: u64) -> HubSpotClient {
    let mut config = ClientConfig::new(sim.base.clone());
    config.min_call_interval = Duration::from_millis(interval_ms);
    config.min_backoff = Duration::from_millis(50);
    config.request_timeout = Duration::from_secs(2);
    HubSpotClient::new(
        config,
        Credentials::Static(SecretString::from(DEFAULT_TOKEN)),
        None,
    )
    .expect("client")
}

/// Every record id the feed yields, in order.
async fn drain(feed: &mut ChangeFeed, client: &HubSpotClient) -> Vec<String> {
    let mut ids = Vec::new();
    while let Some(page) = feed.next_page(client).await.expect("page") {
        ids.extend(page.into_iter().map(|r| r.id));
    }
    ids
}

fn props(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn no_two_calls_are_closer_than_the_floor_with_concurrent_tasks_and_retries() {
    // The configured 200 ms is raised to HubSpot's 500 ms floor by the configuration.
    let loaded = crmsync::config::Config::finish(
        toml::from_str("[tenants.default.hubspot]\nmin_call_interval_ms = 200\n").expect("toml"),
    )
    .expect("valid");
    let interval = loaded.config.tenants["default"]
        .hubspot
        .as_ref()
        .expect("hubspot")
        .min_call_interval_ms;
    assert_eq!(interval, 500);

    let sim = Sim::start(SimConfig {
        min_interval_ms: Some(500),
        ..small(30)
    })
    .await;
    let client = Arc::new(client(&sim, interval));
    sim.fault("503", 2).await;
    sim.fault("429", 1).await;
    sim.fault("reset", 1).await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut after = None;
            for _ in 0..2 {
                let page = client
                    .list_page(
                        "companies",
                        &ListRequest {
                            after: after.clone(),
                            ..ListRequest::default()
                        },
                    )
                    .await
                    .expect("a transient fault is retried");
                after = page.paging.and_then(|p| p.next).map(|n| n.after);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let log = sim.sim.request_log();
    assert!(
        log.len() >= 8 + 4,
        "8 calls and 4 faulted attempts, got {}",
        log.len()
    );
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert!(
        statuses.contains(&503) && statuses.contains(&429),
        "{statuses:?}"
    );
    let mut starts: Vec<_> = log.iter().map(|r| r.started_at).collect();
    starts.sort();
    let closest = starts.windows(2).map(|w| w[1] - w[0]).min().expect("pairs");
    assert!(
        closest >= Duration::from_millis(500),
        "two calls only {closest:?} apart"
    );
    // The simulator answers 429 to any call closer than 500 ms: only the injected one.
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn incremental_feed_over_more_than_10000_changes_returns_every_record_exactly_once() {
    let sim = Sim::start(companies_only(10_500)).await;
    let client = client(&sim, 1);
    let mut feed = ChangeFeed::new("companies", None, 0, props(&["name", "siret"]));
    let seen = drain(&mut feed, &client).await;
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a record came twice");
    assert_eq!(seen.len(), 10_500);
    assert!(feed.high_water_ms().is_some());
    // At a 1 ms floor the simulator's 5/s search limit answers some calls 429 (retried);
    // count the answered ones.
    let searches = sim
        .sim
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/search") && r.status == 200)
        .count();
    // 53 pages of 200, plus the re-anchoring queries that settle the timestamp shared at
    // the cap (the seeded portal has many records per instant).
    assert!(
        searches <= (10_500 / 200) * 5 / 4,
        "{searches} search calls"
    );
    assert!(
        sim.sim.request_log().iter().all(|r| r.status != 400),
        "never hit the 10,000 cap"
    );
}

#[tokio::test]
async fn records_sharing_one_timestamp_across_the_cap_come_out_once() {
    let sim = Sim::start(companies_only(10_300)).await;
    let client = client(&sim, 1);
    // A bulk update: every company modified in the same instant.
    let ids = drain(
        &mut ChangeFeed::new("companies", None, 0, Vec::new()),
        &client,
    )
    .await;
    let inputs: Vec<ObjectInput> = ids
        .iter()
        .map(|id| ObjectInput {
            id: Some(id.clone()),
            properties: BTreeMap::from([("description".to_owned(), "bulk".to_owned())]),
            ..ObjectInput::default()
        })
        .collect();
    client
        .batch_update("companies", &inputs)
        .await
        .expect("bulk update");
    let seen = drain(
        &mut ChangeFeed::new("companies", None, 0, Vec::new()),
        &client,
    )
    .await;
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!((unique.len(), seen.len()), (10_300, 10_300));
}

#[tokio::test]
async fn an_access_token_expiring_mid_run_is_refreshed_without_losing_the_page() {
    let sim = Sim::start(small(250)).await;
    let refresh = sim.sim.issue_refresh_token(DEFAULT_CLIENT_ID);
    let mut config = ClientConfig::new(sim.base.clone());
    config.min_call_interval = Duration::from_millis(1);
    let creds = Credentials::OAuth {
        client_id: DEFAULT_CLIENT_ID.to_owned(),
        client_secret: SecretString::from(DEFAULT_CLIENT_SECRET),
        refresh_token: SecretString::from(refresh),
    };
    let client = HubSpotClient::new(config, creds, None).expect("client");
    let first = client
        .list_page("companies", &ListRequest::default())
        .await
        .expect("page 1");
    let after = first
        .paging
        .and_then(|p| p.next)
        .map(|n| n.after)
        .expect("more pages");
    sim.admin(reqwest::Method::POST, "/_sim/oauth/expire", json!({}))
        .await;
    let second = client
        .list_page(
            "companies",
            &ListRequest {
                after: Some(after.clone()),
                ..ListRequest::default()
            },
        )
        .await
        .expect("page 2 after a refresh");
    let first_ids: HashSet<String> = first.results.iter().map(|r| r.id.clone()).collect();
    assert!(!second.results.is_empty());
    assert!(
        second.results.iter().all(|r| !first_ids.contains(&r.id)),
        "page 2 is the next page, not page 1 again"
    );
    let log = sim.sim.request_log();
    let statuses: Vec<(String, u16)> = log.iter().map(|r| (r.path.clone(), r.status)).collect();
    assert!(
        statuses.iter().any(|(_, s)| *s == 401),
        "the expired token was refused once: {statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|(p, _)| p.starts_with("/oauth/"))
            .count(),
        2,
        "initial token and one refresh"
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_means_reauthorization() {
    let sim = Sim::start(small(5)).await;
    let creds = Credentials::OAuth {
        client_id: DEFAULT_CLIENT_ID.to_owned(),
        client_secret: SecretString::from(DEFAULT_CLIENT_SECRET),
        refresh_token: SecretString::from("not-a-refresh-token"),
    };
    let client =
        HubSpotClient::new(ClientConfig::new(sim.base.clone()), creds, None).expect("client");
    let err = client
        .list_page("companies", &ListRequest::default())
        .await
        .expect_err("refused");
    assert!(matches!(err, HubSpotError::NeedsReauth), "{err:?}");
}

#[tokio::test]
async fn faults_are_retried_or_reported_by_class() {
    let sim = Sim::start(small(20)).await;
    let client = client(&sim, 1);
    for kind in [
        "500",
        "502",
        "503",
        "504",
        "423",
        "malformed",
        "reset",
        "429",
    ] {
        sim.fault(kind, 1).await;
        client
            .list_page("companies", &ListRequest::default())
            .await
            .unwrap_or_else(|e| panic!("{kind} not retried: {e:?}"));
    }
    sim.admin(
        reqwest::Method::POST,
        "/_sim/faults",
        json!({"kind": "timeout", "count": 1, "delayMs": 3000}),
    )
    .await;
    client
        .list_page("companies", &ListRequest::default())
        .await
        .expect("timeout retried");

    let unknown = ObjectInput {
        properties: BTreeMap::from([("no_such_property".to_owned(), "x".to_owned())]),
        ..ObjectInput::default()
    };
    let before = sim.sim.request_log().len();
    let err = client.create("companies", &unknown).await.expect_err("400");
    assert!(
        matches!(err, HubSpotError::Rejected { status: 400, .. }),
        "{err:?}"
    );
    assert_eq!(
        sim.sim.request_log().len(),
        before + 1,
        "a 400 is not retried"
    );
    let err = client
        .read("companies", "999999999", &[])
        .await
        .expect_err("404");
    assert!(matches!(err, HubSpotError::NotFound));
}

#[tokio::test]
async fn duplicate_contact_email_is_a_conflict_naming_the_existing_record() {
    let sim = Sim::start(small(5)).await;
    let client = client(&sim, 1);
    let input = ObjectInput {
        properties: BTreeMap::from([("email".to_owned(), "dup@example.fr".to_owned())]),
        ..ObjectInput::default()
    };
    let created = client.create("contacts", &input).await.expect("created");
    let err = client
        .create("contacts", &input)
        .await
        .expect_err("duplicate");
    match err {
        HubSpotError::Conflict { existing_id } => {
            assert_eq!(existing_id.as_deref(), Some(created.id.as_str()))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn batch_upsert_by_siret_then_read_and_associate() {
    let sim = Sim::start(small(5)).await;
    let client = client(&sim, 1);
    provision(&client, &plan()).await.expect("provisioned");
    let inputs: Vec<ObjectInput> = ["73282932000074", "35600000009075"]
        .iter()
        .map(|siret| ObjectInput {
            id: Some((*siret).to_owned()),
            id_property: Some("siret".to_owned()),
            properties: BTreeMap::from([
                ("name".to_owned(), format!("Company {siret}")),
                ("siret".to_owned(), (*siret).to_owned()),
                ("synchro_artis".to_owned(), "true".to_owned()),
            ]),
            ..ObjectInput::default()
        })
        .collect();
    let first = client
        .batch_upsert("companies", &inputs)
        .await
        .expect("upsert");
    assert_eq!(first.results.len(), 2);
    assert!(first.results.iter().all(|r| r.new));
    let again = client
        .batch_upsert("companies", &inputs)
        .await
        .expect("upsert again");
    assert!(
        again.results.iter().all(|r| !r.new),
        "the second upsert updates"
    );
    let ids: Vec<String> = first.results.iter().map(|r| r.object.id.clone()).collect();
    let read = client
        .batch_read("companies", &ids, &props(&["siret", "synchro_artis"]), None)
        .await
        .expect("read");
    assert_eq!(read.results.len(), 2);
    assert!(
        read.results
            .iter()
            .all(|r| r.prop("synchro_artis") == Some("true"))
    );

    let contact = client
        .create(
            "contacts",
            &ObjectInput {
                properties: BTreeMap::from([("email".to_owned(), "a@b.fr".to_owned())]),
                ..ObjectInput::default()
            },
        )
        .await
        .expect("contact");
    let spec = crmsync::connectors::hubspot::models::AssociationSpec::hubspot(279);
    client
        .associations_batch_create(
            "contacts",
            "companies",
            &[(contact.id.clone(), ids[0].clone())],
            &spec,
        )
        .await
        .expect("associate");
    let links = client
        .associations_batch_read("contacts", "companies", std::slice::from_ref(&contact.id))
        .await
        .expect("read");
    assert_eq!(links.get(&contact.id), Some(&vec![ids[0].clone()]));
}

fn plan() -> ProvisionPlan {
    ProvisionPlan {
        sync_property: "synchro_artis".to_owned(),
        civilities: vec![
            ("M".into(), "Monsieur".into()),
            ("MME".into(), "Madame".into()),
        ],
        deal_stages: crmsync::store::DEFAULT_DEAL_STAGES
            .iter()
            .map(|(name, _, pct)| ((*name).to_owned(), *pct))
            .collect(),
    }
}

#[tokio::test]
async fn provisioning_twice_creates_once() {
    let sim = Sim::start(small(5)).await;
    let client = client(&sim, 1);
    // The seeded portal is already set up: start from one that is not.
    for (object, name) in [
        ("companies", "siret"),
        ("companies", "synchro_artis"),
        ("deals", "synchro_artis"),
        ("contacts", "synchro_artis"),
        ("contacts", "civilite"),
        ("companies", "ingenieur_commercial"),
    ] {
        let resp = reqwest::Client::new()
            .delete(
                sim.base
                    .join(&format!("/crm/v3/properties/{object}/{name}"))
                    .expect("url"),
            )
            .bearer_auth(DEFAULT_TOKEN)
            .send()
            .await
            .expect("archive property");
        assert!(
            resp.status().is_success(),
            "{object}.{name}: {}",
            resp.status()
        );
    }
    let first = provision(&client, &plan()).await.expect("first");
    assert!(
        first.created.iter().any(|c| c == "companies.siret"),
        "{first:?}"
    );
    assert!(
        first.created.iter().any(|c| c == "contacts.civilite"),
        "{first:?}"
    );
    let second = provision(&client, &plan()).await.expect("second");
    assert!(second.created.is_empty(), "{second:?}");
    assert!(second.updated.is_empty(), "{second:?}");
    assert_eq!(
        second.existing.len(),
        first.created.len() + first.existing.len()
    );
    let civilite = client
        .property("contacts", "civilite")
        .await
        .expect("read")
        .expect("exists");
    let values: Vec<&str> = civilite.options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, vec!["M", "MME"]);
    let stages: Vec<String> = client.deal_pipelines().await.expect("pipelines")[0]
        .stages
        .iter()
        .map(|s| s.label.clone())
        .collect();
    for name in [
        "Approche",
        "Négociation",
        "Conclusion",
        "Gagnée",
        "Perdue",
        "Annulée",
    ] {
        assert!(
            stages.iter().any(|s| s == name),
            "{name} missing from {stages:?}"
        );
    }
}

#[tokio::test]
async fn owners_pipelines_lists_with_associations_and_archived_records() {
    let sim = Sim::start(small(20)).await;
    let client = client(&sim, 1);
    let owners = client.owners(None).await.expect("owners");
    assert!(!owners.is_empty() && owners.iter().all(|o| o.email.is_some()));
    let one = client
        .owners(owners[0].email.as_deref())
        .await
        .expect("by email");
    assert_eq!(one.len(), 1);
    let page = client
        .list_page(
            "contacts",
            &ListRequest {
                properties: props(&["email", "civilite"]),
                associations: props(&["companies"]),
                ..ListRequest::default()
            },
        )
        .await
        .expect("contacts");
    assert!(
        page.results
            .iter()
            .any(|c| !c.associated_ids("companies").is_empty()),
        "inline associations"
    );
    let victim = page.results[0].id.clone();
    sim.admin(
        reqwest::Method::DELETE,
        &format!("/_sim/objects/contacts/{victim}"),
        json!({}),
    )
    .await;
    let archived = client
        .list_page(
            "contacts",
            &ListRequest {
                archived: true,
                ..ListRequest::default()
            },
        )
        .await
        .expect("archived");
    assert_eq!(
        archived
            .results
            .iter()
            .map(|r| r.id.clone())
            .collect::<Vec<_>>(),
        vec![victim]
    );
    assert!(archived.results.iter().all(|r| r.archived));
}

#[tokio::test]
async fn the_daily_budget_pauses_the_connection_and_keeps_the_reserve() {
    let sim = Sim::start(SimConfig {
        daily_limit: 10,
        ..small(5)
    })
    .await;
    let mut config = ClientConfig::new(sim.base.clone());
    config.min_call_interval = Duration::from_millis(1);
    config.daily_reserve = 6;
    let client = HubSpotClient::new(
        config,
        Credentials::Static(SecretString::from(DEFAULT_TOKEN)),
        None,
    )
    .expect("client");
    let mut served = 0;
    let err = loop {
        match client.list_page("companies", &ListRequest::default()).await {
            Ok(_) => served += 1,
            Err(e) => break e,
        }
        assert!(served < 10, "the reserve was never enforced");
    };
    assert!(matches!(err, HubSpotError::DailyLimit { .. }), "{err:?}");
    assert_eq!(
        client.daily_remaining(),
        Some(6),
        "stopped with the reserve left"
    );
    assert_eq!(served, 4);
    let calls = sim.sim.request_log().len();
    let again = client
        .list_page("companies", &ListRequest::default())
        .await
        .expect_err("still paused");
    assert!(matches!(again, HubSpotError::DailyLimit { .. }));
    assert_eq!(
        sim.sim.request_log().len(),
        calls,
        "a paused connection makes no call"
    );
    assert!(
        client
            .daily_pause_remaining()
            .is_some_and(|d| d > Duration::from_secs(60))
    );

    // Another integration spends the rest; HubSpot's own 429 DAILY pauses the connection too.
    for _ in 0..6 {
        reqwest::Client::new()
            .get(sim.base.join("/crm/v3/objects/companies").expect("url"))
            .bearer_auth(DEFAULT_TOKEN)
            .send()
            .await
            .expect("spend");
    }
    let mut config = ClientConfig::new(sim.base.clone());
    config.min_call_interval = Duration::from_millis(1);
    config.daily_reserve = 0;
    let greedy = HubSpotClient::new(
        config,
        Credentials::Static(SecretString::from(DEFAULT_TOKEN)),
        None,
    )
    .expect("client");
    let err = loop {
        if let Err(e) = greedy.list_page("companies", &ListRequest::default()).await {
            break e;
        }
    };
    assert!(matches!(err, HubSpotError::DailyLimit { .. }), "{err:?}");
    assert!(sim.sim.request_log().iter().any(|r| r.status == 429));
    assert!(greedy.daily_pause_remaining().is_some());
}
