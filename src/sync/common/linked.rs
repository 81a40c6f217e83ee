//! The three-way merge of one record against the store, for every connection: the local
//! change time it may need, and what the plan leaves once the local record is written
//! (conflicts journaled, the link's base kept or a first link made).

use super::Canon;
use super::merge::{self, Plan};
use crate::mapping::ownership::Owner;
use crate::store::sync::{Base, Link};
use crate::store::{StoreError, WriteTx};

/// A local record and the remote record of a connection it is, or is about to be, linked to.
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// The connection's name, which is also how the journal names its side.
    pub connection: &'a str,
    /// `company`, `contact`, `deal`, …
    pub entity: &'a str,
    /// The local record.
    pub local_id: i64,
    /// The remote record.
    pub remote_id: &'a str,
}

/// The merge plan of `remote` and `local` against `base` ([`merge::plan`]). The local
/// change time is read only when both sides changed a field, where the later change wins.
///
/// # Errors
/// Store failures.
pub async fn plan(
    tx: &mut WriteTx,
    pair: &Pair<'_>,
    (remote, local, base): (&Canon, &Canon, &Base),
    owner: impl Fn(&str) -> Owner,
    remote_ms: i64,
) -> Result<Plan, StoreError> {
    let local_ms = if both_changed(remote, local, base) {
        tx.last_local_change_ms(pair.tenant, pair.entity, pair.local_id, pair.connection)
            .await?
            .unwrap_or(0)
    } else {
        0
    };
    Ok(merge::plan(remote, local, base, owner, remote_ms, local_ms))
}

/// What `plan` leaves once its local writes are done: its conflicts journaled, and the
/// base of `link` updated or, for a record linked now, the link made with `key`.
///
/// # Errors
/// Store failures.
pub async fn settle(
    tx: &mut WriteTx,
    pair: &Pair<'_>,
    plan: &Plan,
    link: Option<&Link>,
    key: Option<&str>,
) -> Result<(), StoreError> {
    for o in &plan.overwrites {
        // The merge names the remote side `hubspot`, whichever connection compared.
        let winner = if o.winner == "hubspot" {
            pair.connection
        } else {
            o.winner
        };
        tx.journal_conflict(
            pair.tenant,
            pair.connection,
            pair.entity,
            pair.local_id,
            pair.remote_id,
            &o.field,
            winner,
            &o.kept,
            &o.overwritten,
        )
        .await?;
    }
    match link {
        Some(l) if plan.base != l.base => tx.set_link_base(l.link_id, &plan.base).await?,
        Some(_) => {}
        None => {
            tx.put_link(
                pair.tenant,
                pair.entity,
                pair.connection,
                pair.local_id,
                pair.remote_id,
                key,
                &plan.base,
            )
            .await?;
        }
    }
    Ok(())
}

/// Whether some field differs on both sides from the base (the later change then wins,
/// which needs the local change time).
fn both_changed(remote: &Canon, local: &Canon, base: &Base) -> bool {
    remote.iter().any(|(f, r)| {
        let (l, b) = (local.get(f), base.get(f));
        l != Some(r) && b != Some(r) && b != l
    })
}
