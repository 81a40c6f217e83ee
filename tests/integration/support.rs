//! Test harness: fresh databases per test on either backend, the app in-process on port 0,
//! and the binary as a child process.

use std::net::SocketAddr;
use std::path::PathBuf;

use crmsync::app::Application;
use crmsync::config::Config;
use crmsync::store::{PoolOptions, Store};
use tokio::sync::oneshot;

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database; the temp dir lives as long as this.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

/// A fresh database, or `None` when PostgreSQL is not available and not required
/// (`CRMSYNC_REQUIRE_POSTGRES=1`, set by `scripts/test.sh`, turns the skip into a failure).
pub async fn fresh_db(backend: Backend) -> Option<TestDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("crmsync.db").display()),
        Backend::Postgres => {
            let Ok(admin) = std::env::var("TEST_POSTGRES_URL") else {
                assert!(
                    std::env::var("CRMSYNC_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "TEST_POSTGRES_URL is not set; run scripts/test.sh"
                );
                eprintln!("skipped: TEST_POSTGRES_URL not set");
                return None;
            };
            let name = format!("crmsync_{}", uuid::Uuid::new_v4().simple());
            let pool = sqlx::PgPool::connect(&admin)
                .await
                .expect("connect to the test cluster");
            sqlx::query(&format!("create database {name}"))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
            let mut url = url::Url::parse(&admin).expect("TEST_POSTGRES_URL is a URL");
            url.set_path(&name);
            url.to_string()
        }
    };
    Some(TestDb { url, dir })
}

/// Runs `$body(backend)` once per backend, as two tests `sqlite` and `postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                ($body)($crate::support::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                ($body)($crate::support::Backend::Postgres).await;
            }
        }
    };
}

/// Configuration text for a test app on `db`; `control` goes into `[control]`, `extra` at
/// the end.
pub fn config_text(db: &TestDb, listen: &str, control: &str, extra: &str) -> String {
    format!(
        "[database]\nurl = {url:?}\nmax_connections = 4\n\n[control]\nlisten = {listen:?}\n{control}\n\n[secrets]\nkey_file = {key:?}\n\n[tenants.acme]\nname = \"Acme\"\n\n{extra}\n",
        url = db.url,
        key = db.dir.path().join("secret.key").display().to_string(),
    )
}

/// Writes the config file and loads it as the binary would.
pub fn load_config(db: &TestDb, listen: &str, control: &str, extra: &str) -> (PathBuf, Config) {
    let path = db.dir.path().join("crmsync.toml");
    std::fs::write(&path, config_text(db, listen, control, extra)).expect("write config");
    let loaded = Config::load(&path, true).expect("valid test config");
    (path, loaded.config)
}

/// The app running in-process.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub token: Option<String>,
    pub store: Store,
    pub db: TestDb,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn with_auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.with_auth(self.client.get(self.url(path)))
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.with_auth(self.client.post(self.url(path)).json(body))
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.with_auth(self.client.patch(self.url(path)).json(body))
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.with_auth(self.client.delete(self.url(path)))
            .send()
            .await
            .expect("request")
    }

    /// Stops the app and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("app task").expect("app stopped cleanly");
        }
    }
}

/// Starts the app on 127.0.0.1:0 with a fresh database.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, None, "", "").await
}

/// Starts the app with a bearer token, `[control]` lines and extra config.
pub async fn spawn_app_with(
    backend: Backend,
    token: Option<&str>,
    control: &str,
    extra: &str,
) -> Option<TestApp> {
    let db = fresh_db(backend).await?;
    let token = token.map(str::to_owned);
    let control = match &token {
        Some(t) => format!("token = {t:?}\n{control}"),
        None => control.to_owned(),
    };
    let (_, config) = load_config(&db, "127.0.0.1:0", &control, extra);
    let app = Application::build(config).await.expect("app builds");
    let addr = app.local_addr().expect("bound");
    let store = app.store().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    Some(TestApp {
        addr,
        client: reqwest::Client::new(),
        token,
        store,
        db,
        stop: Some(stop),
        task: Some(task),
    })
}

/// Opens the test database directly, as another application would.
pub async fn open_store(db: &TestDb) -> Store {
    Store::connect(&db.url, PoolOptions::default())
        .await
        .expect("open store")
}
