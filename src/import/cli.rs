//! `crmsync import customers|contacts|criteria|authorizations FILE [--dry-run]
//! [--map "Header=field"]… [--errors-out PATH] [--tenant T] [--sheet NAME] [--force]`.
//!
//! Prints the warnings, every rejected row (line, column, reason) and the counts on
//! standard output; progress goes to standard error (an indicatif bar on a terminal, plain
//! lines otherwise); with `[smtp]` configured, mails the summary. Exit status: 0 every row
//! applied, 1 rows rejected (or bulk conflicts skipped) or the import failed, 2 bad usage,
//! unreadable file or missing required columns.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::columns::parse_overrides;
use super::report::{ErrorsCsv, RejectSink, RejectedRow};
use super::{ImportError, ImportKind, ImportOptions, PreparedImport, Progress};
use crate::config::Config;

/// Exit status when rows were rejected or the import failed.
const EXIT_REJECTED: u8 = 1;
/// Exit status for bad usage, an unreadable file or missing columns.
const EXIT_USAGE: u8 = 2;

/// Arguments of `crmsync import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub kind: ImportKind,
    /// CSV (`,` `;` or tab; UTF-8 or Windows-1252) or XLSX file.
    pub file: PathBuf,
    /// Check the file and report what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Map a column to a field, overriding the automatic mapping (`"Mail perso=Email"`;
    /// `"Notes="` ignores a column). Repeatable.
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub map: Vec<String>,
    /// Write the rejected rows, with a reason column, to this CSV file.
    #[arg(long, value_name = "PATH")]
    pub errors_out: Option<PathBuf>,
    /// Tenant to import into.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// XLSX sheet to read [default: the first].
    #[arg(long)]
    pub sheet: Option<String>,
    /// Bulk updates (criteria, authorizations): also apply rows whose stored value no longer
    /// equals their `[old]` value.
    #[arg(long)]
    pub force: bool,
}

/// Prints rejected rows as they come and forwards them to the errors file, if any.
struct CliSink<W: Write> {
    out: W,
    file: Option<ErrorsCsv<BufWriter<std::fs::File>>>,
}

impl<W: Write + Send> RejectSink for CliSink<W> {
    fn reject(&mut self, row: &RejectedRow) -> std::io::Result<()> {
        for e in &row.errors {
            if e.column.is_empty() {
                writeln!(self.out, "line {}: {}", e.line, e.reason)?;
            } else {
                writeln!(
                    self.out,
                    "line {}, column {:?}: {}",
                    e.line, e.column, e.reason
                )?;
            }
        }
        match &mut self.file {
            Some(file) => file.reject(row),
            None => Ok(()),
        }
    }
}

/// Progress on standard error: an indicatif bar on a terminal, plain lines every few
/// seconds otherwise (logs, CI), and always a last line at the end.
pub enum CliProgress<W: Write + Send> {
    /// A terminal.
    Bar(indicatif::ProgressBar),
    /// Anything else.
    Lines {
        /// Where the lines go.
        out: W,
        /// Last line written.
        last: Option<Instant>,
        /// Least time between two lines.
        every: Duration,
    },
}

impl CliProgress<std::io::Stderr> {
    /// A bar when standard error is a terminal, lines otherwise.
    #[must_use]
    pub fn stderr() -> Self {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(1000);
            let style = indicatif::ProgressStyle::with_template(
                "import [{bar:30}] {percent:>3}% {msg} ({elapsed})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("#>-");
            bar.set_style(style);
            Self::Bar(bar)
        } else {
            Self::Lines {
                out: std::io::stderr(),
                last: None,
                every: Duration::from_secs(2),
            }
        }
    }
}

impl<W: Write + Send> Progress for CliProgress<W> {
    fn update(&mut self, rows: u64, fraction: f64) {
        let fraction = fraction.clamp(0.0, 1.0);
        let done = fraction >= 1.0;
        match self {
            Self::Bar(bar) => {
                bar.set_position((fraction * 1000.0) as u64);
                bar.set_message(format!("{rows} rows"));
                if done {
                    bar.finish();
                }
            }
            Self::Lines { out, last, every } => {
                if !done && last.is_some_and(|t| t.elapsed() < *every) {
                    return;
                }
                *last = Some(Instant::now());
                let pct = (fraction * 100.0).round();
                // Progress is best effort: a closed stderr must not stop the import.
                let _ = writeln!(out, "import: {rows} rows, {pct} % of the file");
            }
        }
    }
}

