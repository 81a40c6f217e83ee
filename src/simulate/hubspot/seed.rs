//! Deterministic seeded portal: French companies with valid SIRETs, contacts with
//! civilities, owners, deals in the six stages, calls/meetings/emails associated to them.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::SimConfig;
use super::property_defs::default_defs;
use super::seed_data::*;
use super::slug::ascii_slug;
use super::state::{Owner, Pipeline, Stage, Store};
use super::types::{ObjectType, default_assoc, iso};
use super::write::apply_create;
use crate::simulate::kit::{Rng, siret};

/// 2024-01-01T00:00:00Z in epoch ms; seeded records are created after it.
const BASE_MS: i64 = 1_704_067_200_000;

/// A creation time after [`BASE_MS`] and a modification up to 30 days later.
pub fn when(rng: &mut Rng) -> (i64, i64) {
    let span = 600 * 86_400_000_u64;
    let c = BASE_MS + i64::try_from(rng.below(span)).unwrap_or(0);
    (
        c,
        c + i64::try_from(rng.below(30 * 86_400_000)).unwrap_or(0),
    )
}

fn phone(rng: &mut Rng) -> String {
    let d = rng.digits(8);
    format!(
        "+33 {} {}{} {}{} {}{} {}{}",
        1 + rng.below(5),
        d[0],
        d[1],
        d[2],
        d[3],
        d[4],
        d[5],
        d[6],
        d[7]
    )
}

pub fn put(props: &mut BTreeMap<String, String>, k: &str, v: impl Into<String>) {
    props.insert(k.to_string(), v.into());
}

pub fn create(
    store: &mut Store,
    t: ObjectType,
    props: BTreeMap<String, String>,
    created: i64,
    updated: i64,
) -> u64 {
    let id = apply_create(store, t, props, created);
    if let Some(rec) = store.ts_mut(t).records.get_mut(&id) {
        rec.updated_ms = updated;
        rec.properties
            .insert(t.modified_property().into(), iso(updated));
        rec.properties
            .insert("hs_lastmodifieddate".into(), iso(updated));
    }
    id
}

pub fn link(store: &mut Store, from: (ObjectType, u64), to: (ObjectType, u64)) {
    if let Some(d) = default_assoc(from.0, to.0) {
        store.associate(from, to, 0, d.id);
    }
}

