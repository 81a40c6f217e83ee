//! Auth, OAuth refresh, rate limits, properties, pipelines, owners, seed.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::{Value, json};

use super::super::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TOKEN, SimConfig};
use super::{small, start};
use crate::simulate::Simulator;
use crate::simulate::kit::random::{Rng, luhn_valid, siret};

#[tokio::test]
async fn auth_is_required_and_rate_headers_sent() {
    let mut s = start(small()).await;
    s.token = "wrong".into();
    let (st, body) = s.get("/crm/v3/objects/contacts").await;
    assert_eq!(st, 401);
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");
    s.token = DEFAULT_TOKEN.into();
    let resp = s
        .http
        .get(format!("{}/crm/v3/objects/contacts", s.base))
        .bearer_auth(DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-hubspot-ratelimit-max"], "100");
    assert!(
        resp.headers()
            .contains_key("x-hubspot-ratelimit-daily-remaining")
    );
}

#[tokio::test]
async fn properties_pipelines_owners() {
    let s = start(small()).await;
    let (st, p) = s.get("/crm/v3/properties/companies/siret").await;
    assert_eq!(st, 200);
    assert_eq!(p["hasUniqueValue"], true);
    let body = json!({"name": "siret", "label": "SIRET", "groupName": "companyinformation", "type": "string", "fieldType": "text", "hasUniqueValue": true});
    assert_eq!(s.post("/crm/v3/properties/companies", body).await.0, 409);
    let body = json!({"name": "code_client", "label": "Code", "groupName": "companyinformation", "type": "string", "fieldType": "text", "hasUniqueValue": true});
    assert_eq!(s.post("/crm/v3/properties/companies", body).await.0, 201);
    assert_eq!(
        s.post(
            "/crm/v3/objects/companies",
            json!({"properties": {"name": "A", "code_client": "C1"}})
        )
        .await
        .0,
        201
    );
    assert_eq!(
        s.post(
            "/crm/v3/objects/companies",
            json!({"properties": {"name": "B", "code_client": "C1"}})
        )
        .await
        .0,
        409
    );
    let (st, r) = s
        .post(
            "/crm/v3/properties/companies/batch/read",
            json!({"archived": false, "inputs": [{"name": "siret"}, {"name": "nope"}]}),
        )
        .await;
    assert_eq!(
        (st.as_u16(), r["results"][0]["name"].as_str()),
        (207, Some("siret"))
    );
    let (_, l) = s.get("/crm/v3/properties/contacts/lifecyclestage").await;
    assert_eq!(l["options"].as_array().unwrap().len(), 8);
    let (st, _) = s
        .patch(
            "/crm/v3/properties/contacts/civilite",
            json!({"options": [{"label": "Docteur", "value": "DR", "hidden": false}]}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(s.get("/crm/v3/properties/deals/nope").await.0, 404);
    let (_, pl) = s.get("/crm/v3/pipelines/deals").await;
    let labels: Vec<&str> = pl["results"][0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Approche",
            "Négociation",
            "Conclusion",
            "Gagnée",
            "Perdue",
            "Annulée"
        ]
    );
    assert_eq!(
        pl["results"][0]["stages"][1]["metadata"]["probability"],
        "0.4"
    );
    let (st, _) = s
        .post(
            "/crm/v3/pipelines/deals/default/stages",
            json!({"label": "Relance", "displayOrder": 9}),
        )
        .await;
    assert_eq!(st, 400);
    let (st, _) = s
        .post(
            "/crm/v3/pipelines/deals/default/stages",
            json!({"label": "Relance", "displayOrder": 9, "metadata": {"probability": "0.5"}}),
        )
        .await;
    assert_eq!(st, 201);
    let (_, o) = s
        .get("/crm/v3/owners?email=Claire.Durand@cabinet-exemple.fr")
        .await;
    assert_eq!(o["results"].as_array().unwrap().len(), 1);
    let (_, o) = s.get("/crm/v3/owners?archived=true").await;
    assert_eq!(o["results"][0]["archived"], true);
}

#[tokio::test]
async fn oauth_refresh_and_expiry() {
    let mut s = start(SimConfig {
        access_token_ttl_s: 1,
        ..small()
    })
    .await;
    let rt = s.sim.issue_refresh_token(DEFAULT_CLIENT_ID);
    let form = format!(
        "grant_type=refresh_token&client_id={DEFAULT_CLIENT_ID}&client_secret={DEFAULT_CLIENT_SECRET}&refresh_token={rt}"
    );
    let resp = s
        .http
        .post(format!("{}/oauth/v1/token", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let tok: Value = resp.json().await.unwrap();
    assert_eq!(tok["expires_in"], 1);
    s.token = tok["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.get("/crm/v3/objects/contacts").await.0, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (st, e) = s.get("/crm/v3/objects/contacts").await;
    assert_eq!(st, 401);
    assert_eq!(e["category"], "EXPIRED_AUTHENTICATION");
    let form = format!(
        "grant_type=refresh_token&client_id={DEFAULT_CLIENT_ID}&client_secret={DEFAULT_CLIENT_SECRET}&refresh_token=bad"
    );
    let resp = s
        .http
        .post(format!("{}/oauth/v1/token", s.base))
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["status"], "BAD_REFRESH_TOKEN");
}

#[tokio::test]
async fn rate_limits_and_min_interval() {
    let s = start(SimConfig {
        ten_second_limit: 3,
        ..small()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(s.get("/crm/v3/objects/deals").await.0, 200);
    }
    let (st, e) = s.get("/crm/v3/objects/deals").await;
    assert_eq!(st, 429);
    assert_eq!(e["policyName"], "TEN_SECONDLY_ROLLING");
    let s = start(SimConfig {
        daily_limit: 1,
        ..small()
    })
    .await;
    s.get("/crm/v3/objects/deals").await;
    assert_eq!(
        s.get("/crm/v3/objects/deals").await.1["policyName"],
        "DAILY"
    );
    let s = start(SimConfig {
        min_interval_ms: Some(200),
        ..small()
    })
    .await;
    assert_eq!(s.get("/crm/v3/objects/deals").await.0, 200);
    assert_eq!(s.get("/crm/v3/objects/deals").await.0, 429);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(s.get("/crm/v3/objects/deals").await.0, 200);
    let log = s.sim.request_log();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 429, 200]
    );
    assert!(log[2].started_at.duration_since(log[1].started_at) >= Duration::from_millis(200));
    // settings change at run time, through the API or the admin endpoint
    s.sim.update_settings(|x| x.min_interval_ms = None);
    assert_eq!(s.get("/crm/v3/objects/deals").await.0, 200);
    assert_eq!(s.get("/crm/v3/objects/deals").await.0, 200);
    let r = s
        .http
        .patch(format!("{}/_sim/config", s.base))
        .json(&json!({"minIntervalMs": 1000, "tenSecondLimit": 7}))
        .send()
        .await
        .unwrap();
    let cfg: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (
            cfg["minIntervalMs"].as_u64(),
            cfg["tenSecondLimit"].as_u64()
        ),
        (Some(1000), Some(7))
    );
    let r = s
        .http
        .get(format!("{}/crm/v3/objects/deals", s.base))
        .bearer_auth(DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-hubspot-ratelimit-max"], "7");
}

#[test]
fn seed_is_deterministic_with_valid_sirets() {
    let mut rng = Rng::new(7);
    for _ in 0..1000 {
        let s = siret(&mut rng);
        assert_eq!(s.len(), 14);
        assert!(luhn_valid(&s) && luhn_valid(&s[..9]), "{s}");
    }
    assert!(luhn_valid("73282932000074"));
    let a = super::super::seed::seed(&small());
    let b = super::super::seed::seed(&small());
    let props = |st: &super::super::state::Store| {
        st.ts(super::super::ObjectType::Companies)
            .records
            .values()
            .map(|r| r.properties.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(props(&a), props(&b));
    let stages: std::collections::HashSet<String> = a
        .ts(super::super::ObjectType::Deals)
        .records
        .values()
        .filter_map(|r| r.properties.get("dealstage").cloned())
        .collect();
    assert!(stages.len() >= 4);
}
