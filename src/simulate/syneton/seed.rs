//! The seeded office: the documented fixtures (ids 101-110: the ABC company and An
//! Peeters, an invalid VAT, a French company with its SIRET, an inactive customer, a 9-digit
//! legacy VAT, a company without registered office, names with quotes and commas), then
//! generated Belgian companies (mostly valid numbers, some invalid or missing, a few French)
//! and natural persons linked to them as contacts. Same seed, same office.

use serde_json::{Value, json};
use time::PrimitiveDateTime;
use time::macros::datetime;

use super::SimConfig;
use super::state::{Office, Row};
use crate::connectors::syneton::clock::json_text;
use crate::simulate::kit::{Rng, be_enterprise_number, be_invalid_number, fr_vat, siret};
use crate::simulate::names::{
    CITIES, FIRST_NAMES, FORMS_FR, FORMS_NL, PREFIXES, STREETS_FR, STREETS_NL, SURNAMES, phone,
    slug,
};

fn at(rng: &mut Rng) -> PrimitiveDateTime {
    datetime!(2020-01-01 08:00)
        + time::Duration::minutes(i64::try_from(rng.below(2_000_000)).unwrap_or(0))
}

fn customer(fields: Value) -> Row {
    let mut row: Row = super::state::CUSTOMER_FIELDS
        .iter()
        .map(|f| ((*f).to_owned(), Value::Null))
        .collect();
    if let Value::Object(m) = fields {
        row.extend(m);
    }
    row
}

/// (street, number, box, postal code, city, country)
type Place<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, &'a str, &'a str);

fn address(office: &mut Office, customer: i64, place: Place<'_>) {
    let (street, nr, bx, zip, city, country) = place;
    let input = json!({"Street1": street, "Nr": nr, "Box": bx, "Zipcode": zip, "City": city, "CountryCode": country});
    if let Value::Object(m) = input {
        office.upsert_office_address(customer, &m, datetime!(2024-05-20 08:00), "Office");
    }
}

fn fixtures(office: &mut Office) {
    let base = json!({"IsCompany": true, "IsActive": true, "CustomerCrmType": 3, "CustomerGroup": 0, "CompanyId": 1,
                      "CreationDate": "2024-05-20T08:00:00"});
    let company = |extra: Value| {
        let mut v = base.clone();
        if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
            m.extend(e);
        }
        customer(v)
    };
    let rows = [
        company(
            json!({"CustomerId": 101, "Name": "The ABC company", "CommercialName": "ABC", "Title": "NV",
            "VATNr": "BE0403019261", "Language": "NL", "Email": "info@abc.be", "Phone": "+32 56 98 65 32",
            "Homepage": "www.abc.be", "CustCode": "987"}),
        ),
        customer(
            json!({"CustomerId": 102, "Name": "Peeters", "Firstname": "An", "IsCompany": false, "Title": "Mevr.",
            "Language": "NL", "Email": "an@abc.be", "Mobile": "+32 475 12 34 56", "IsActive": true,
            "CustomerCrmType": 8, "CustomerGroup": 0, "CompanyId": 1, "CreationDate": "2024-05-20T08:00:00"}),
        ),
        company(
            json!({"CustomerId": 103, "Name": "Bakkerij 't Hoekske", "Title": "BV", "VATNr": "BE0123456123",
            "Language": "NL", "Email": "info@hoekske.be", "CustCode": "988"}),
        ),
        company(
            json!({"CustomerId": 104, "Name": "Dupont, Durand & Fils", "Title": "SARL", "VATNr": "FR44732829320",
            "RegistrationNr": "73282932000074", "Language": "FR", "Email": "contact@dupont-durand.fr", "CustCode": "989"}),
        ),
        company(
            json!({"CustomerId": 105, "Name": "Brouwerij De Oude Maalderij", "Title": "NV", "VATNr": "BE1006872569",
            "Language": "NL", "IsActive": false, "DisabledDate": "2023-09-15T00:00:00", "ReasonForLeaving": "Stopzetting"}),
        ),
        company(
            json!({"CustomerId": 106, "Name": "Garage Vermeulen", "Title": "BV", "VATNr": "BE 428759497",
            "Language": "NL", "Phone": "+32 9 222 33 44"}),
        ),
        company(
            json!({"CustomerId": 107, "Name": "Immo Horizon", "Title": "SRL", "VATNr": "0562845171", "Language": "FR"}),
        ),
        company(
            json!({"CustomerId": 108, "Name": "O'Brien & Zonen", "Title": "CommV", "VATNr": null, "Language": "NL"}),
        ),
        company(
            json!({"CustomerId": 109, "Name": "Fiduciaire Lambert, Lemaire et Associés", "Title": "SRL",
            "VATNr": "BE2000021323", "Language": "FR"}),
        ),
    ];
    for row in rows {
        if let Some(id) = row.get("CustomerId").and_then(Value::as_i64) {
            office.customers.insert(id, row);
        }
    }
    address(
        office,
        101,
        ("Dorpstraat", "116", Some("c"), "8500", "Kortrijk", "BE"),
    );
    address(office, 103, ("Kerkstraat", "3", None, "9000", "Gent", "BE"));
    address(
        office,
        104,
        ("Rue de Rivoli", "12", None, "75001", "Paris", "FR"),
    );
    address(
        office,
        105,
        ("Molenstraat", "45", None, "3000", "Leuven", "BE"),
    );
    address(
        office,
        106,
        ("Stationsstraat", "8", None, "9000", "Gent", "BE"),
    );
    address(
        office,
        108,
        ("Nieuwstraat", "1", Some("2"), "2000", "Antwerpen", "BE"),
    );
    address(
        office,
        109,
        ("Rue Haute", "200", None, "1000", "Bruxelles", "BE"),
    );
    office.add_link(101, 102, 8, 3, datetime!(2024-05-20 08:00), "Office");
}

