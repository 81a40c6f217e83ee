//! The seeded AdminPulse office: the documented relation fixture (APR00001, the ABC
//! company) and special cases (an invalid VAT number, a sole proprietor without one, a
//! French company, an ended relation), then generated Belgian relations with contact
//! persons embedded under `contacts` ([ASSUMPTION]: the real field is unknown).

use serde_json::{Value, json};

use super::SimConfig;
use crate::simulate::kit::{Rng, be_enterprise_number, be_invalid_number};
use crate::simulate::names::{
    CITIES, FIRST_NAMES, FORMS_FR, FORMS_NL, PREFIXES, STREETS_FR, STREETS_NL, SURNAMES, phone,
    slug,
};

/// The UUID-like id of the `n`-th relation.
pub fn relation_id(n: usize) -> String {
    format!("3f2b7c1e-0000-4000-8000-{n:012}")
}

fn contact(
    n: usize,
    first: &str,
    last: &str,
    domain: &str,
    phone: &str,
    language: &str,
    role: &str,
) -> Value {
    json!({"id": format!("9c1d0a2b-0000-4000-8000-{n:012}"), "firstName": first, "lastName": last,
           "email": format!("{}.{}@{domain}", slug(first), slug(last)), "phone": phone,
           "language": language, "role": role})
}

#[expect(clippy::too_many_arguments, reason = "one relation's fields")]
fn relation(
    n: usize,
    name: &str,
    kind: &str,
    vat: Option<&str>,
    language: &str,
    address: (&str, &str, Option<&str>, &str, &str, &str),
    active: bool,
    contacts: Vec<Value>,
) -> Value {
    let domain = format!("{}.be", slug(name));
    let (street, number, bx, postal, city, country) = address;
    json!({"id": relation_id(n), "uniqueIdentifier": format!("APR{n:05}"), "code": (986 + n).to_string(),
        "name": name, "commercialName": null, "displayName": name,
        "relationGroupName": if kind == "Company" { Value::from("Vennootschappen") } else { Value::Null },
        "companyId": "c1", "relationType": kind, "status": "Customer", "vatNumber": vat, "language": language,
        "email": format!("info@{domain}"), "phone": null,
        "address": {"street": street, "number": number, "box": bx, "postalCode": postal, "city": city, "country": country},
        "endDate": if active { Value::Null } else { Value::from("15092023") }, "isActive": active,
        "contacts": contacts})
}

/// The relations for `config`, ordered by `uniqueIdentifier`.
pub fn seed(config: &SimConfig) -> Vec<Value> {
    let mut out = vec![
        json!({"id": relation_id(1), "uniqueIdentifier": "APR00001", "code": "987",
        "name": "The ABC company", "commercialName": "ABC", "displayName": "The ABC company",
        "relationGroupName": null, "companyId": "c1",
        "relationType": "Company", "status": "Customer", "vatNumber": "BE0403019261", "language": "nl",
        "email": "info@abc.be", "phone": "+32 56 98 65 32",
        "address": {"street": "Dorpstraat", "number": "116", "box": "c", "postalCode": "8500", "city": "Kortrijk", "country": "BE"},
        "endDate": null, "isActive": true,
        "contacts": [contact(1, "An", "Peeters", "abc.be", "+32 475 12 34 56", "nl", "Contact")]}),
    ];
    out.push(relation(
        2,
        "Bakkerij 't Hoekske",
        "Company",
        Some("BE0123456123"),
        "nl",
        ("Kerkstraat", "3", None, "9000", "Gent", "BE"),
        true,
        Vec::new(),
    ));
    out.push(relation(
        3,
        "Schilderwerken Claes",
        "SoleProprietor",
        None,
        "nl",
        ("Molenstraat", "12", None, "3500", "Hasselt", "BE"),
        true,
        Vec::new(),
    ));
    out.push(relation(
        4,
        "Dupont, Durand & Fils",
        "Company",
        Some("FR44732829320"),
        "fr",
        ("Rue de Rivoli", "12", None, "75001", "Paris", "FR"),
        true,
        Vec::new(),
    ));
    out.push(relation(
        5,
        "Brouwerij De Oude Maalderij",
        "Company",
        Some("BE1006872569"),
        "nl",
        ("Molenstraat", "45", None, "3000", "Leuven", "BE"),
        false,
        Vec::new(),
    ));
    let mut rng = Rng::new(config.seed ^ 0x00AD_015E);
    let first_generated = out.len() + 1;
    for n in first_generated..=config.companies.max(out.len()) {
        let (postal, city, lang) = *rng.pick(CITIES);
        let owner = *rng.pick(SURNAMES);
        let sole = rng.chance(10);
        let name = if sole {
            format!("{} {owner}", rng.pick(PREFIXES))
        } else {
            let form = if lang == "FR" {
                *rng.pick(FORMS_FR)
            } else {
                *rng.pick(FORMS_NL)
            };
            format!("{} {owner} {form}", rng.pick(PREFIXES))
        };
        let vat = match rng.below(100) {
            0..=3 => Some(format!("BE{}", be_invalid_number(&mut rng))),
            4..=7 => None,
            _ => Some(format!("BE{}", be_enterprise_number(&mut rng))),
        };
        let street = if lang == "FR" {
            *rng.pick(STREETS_FR)
        } else {
            *rng.pick(STREETS_NL)
        };
        let number = (1 + rng.below(250)).to_string();
        let mut r = relation(
            n,
            &name,
            if sole { "SoleProprietor" } else { "Company" },
            vat.as_deref(),
            &lang.to_lowercase(),
            (street, &number, None, postal, city, "BE"),
            !rng.chance(3),
            Vec::new(),
        );
        r["phone"] = Value::from(phone(&mut rng, false));
        out.push(r);
    }
    let companies = out.len();
    for next_contact in 2..=config.contacts {
        let target = 1 + usize::try_from(rng.below(companies as u64 - 1)).unwrap_or(0);
        let (first, last) = (*rng.pick(FIRST_NAMES), *rng.pick(SURNAMES));
        let domain = out[target]["email"]
            .as_str()
            .and_then(|e| e.split_once('@'))
            .map_or("example.be".to_owned(), |(_, d)| d.to_owned());
        let lang = out[target]["language"].as_str().unwrap_or("nl").to_owned();
        let role = if rng.chance(25) {
            "Director"
        } else {
            "Contact"
        };
        let c = contact(
            next_contact,
            first,
            last,
            &domain,
            &phone(&mut rng, true),
            &lang,
            role,
        );
        if let Some(list) = out[target]["contacts"].as_array_mut() {
            list.push(c);
        }
    }
    out
}
