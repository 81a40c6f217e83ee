//! Search and associations v4.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::super::{DEFAULT_TOKEN, SimConfig};
use super::{id_of, small, start};

#[tokio::test]
async fn search_filters_sorts_and_caps() {
    let s = start(SimConfig {
        companies: 10_500,
        contacts: 10,
        deals: 0,
        activities: 0,
        ..SimConfig::default()
    })
    .await;
    let body = json!({"filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]},
                                       {"filters": [{"propertyName": "lifecyclestage", "operator": "IN", "values": ["lead"]}]}],
                      "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}], "properties": ["lifecyclestage", "hs_lastmodifieddate"], "limit": 200});
    let (st, r) = s.post("/crm/v3/objects/companies/search", body).await;
    assert_eq!(st, 200);
    let total = r["total"].as_u64().unwrap();
    assert!(total > 1000 && total < 10_500);
    let res = r["results"].as_array().unwrap();
    assert_eq!(res.len(), 200);
    assert!(
        res.windows(2)
            .all(|w| w[0]["properties"]["hs_lastmodifieddate"].as_str()
                <= w[1]["properties"]["hs_lastmodifieddate"].as_str())
    );
    assert!(res.iter().all(|x| {
        ["customer", "lead"].contains(&x["properties"]["lifecyclestage"].as_str().unwrap())
    }));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (st, r) = s
        .post(
            "/crm/v3/objects/companies/search",
            json!({"limit": 100, "after": "9900"}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(r["total"], 10_500);
    assert_eq!(r["paging"]["next"]["after"], "10000");
    let (st, r) = s
        .post(
            "/crm/v3/objects/companies/search",
            json!({"limit": 100, "after": "10000"}),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(r["category"], "VALIDATION_ERROR");
    let (st, _) = s
        .post("/crm/v3/objects/companies/search", json!({"limit": 201}))
        .await;
    assert_eq!(st, 400);
    let (_, r) = s.post("/crm/v3/objects/companies/search", json!({"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "BETWEEN", "value": "1000000001", "highValue": "1000000003"}]}]})).await;
    assert_eq!(r["total"], 3);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, r) = s.post("/crm/v3/objects/companies/search", json!({"filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": "4102444800000"}]}]})).await;
    assert_eq!(r["total"], 0);
    let (_, r) = s.post("/crm/v3/objects/companies/search", json!({"filterGroups": [{"filters": [{"propertyName": "synchro_artis", "operator": "NOT_HAS_PROPERTY"}]}], "limit": 1})).await;
    assert!(r["total"].as_u64().unwrap() > 0);
    let (_, r) = s.post("/crm/v3/objects/companies/search", json!({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "boulangerie"}]}], "limit": 1, "sorts": ["-hs_object_id"]})).await;
    assert!(r["total"].as_u64().unwrap() > 0);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let big = "x".repeat(3001);
    let (st, _) = s
        .post("/crm/v3/objects/companies/search", json!({"query": big}))
        .await;
    assert_eq!(st, 400);
}