/// Builds the whole portal from the configuration.
pub fn seed(cfg: &SimConfig) -> Store {
    let mut rng = Rng::new(cfg.seed);
    let mut store = Store {
        next_id: 1_000_000_000,
        ..Store::default()
    };
    for t in ObjectType::ALL {
        store.props.insert(
            t,
            default_defs(t, CIVILITIES)
                .into_iter()
                .map(|d| (d.name.clone(), d))
                .collect(),
        );
    }
    let stages = STAGES
        .iter()
        .enumerate()
        .map(|(i, (id, label, p, closed))| Stage {
            id: (*id).into(),
            label: (*label).into(),
            display_order: i as i64,
            probability: (*p).into(),
            is_closed: *closed,
            created_ms: 0,
            updated_ms: 0,
        })
        .collect();
    store.pipelines.push(Pipeline {
        id: "default".into(),
        label: "Pipeline des ventes".into(),
        display_order: 0,
        stages,
        created_ms: 0,
        updated_ms: 0,
    });
    for (i, (first, last)) in OWNERS.iter().enumerate() {
        let n = i as u64;
        store.owners.push(Owner {
            id: 41_000_001 + n,
            user_id: 7_100_001 + n,
            email: format!(
                "{}.{}@cabinet-exemple.fr",
                ascii_slug(first),
                ascii_slug(last)
            ),
            first_name: (*first).into(),
            last_name: (*last).into(),
            archived: false,
            created_ms: BASE_MS,
            updated_ms: BASE_MS,
        });
    }
    store.owners.push(Owner {
        id: 41_000_099,
        user_id: 7_100_099,
        email: "ancien.collaborateur@cabinet-exemple.fr".into(),
        first_name: "Ancien".into(),
        last_name: "Collaborateur".into(),
        archived: true,
        created_ms: BASE_MS,
        updated_ms: BASE_MS,
    });
    let owner_ids: Vec<String> = store
        .owners
        .iter()
        .filter(|o| !o.archived)
        .map(|o| o.id.to_string())
        .collect();
    let mut sirets = HashSet::new();
    let mut domains: HashMap<String, u32> = HashMap::new();
    let mut companies = Vec::new();
    for _ in 0..cfg.companies {
        let name = format!(
            "{} {} {}",
            rng.pick(PREFIXES),
            rng.pick(NAMES),
            rng.pick(FORMS)
        );
        let base = ascii_slug(
            &name
                .replace(" SARL", "")
                .replace(" SASU", "")
                .replace(" SAS", "")
                .replace(" SA", "")
                .replace(" EURL", "")
                .replace(" SCI", ""),
        );
        let n = domains.entry(base.clone()).or_insert(0);
        *n += 1;
        let domain = if *n == 1 {
            format!("{base}.fr")
        } else {
            format!("{base}-{n}.fr")
        };
        let mut s = siret(&mut rng);
        while !sirets.insert(s.clone()) {
            s = siret(&mut rng);
        }
        let (city, zip) = *rng.pick(CITIES);
        let mut p = BTreeMap::new();
        put(&mut p, "name", name);
        put(&mut p, "domain", domain.clone());
        put(&mut p, "website", format!("https://www.{domain}"));
        put(&mut p, "siret", s);
        put(&mut p, "phone", phone(&mut rng));
        put(
            &mut p,
            "address",
            format!("{} {}", 1 + rng.below(120), rng.pick(STREETS)),
        );
        put(&mut p, "city", city);
        put(&mut p, "zip", zip);
        put(&mut p, "country", "France");
        put(&mut p, "industry", *rng.pick(INDUSTRIES));
        put(
            &mut p,
            "numberofemployees",
            (1 + rng.below(250)).to_string(),
        );
        put(&mut p, "lifecyclestage", *rng.pick(LIFECYCLES));
        match rng.below(10) {
            0..=5 => put(&mut p, "synchro_artis", "true"),
            6..=7 => put(&mut p, "synchro_artis", "false"),
            _ => {}
        }
        if cfg.all_synced {
            put(&mut p, "lifecyclestage", "customer");
            put(&mut p, "synchro_artis", "true");
        }
        put(&mut p, "hubspot_owner_id", rng.pick(&owner_ids).clone());
        put(&mut p, "ingenieur_commercial", rng.pick(&owner_ids).clone());
        let (c, u) = when(&mut rng);
        companies.push((create(&mut store, ObjectType::Companies, p, c, u), domain));
    }
    let mut by_company: Vec<Vec<u64>> = vec![Vec::new(); companies.len()];
    let mut emails = HashSet::new();
    for i in 0..cfg.contacts {
        let female = rng.below(2) == 0;
        let first = if female {
            *rng.pick(FEMALE)
        } else {
            *rng.pick(MALE)
        };
        let last = *rng.pick(NAMES[..18].as_ref());
        let ci = if companies.is_empty() {
            None
        } else {
            Some(usize::try_from(rng.below(companies.len() as u64)).unwrap_or(0))
        };
        let domain = ci
            .and_then(|c| companies.get(c))
            .map_or_else(|| "exemple.fr".to_string(), |c| c.1.clone());
        let local = format!("{}.{}", ascii_slug(first), ascii_slug(last));
        let mut email = format!("{local}@{domain}");
        let mut k = 1;
        while !emails.insert(email.clone()) {
            k += 1;
            email = format!("{local}{k}@{domain}");
        }
        let mut p = BTreeMap::new();
        put(&mut p, "email", email);
        put(&mut p, "firstname", first);
        put(&mut p, "lastname", last);
        if i % 20 != 7 {
            put(&mut p, "civilite", if female { "MME" } else { "M" });
        }
        put(&mut p, "jobtitle", *rng.pick(JOBS));
        put(&mut p, "phone", phone(&mut rng));
        put(&mut p, "lifecyclestage", *rng.pick(LIFECYCLES));
        if rng.below(10) < 6 || cfg.all_synced {
            put(&mut p, "synchro_artis", "true");
        }
        put(&mut p, "hubspot_owner_id", rng.pick(&owner_ids).clone());
        let (c, u) = when(&mut rng);
        let id = create(&mut store, ObjectType::Contacts, p, c, u);
        if let Some(ci) = ci {
            let company = companies[ci].0;
            link(
                &mut store,
                (ObjectType::Contacts, id),
                (ObjectType::Companies, company),
            );
            store.associate(
                (ObjectType::Contacts, id),
                (ObjectType::Companies, company),
                0,
                1,
            );
            by_company[ci].push(id);
        }
    }
    let mut deals_by_company: Vec<Vec<u64>> = vec![Vec::new(); companies.len()];
    for _ in 0..cfg.deals {
        let ci = if companies.is_empty() {
            None
        } else {
            Some(usize::try_from(rng.below(companies.len() as u64)).unwrap_or(0))
        };
        let stage = rng.pick(STAGES);
        let mut p = BTreeMap::new();
        put(
            &mut p,
            "dealname",
            format!(
                "{} – {}",
                rng.pick(PRODUCTS),
                ci.map_or("Prospect".to_string(), |c| companies[c]
                    .1
                    .trim_end_matches(".fr")
                    .to_string())
            ),
        );
        put(&mut p, "amount", ((10 + rng.below(2000)) * 100).to_string());
        put(&mut p, "deal_currency_code", "EUR");
        put(&mut p, "pipeline", "default");
        put(&mut p, "dealstage", stage.0);
        if rng.below(10) < 6 || cfg.all_synced {
            put(&mut p, "synchro_artis", "true");
        }
        let owner = rng.pick(&owner_ids).clone();
        let creator = store
            .owners
            .iter()
            .find(|o| o.id.to_string() == owner)
            .map(|o| o.user_id.to_string())
            .unwrap_or_default();
        put(&mut p, "hubspot_owner_id", owner);
        put(&mut p, "hs_created_by_user_id", creator);
        let (c, u) = when(&mut rng);
        put(&mut p, "closedate", iso(c + 60 * 86_400_000));
        let id = create(&mut store, ObjectType::Deals, p, c, u);
        if let Some(ci) = ci {
            link(
                &mut store,
                (ObjectType::Deals, id),
                (ObjectType::Companies, companies[ci].0),
            );
            store.associate(
                (ObjectType::Deals, id),
                (ObjectType::Companies, companies[ci].0),
                0,
                5,
            );
            for contact in by_company[ci].iter().take(2) {
                link(
                    &mut store,
                    (ObjectType::Deals, id),
                    (ObjectType::Contacts, *contact),
                );
            }
            deals_by_company[ci].push(id);
        }
    }
    super::seed_activities::seed_activities(
        &mut store,
        &mut rng,
        cfg.activities,
        &owner_ids,
        &companies,
        &by_company,
        &deals_by_company,
    );
    store
}