/// Runs `crmsync import`.
///
/// # Errors
/// When the store cannot be opened (the caller exits with 1); every other failure is
/// printed and mapped to an exit status here.
pub async fn run(config: &Config, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mapping = match parse_overrides(&args.map) {
        Ok(m) => m,
        Err(e) => return Ok(usage(&e)),
    };
    let options = ImportOptions {
        kind: args.kind,
        tenant: args.tenant.clone(),
        dry_run: args.dry_run,
        mapping,
        sheet: args.sheet.clone(),
        force: args.force,
    };
    let prepared = match PreparedImport::open(&args.file, options) {
        Ok(p) => p,
        Err(e) => return Ok(usage(&e)),
    };
    let mut stdout = std::io::stdout().lock();
    for w in prepared.warnings() {
        writeln!(stdout, "warning: {w}")?;
    }
    drop(stdout);
    let file = match &args.errors_out {
        None => None,
        Some(path) => {
            let out = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            Some(ErrorsCsv::new(
                BufWriter::new(out),
                prepared.header(),
                prepared.delimiter(),
            )?)
        }
    };
    let store = crate::app::open_store(config).await?;
    let mut sink = CliSink {
        out: std::io::stdout(),
        file,
    };
    let mut progress = CliProgress::stderr();
    let result = prepared.run(&store, &mut sink, &mut progress).await;
    store.close().await;
    if let Some(file) = sink.file.take() {
        file.finish().context("cannot write the errors file")?;
    }
    match result {
        Ok(report) => {
            println!("{}", report.summary());
            super::notice::notify(config.smtp.as_ref(), &report, &args.tenant, None).await;
            // Forced conflicts were applied; skipped ones need the user like rejected rows.
            let skipped = report.rejected + if args.force { 0 } else { report.conflicts };
            if skipped > 0 {
                if let Some(path) = &args.errors_out {
                    println!("rejected rows written to {}", path.display());
                }
                Ok(ExitCode::from(EXIT_REJECTED))
            } else {
                Ok(ExitCode::SUCCESS)
            }
        }
        Err(e) if e.is_usage() => Ok(usage(&e)),
        Err(e) => {
            let msg = chain(&e);
            tracing::error!(error = %msg, "import failed");
            eprintln!("crmsync: import failed: {msg}");
            Ok(ExitCode::from(EXIT_REJECTED))
        }
    }
}

/// The error and its sources, one after the other.
fn chain(e: &ImportError) -> String {
    error_chain(e)
}

/// `e` and its sources, one after the other.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn usage(e: &ImportError) -> ExitCode {
    eprintln!("crmsync: {e}");
    ExitCode::from(EXIT_USAGE)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ImportArgs,
    }

    #[test]
    fn arguments_parse_like_the_spec_says() {
        let w = Wrapper::try_parse_from([
            "import",
            "contacts",
            "f.csv",
            "--dry-run",
            "--map",
            "Mail=Email",
            "--map",
            "X=",
            "--errors-out",
            "e.csv",
            "--tenant",
            "acme",
        ])
        .expect("parses");
        assert_eq!(w.args.kind, ImportKind::Contacts);
        assert!(w.args.dry_run);
        assert_eq!(w.args.map, ["Mail=Email", "X="]);
        assert_eq!(w.args.tenant, "acme");
    }

    #[test]
    fn plain_progress_lines_are_spaced_and_the_last_one_always_printed() {
        let mut progress = CliProgress::Lines {
            out: Vec::new(),
            last: None,
            every: Duration::from_secs(3600),
        };
        progress.update(1000, 0.25);
        progress.update(2000, 0.5);
        progress.update(4000, 1.0);
        let CliProgress::Lines { out, .. } = progress else {
            unreachable!("built as lines")
        };
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "import: 1000 rows, 25 % of the file\nimport: 4000 rows, 100 % of the file\n"
        );
    }
}