/// The office for `config`.
pub fn seed(config: &SimConfig) -> Office {
    let mut office = Office {
        next_customer_id: 1001,
        next_address_id: 9001,
        next_link_id: 5001,
        next_log_id: 60_347_700,
        ..Office::default()
    };
    fixtures(&mut office);
    let mut rng = Rng::new(config.seed);
    let generated = config.companies.saturating_sub(8);
    let mut companies = vec![101, 103, 104, 106, 107, 108, 109];
    for _ in 0..generated {
        let id = office.next_customer_id;
        office.next_customer_id += 1;
        let (zip, city, lang) = *rng.pick(CITIES);
        let owner = *rng.pick(SURNAMES);
        let name = format!("{} {owner}", rng.pick(PREFIXES));
        let french = rng.chance(3);
        let form = if french {
            "SARL"
        } else if lang == "FR" {
            *rng.pick(FORMS_FR)
        } else {
            *rng.pick(FORMS_NL)
        };
        let (vat, registration) = match rng.below(100) {
            _ if french => {
                let s = siret(&mut rng);
                (Some(fr_vat(&s[..9])), Some(s))
            }
            0..=4 => (Some(format!("BE{}", be_invalid_number(&mut rng))), None),
            5..=10 => (None, None),
            11..=30 => {
                let n = be_enterprise_number(&mut rng);
                (
                    Some(format!("BE {}.{}.{}", &n[..4], &n[4..7], &n[7..])),
                    None,
                )
            }
            _ => (Some(format!("BE{}", be_enterprise_number(&mut rng))), None),
        };
        let domain = format!("{}.{}", slug(&name), if french { "fr" } else { "be" });
        let active = !rng.chance(3);
        office.customers.insert(id, customer(json!({"CustomerId": id, "Name": name,
            "CommercialName": if rng.chance(30) { Value::from(owner) } else { Value::Null },
            "IsCompany": true, "Title": form, "VATNr": vat, "RegistrationNr": registration,
            "Language": if french { "FR" } else { lang }, "Email": format!("info@{domain}"),
            "Phone": phone(&mut rng, false), "Homepage": format!("www.{domain}"), "IsActive": active,
            "DisabledDate": if active { Value::Null } else { Value::from("2024-01-31T00:00:00") },
            "CreationDate": json_text(at(&mut rng)), "CustomerCrmType": 3, "CustomerGroup": 0,
            "CustCode": (id + 1000).to_string(), "CompanyId": 1})));
        if rng.chance(95) {
            let nr = (1 + rng.below(250)).to_string();
            let bx = rng.chance(15).then(|| (1 + rng.below(9)).to_string());
            if french {
                address(
                    &mut office,
                    id,
                    ("Rue de la République", &nr, None, "59000", "Lille", "FR"),
                );
            } else {
                let street = if lang == "FR" {
                    *rng.pick(STREETS_FR)
                } else {
                    *rng.pick(STREETS_NL)
                };
                address(
                    &mut office,
                    id,
                    (street, &nr, bx.as_deref(), zip, city, "BE"),
                );
            }
        }
        companies.push(id);
    }
    for _ in 0..config.contacts.saturating_sub(1) {
        let id = office.next_customer_id;
        office.next_customer_id += 1;
        let (first, last) = (*rng.pick(FIRST_NAMES), *rng.pick(SURNAMES));
        let company = *rng.pick(&companies);
        let domain = office
            .customers
            .get(&company)
            .and_then(|c| c.get("Email"))
            .and_then(Value::as_str)
            .and_then(|e| e.split_once('@'))
            .map_or("example.be".to_owned(), |(_, d)| d.to_owned());
        let lang = if rng.chance(40) { "FR" } else { "NL" };
        let title = match (lang, rng.chance(50)) {
            ("FR", true) => "M.",
            ("FR", false) => "Mme",
            (_, true) => "Dhr.",
            _ => "Mevr.",
        };
        office.customers.insert(id, customer(json!({"CustomerId": id, "Name": last, "Firstname": first,
            "IsCompany": false, "Title": title, "Language": lang,
            "Email": format!("{}.{}@{domain}", slug(first), slug(last)),
            "Mobile": phone(&mut rng, true), "IsActive": true, "CreationDate": json_text(at(&mut rng)),
            "CustomerCrmType": 8, "CustomerGroup": 0, "CompanyId": 1})));
        let link_type = if rng.chance(20) { 4 } else { 8 };
        office.add_link(
            company,
            id,
            link_type,
            1 + i64::try_from(rng.below(5)).unwrap_or(0),
            datetime!(2024-05-20 08:00),
            "Office",
        );
    }
    // The seeding itself is history, not news: the feed starts with the documented row.
    office.changes.clear();
    office.details.clear();
    office.next_log_id = 60_347_800;
    office.record_change(101, 101, "CUSTOMER", "UPDATE", datetime!(2024-05-20 08:05));
    office
}
