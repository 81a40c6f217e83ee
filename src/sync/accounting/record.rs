//! What applying one accounting record takes, company or contact person alike: its
//! savepoint, the merge plan against the link's base, and what is left once the local
//! record is written (conflicts journaled, the link's base kept, local wins queued).

use super::{Inbound, Outcome, RecordError};
use crate::store::sync::{Base, Link};
use crate::store::{StoreError, WriteTx};
use crate::sync::common::Canon;
use crate::sync::common::merge::{self, Plan};

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

    /// The three-way merge of `remote` with the `local_side` of a record against `base`.
    /// The local change time is read only when both sides changed a field, where the later
    /// change wins.
    pub(super) async fn plan(
        &self,
        tx: &mut WriteTx,
        (entity, local_id): Local,
        remote: &Canon,
        local_side: &Canon,
        base: &Base,
        remote_ms: i64,
    ) -> Result<Plan, StoreError> {
        let local_ms = if both_changed(remote, local_side, base) {
            tx.last_local_change_ms(&self.tenant, entity, local_id, self.connection)
                .await?
                .unwrap_or(0)
        } else {
            0
        };
        Ok(merge::plan(
            remote,
            local_side,
            base,
            |f| self.owner(entity, f),
            remote_ms,
            local_ms,
        ))
    }

    /// What follows writing the plan locally: its conflicts journaled, the link's base
    /// updated (or, without `link`, a first link made with `key`), and the values the local
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
        let tenant = self.tenant.clone();
        let conn = self.connection;
        for o in &plan.overwrites {
            tx.journal_conflict(
                &tenant,
                conn,
                entity,
                local_id,
                remote_id,
                &o.field,
                self.winner(o.winner),
                &o.kept,
                &o.overwritten,
            )
            .await?;
        }
        match link {
            Some(l) if plan.base != l.base => tx.set_link_base(l.link_id, &plan.base).await?,
            Some(_) => {}
            None => {
                tx.put_link(&tenant, entity, conn, local_id, remote_id, key, &plan.base)
                    .await?;
            }
        }
        if !plan.to_remote.is_empty() {
            self.pushes
                .entry((entity, local_id))
                .or_default()
                .extend(plan.to_remote);
        }
        Ok(())
    }
}

/// Whether some field differs on both sides from the base (the later change then wins,
/// which needs the local change time).
fn both_changed(remote: &Canon, local: &Canon, base: &Base) -> bool {
    remote.iter().any(|(f, r)| {
        let (l, b) = (local.get(f), base.get(f));
        l != Some(r) && b != Some(r) && b != l
    })
}
