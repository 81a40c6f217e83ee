//! Record endpoints: list, read, writes, batch, merge.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{id_of, small, start};

#[tokio::test]
async fn list_pages_with_limits_and_properties() {
    let s = start(small()).await;
    let (st, body) = s
        .get("/crm/v3/objects/companies?limit=100&properties=name,siret,nonexistent")
        .await;
    assert_eq!(st, 200);
    assert_eq!(body["results"].as_array().unwrap().len(), 30);
    assert!(body.get("paging").is_none());
    let first = &body["results"][0];
    assert!(first["properties"].get("nonexistent").is_none());
    assert!(first["properties"]["siret"].is_string());
    assert!(first["createdAt"].as_str().unwrap().ends_with('Z'));
    let mut seen = 0;
    let mut after = String::new();
    loop {
        let (_, page) = s
            .get(&format!("/crm/v3/objects/companies?limit=7{after}"))
            .await;
        seen += page["results"].as_array().unwrap().len();
        match page["paging"]["next"]["after"].as_str() {
            Some(a) => after = format!("&after={a}"),
            None => break,
        }
    }
    assert_eq!(seen, 30);
    let (st, err) = s.get("/crm/v3/objects/companies?limit=101").await;
    assert_eq!(st, 400);
    assert_eq!(err["category"], "VALIDATION_ERROR");
    assert!(err["correlationId"].is_string());
    let (st, body) = s
        .get("/crm/objects/2026-03/contacts?limit=3&properties=email&properties=civilite")
        .await;
    assert_eq!(st, 200);
    assert_eq!(body["results"].as_array().unwrap().len(), 3);
    assert!(body["results"][0]["properties"].get("civilite").is_some());
}

#[tokio::test]
async fn writes_follow_hubspot_rules() {
    let s = start(small()).await;
    let (st, c) = s.post("/crm/v3/objects/contacts", json!({"properties": {"email": "Jeanne.Test@exemple.fr", "firstname": "Jeanne", "lifecyclestage": "lead"}})).await;
    assert_eq!(st, 201, "{c}");
    let id = id_of(&c);
    let (st, err) = s
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "jeanne.test@exemple.fr"}}),
        )
        .await;
    assert_eq!(st, 409);
    assert_eq!(
        err["message"],
        format!("Contact already exists. Existing ID: {id}")
    );
    let (st, err) = s
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"bogus_prop": "x"}}),
        )
        .await;
    assert_eq!(st, 400);
    assert!(err["message"].as_str().unwrap().contains("bogus_prop"));
    // numbers and booleans become strings
    let (_, r) = s
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"synchro_artis": true}}),
        )
        .await;
    assert_eq!(r["properties"]["synchro_artis"], "true");
    // lifecycle forward-only
    let before = s
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=lifecyclestage,lastmodifieddate"
        ))
        .await
        .1;
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"lifecyclestage": "customer"}}),
    )
    .await;
    s.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"lifecyclestage": "lead"}}),
    )
    .await;
    let (_, after) = s
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=lifecyclestage,lastmodifieddate"
        ))
        .await;
    assert_eq!(after["properties"]["lifecyclestage"], "customer");
    assert!(after["updatedAt"].as_str().unwrap() > before["updatedAt"].as_str().unwrap());
    assert_eq!(after["updatedAt"], after["properties"]["lastmodifieddate"]);
    s.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"lifecyclestage": ""}}),
    )
    .await;
    let (_, cleared) = s
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=lifecyclestage"
        ))
        .await;
    assert!(cleared["properties"]["lifecyclestage"].is_null());
    s.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"lifecyclestage": "lead"}}),
    )
    .await;
    let (_, back) = s
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=lifecyclestage"
        ))
        .await;
    assert_eq!(back["properties"]["lifecyclestage"], "lead");
    // unique company property
    let (_, co) = s
        .get("/crm/v3/objects/companies?limit=1&properties=siret")
        .await;
    let siret = co["results"][0]["properties"]["siret"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, _) = s
        .post(
            "/crm/v3/objects/companies",
            json!({"properties": {"name": "Doublon", "siret": siret}}),
        )
        .await;
    assert_eq!(st, 409);
    // archive: gone from list, present with archived=true, 404 on read
    let cid = id_of(&co["results"][0]);
    let st = s
        .call(
            Method::DELETE,
            &format!("/crm/v3/objects/companies/{cid}"),
            None,
        )
        .await
        .0;
    assert_eq!(st, 204);
    assert_eq!(
        s.get(&format!("/crm/v3/objects/companies/{cid}")).await.0,
        404
    );
    let (_, arch) = s.get("/crm/v3/objects/companies?archived=true").await;
    assert_eq!(arch["results"].as_array().unwrap().len(), 1);
    assert_eq!(arch["results"][0]["archived"], true);
    assert!(arch["results"][0]["archivedAt"].is_string());
    // activities need hs_timestamp
    let (st, _) = s
        .post(
            "/crm/v3/objects/calls",
            json!({"properties": {"hs_call_title": "x"}}),
        )
        .await;
    assert_eq!(st, 400);
}

