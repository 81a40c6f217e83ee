//! Table tests of the accounting mappings.

use serde_json::{Value, json};

use super::*;
use crate::connectors::syneton::models::{PUT_ADDRESS_FIELDS, PUT_CUSTOMER_FIELDS};

fn customer(v: Value) -> Customer {
    serde_json::from_value(v).expect("customer")
}

fn address(v: Value) -> CustomerAddress {
    serde_json::from_value(v).expect("address")
}

fn abc() -> Customer {
    customer(
        json!({"CustomerId":101,"Name":"The ABC company","Firstname":null,"CommercialName":"ABC","IsCompany":true,
        "Title":"NV","VATNr":"BE0403019261","RegistrationNr":null,"Language":"NL","Email":"info@abc.be",
        "Phone":"+32 56 98 65 32","Mobile":null,"Homepage":"www.abc.be","IsActive":true,"DisabledDate":null,
        "CreationDate":"2024-05-20T08:00:00","CustomerCrmType":3,"CustomerGroup":0,"CustCode":"987","CompanyId":1,
        "Remarks":"key account"}),
    )
}

fn abc_office() -> CustomerAddress {
    address(
        json!({"CustomerAddressId":9001,"AddressId":7001,"CustomerId":101,"Street1":"Dorpstraat 116 bus c",
        "StreetName":"Dorpstraat","HouseNr":"116","HouseBox":"c","Street2":null,"ZipCode":"8500","City":"Kortrijk",
        "CountryId":22,"CountryCode":"BE","RegisteredOffice":true,"InvoiceAddress":true}),
    )
}

/// (VATNr, RegistrationNr, office country, expected key, expected review reason)
type KeyCase = (
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    Option<ReviewReason>,
);

/// (owned fields, expected changes against the untouched body)
type PutCase<'a> = (&'a [SynetonField], &'a [(&'a str, Value)]);

#[test]
fn company_keys_are_kept_raw_and_normalized_and_bad_ones_go_to_review() {
    // (VATNr, RegistrationNr, office country, expected key, expected review reason)
    let cases: &[KeyCase] = &[
        (Some("BE0403019261"), None, "BE", Some("0403019261"), None),
        (Some("BE 428759497"), None, "BE", Some("0428759497"), None),
        (Some("0562845171"), None, "BE", Some("0562845171"), None),
        (Some("BE1006872569"), None, "BE", Some("1006872569"), None),
        (
            Some("FR44732829320"),
            Some("73282932000074"),
            "FR",
            Some("73282932000074"),
            None,
        ),
        (Some("FR44732829320"), None, "FR", Some("732829320"), None),
        (
            Some("BE0123456123"),
            None,
            "BE",
            None,
            Some(ReviewReason::InvalidKey {
                field: "VATNr".into(),
                error: InvalidCompanyKey::Checksum,
            }),
        ),
        (
            Some("BE2000021323"),
            None,
            "BE",
            None,
            Some(ReviewReason::InvalidKey {
                field: "VATNr".into(),
                error: InvalidCompanyKey::Component,
            }),
        ),
        (None, None, "BE", None, Some(ReviewReason::MissingKey)),
        (
            Some("   "),
            None,
            "BE",
            None,
            Some(ReviewReason::MissingKey),
        ),
        (
            Some("BE0123456123"),
            Some("0403019261"),
            "BE",
            Some("0403019261"),
            None,
        ),
    ];
    for (vat, registration, country, want_key, want_review) in cases {
        let mut c = abc();
        c.vat_nr = vat.map(str::to_owned);
        c.registration_nr = registration.map(str::to_owned);
        let mut office = abc_office();
        office.country_code = Some((*country).to_owned());
        let rec = from_syneton(&c, Some(&office), &[]);
        assert_eq!(
            rec.company_key().map(CompanyKey::normalized),
            *want_key,
            "{vat:?} {registration:?}"
        );
        assert_eq!(
            rec.review_reason(),
            *want_review,
            "{vat:?} {registration:?}"
        );
        if let Some(raw) = vat.filter(|v| !v.trim().is_empty()) {
            assert_eq!(rec.keys[0].raw, raw.trim());
        }
    }
}

