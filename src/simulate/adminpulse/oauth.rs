//! OAuth 2.0 on `/auth` ([ASSUMPTION]: RFC 6749 authorization-code grant with refresh
//! tokens and the client secret in the token request body; AdminPulse has not published
//! its endpoints). The authorize endpoint approves at once, as if the user had logged in.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Inner;
use crate::simulate::kit::{lock, now_ms};

type S = Arc<Inner>;

fn secret(prefix: &str) -> String {
    format!(
        "{prefix}-{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A refresh token accepted for `client_id`.
pub fn issue_refresh_token(inner: &Inner, client_id: &str) -> String {
    let token = secret("ap-refresh");
    lock(&inner.grants)
        .refresh
        .insert(token.clone(), client_id.to_owned());
    token
}

/// An authorization code for `client_id` and `redirect_uri`.
pub fn issue_code(inner: &Inner, client_id: &str, redirect_uri: &str) -> String {
    let code = secret("ap-code");
    lock(&inner.grants).codes.insert(
        code.clone(),
        (client_id.to_owned(), redirect_uri.to_owned()),
    );
    code
}

/// Expires every access token now.
pub fn expire_all(inner: &Inner) {
    for exp in lock(&inner.grants).access.values_mut() {
        *exp = 0;
    }
}

/// Whether `token` is a live access token.
pub fn is_live(inner: &Inner, token: &str) -> bool {
    lock(&inner.grants)
        .access
        .get(token)
        .is_some_and(|exp| *exp > now_ms())
}

fn redirect(to: &url::Url) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, to.as_str().to_owned())],
    )
        .into_response()
}

/// `GET /auth/authorize?response_type=code&client_id&redirect_uri&state[&scope]`.
pub async fn authorize(State(s): State<S>, Query(q): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let client = get("client_id");
    if !s.config.oauth_clients.iter().any(|(id, _)| *id == client) {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    let Ok(mut back) = url::Url::parse(&get("redirect_uri")) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    if get("response_type") != "code" {
        back.query_pairs_mut()
            .append_pair("error", "unsupported_response_type");
        return redirect(&back);
    }
    let deny = {
        let mut settings = lock(&s.settings);
        std::mem::take(&mut settings.deny_authorization)
    };
    if deny {
        back.query_pairs_mut().append_pair("error", "access_denied");
    } else {
        let code = issue_code(&s, &client, &get("redirect_uri"));
        back.query_pairs_mut().append_pair("code", &code);
    }
    if let Some(state) = q.get("state") {
        back.query_pairs_mut().append_pair("state", state);
    }
    redirect(&back)
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({"error": error}))).into_response()
}

/// `POST /auth/token`, form-encoded.
pub async fn token(State(s): State<S>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let client = get("client_id");
    if !s
        .config
        .oauth_clients
        .iter()
        .any(|(id, sec)| *id == client && *sec == get("client_secret"))
    {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let settings = s.settings();
    let mut grants = lock(&s.grants);
    let refresh = match get("grant_type").as_str() {
        "authorization_code" => match grants.codes.remove(&get("code")) {
            Some((owner, redirect_uri))
                if owner == client && redirect_uri == get("redirect_uri") =>
            {
                let token = secret("ap-refresh");
                grants.refresh.insert(token.clone(), client.clone());
                token
            }
            _ => return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant"),
        },
        "refresh_token" => {
            let old = get("refresh_token");
            if grants.refresh.get(&old) != Some(&client) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            if settings.rotate_refresh_tokens {
                grants.refresh.remove(&old);
                let token = secret("ap-refresh");
                grants.refresh.insert(token.clone(), client.clone());
                token
            } else {
                old
            }
        }
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    };
    let access = secret("ap-access");
    let ttl_ms =
        i64::try_from(settings.access_token_ttl_s.saturating_mul(1000)).unwrap_or(i64::MAX);
    grants
        .access
        .insert(access.clone(), now_ms().saturating_add(ttl_ms));
    Json(json!({"access_token": access, "token_type": "Bearer",
                "expires_in": settings.access_token_ttl_s, "refresh_token": refresh}))
    .into_response()
}