#[tokio::test]
async fn create_with_associations_and_inline_read() {
    let s = start(small()).await;
    let (_, co) = s.get("/crm/v3/objects/companies?limit=1").await;
    let company = id_of(&co["results"][0]);
    let (st, c) = s.post("/crm/v3/objects/contacts", json!({"properties": {"email": "assoc@exemple.fr"},
        "associations": [{"to": {"id": company}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]})).await;
    assert_eq!(st, 201);
    let (_, read) = s
        .get(&format!(
            "/crm/v3/objects/contacts/{}?associations=companies",
            id_of(&c)
        ))
        .await;
    assert_eq!(
        read["associations"]["companies"]["results"][0]["id"],
        company.as_str()
    );
    assert_eq!(
        read["associations"]["companies"]["results"][0]["type"],
        "contact_to_company_unlabeled"
    );
}

#[tokio::test]
async fn batch_endpoints() {
    let s = start(small()).await;
    let inputs: Vec<Value> = (0..101)
        .map(|i| json!({"properties": {"email": format!("b{i}@x.fr")}}))
        .collect();
    let (st, _) = s
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(st, 400);
    // one bad input fails the whole batch
    let (st, _) = s.post("/crm/v3/objects/contacts/batch/create", json!({"inputs": [{"properties": {"email": "ok1@x.fr"}}, {"properties": {"nope": "1"}}]})).await;
    assert_eq!(st, 400);
    let (st, body) = s
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": [
        {"properties": {"email": "ok1@x.fr"}, "objectWriteTraceId": "t1"},
        {"properties": {"email": "ok1@x.fr"}, "objectWriteTraceId": "t2"}]}),
        )
        .await;
    assert_eq!(st, 207, "{body}");
    assert_eq!(body["numErrors"], 1);
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert_eq!(body["errors"][0]["context"]["objectWriteTraceId"][0], "t2");
    let id = id_of(&body["results"][0]);
    let (st, body) = s
        .post(
            "/crm/v3/objects/contacts/batch/read",
            json!({"properties": ["email"], "inputs": [{"id": id}, {"id": "42"}]}),
        )
        .await;
    assert_eq!(st, 207);
    assert_eq!(body["results"][0]["properties"]["email"], "ok1@x.fr");
    let (st, body) = s
        .post(
            "/crm/v3/objects/contacts/batch/read",
            json!({"idProperty": "email", "properties": ["email"], "inputs": [{"id": "OK1@x.fr"}]}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(body["status"], "COMPLETE");
    assert_eq!(id_of(&body["results"][0]), id);
    let (st, body) = s
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [
        {"id": "ok1@x.fr", "idProperty": "email", "properties": {"firstname": "Old"}},
        {"id": "new1@x.fr", "idProperty": "email", "properties": {"firstname": "New"}}]}),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["results"][0]["new"], false);
    assert_eq!(body["results"][1]["new"], true);
    let (st, _) = s
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [{"id": "x", "idProperty": "firstname", "properties": {}}]}),
        )
        .await;
    assert_eq!(st, 400);
    let (st, body) = s.post("/crm/v3/objects/companies/batch/upsert", json!({"inputs": [{"id": "73282932000074", "idProperty": "siret", "properties": {"name": "Nouvelle"}}]})).await;
    assert_eq!(st, 200);
    assert_eq!(body["results"][0]["properties"]["siret"], "73282932000074");
    let (st, body) = s
        .post(
            "/crm/v3/objects/contacts/batch/update",
            json!({"inputs": [{"id": id, "properties": {"lastname": "Durand"}}]}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(body["results"][0]["properties"]["lastname"], "Durand");
    let (st, _) = s
        .post(
            "/crm/v3/objects/contacts/batch/archive",
            json!({"inputs": [{"id": id}]}),
        )
        .await;
    assert_eq!(st, 204);
    assert_eq!(
        s.get(&format!("/crm/v3/objects/contacts/{id}")).await.0,
        404
    );
}

#[tokio::test]
async fn merge_redirects_old_id() {
    let s = start(small()).await;
    let (_, a) = s
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "a@m.fr"}}),
        )
        .await;
    let (_, b) = s
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "b@m.fr", "jobtitle": "Gérant"}}),
        )
        .await;
    let (st, m) = s
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": id_of(&a), "objectIdToMerge": id_of(&b)}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(id_of(&m), id_of(&a));
    let (st, old) = s
        .get(&format!(
            "/crm/v3/objects/contacts/{}?properties=hs_merged_object_ids,jobtitle",
            id_of(&b)
        ))
        .await;
    assert_eq!(st, 200);
    assert_eq!(id_of(&old), id_of(&a));
    assert_eq!(
        old["properties"]["hs_merged_object_ids"],
        id_of(&b).as_str()
    );
    assert_eq!(old["properties"]["jobtitle"], "Gérant");
}

#[tokio::test]
async fn gdpr_delete_removes_a_contact_for_good_and_only_contacts() {
    let s = start(small()).await;
    let (_, a) = s
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "gone@m.fr"}}),
        )
        .await;
    let id = id_of(&a);
    let (st, _) = s
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": id}),
        )
        .await;
    assert_eq!(st, 204);
    assert_eq!(
        s.get(&format!("/crm/v3/objects/contacts/{id}")).await.0,
        404
    );
    // Unlike an archive, nothing is left to restore.
    let (_, archived) = s.get("/crm/v3/objects/contacts?archived=true").await;
    assert!(
        archived["results"]
            .as_array()
            .is_none_or(|r| r.iter().all(|c| id_of(c) != id)),
        "{archived}"
    );
    // By e-mail, and again (already gone): still 204.
    let (_, b) = s
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "mail@m.fr"}}),
        )
        .await;
    for _ in 0..2 {
        let (st, _) = s
            .post(
                "/crm/v3/objects/contacts/gdpr-delete",
                json!({"objectId": "mail@m.fr", "idProperty": "email"}),
            )
            .await;
        assert_eq!(st, 204);
    }
    assert_eq!(
        s.get(&format!("/crm/v3/objects/contacts/{}", id_of(&b)))
            .await
            .0,
        404
    );
    let (st, body) = s
        .post(
            "/crm/v3/objects/companies/gdpr-delete",
            json!({"objectId": "1"}),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(body["category"], "VALIDATION_ERROR");
}