#[test]
fn a_syneton_customer_maps_with_its_office_and_contacts() {
    let person = customer(
        json!({"CustomerId":102,"Name":"Peeters","Firstname":"An","IsCompany":false,"Title":"Mevr.",
        "Language":"NL","Email":"an@abc.be","Mobile":"+32 475 12 34 56","IsActive":true,"CustomerCrmType":8}),
    );
    let link: CustomerLink =
        serde_json::from_value(json!({"CustomerLinkCustomerId":5001,"CustomerIdPk":101,
        "CustomerIdFk":102,"CustomerLinkTypeId":8,"FunctionId":3,"EndMandate":null}))
        .expect("link");
    let ended: CustomerLink =
        serde_json::from_value(json!({"CustomerLinkCustomerId":5002,"CustomerIdPk":101,
        "CustomerIdFk":102,"CustomerLinkTypeId":4,"EndMandate":"2023-01-01T00:00:00"}))
        .expect("link");
    let office = abc_office();
    let contacts = [
        SynetonContact {
            link: &link,
            person: &person,
            function: Some("Boekhouder"),
        },
        SynetonContact {
            link: &ended,
            person: &person,
            function: None,
        },
    ];
    let rec = from_syneton(&abc(), Some(&office), &contacts);
    assert_eq!(rec.source, Source::Syneton);
    assert_eq!(
        (rec.remote_id.as_str(), rec.reference.as_deref()),
        ("101", Some("987"))
    );
    assert_eq!(rec.name, "The ABC company");
    assert_eq!(rec.legal_form.as_deref(), Some("NV"));
    assert!(rec.is_company && rec.active);
    assert_eq!(rec.language.as_deref(), Some("nl"));
    assert_eq!(rec.website.as_deref(), Some("www.abc.be"));
    let a = rec.address.as_ref().expect("address");
    assert_eq!(
        (
            a.street.as_deref(),
            a.number.as_deref(),
            a.r#box.as_deref(),
            a.postal_code.as_deref(),
            a.city.as_deref(),
            a.country.as_deref()
        ),
        (
            Some("Dorpstraat"),
            Some("116"),
            Some("c"),
            Some("8500"),
            Some("Kortrijk"),
            Some("BE")
        )
    );
    assert_eq!(rec.contacts.len(), 2);
    let an = &rec.contacts[0];
    assert_eq!(
        (
            an.first_name.as_deref(),
            an.last_name.as_deref(),
            an.title.as_deref()
        ),
        (Some("An"), Some("Peeters"), Some("Mevr."))
    );
    assert_eq!(
        (
            an.email.as_deref(),
            an.mobile.as_deref(),
            an.role.as_deref()
        ),
        (
            Some("an@abc.be"),
            Some("+32 475 12 34 56"),
            Some("Boekhouder")
        )
    );
    assert!(an.active);
    assert!(
        !rec.contacts[1].active,
        "a link whose mandate ended is not current"
    );

    let mut inactive = abc();
    inactive.is_active = Some(false);
    assert!(!from_syneton(&inactive, None, &[]).active);
    // A customer without registered office maps without an address (the SDK raises here).
    assert_eq!(from_syneton(&abc(), None, &[]).address, None);
    let natural = from_syneton(&person, None, &[]);
    assert_eq!(
        (
            natural.name.as_str(),
            natural.is_company,
            natural.legal_form
        ),
        ("An Peeters", false, None)
    );
}

