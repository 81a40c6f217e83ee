//! Faults, admin endpoints, request log, date-versioned paths, OAuth grants.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::super::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TOKEN};
use super::{id_of, small, start};
use crate::simulate::Simulator;

#[tokio::test]
async fn faults_admin_and_log() {
    let s = start(small()).await;
    assert_eq!(
        s.admin(Method::POST, "/faults", json!({"kind": "503", "count": 2}))
            .await,
        201
    );
    assert_eq!(s.get("/crm/v3/objects/contacts").await.0, 503);
    assert_eq!(s.get("/crm/v3/objects/contacts").await.0, 503);
    assert_eq!(s.get("/crm/v3/objects/contacts").await.0, 200);
    s.admin(Method::POST, "/faults", json!({"kind": "403"}))
        .await;
    s.admin(
        Method::POST,
        "/faults",
        json!({"kind": "530", "pathContains": "/deals"}),
    )
    .await;
    assert_eq!(
        s.get("/crm/v3/objects/contacts").await.1["category"],
        "MISSING_SCOPES"
    );
    assert_eq!(s.get("/crm/v3/objects/deals").await.0.as_u16(), 530);
    assert_eq!(
        s.admin(Method::POST, "/faults", json!({"kind": "bogus"}))
            .await,
        400
    );
    s.admin(Method::POST, "/faults", json!({"kind": "malformed"}))
        .await;
    let (st, v) = s.get("/crm/v3/objects/contacts").await;
    assert_eq!((st, v), (StatusCode::OK, Value::Null));
    s.admin(Method::POST, "/faults", json!({"kind": "expired_token"}))
        .await;
    assert_eq!(
        s.get("/crm/v3/objects/contacts").await.1["category"],
        "EXPIRED_AUTHENTICATION"
    );
    s.admin(Method::POST, "/faults", json!({"kind": "reset"}))
        .await;
    let r = s
        .http
        .get(format!("{}/crm/v3/objects/contacts", s.base))
        .bearer_auth(DEFAULT_TOKEN)
        .send()
        .await;
    assert!(r.is_err());
    s.admin(
        Method::POST,
        "/faults",
        json!({"kind": "timeout", "delayMs": 50}),
    )
    .await;
    assert_eq!(s.get("/crm/v3/objects/contacts").await.0, 504);
    s.admin(
        Method::POST,
        "/faults",
        json!({"kind": "477", "retryAfterS": 7}),
    )
    .await;
    let r = s
        .http
        .get(format!("{}/crm/v3/objects/contacts", s.base))
        .bearer_auth(DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["retry-after"].to_str().unwrap()
        ),
        (477, "7")
    );
    // change a record as a user, moving the lifecycle stage backward
    let (_, co) = s
        .get("/crm/v3/objects/companies?limit=1&properties=lifecyclestage")
        .await;
    let id = id_of(&co["results"][0]);
    assert_eq!(
        s.admin(
            Method::PATCH,
            &format!("/objects/companies/{id}"),
            json!({"properties": {"lifecyclestage": "subscriber"}})
        )
        .await,
        200
    );
    assert_eq!(
        s.get(&format!(
            "/crm/v3/objects/companies/{id}?properties=lifecyclestage"
        ))
        .await
        .1["properties"]["lifecyclestage"],
        "subscriber"
    );
    let log: Value = s
        .http
        .get(format!("{}/_sim/requests", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["byStatus"]["503"], 2);
    assert!(
        log["counts"]["GET /crm/v3/objects/contacts"]
            .as_u64()
            .unwrap()
            >= 8
    );
    assert!(log["requests"][0]["startedAtMs"].as_i64().unwrap() > 0);
    assert_eq!(s.admin(Method::POST, "/reset", json!({})).await, 204);
    assert!(s.sim.request_log().is_empty());
}

#[tokio::test]
async fn date_versioned_paths_and_misc() {
    let s = start(small()).await;
    assert_eq!(
        s.get("/crm/properties/2026-03/companies/siret").await.0,
        200
    );
    assert_eq!(s.get("/crm/pipelines/2026-03/deals").await.0, 200);
    assert_eq!(s.get("/crm/owners/2026-03/").await.0, 200);
    assert_eq!(s.get("/crm/objects/2026-09/0-2?limit=1").await.0, 200);
    let (st, r) = s
        .get("/crm/v3/objects/companies?limit=2&propertiesWithHistory=name")
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        r["results"][0]["propertiesWithHistory"]["name"][0]["sourceType"],
        "API"
    );
    assert_eq!(
        s.get("/crm/v3/objects/companies?limit=51&propertiesWithHistory=name")
            .await
            .0,
        400
    );
    let long = "a".repeat(15_001);
    assert_eq!(
        s.get(&format!("/crm/v3/objects/companies?properties={long}"))
            .await
            .0,
        414
    );
    let id = s.get("/crm/v3/objects/contacts?limit=1").await.1["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.call(
        Method::DELETE,
        &format!("/crm/v3/objects/contacts/{id}"),
        None,
    )
    .await;
    let (_, r) = s.get("/crm/v3/objects/contacts?archived=True").await;
    assert_eq!(r["results"][0]["id"], id.as_str());
    assert_eq!(
        s.get(&format!("/crm/v3/objects/contacts/{id}?archived=true"))
            .await
            .0,
        200
    );
    // authorization code grant, then a revoked portal
    let code: Value = s
        .http
        .post(format!("{}/_sim/oauth/codes", s.base))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = format!(
        "grant_type=authorization_code&client_id={DEFAULT_CLIENT_ID}&client_secret={DEFAULT_CLIENT_SECRET}&redirect_uri=http://localhost/cb&code={}",
        code["code"].as_str().unwrap()
    );
    let r = s
        .http
        .post(format!("{}/oauth/2026-03/token", s.base))
        .body(form.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tok: Value = r.json().await.unwrap();
    assert!(tok["access_token"].as_str().unwrap().len() > 250);
    let info = s
        .http
        .get(format!(
            "{}/oauth/v1/access-tokens/{}",
            s.base,
            tok["access_token"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let spare = s.sim.issue_refresh_token(DEFAULT_CLIENT_ID);
    let del = s
        .http
        .delete(format!("{}/oauth/v1/refresh-tokens/{spare}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let form2 = format!(
        "grant_type=refresh_token&client_id={DEFAULT_CLIENT_ID}&client_secret={DEFAULT_CLIENT_SECRET}&refresh_token={spare}"
    );
    let r = s
        .http
        .post(format!("{}/oauth/v1/token", s.base))
        .body(form2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    s.admin(Method::POST, "/oauth/portal", json!({"revoked": true}))
        .await;
    let form = format!(
        "grant_type=refresh_token&client_id={DEFAULT_CLIENT_ID}&client_secret={DEFAULT_CLIENT_SECRET}&refresh_token={}",
        tok["refresh_token"].as_str().unwrap()
    );
    let r: Value = s
        .http
        .post(format!("{}/oauth/v1/token", s.base))
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "BAD_HUB");
    assert!(s.sim.request_counts()["POST /oauth/v1/token"] >= 1);
}
