//! A simulator served on 127.0.0.1:0 for as long as a test holds it, with the admin calls
//! the client tests make of every simulator.

use crmsync::simulate::Simulator;
use serde_json::Value;

/// A running simulator; it stops serving when dropped.
pub struct Running<S> {
    pub sim: S,
    pub base: url::Url,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl<S> Drop for Running<S> {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl<S: Simulator> Running<S> {
    /// Serves `sim` on a free loopback port.
    pub async fn serve(sim: S) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = sim.clone();
        tokio::spawn(async move {
            let _ = serving
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            sim,
            base: url::Url::parse(&format!("http://{addr}")).expect("url"),
            stop: Some(stop),
        }
    }

    /// Calls an admin endpoint, which must succeed; answers its JSON (`null` when none).
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let resp = reqwest::Client::new()
            .request(method, self.base.join(path).expect("url"))
            .json(&body)
            .send()
            .await
            .expect("admin call");
        assert!(
            resp.status().is_success(),
            "admin {path}: {}",
            resp.status()
        );
        resp.json().await.unwrap_or(Value::Null)
    }

    /// Queues a fault (`POST /_sim/faults`).
    pub async fn post_fault(&self, fault: Value) {
        self.admin(reqwest::Method::POST, "/_sim/faults", fault)
            .await;
    }

    /// (status, path, query) of every logged call.
    pub fn calls(&self) -> Vec<(u16, String, Option<String>)> {
        self.sim
            .request_log()
            .into_iter()
            .map(|r| (r.status, r.path, r.query))
            .collect()
    }
}
