//! What the engine needs of a connection: one run at a time, with its counts and, when it
//! stopped early, why (which decides the connection state shown in status).

use crate::store::sync::RunCounts;

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The credentials were refused: an admin must reconnect (`crmsync connect …`).
    NeedsReauth(String),
    /// The remote side's budget is spent; the connection records its own pause.
    Paused,
    /// Anything else (no secrets, no personal data).
    Failed(String),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::NeedsReauth(m) | Stop::Failed(m) => f.write_str(m),
            Stop::Paused => f.write_str("paused until the remote budget resets"),
        }
    }
}

/// A connection the engine runs.
#[async_trait::async_trait]
pub trait Connection: Send {
    /// One run.
    async fn run(&mut self) -> (RunCounts, Option<Stop>);
}

#[async_trait::async_trait]
impl Connection for super::hubspot::HubSpotSync {
    async fn run(&mut self) -> (RunCounts, Option<Stop>) {
        use super::hubspot::RunError;
        use crate::connectors::hubspot::HubSpotError;
        let (counts, error) = super::hubspot::HubSpotSync::run(self).await;
        let stop = error.map(|e| match e {
            RunError::HubSpot(HubSpotError::NeedsReauth | HubSpotError::Unauthorized { .. }) => {
                Stop::NeedsReauth(
                    "HubSpot refused the credentials; run `crmsync connect hubspot`".to_owned(),
                )
            }
            RunError::HubSpot(HubSpotError::DailyLimit { .. }) => Stop::Paused,
            other => Stop::Failed(other.to_string()),
        });
        (counts, stop)
    }
}