#[test]
fn adminpulse_relations_map_through_the_configured_paths() {
    let relation = json!({"id":"3f2b7c1e-0000-4000-8000-000000000001","uniqueIdentifier":"APR00001","code":"987",
        "name":"The ABC company","commercialName":"ABC","displayName":"The ABC company","relationGroupName":null,
        "companyId":"c1","relationType":"Company","status":"Customer","vatNumber":"BE0403019261","language":"nl",
        "email":"info@abc.be","phone":"+32 56 98 65 32",
        "address":{"street":"Dorpstraat","number":"116","box":"c","postalCode":"8500","city":"Kortrijk","country":"BE"},
        "endDate":null,"isActive":true,
        "contacts":[{"id":"c-1","firstName":"An","lastName":"Peeters","email":"an@abc.be","phone":"+32 475 12 34 56","language":"NL","role":"Director"}]});
    let map = AdminPulseFieldMap::default();
    let rec = from_adminpulse(&relation, &map);
    assert_eq!(rec.source, Source::AdminPulse);
    assert_eq!(rec.remote_id, "3f2b7c1e-0000-4000-8000-000000000001");
    assert_eq!(rec.reference.as_deref(), Some("APR00001"));
    assert_eq!(
        rec.company_key().map(CompanyKey::normalized),
        Some("0403019261")
    );
    assert_eq!(
        rec.address.as_ref().and_then(|a| a.city.as_deref()),
        Some("Kortrijk")
    );
    assert_eq!(rec.contacts[0].role.as_deref(), Some("Director"));
    assert_eq!(rec.contacts[0].language.as_deref(), Some("nl"));

    // Other names in the real schema: remapped in config, no code change.
    let renamed = json!({"id":"x","uniqueIdentifier":"APR00009","name":"Garage Maes","type":"SoleProprietor",
        "btwNummer":"BE 428759497","taal":"FR","adres":{"gemeente":"Gent","land":"be"},"einddatum":"15092023",
        "links":[{"id":"p","voornaam":"Jan"}]});
    let map = AdminPulseFieldMap {
        relation_type: "type".into(),
        vat_number: "btwNummer".into(),
        language: "taal".into(),
        city: "adres.gemeente".into(),
        country: "adres.land".into(),
        end_date: "einddatum".into(),
        contacts: "links".into(),
        contact_first_name: "voornaam".into(),
        ..AdminPulseFieldMap::default()
    };
    let rec = from_adminpulse(&renamed, &map);
    assert_eq!(
        rec.company_key().map(CompanyKey::normalized),
        Some("0428759497")
    );
    assert!(rec.is_company, "sole proprietors are companies by default");
    assert!(!rec.active, "no active flag: an end date ends the relation");
    assert_eq!(rec.language.as_deref(), Some("fr"));
    assert_eq!(
        rec.address.as_ref().and_then(|a| a.country.as_deref()),
        Some("BE")
    );
    assert_eq!(rec.contacts[0].first_name.as_deref(), Some("Jan"));

    let person = json!({"id":"y","name":"Claes","relationType":"Person","vatNumber":null});
    let rec = from_adminpulse(&person, &AdminPulseFieldMap::default());
    assert!(!rec.is_company && rec.active);
    assert_eq!(rec.review_reason(), Some(ReviewReason::MissingKey));
    assert_eq!(rec.address, None);
}

#[test]
fn the_put_body_is_the_full_record_with_only_owned_fields_from_the_local_side() {
    let local = LocalCompanyFields {
        name: Some("ABC International".into()),
        email: None,
        phone: Some("+32 56 11 22 33".into()),
        language: Some("fr".into()),
        address: Some(PostalAddress {
            street: Some("Grote Markt".into()),
            number: Some("1".into()),
            r#box: None,
            postal_code: Some("8500".into()),
            city: Some("Kortrijk".into()),
            country: Some("be".into()),
        }),
        ..LocalCompanyFields::default()
    };
    // (owned fields, expected changes against the untouched body)
    let cases: &[PutCase<'_>] = &[
        (&[], &[]),
        (
            &[SynetonField::Name],
            &[("Name", json!("ABC International"))],
        ),
        (
            &[SynetonField::Email, SynetonField::Language],
            &[("Email", Value::Null), ("Language", json!("FR"))],
        ),
        (
            &[SynetonField::Phone],
            &[("Phone", json!("+32 56 11 22 33"))],
        ),
        (
            &[SynetonField::Address],
            &[
                ("Street1", json!("Grote Markt")),
                ("Nr", json!("1")),
                ("Box", Value::Null),
                ("CountryCode", json!("BE")),
            ],
        ),
    ];
    let office = abc_office();
    let untouched = to_syneton_put(&abc(), Some(&office), &local, &[]);
    let keys: Vec<&String> = untouched.as_object().expect("object").keys().collect();
    for f in PUT_CUSTOMER_FIELDS.iter().chain(PUT_ADDRESS_FIELDS) {
        assert!(keys.iter().any(|k| k == f), "PUT body lacks {f}");
    }
    assert_eq!(untouched["CustomerId"], json!(101));
    assert_eq!(untouched["Street1"], json!("Dorpstraat"));
    assert_eq!(
        (untouched["Nr"].clone(), untouched["Box"].clone()),
        (json!("116"), json!("c"))
    );
    assert_eq!(
        untouched["Remarks"],
        json!("key account"),
        "fields crmsync does not map survive"
    );
    for (owned, changes) in cases {
        let body = to_syneton_put(&abc(), Some(&office), &local, owned);
        let mut want = untouched.clone();
        for (k, v) in *changes {
            want[*k] = v.clone();
        }
        assert_eq!(body, want, "{owned:?}");
    }
}
