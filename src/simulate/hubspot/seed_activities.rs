//! Seeded calls, meetings and e-mails, associated to companies, contacts and deals.

use std::collections::BTreeMap;

use super::seed::{create, link, put, when};
use super::state::Store;
use super::types::{ObjectType, iso};
use crate::simulate::kit::Rng;

/// Creates `count` activities, rotating calls, meetings and e-mails.
pub fn seed_activities(
    store: &mut Store,
    rng: &mut Rng,
    count: usize,
    owner_ids: &[String],
    companies: &[(u64, String)],
    by_company: &[Vec<u64>],
    deals_by_company: &[Vec<u64>],
) {
    for i in 0..count {
        let t = [ObjectType::Calls, ObjectType::Meetings, ObjectType::Emails][i % 3];
        let (c, u) = when(rng);
        let mut p = BTreeMap::new();
        put(&mut p, "hs_timestamp", iso(c));
        put(&mut p, "hubspot_owner_id", rng.pick(owner_ids).clone());
        match t {
            ObjectType::Calls => {
                put(&mut p, "hs_call_title", "Appel de suivi");
                put(&mut p, "hs_call_body", "Point sur le dossier en cours.");
                put(
                    &mut p,
                    "hs_call_direction",
                    *rng.pick(&["INBOUND", "OUTBOUND"]),
                );
                put(&mut p, "hs_call_status", "COMPLETED");
                put(
                    &mut p,
                    "hs_call_duration",
                    (rng.below(1800) * 1000).to_string(),
                );
                put(
                    &mut p,
                    "hs_call_disposition",
                    "f240bbac-87c9-4f6e-bf70-924b57d47db7",
                );
            }
            ObjectType::Meetings => {
                put(&mut p, "hs_meeting_title", "Rendez-vous client");
                put(&mut p, "hs_meeting_body", "Revue annuelle du dossier.");
                put(&mut p, "hs_meeting_start_time", iso(c));
                put(&mut p, "hs_meeting_end_time", iso(c + 3_600_000));
                put(
                    &mut p,
                    "hs_meeting_outcome",
                    *rng.pick(&["SCHEDULED", "COMPLETED", "RESCHEDULED"]),
                );
            }
            _ => {
                put(&mut p, "hs_email_subject", "Votre dossier");
                put(
                    &mut p,
                    "hs_email_text",
                    "Bonjour, veuillez trouver ci-joint les éléments demandés.",
                );
                put(
                    &mut p,
                    "hs_email_direction",
                    *rng.pick(&["EMAIL", "INCOMING_EMAIL"]),
                );
                put(&mut p, "hs_email_status", "SENT");
            }
        }
        let id = create(store, t, p, c, u);
        if companies.is_empty() {
            continue;
        }
        let ci = usize::try_from(rng.below(companies.len() as u64)).unwrap_or(0);
        link(store, (t, id), (ObjectType::Companies, companies[ci].0));
        if let Some(contact) = by_company[ci].first() {
            link(store, (t, id), (ObjectType::Contacts, *contact));
        }
        if let Some(deal) = deals_by_company[ci].first().filter(|_| rng.below(2) == 0) {
            link(store, (t, id), (ObjectType::Deals, *deal));
        }
    }
}
