//! End-to-end tests over HTTP on 127.0.0.1:0.
#![allow(clippy::unwrap_used)]

mod admin;
mod objects;
mod platform;
mod search;

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

use super::{DEFAULT_TOKEN, HubSpotSim, SimConfig};
use crate::simulate::Simulator;

pub(super) struct Sim {
    pub(super) base: String,
    pub(super) sim: HubSpotSim,
    pub(super) http: Client,
    pub(super) token: String,
}

pub(super) async fn start(cfg: SimConfig) -> Sim {
    let sim = HubSpotSim::new(cfg);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(sim.clone().serve(listener, std::future::pending()));
    Sim {
        base,
        sim,
        http: Client::new(),
        token: DEFAULT_TOKEN.to_string(),
    }
}

impl Sim {
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
    pub(super) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub(super) async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub(super) async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub(super) async fn admin(&self, method: Method, path: &str, body: Value) -> StatusCode {
        self.http
            .request(method, format!("{}/_sim{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
    }
}

pub(super) fn small() -> SimConfig {
    SimConfig {
        companies: 30,
        contacts: 60,
        deals: 20,
        activities: 30,
        ..SimConfig::default()
    }
}

pub(super) fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}
