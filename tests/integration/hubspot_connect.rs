//! `crmsync connect hubspot` (authorization code + PKCE through the loopback redirect) and
//! a client built from what it stored.

use crmsync::connectors::hubspot::objects::ListRequest;
use crmsync::simulate::hubspot::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SimConfig};
use serde_json::json;

use crate::hubspot_client::Sim;
use crate::support::{Backend, free_port, fresh_db, load_config};

async fn run_flow(
    tamper_state: bool,
) -> (
    anyhow::Result<()>,
    crate::support::TestDb,
    crmsync::config::Config,
    Sim,
) {
    let sim = Sim::start(SimConfig {
        companies: 10,
        contacts: 10,
        deals: 0,
        activities: 0,
        ..SimConfig::default()
    })
    .await;
    let db = fresh_db(Backend::Sqlite).await.expect("sqlite");
    let port = free_port();
    let extra = format!(
        "[tenants.default.hubspot]\nbase_url = \"{}\"\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nclient_secret = \"{DEFAULT_CLIENT_SECRET}\"\nredirect_uri = \"http://127.0.0.1:{port}/oauth/callback\"\n",
        sim.base
    );
    let (_, config) = load_config(&db, "127.0.0.1:0", "", &extra);
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<url::Url>();
    let flow_config = config.clone();
    let flow = tokio::spawn(async move {
        crmsync::commands::connect::hubspot(&flow_config, "default", move |url| {
            let _ = url_tx.send(url.clone());
        })
        .await
    });
    let authorize = url_rx.await.expect("the flow shows a URL");
    let param = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("client_id").as_deref(), Some(DEFAULT_CLIENT_ID));
    assert!(param("scope").is_some_and(|s| s.contains("crm.objects.companies.write")));
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    let mut state = param("state").expect("state");
    if tamper_state {
        state.push('x');
    }
    // The admin authorizes in the browser; HubSpot redirects back with a code.
    let code = sim
        .admin(reqwest::Method::POST, "/_sim/oauth/codes", json!({}))
        .await["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let back = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/oauth/callback"))
        .query(&[("code", code.as_str()), ("state", state.as_str())])
        .send()
        .await
        .expect("redirect");
    assert_eq!(back.status(), 200);
    let result = flow.await.expect("flow task");
    (result, db, config, sim)
}

#[tokio::test]
async fn connect_stores_the_refresh_token_encrypted_and_the_client_uses_it() {
    let (result, db, config, _sim) = run_flow(false).await;
    result.expect("connected");
    let store = crate::support::open_store(&db).await;
    let states = store.connection_states().await.expect("states");
    assert_eq!(
        states
            .iter()
            .map(|s| (s.connection.as_str(), s.state.as_str()))
            .collect::<Vec<_>>(),
        vec![("hubspot", "active")]
    );
    let cipher = crmsync::app::load_cipher(&config).expect("key");
    assert!(
        store
            .get_credential(&cipher, "default", "hubspot", "refresh_token")
            .await
            .expect("read")
            .is_some()
    );
    let client = crmsync::commands::hubspot::client_for(&config, &store, &cipher, "default")
        .await
        .expect("client");
    let page = client
        .list_page("companies", &ListRequest::default())
        .await
        .expect("an authorized call");
    assert!(!page.results.is_empty());
}

#[tokio::test]
async fn a_redirect_with_a_wrong_state_is_refused_and_nothing_is_stored() {
    let (result, _db, config, _sim) = run_flow(true).await;
    let err = result.expect_err("refused");
    assert!(err.to_string().contains("state"), "{err}");
    let store = crmsync::app::open_store(&config).await.expect("store");
    let cipher = crmsync::app::load_cipher(&config).expect("key");
    assert!(
        store
            .get_credential(&cipher, "default", "hubspot", "refresh_token")
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn a_refused_refresh_token_marks_the_connection_needs_reauth_and_a_spent_budget_paused() {
    let sim = Sim::start(SimConfig {
        companies: 5,
        contacts: 5,
        deals: 0,
        activities: 0,
        daily_limit: 3,
        ..SimConfig::default()
    })
    .await;
    let db = fresh_db(Backend::Sqlite).await.expect("sqlite");
    let extra = format!(
        "[tenants.default.hubspot]\nbase_url = \"{base}\"\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nclient_secret = \"{DEFAULT_CLIENT_SECRET}\"\nrefresh_token = \"revoked-long-ago\"\n\n[tenants.acme.hubspot]\nbase_url = \"{base}\"\naccess_token = \"{token}\"\n",
        base = sim.base,
        token = crmsync::simulate::hubspot::DEFAULT_TOKEN,
    );
    let (_, config) = load_config(&db, "127.0.0.1:0", "", &extra);
    let store = crmsync::app::open_store(&config).await.expect("store");
    for tenant in ["default", "acme"] {
        store.ensure_tenant(tenant, tenant).await.expect("tenant");
    }
    let cipher = crmsync::app::load_cipher(&config).expect("key");

    let default = crmsync::commands::hubspot::client_for(&config, &store, &cipher, "default")
        .await
        .expect("client");
    let err = default
        .list_page("companies", &ListRequest::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(err, crmsync::connectors::hubspot::HubSpotError::NeedsReauth),
        "{err:?}"
    );

    // The other tenant's connection keeps working until its own budget runs out.
    let acme = crmsync::commands::hubspot::client_for(&config, &store, &cipher, "acme")
        .await
        .expect("client");
    let mut ok = 0;
    while acme
        .list_page("companies", &ListRequest::default())
        .await
        .is_ok()
    {
        ok += 1;
        assert!(ok <= 3);
    }
    assert!(ok >= 1);

    let states = store.connection_states().await.expect("states");
    let by_tenant: Vec<(&str, &str, bool)> = states
        .iter()
        .map(|s| {
            (
                s.tenant_id.as_str(),
                s.state.as_str(),
                s.paused_until.is_some(),
            )
        })
        .collect();
    assert_eq!(
        by_tenant,
        vec![("acme", "paused", true), ("default", "needs_reauth", false)]
    );
}
