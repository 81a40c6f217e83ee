//! The accounting benches' simulators: `crmsync simulate syneton|adminpulse` as child
//! processes, each with a client at the configured pace.

use std::time::Duration;

use crmsync::connectors::adminpulse::{self, AdminPulseClient};
use crmsync::connectors::syneton::{self, SynetonClient};
use secrecy::SecretString;

use super::server::{Server, port, start};

/// A simulator process and a client of it.
pub struct Connected<C> {
    /// Killed when dropped.
    pub server: Server,
    pub port: u16,
    pub client: C,
}

/// A Syneton office of `companies` and `contacts` that allows `rate_limit` calls a minute
/// in pages of `per_page`; the client keeps `interval` between calls.
pub async fn syneton(
    companies: u64,
    contacts: u64,
    rate_limit: u64,
    per_page: u64,
    interval: Duration,
) -> Connected<SynetonClient> {
    let port = port();
    let server = start(
        &[
            "simulate",
            "syneton",
            "--port",
            &port.to_string(),
            "--companies",
            &companies.to_string(),
            "--contacts",
            &contacts.to_string(),
            "--rate-limit",
            &rate_limit.to_string(),
            "--per-page",
            &per_page.to_string(),
        ],
        &format!("http://127.0.0.1:{port}/_sim/stats"),
    )
    .await;
    let mut config = syneton::ClientConfig::new(&format!("http://127.0.0.1:{port}")).expect("url");
    config.min_call_interval = interval;
    let client = SynetonClient::new(
        config,
        SecretString::from(crmsync::simulate::syneton::DEFAULT_API_KEY),
    )
    .expect("client");
    Connected {
        server,
        port,
        client,
    }
}

/// An AdminPulse office of `relations` and `contacts`; the client keeps its default pace.
pub async fn adminpulse(relations: u64, contacts: u64) -> Connected<AdminPulseClient> {
    let port = port();
    let server = start(
        &[
            "simulate",
            "adminpulse",
            "--port",
            &port.to_string(),
            "--companies",
            &relations.to_string(),
            "--contacts",
            &contacts.to_string(),
        ],
        &format!("http://127.0.0.1:{port}/_sim/config"),
    )
    .await;
    let config = adminpulse::ClientConfig::new(
        url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url"),
    );
    let client = AdminPulseClient::new(
        config,
        adminpulse::Credentials::ApiKey(SecretString::from(
            crmsync::simulate::adminpulse::DEFAULT_API_KEY,
        )),
        None,
    )
    .expect("client");
    Connected {
        server,
        port,
        client,
    }
}
