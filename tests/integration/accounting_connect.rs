//! `crmsync connect syneton` and `crmsync connect adminpulse` (OAuth redirect and API key)
//! against the simulators, and the clients built from what they stored.

use secrecy::SecretString;
use serde_json::json;

use crate::adminpulse_client::Sim as ApSim;
use crate::support::{Backend, free_port, fresh_db, load_config};
use crate::syneton_client::Sim as SynSim;

#[tokio::test]
async fn connect_syneton_verifies_and_stores_the_key_and_url_encrypted() {
    let sim = SynSim::start(crmsync::simulate::syneton::SimConfig::default()).await;
    let db = fresh_db(Backend::Sqlite).await.expect("sqlite");
    let (_, config) = load_config(&db, "127.0.0.1:0", "", "");

    // A wrong key is refused and nothing is stored.
    let err = crmsync::commands::connect_accounting::syneton(
        &config,
        "acme",
        sim.base.as_str(),
        SecretString::from("wrong-key"),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("refused the API key"), "{err}");
    assert!(!format!("{err:#}").contains("wrong-key"));
    let store = crmsync::app::open_store(&config).await.expect("store");
    let cipher = crmsync::app::load_cipher(&config).expect("key");
    assert!(
        store
            .get_credential(&cipher, "acme", "syneton", "api_key")
            .await
            .expect("read")
            .is_none()
    );

    let settings = crmsync::commands::connect_accounting::syneton(
        &config,
        "acme",
        &format!("{}api/v1", sim.base),
        SecretString::from(crmsync::simulate::syneton::DEFAULT_API_KEY),
    )
    .await
    .expect("connected");
    assert_eq!(settings.rate_limit, Some(60));
    let states = store.connection_states().await.expect("states");
    assert_eq!(
        states
            .iter()
            .map(|s| (
                s.tenant_id.as_str(),
                s.connection.as_str(),
                s.state.as_str()
            ))
            .collect::<Vec<_>>(),
        vec![("acme", "syneton", "active")]
    );
    // The stored URL and key are what the tenant's client uses (none is in the config).
    let client =
        crmsync::commands::accounting::syneton_client_for(&config, &store, &cipher, "acme")
            .await
            .expect("client");
    assert!(client.customer(101).await.expect("read").is_some());
}

#[tokio::test]
async fn connect_adminpulse_runs_the_oauth_redirect_and_stores_the_newest_refresh_token() {
    let sim = ApSim::start(crmsync::simulate::adminpulse::SimConfig::default()).await;
    let db = fresh_db(Backend::Sqlite).await.expect("sqlite");
    let port = free_port();
    let extra = format!(
        "[tenants.default.adminpulse]\nbase_url = \"{base}\"\nclient_id = \"{id}\"\nclient_secret = \"{secret}\"\n\
         authorize_url = \"{base}auth/authorize\"\ntoken_url = \"{base}auth/token\"\n\
         redirect_uri = \"http://127.0.0.1:{port}/oauth/callback\"\n",
        base = sim.base,
        id = crmsync::simulate::adminpulse::DEFAULT_CLIENT_ID,
        secret = crmsync::simulate::adminpulse::DEFAULT_CLIENT_SECRET,
    );
    let (_, config) = load_config(&db, "127.0.0.1:0", "", &extra);
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<url::Url>();
    let flow_config = config.clone();
    let flow = tokio::spawn(async move {
        crmsync::commands::connect_accounting::adminpulse_oauth(
            &flow_config,
            "default",
            move |url| {
                let _ = url_tx.send(url.clone());
            },
        )
        .await
    });
    let authorize = url_rx.await.expect("the flow shows a URL");
    assert!(
        authorize
            .as_str()
            .starts_with(&format!("{}auth/authorize", sim.base))
    );
    assert!(
        authorize
            .query_pairs()
            .any(|(k, v)| k == "scope" && v == "relations.read")
    );
    // The browser: AdminPulse approves the login and redirects to the loopback listener.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http");
    let approved = http.get(authorize).send().await.expect("authorize");
    assert_eq!(approved.status(), 302);
    let back = approved.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(back.starts_with(&format!("http://127.0.0.1:{port}/oauth/callback?code=")));
    assert_eq!(
        http.get(&back).send().await.expect("redirect").status(),
        200
    );
    flow.await.expect("flow task").expect("connected");

    let store = crmsync::app::open_store(&config).await.expect("store");
    let cipher = crmsync::app::load_cipher(&config).expect("key");
    let states = store.connection_states().await.expect("states");
    assert_eq!(states[0].state, "active");
    // The stored token survived the rotation done by the verification call.
    let client =
        crmsync::commands::accounting::adminpulse_client_for(&config, &store, &cipher, "default")
            .await
            .expect("client");
    assert_eq!(
        client
            .relations_page(0, 3)
            .await
            .expect("authorized")
            .results
            .len(),
        3
    );
}

#[tokio::test]
async fn a_refused_adminpulse_login_stores_nothing_and_an_api_key_connects() {
    let sim = ApSim::start(crmsync::simulate::adminpulse::SimConfig::default()).await;
    sim.admin(
        reqwest::Method::PATCH,
        "/_sim/config",
        json!({"denyAuthorization": true}),
    )
    .await;
    let db = fresh_db(Backend::Sqlite).await.expect("sqlite");
    let port = free_port();
    let extra = format!(
        "[tenants.default.adminpulse]\nbase_url = \"{base}\"\nclient_id = \"{id}\"\nclient_secret = \"x\"\n\
         authorize_url = \"{base}auth/authorize\"\ntoken_url = \"{base}auth/token\"\n\
         redirect_uri = \"http://127.0.0.1:{port}/cb\"\n",
        base = sim.base,
        id = crmsync::simulate::adminpulse::DEFAULT_CLIENT_ID,
    );
    let (_, config) = load_config(&db, "127.0.0.1:0", "", &extra);
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<url::Url>();
    let flow_config = config.clone();
    let flow = tokio::spawn(async move {
        crmsync::commands::connect_accounting::adminpulse_oauth(
            &flow_config,
            "default",
            move |url| {
                let _ = url_tx.send(url.clone());
            },
        )
        .await
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http");
    let approved = http
        .get(url_rx.await.expect("url"))
        .send()
        .await
        .expect("authorize");
    let back = approved.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    http.get(&back).send().await.expect("redirect");
    let err = flow.await.expect("flow task").expect_err("denied");
    assert!(err.to_string().contains("access_denied"), "{err}");

    crmsync::commands::connect_accounting::adminpulse_key(
        &config,
        "default",
        SecretString::from(crmsync::simulate::adminpulse::DEFAULT_API_KEY),
    )
    .await
    .expect("connected with a key");
    let store = crmsync::app::open_store(&config).await.expect("store");
    let cipher = crmsync::app::load_cipher(&config).expect("key");
    assert!(
        store
            .get_credential(&cipher, "default", "adminpulse", "refresh_token")
            .await
            .expect("read")
            .is_none()
    );
    let client =
        crmsync::commands::accounting::adminpulse_client_for(&config, &store, &cipher, "default")
            .await
            .expect("client");
    assert!(client.relation("APR00001").await.expect("read").is_some());
    let err = crmsync::commands::connect_accounting::adminpulse_key(
        &config,
        "default",
        SecretString::from("bad"),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("refused the API key"), "{err}");
}
