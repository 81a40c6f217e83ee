//! The first full read: every company (customers with `IsCompany`) with its registered
//! office, then every person, each under the first company it is linked to that is linked
//! locally. Each page commits with the place to resume from (the next `Link` target), so an
//! interrupted read goes on where it stopped; the change-feed position is taken before the
//! read starts, so nothing changed during the read is missed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::read::{PersonLinks, contact_of};
use super::{CONNECTION, Ctx, RunError, now_ms, origin};
use crate::connectors::syneton::{ChangeCursor, Customer, CustomerAddress, Filter, Pages};
use crate::mapping::accounting::from_syneton;
use crate::sync::accounting::Inbound;

/// Which half of the read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Companies first, so persons find them linked.
    #[default]
    Companies,
    /// Then persons.
    Persons,
}

/// The full read's progress, kept as the `customers` cursor (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The half in progress.
    pub phase: Phase,
    /// The next page of that half (`None`: its first).
    pub next: Option<String>,
    /// The change-feed position to follow once done (taken when the read started).
    pub feed: Option<String>,
}

impl Progress {
    fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What a page holds and what it needs.
enum Half<'a> {
    Companies(&'a HashMap<i64, CustomerAddress>),
    Persons(&'a PersonLinks),
}

impl Ctx<'_> {
    /// Runs (or resumes) the full read; `false` when the daemon stopped it half-way.
    pub(super) async fn full_read(
        &self,
        inbound: &mut Inbound<'_>,
        mut progress: Progress,
    ) -> Result<bool, RunError> {
        if progress.feed.is_none() {
            let lag = self.client.config().change_lag;
            let start = ChangeCursor::Since(self.client.server_now() - lag);
            progress.feed = Some(start.encode());
            tracing::info!(tenant.id = %self.tenant, connector.id = CONNECTION, "Syneton full read started");
        }
        if progress.phase == Phase::Companies {
            let offices: HashMap<i64, CustomerAddress> = self
                .client
                .registered_offices(None)
                .await?
                .into_iter()
                .map(|a| (a.customer_id, a))
                .collect();
            let pages = self
                .pages(
                    progress.next.as_deref(),
                    Filter::new().eq("IsCompany", true),
                )
                .await?;
            if !self
                .walk(inbound, pages, &progress, &Half::Companies(&offices))
                .await?
            {
                return Ok(false);
            }
            progress.phase = Phase::Persons;
            progress.next = None;
        }
        let links = PersonLinks::new(self.client.links(None).await?.collect(self.client).await?);
        let pages = self
            .pages(
                progress.next.as_deref(),
                Filter::new().eq("IsCompany", false),
            )
            .await?;
        let done = self
            .walk(inbound, pages, &progress, &Half::Persons(&links))
            .await?;
        if done {
            tracing::info!(tenant.id = %self.tenant, connector.id = CONNECTION, "Syneton full read done");
        }
        Ok(done)
    }

    async fn pages(&self, next: Option<&str>, filter: Filter) -> Result<Pages<Customer>, RunError> {
        Ok(match next.and_then(|u| url::Url::parse(u).ok()) {
            Some(url) => self.client.resume_pages("customers", url)?,
            None => self.client.customers(Some(&filter)).await?,
        })
    }

    /// Applies `pages` one transaction per page while the next page is read.
    async fn walk(
        &self,
        inbound: &mut Inbound<'_>,
        mut pages: Pages<Customer>,
        progress: &Progress,
        half: &Half<'_>,
    ) -> Result<bool, RunError> {
        let mut current = pages.next_page(self.client).await?;
        while let Some(rows) = current.take() {
            let after = match (pages.next_url(), half) {
                (Some(url), _) => Progress {
                    next: Some(url.to_string()),
                    ..progress.clone()
                },
                (None, Half::Companies(_)) => Progress {
                    phase: Phase::Persons,
                    next: None,
                    ..progress.clone()
                },
                (None, Half::Persons(_)) => Progress {
                    next: None,
                    ..progress.clone()
                },
            };
            let last = pages.next_url().is_none() && matches!(half, Half::Persons(_));
            let (next, done) = tokio::join!(
                pages.next_page(self.client),
                self.apply_page(inbound, half, &rows, &after, last)
            );
            done?;
            current = next?;
            if current.is_some() && self.stop.is_cancelled() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// One page and its cursor in one transaction; the last page hands over to the feeds.
    async fn apply_page(
        &self,
        inbound: &mut Inbound<'_>,
        half: &Half<'_>,
        rows: &[Customer],
        after: &Progress,
        last: bool,
    ) -> Result<(), RunError> {
        let ms = now_ms();
        let mut tx = self.store.begin(&origin()).await?;
        match half {
            Half::Companies(offices) => {
                for c in rows {
                    let rec = from_syneton(c, offices.get(&c.customer_id), &[]);
                    inbound.company(&mut tx, &rec, ms).await?;
                }
            }
            Half::Persons(links) => {
                for person in rows {
                    match contact_of(&mut tx, self.tenant, person, links.of(person.customer_id))
                        .await?
                    {
                        Some((contact, company)) => {
                            inbound
                                .contact(&mut tx, &contact, Some((&company.0, company.1)), ms)
                                .await?;
                        }
                        // Not a contact person of a company linked here.
                        None => inbound.counts.skipped += 1,
                    }
                }
            }
        }
        if last {
            let feed = after.feed.clone().unwrap_or_default();
            tx.put_cursor(self.tenant, CONNECTION, "customers", &feed)
                .await?;
            tx.put_cursor(self.tenant, CONNECTION, "links", &feed)
                .await?;
        } else {
            tx.put_cursor(self.tenant, CONNECTION, "customers", &after.encode())
                .await?;
        }
        tx.commit().await?;
        inbound.flush().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_survives_its_text_form_and_a_feed_cursor_is_not_progress() {
        let p = Progress {
            phase: Phase::Persons,
            next: Some("http://h/api/v1/customers?page=3".to_owned()),
            feed: Some("logid:5".to_owned()),
        };
        match super::super::Position::decode(Some(&p.encode())) {
            super::super::Position::Full(back) => assert_eq!(back, p),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            super::super::Position::decode(Some("logid:7")),
            super::super::Position::Feed(ChangeCursor::LogId(7))
        );
        assert_eq!(
            super::super::Position::decode(None),
            super::super::Position::Full(Progress::default())
        );
    }
}
