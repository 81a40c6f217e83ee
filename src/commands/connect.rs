//! `crmsync connect hubspot`: the OAuth 2.0 authorization-code flow (with PKCE) through a
//! one-shot listener on the configured loopback redirect URI. The refresh token is stored
//! encrypted; the connection becomes `active`. Nothing secret is printed or logged.

use std::time::Duration;

use anyhow::{Context, bail};
use axum::extract::Query;
use axum::response::Html;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use secrecy::SecretString;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::hubspot::CONNECTION;
use crate::config::Config;
use crate::connectors::hubspot::ApiVersion;

/// How long the listener waits for the browser to come back.
const WAIT: Duration = Duration::from_secs(600);

#[derive(Debug, Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Runs the flow; `show_url` receives the address the admin must open.
///
/// # Errors
/// Missing configuration, a refused or mismatched callback, or a failed token exchange.
pub async fn hubspot(
    config: &Config,
    tenant: &str,
    show_url: impl FnOnce(&url::Url),
) -> anyhow::Result<()> {
    let key = format!("tenants.{tenant}.hubspot");
    let hubspot = config
        .tenants
        .get(tenant)
        .and_then(|t| t.hubspot.as_ref())
        .with_context(|| format!("{key} is not configured"))?;
    let (Some(client_id), Some(client_secret)) = (&hubspot.client_id, &hubspot.client_secret)
    else {
        bail!("{key}: client_id and client_secret are needed to connect with OAuth");
    };
    let redirect =
        url::Url::parse(&hubspot.redirect_uri).with_context(|| format!("{key}.redirect_uri"))?;
    let host = redirect.host_str().unwrap_or_default();
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        bail!("{key}.redirect_uri: must be a loopback address, the listener runs here");
    }
    let version = ApiVersion::parse(&hubspot.api_version)
        .map_err(|e| anyhow::anyhow!("{key}.api_version: {e}"))?;
    let token_url = url::Url::parse(&hubspot.base_url)?.join(&version.oauth_token())?;
    let client = BasicClient::new(ClientId::new(client_id.clone()))
        .set_client_secret(ClientSecret::new(client_secret.expose().to_owned()))
        // HubSpot reads the client credentials from the form body, not a Basic header.
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(AuthUrl::new(hubspot.authorize_url.clone())?)
        .set_token_uri(TokenUrl::from_url(token_url))
        .set_redirect_uri(RedirectUrl::from_url(redirect.clone()));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(hubspot.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();

    let port = redirect.port_or_known_default().unwrap_or(80);
    let listener = tokio::net::TcpListener::bind((host.trim_matches(['[', ']']), port))
        .await
        .with_context(|| format!("{key}.redirect_uri: cannot listen on port {port}"))?;
    let (tx, mut rx) = mpsc::channel::<Callback>(1);
    let app = axum::Router::new().route(
        redirect.path(),
        axum::routing::get(move |Query(cb): Query<Callback>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(cb).await;
                Html("<h1>crmsync</h1><p>Authorization received. You can close this window.</p>")
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    show_url(&authorize);

    let callback = tokio::time::timeout(WAIT, rx.recv()).await;
    server.abort();
    let callback = callback
        .context("no authorization arrived within 10 minutes")?
        .context("the redirect listener stopped")?;
    if let Some(error) = callback.error {
        bail!("HubSpot refused the authorization ({error})");
    }
    if callback.state.as_deref() != Some(csrf.secret().as_str()) {
        bail!("the redirect carried a wrong state parameter; start again");
    }
    let code = callback.code.context("the redirect carried no code")?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(|e| anyhow::anyhow!("the authorization code was refused ({})", describe(&e)))?;
    let refresh = token
        .refresh_token()
        .context("HubSpot returned no refresh token")?;

    let store = crate::app::open_store(config).await?;
    store.ensure_tenant(tenant, tenant).await?;
    let cipher = crate::app::load_cipher(config)?;
    store
        .put_credential(
            &cipher,
            tenant,
            CONNECTION,
            "refresh_token",
            &SecretString::from(refresh.secret().to_owned()),
        )
        .await?;
    store
        .set_connection_state(tenant, CONNECTION, "active", None, None)
        .await?;
    store.close().await;
    tracing::info!(tenant.id = %tenant, "HubSpot connected");
    Ok(())
}

pub(crate) fn describe<RE: std::error::Error + 'static>(
    e: &oauth2::RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
) -> String {
    match e {
        oauth2::RequestTokenError::ServerResponse(r) => r.error().to_string(),
        oauth2::RequestTokenError::Request(_) => "token endpoint unreachable".to_owned(),
        oauth2::RequestTokenError::Parse(_, _) => "unreadable token response".to_owned(),
        oauth2::RequestTokenError::Other(_) => "token exchange failed".to_owned(),
    }
}
