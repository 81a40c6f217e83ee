//! The e-mail sent when an import finishes, with `[smtp]` configured (spec §5, seed 004's
//! "be told by e-mail"). The mail holds the tenant, the kind, the counts and where to get
//! the rejected rows; never a file name, a cell value or anything else a person could be
//! recognised by. Sending is best effort: a relay failure is logged, never fails the import.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::report::ImportReport;
use crate::config::SmtpConfig;

/// Why the summary could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// The configured addresses do not parse (the configuration check prevents it).
    #[error("invalid address in [smtp]")]
    Address(#[from] lettre::address::AddressError),
    /// The message could not be built.
    #[error("cannot build the message")]
    Message(#[from] lettre::error::Error),
    /// The relay refused or could not be reached.
    #[error("the SMTP relay failed")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Subject and body of the summary of `report` for `tenant`; `errors_url` where the API
/// serves the rejected rows, if the import went through it.
#[must_use]
pub fn summary(report: &ImportReport, tenant: &str, errors_url: Option<&str>) -> (String, String) {
    let subject = format!(
        "crmsync: {} import {}finished for {tenant}: {} created, {} updated, {} rejected",
        report.kind,
        if report.dry_run { "(dry run) " } else { "" },
        report.created,
        report.updated,
        report.rejected
    );
    let mut body = format!(
        "The {} import for tenant {tenant} has finished{}.\n\n\
         rows read: {}\ncreated: {}\nupdated: {}\ndeleted: {}\nunchanged: {}\nrejected: {}\nconflicts: {}\ncolumn warnings: {}\n",
        report.kind,
        if report.dry_run {
            " (dry run: nothing was written)"
        } else {
            ""
        },
        report.rows,
        report.created,
        report.updated,
        report.deleted,
        report.unchanged,
        report.rejected,
        report.conflicts,
        report.warnings.len()
    );
    if report.rejected + report.conflicts > 0 {
        body.push_str(&match errors_url {
            // Lines under 78 characters keep the mail in plain 7-bit text.
            Some(url) => format!("\nThe rejected rows, with the reason of each:\n{url}\n"),
            None => "\nThe rejected rows are in the errors file of the import (--errors-out).\n"
                .to_owned(),
        });
    }
    (subject, body)
}

/// Sends the summary of `report` to the `[smtp]` recipients.
///
/// # Errors
/// See [`NoticeError`].
pub async fn send(
    smtp: &SmtpConfig,
    report: &ImportReport,
    tenant: &str,
    errors_url: Option<&str>,
) -> Result<(), NoticeError> {
    let (subject, body) = summary(report, tenant, errors_url);
    let mut message = Message::builder()
        .from(smtp.from.parse::<Mailbox>()?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN);
    for to in &smtp.to {
        message = message.to(to.parse::<Mailbox>()?);
    }
    let message = message.body(body)?;
    let builder = if smtp.starttls {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
    };
    let mut builder = builder
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(smtp.timeout_s.max(1))));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
    }
    builder.build().send(message).await?;
    Ok(())
}

/// [`send`] when `[smtp]` is configured; a failure is logged (without the addresses).
pub async fn notify(
    smtp: Option<&SmtpConfig>,
    report: &ImportReport,
    tenant: &str,
    errors_url: Option<&str>,
) {
    let Some(smtp) = smtp else { return };
    match send(smtp, report, tenant, errors_url).await {
        Ok(()) => {
            tracing::info!(tenant.id = %tenant, import.kind = %report.kind, "import summary e-mailed")
        }
        Err(e) => {
            tracing::warn!(tenant.id = %tenant, error = %crate::import::cli::error_chain(&e), "cannot e-mail the import summary")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_holds_counts_and_the_errors_link() {
        let report = ImportReport {
            kind: "contacts".into(),
            rows: 3,
            created: 2,
            rejected: 1,
            ..ImportReport::default()
        };
        let (subject, body) = summary(&report, "acme", Some("/api/v1/imports/x/errors.csv"));
        assert_eq!(
            subject,
            "crmsync: contacts import finished for acme: 2 created, 0 updated, 1 rejected"
        );
        assert!(
            body.contains("created: 2\n") && body.contains("rejected: 1\n"),
            "{body}"
        );
        assert!(body.contains("/api/v1/imports/x/errors.csv"), "{body}");
    }
}
