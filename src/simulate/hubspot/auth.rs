//! Authentication: static bearer tokens, and the OAuth token endpoint
//! (`/oauth/v1/token`: refresh and authorization-code grants, expiring access tokens).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::types::{iso, now_ms};
use super::{Inner, lock};

/// Issued OAuth credentials.
#[derive(Debug, Default)]
pub struct AuthState {
    /// access token → (client id, expiry in epoch ms)
    pub access: HashMap<String, (String, i64)>,
    /// refresh token → client id
    pub refresh: HashMap<String, String>,
    /// authorization code → client id
    pub codes: HashMap<String, String>,
    /// The portal uninstalled the app: every grant answers `BAD_HUB`.
    pub portal_revoked: bool,
    pub counter: u64,
}

fn token(prefix: &str, counter: u64) -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{counter}-{a}{b}")
}

/// Access tokens are long, as HubSpot's (about 300 characters).
fn long_token(counter: u64) -> String {
    let parts: Vec<String> = (0..8)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect();
    format!("COjq-sim-{counter}-{}", parts.join(""))
}

pub fn issue_refresh_token(inner: &Arc<Inner>, client_id: &str) -> String {
    let mut a = lock(&inner.auth);
    a.counter += 1;
    let t = token("na1-refresh", a.counter);
    a.refresh.insert(t.clone(), client_id.to_string());
    t
}

pub fn issue_code(inner: &Arc<Inner>, client_id: &str) -> String {
    let mut a = lock(&inner.auth);
    a.counter += 1;
    let t = token("code", a.counter);
    a.codes.insert(t.clone(), client_id.to_string());
    t
}

/// Makes every issued access token expire now.
pub fn expire_all(inner: &Arc<Inner>) {
    let now = now_ms();
    for v in lock(&inner.auth).access.values_mut() {
        v.1 = v.1.min(now - 1);
    }
}

pub fn expired_error(seconds: i64, expired_at: i64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "EXPIRED_AUTHENTICATION",
        format!("The OAuth token used to make this call expired {seconds} second(s) ago."),
    );
    e.context = Some(json!({"expire time": [iso(expired_at)]}));
    e
}

/// Checks the bearer token; `Ok(true)` for an OAuth access token, `Ok(false)` for a static one.
pub fn check(inner: &Arc<Inner>, headers: &HeaderMap) -> Result<bool, ApiError> {
    let missing = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )
    };
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(tok) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
    else {
        return Err(missing());
    };
    if inner.config.access_tokens.iter().any(|t| t == tok) {
        return Ok(false);
    }
    let a = lock(&inner.auth);
    match a.access.get(tok) {
        Some((_, exp)) => {
            let now = now_ms();
            if now >= *exp {
                Err(expired_error((now - exp) / 1000, *exp))
            } else {
                Ok(true)
            }
        }
        None => Err(missing()),
    }
}

fn oauth_error(status: &str, error: &str, description: &str) -> Response {
    let body = json!({"status": status, "message": description, "error": error, "error_description": description,
                      "correlationId": super::errors::correlation_id()});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// `POST /oauth/v1/token` (also v3 and date-versioned), form-encoded body.
pub async fn token_endpoint(State(s): State<Arc<Inner>>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    let form: HashMap<String, String> = Uri::try_from(format!("/?{text}"))
        .ok()
        .and_then(|u| Query::<Vec<(String, String)>>::try_from_uri(&u).ok())
        .map(|q| q.0.into_iter().collect())
        .unwrap_or_default();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (client_id, secret) = (get("client_id"), get("client_secret"));
    if !s
        .config
        .oauth_clients
        .iter()
        .any(|(id, sec)| *id == client_id && *sec == secret)
    {
        return oauth_error(
            "BAD_CLIENT_ID",
            "invalid_client",
            "missing or unknown client id",
        );
    }
    let mut a = lock(&s.auth);
    if a.portal_revoked {
        let body = json!({"status": "BAD_HUB", "error": "access_denied", "message": "The portal has uninstalled the app"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let refresh = match get("grant_type").as_str() {
        "refresh_token" => {
            let rt = get("refresh_token");
            if a.refresh.get(&rt) != Some(&client_id) {
                return oauth_error(
                    "BAD_REFRESH_TOKEN",
                    "invalid_grant",
                    "refresh token is invalid, expired or revoked",
                );
            }
            rt
        }
        "authorization_code" => {
            let code = get("code");
            if a.codes.remove(&code).as_ref() != Some(&client_id) {
                return oauth_error("BAD_AUTH_CODE", "invalid_grant", "auth code not found");
            }
            a.counter += 1;
            let rt = token("na1-refresh", a.counter);
            a.refresh.insert(rt.clone(), client_id.clone());
            rt
        }
        other => {
            return oauth_error(
                "BAD_GRANT_TYPE",
                "unsupported_grant_type",
                &format!("unsupported grant type: {other}"),
            );
        }
    };
    a.counter += 1;
    let access = long_token(a.counter);
    let ttl = lock(&s.settings).access_token_ttl_s;
    let ttl_ms = i64::try_from(ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
    a.access
        .insert(access.clone(), (client_id, now_ms().saturating_add(ttl_ms)));
    let body: Value = json!({"access_token": access, "refresh_token": refresh, "expires_in": ttl, "token_type": "bearer",
                             "hub_id": 123_456, "user_id": 456, "scopes": ["crm.objects.contacts.read", "crm.objects.contacts.write",
                             "crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.deals.read", "crm.objects.deals.write",
                             "crm.schemas.companies.write", "crm.objects.owners.read", "oauth"], "token_use": "access_token"});
    (StatusCode::OK, Json(body)).into_response()
}

/// `GET /oauth/v1/access-tokens/{token}`: metadata of a live access token.
pub async fn access_token_info(
    State(s): State<Arc<Inner>>,
    axum::extract::Path(p): axum::extract::Path<HashMap<String, String>>,
) -> Response {
    let tok = p.get("token").cloned().unwrap_or_default();
    let a = lock(&s.auth);
    match a.access.get(&tok) {
        Some((client, exp)) if *exp > now_ms() => {
            let body = json!({"token": tok, "user": "admin@cabinet-exemple.fr", "hub_domain": "cabinet-exemple.fr",
                              "scopes": ["oauth", "crm.objects.contacts.read", "crm.objects.companies.read"],
                              "hub_id": 123_456, "app_id": 1, "expires_in": (exp - now_ms()) / 1000, "user_id": 456,
                              "token_type": "access", "client_id": client});
            (StatusCode::OK, Json(body)).into_response()
        }
        _ => oauth_error(
            "BAD_ACCESS_TOKEN",
            "invalid_token",
            "access token is invalid or expired",
        ),
    }
}

/// `DELETE /oauth/v1/refresh-tokens/{token}`: revokes a refresh token.
pub async fn revoke_refresh_token(
    State(s): State<Arc<Inner>>,
    axum::extract::Path(p): axum::extract::Path<HashMap<String, String>>,
) -> StatusCode {
    let tok = p.get("token").cloned().unwrap_or_default();
    match lock(&s.auth).refresh.remove(&tok) {
        Some(_) => StatusCode::NO_CONTENT,
        None => StatusCode::NOT_FOUND,
    }
}
