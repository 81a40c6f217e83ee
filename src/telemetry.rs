//! Logging. Human or JSON lines on stderr, filtered by `RUST_LOG` or `log.filter`.
//!
//! Rule for every call site: log identifiers and counts, never people or secrets — no
//! e-mails, names, phone numbers, tokens, API keys, request bodies or query strings.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{LogConfig, LogFormat};

const QUIET_SCHEDULER: &str = "tokio_cron_scheduler=warn";

/// Installs the global subscriber writing to stderr. Safe to call twice (the second call
/// does nothing), which tests rely on.
pub fn init(config: &LogConfig) {
    init_with_writer(config, std::io::stderr);
}

/// Installs the global subscriber with another writer.
pub fn init_with_writer<W>(config: &LogConfig, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // The scheduler library narrates its own start-up at info.
        .add_directive(QUIET_SCHEDULER.parse().expect("static directive"));
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    let _already_set = match config.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Human => builder.compact().try_init(),
    };
}
