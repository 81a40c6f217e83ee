//! What applying one accounting record takes, company or contact person alike: its
//! savepoint, the merge plan against the link's base ([`linked`]), and what is left once
//! the local record is written (local wins queued as pushes).

use super::{Inbound, Outcome, RecordError};
use crate::store::sync::{Base, Link};
use crate::store::{StoreError, WriteTx};
use crate::sync::common::Canon;
use crate::sync::common::linked::{self, Pair};
use crate::sync::common::merge::Plan;

/// A local record: its entity (`company`, `contact`) and id.
pub(super) type Local = (&'static str, i64);

impl Inbound<'_> {
    /// Opens the savepoint one record is applied in.
    pub(super) async fn begin_record(&mut self, tx: &mut WriteTx) -> Result<(), StoreError> {
        self.counts.read += 1;
        tx.exec("savepoint record", &[]).await?;
        Ok(())
    }

    /// Closes the record's savepoint with how applying it went: kept and counted, or rolled
    /// back and journaled under `inbound` so the page goes on. Store failures that are not
    /// about the record end the page. Answers the local record it is linked to.
    pub(super) async fn end_record(
        &mut self,
        tx: &mut WriteTx,
        inbound: &str,
        remote_id: &str,
        applied: Result<(Outcome, Option<i64>), RecordError>,
    ) -> Result<Option<i64>, StoreError> {
        match applied {
            Ok((outcome, local)) => {
                tx.exec("release savepoint record", &[]).await?;
                outcome.count(&mut self.counts);
                self.journal.passed_inbound(inbound, remote_id);
                Ok(local)
            }
            Err(RecordError::Store(e)) if !e.is_record_level() => Err(e),
            Err(e) => {
                tx.exec("rollback to savepoint record", &[]).await?;
                tx.exec("release savepoint record", &[]).await?;
                if self
                    .journal
                    .fail_inbound(inbound, remote_id, &e.to_string())
                {
                    self.counts.failed += 1;
                } else {
                    self.counts.skipped += 1;
                }
                Ok(None)
            }
        }
    }

    /// The merge plan of a record's `(remote, local, base)` sides ([`linked::plan`]).
    pub(super) async fn plan(
        &self,
        tx: &mut WriteTx,
        local: Local,
        remote_id: &str,
        sides: (&Canon, &Canon, &Base),
        remote_ms: i64,
    ) -> Result<Plan, StoreError> {
        let pair = self.pair(local, remote_id);
        linked::plan(tx, &pair, sides, |f| self.owner(pair.entity, f), remote_ms).await
    }

    /// What follows writing the plan locally: [`linked::settle`], and the values the local
    /// side won queued for the remote side.
    pub(super) async fn conclude(
        &mut self,
        tx: &mut WriteTx,
        (entity, local_id): Local,
        remote_id: &str,
        link: Option<&Link>,
        key: Option<&str>,
        plan: Plan,
    ) -> Result<(), StoreError> {
        linked::settle(
            tx,
            &self.pair((entity, local_id), remote_id),
            &plan,
            link,
            key,
        )
        .await?;
        if !plan.to_remote.is_empty() {
            self.pushes
                .entry((entity, local_id))
                .or_default()
                .extend(plan.to_remote);
        }
        Ok(())
    }

    fn pair<'a>(&'a self, (entity, local_id): Local, remote_id: &'a str) -> Pair<'a> {
        Pair {
            tenant: &self.tenant,
            connection: self.connection,
            entity,
            local_id,
            remote_id,
        }
    }
}