#[tokio::test]
async fn search_is_limited_to_five_per_second() {
    let s = start(small()).await;
    for _ in 0..5 {
        assert_eq!(
            s.post("/crm/v3/objects/deals/search", json!({})).await.0,
            200
        );
    }
    let (st, r) = s.post("/crm/v3/objects/deals/search", json!({})).await;
    assert_eq!(st, 429);
    assert_eq!(r["policyName"], "SECONDLY");
    let resp = s
        .http
        .post(format!("{}/crm/v3/objects/deals/search", s.base))
        .bearer_auth(DEFAULT_TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(!resp.headers().contains_key("x-hubspot-ratelimit-max"));
}

#[tokio::test]
async fn search_excludes_archived_and_honours_lag() {
    let s = start(SimConfig {
        search_lag_ms: 300,
        ..small()
    })
    .await;
    let (_, c) = s
        .post(
            "/crm/v3/objects/companies",
            json!({"properties": {"name": "Zeppelin Unique"}}),
        )
        .await;
    let q = json!({"filterGroups": [{"filters": [{"propertyName": "name", "operator": "EQ", "value": "zeppelin unique"}]}]});
    assert_eq!(
        s.post("/crm/v3/objects/companies/search", q.clone())
            .await
            .1["total"],
        0
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        s.post("/crm/v3/objects/companies/search", q.clone())
            .await
            .1["total"],
        1
    );
    s.call(
        Method::DELETE,
        &format!("/crm/v3/objects/companies/{}", id_of(&c)),
        None,
    )
    .await;
    assert_eq!(
        s.post("/crm/v3/objects/companies/search", q).await.1["total"],
        0
    );
}

#[tokio::test]
async fn associations_v4() {
    let s = start(SimConfig {
        ten_second_limit: 1000,
        ..small()
    })
    .await;
    let (_, co) = s
        .post(
            "/crm/v3/objects/companies",
            json!({"properties": {"name": "Hub"}}),
        )
        .await;
    let company = id_of(&co);
    let mut contacts = Vec::new();
    for i in 0..150 {
        let (_, c) = s
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {"email": format!("a{i}@hub.fr")}}),
            )
            .await;
        contacts.push(id_of(&c));
    }
    let inputs: Vec<Value> = contacts.iter().map(|c| json!({"from": {"id": company}, "to": {"id": c}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280}]})).collect();
    let (st, r) = s
        .post(
            "/crm/v4/associations/companies/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    let (st, r) = s
        .post(
            "/crm/v4/associations/companies/contacts/batch/read",
            json!({"inputs": [{"id": company}]}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(r["results"][0]["to"].as_array().unwrap().len(), 100);
    assert_eq!(
        r["results"][0]["to"][0]["associationTypes"][0]["typeId"],
        280
    );
    let after = r["results"][0]["paging"]["next"]["after"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, r) = s
        .post(
            "/crm/v4/associations/companies/contacts/batch/read",
            json!({"inputs": [{"id": company, "after": after}]}),
        )
        .await;
    assert_eq!(r["results"][0]["to"].as_array().unwrap().len(), 50);
    // reverse direction with the reverse type id
    let (_, r) = s
        .post(
            "/crm/associations/2026-03/contacts/companies/batch/read",
            json!({"inputs": [{"id": contacts[0]}]}),
        )
        .await;
    assert_eq!(
        r["results"][0]["to"][0]["associationTypes"][0]["typeId"],
        279
    );
    let too_many: Vec<Value> = (0..1001).map(|i| json!({"id": i.to_string()})).collect();
    assert_eq!(
        s.post(
            "/crm/v4/associations/companies/contacts/batch/read",
            json!({"inputs": too_many})
        )
        .await
        .0,
        400
    );
    let (st, _) = s
        .post(
            "/crm/v4/associations/companies/contacts/batch/archive",
            json!({"inputs": [{"from": {"id": company}, "to": [{"id": contacts[0]}]}]}),
        )
        .await;
    assert_eq!(st, 204);
    let (_, r) = s
        .get(&format!(
            "/crm/v4/objects/companies/{company}/associations/contacts?limit=500"
        ))
        .await;
    assert_eq!(r["results"].as_array().unwrap().len(), 149);
    let (st, _) = s
        .call(
            Method::PUT,
            &format!(
                "/crm/v4/objects/contacts/{}/associations/companies/{company}",
                contacts[0]
            ),
            Some(json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}])),
        )
        .await;
    assert_eq!(st, 201);
    let (_, r) = s
        .get(&format!(
            "/crm/v4/objects/contacts/{}/associations/companies",
            contacts[0]
        ))
        .await;
    assert_eq!(r["results"][0]["associationTypes"][0]["label"], "Primary");
    let st = s
        .call(
            Method::DELETE,
            &format!(
                "/crm/v4/objects/contacts/{}/associations/companies/{company}",
                contacts[0]
            ),
            None,
        )
        .await
        .0;
    assert_eq!(st, 204);
    let (_, r) = s
        .get(&format!(
            "/crm/v4/objects/contacts/{}/associations/companies",
            contacts[0]
        ))
        .await;
    assert!(r["results"].as_array().unwrap().is_empty());
}
