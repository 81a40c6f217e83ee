//! The OAuth 2.0 authorization-code flow (with PKCE) of `crmsync connect hubspot` and
//! `crmsync connect adminpulse`: a one-shot listener on the configured loopback redirect
//! URI catches the browser's return, and the code is exchanged for a refresh token.
//! Nothing secret is printed or logged.

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

/// How long the listener waits for the browser to come back.
const WAIT: Duration = Duration::from_secs(600);

/// One authorization to ask an admin for.
pub(crate) struct Login<'a> {
    /// The service's name in messages.
    pub service: &'static str,
    /// The configuration section, for messages.
    pub key: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub authorize_url: AuthUrl,
    pub token_url: url::Url,
    /// From [`loopback_redirect`].
    pub redirect: url::Url,
    pub scopes: &'a [String],
    /// What the browser shows once the code has arrived.
    pub done_page: &'static str,
}

#[derive(Debug, Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The configured redirect URI; it must be a loopback address, the listener runs here.
///
/// # Errors
/// Not a URL, or not a loopback address.
pub(crate) fn loopback_redirect(key: &str, redirect_uri: &str) -> anyhow::Result<url::Url> {
    let redirect = url::Url::parse(redirect_uri).with_context(|| format!("{key}.redirect_uri"))?;
    if !matches!(
        redirect.host_str().unwrap_or_default(),
        "127.0.0.1" | "localhost" | "[::1]"
    ) {
        bail!("{key}.redirect_uri: must be a loopback address, the listener runs here");
    }
    Ok(redirect)
}

/// Runs the flow; `show_url` receives the address the admin must open. Answers the refresh
/// token.
///
/// # Errors
/// A port that cannot be listened on, a refused or mismatched callback, or a failed token
/// exchange.
pub(crate) async fn refresh_token(
    login: Login<'_>,
    show_url: impl FnOnce(&url::Url),
) -> anyhow::Result<SecretString> {
    let Login {
        service,
        key,
        redirect,
        ..
    } = &login;
    let client = BasicClient::new(ClientId::new(login.client_id.to_owned()))
        .set_client_secret(ClientSecret::new(login.client_secret.to_owned()))
        // Both services read the client credentials from the form body, not a Basic header.
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(login.authorize_url.clone())
        .set_token_uri(TokenUrl::from_url(login.token_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(redirect.clone()));
    // PKCE costs nothing where the server ignores it and protects the code where it does not.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(login.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();

    let host = redirect.host_str().unwrap_or_default();
    let port = redirect.port_or_known_default().unwrap_or(80);
    let listener = tokio::net::TcpListener::bind((host.trim_matches(['[', ']']), port))
        .await
        .with_context(|| format!("{key}.redirect_uri: cannot listen on port {port}"))?;
    let (tx, mut rx) = mpsc::channel::<Callback>(1);
    let done_page = login.done_page;
    let app = axum::Router::new().route(
        redirect.path(),
        axum::routing::get(move |Query(cb): Query<Callback>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(cb).await;
                Html(done_page)
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
        bail!("{service} refused the authorization ({error})");
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
        .with_context(|| format!("{service} returned no refresh token"))?;
    Ok(SecretString::from(refresh.secret().to_owned()))
}

fn describe<RE: std::error::Error + 'static>(
    e: &oauth2::RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
) -> String {
    match e {
        oauth2::RequestTokenError::ServerResponse(r) => r.error().to_string(),
        oauth2::RequestTokenError::Request(_) => "token endpoint unreachable".to_owned(),
        oauth2::RequestTokenError::Parse(_, _) => "unreadable token response".to_owned(),
        oauth2::RequestTokenError::Other(_) => "token exchange failed".to_owned(),
    }
}
