//! Accounting-practice records in neutral form (spec §2.1, §4): a Syneton customer or an
//! AdminPulse relation becomes an [`AccountingCompany`] with its company-key candidates (raw
//! and parsed through `domain::company_key`), active flag, address, channels and contact
//! persons; and local fields become the full Syneton PUT body ([`to_syneton_put`]).
//!
//! Pure: no I/O. The sync engine decides what to do with a record: match on
//! [`AccountingCompany::company_key`], or send it to review with
//! [`AccountingCompany::review_reason`] when no candidate is valid.

use serde_json::{Map, Value};

use crate::config::AdminPulseFieldMap;
use crate::connectors::syneton::{Customer, CustomerAddress, CustomerLink};
use crate::domain::{CompanyKey, CompanyKeyKind, Country, InvalidCompanyKey};

/// Where a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Syneton Admin IS | Consult.
    Syneton,
    /// AdminPulse.
    AdminPulse,
}

/// A registration number as found in one field, with its parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCandidate {
    /// The remote field it came from (`VATNr`, `vatNumber`, …).
    pub field: String,
    /// The value as typed.
    pub raw: String,
    /// The normalized key, or why it is not one.
    pub parsed: Result<CompanyKey, InvalidCompanyKey>,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostalAddress {
    /// Street name.
    pub street: Option<String>,
    /// House number.
    pub number: Option<String>,
    /// Box.
    pub r#box: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166 alpha-2, upper case.
    pub country: Option<String>,
}

/// A natural person linked to the company.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactPerson {
    /// Id in the source system.
    pub remote_id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Title or civility as typed (`Mevr.`, `M.`).
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// Language, lower-case ISO 639-1 where recognizable.
    pub language: Option<String>,
    /// Role or function (contact, director, …) when the source names it.
    pub role: Option<String>,
    /// Whether the person and the link are current.
    pub active: bool,
}

/// A company (or a natural-person client) of an accounting office, in neutral form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountingCompany {
    /// Source system.
    pub source: Source,
    /// Id in the source system (Syneton `CustomerId`, AdminPulse `id`).
    pub remote_id: String,
    /// The office's reference (Syneton `CustCode`, AdminPulse APR code).
    pub reference: Option<String>,
    /// Name.
    pub name: String,
    /// Trade name.
    pub commercial_name: Option<String>,
    /// Company (true) or natural person.
    pub is_company: bool,
    /// Legal form (`NV`, `SRL`).
    pub legal_form: Option<String>,
    /// Every registration number found, most trusted field first.
    pub keys: Vec<KeyCandidate>,
    /// Active in the source.
    pub active: bool,
    /// Registered office.
    pub address: Option<PostalAddress>,
    /// Phone.
    pub phone: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Web site as typed.
    pub website: Option<String>,
    /// Language, lower-case ISO 639-1 where recognizable.
    pub language: Option<String>,
    /// Contact persons.
    pub contacts: Vec<ContactPerson>,
}

/// Why a record cannot be matched by key and waits in the review list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewReason {
    /// No registration number at all.
    MissingKey,
    /// Numbers were given, none valid; the first one's field and error.
    InvalidKey {
        /// The field.
        field: String,
        /// Why it is not valid.
        error: InvalidCompanyKey,
    },
}

impl AccountingCompany {
    /// The key to match on: a valid SIRET first (the most specific), else the first valid
    /// candidate in field order.
    #[must_use]
    pub fn company_key(&self) -> Option<&CompanyKey> {
        let valid = || self.keys.iter().filter_map(|k| k.parsed.as_ref().ok());
        valid()
            .find(|k| k.kind() == CompanyKeyKind::Siret)
            .or_else(|| valid().next())
    }

    /// `None` when [`AccountingCompany::company_key`] has a key; otherwise why not.
    #[must_use]
    pub fn review_reason(&self) -> Option<ReviewReason> {
        if self.company_key().is_some() {
            return None;
        }
        Some(
            match self
                .keys
                .iter()
                .find_map(|k| k.parsed.as_ref().err().map(|e| (k, e)))
            {
                Some((k, e)) => ReviewReason::InvalidKey {
                    field: k.field.clone(),
                    error: *e,
                },
                None => ReviewReason::MissingKey,
            },
        )
    }
}

fn clean(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn language(v: Option<&str>) -> Option<String> {
    clean(v).map(|l| l.to_lowercase())
}

fn country_of(code: Option<&str>) -> Option<Country> {
    match code.map(|c| c.trim().to_ascii_uppercase()).as_deref() {
        Some("FR") => Some(Country::Fr),
        Some("BE") => Some(Country::Be),
        _ => None,
    }
}

fn candidate(field: &str, raw: Option<&str>, country: Option<Country>) -> Option<KeyCandidate> {
    let raw = clean(raw)?;
    Some(KeyCandidate {
        field: field.to_owned(),
        parsed: CompanyKey::parse(&raw, country),
        raw,
    })
}

/// A person linked to a Syneton company, as read from `customerlinkcustomer` and the
/// person's own customer record.
#[derive(Debug, Clone, Copy)]
pub struct SynetonContact<'a> {
    /// The link.
    pub link: &'a CustomerLink,
    /// The person (a customer with `IsCompany` false).
    pub person: &'a Customer,
    /// The function's name from list 10, when the caller resolved it.
    pub function: Option<&'a str>,
}

/// A Syneton customer with its registered office and linked persons.
#[must_use]
pub fn from_syneton(
    customer: &Customer,
    office: Option<&CustomerAddress>,
    contacts: &[SynetonContact<'_>],
) -> AccountingCompany {
    let country_code = office.and_then(|a| a.country_code.as_deref());
    // A Belgian tool: numbers without a prefix are read as Belgian unless the office is abroad.
    let country = country_of(country_code).or(Some(Country::Be));
    let keys = [
        candidate("VATNr", customer.vat_nr.as_deref(), country),
        candidate(
            "RegistrationNr",
            customer.registration_nr.as_deref(),
            country,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let address = office.map(|a| PostalAddress {
        street: clean(a.street_name.as_deref()).or_else(|| clean(a.street1.as_deref())),
        number: clean(a.house_nr.as_deref()),
        r#box: clean(a.house_box.as_deref()),
        postal_code: clean(a.zip_code.as_deref()),
        city: clean(a.city.as_deref()),
        country: clean(country_code).map(|c| c.to_ascii_uppercase()),
    });
    let is_company = customer.is_company.unwrap_or(true);
    let name = match (is_company, clean(customer.firstname.as_deref())) {
        (false, Some(first)) => format!(
            "{first} {}",
            customer.name.as_deref().unwrap_or_default().trim()
        ),
        _ => clean(customer.name.as_deref()).unwrap_or_default(),
    };
    AccountingCompany {
        source: Source::Syneton,
        remote_id: customer.customer_id.to_string(),
        reference: clean(customer.cust_code.as_deref()),
        name: name.trim().to_owned(),
        commercial_name: clean(customer.commercial_name.as_deref()),
        is_company,
        legal_form: if is_company {
            clean(customer.title.as_deref())
        } else {
            None
        },
        keys,
        active: customer.is_active.unwrap_or(true),
        address,
        phone: clean(customer.phone.as_deref()),
        mobile: clean(customer.mobile.as_deref()),
        email: clean(customer.email.as_deref()),
        website: clean(customer.homepage.as_deref()),
        language: language(customer.language.as_deref()),
        contacts: contacts.iter().map(syneton_person).collect(),
    }
}

/// One person linked to a Syneton company, as a contact person: active while both the
/// person and the link (no mandate end) are.
#[must_use]
pub fn syneton_person(c: &SynetonContact<'_>) -> ContactPerson {
    ContactPerson {
        remote_id: c.person.customer_id.to_string(),
        first_name: clean(c.person.firstname.as_deref()),
        last_name: clean(c.person.name.as_deref()),
        title: clean(c.person.title.as_deref()),
        email: clean(c.person.email.as_deref()),
        phone: clean(c.person.phone.as_deref()),
        mobile: clean(c.person.mobile.as_deref()),
        language: language(c.person.language.as_deref()),
        role: c.function.map(str::to_owned),
        active: c.person.is_active.unwrap_or(true)
            && clean(c.link.end_mandate.as_deref()).is_none(),
    }
}

/// The value at a dotted path (`address.city`); numbers read as text.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return None;
    }
    path.split('.')
        .try_fold(v, |cur, key| cur.get(key))
        .filter(|v| !v.is_null())
}

fn text_at(v: &Value, path: &str) -> Option<String> {
    match at(v, path)? {
        Value::String(s) => clean(Some(s)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An AdminPulse relation, its fields found through `map`.
#[must_use]
pub fn from_adminpulse(relation: &Value, map: &AdminPulseFieldMap) -> AccountingCompany {
    let t = |path: &str| text_at(relation, path);
    let country = t(&map.country).map(|c| c.to_ascii_uppercase());
    let parse_country = country_of(country.as_deref()).or(Some(Country::Be));
    let keys = [
        candidate(
            &map.vat_number,
            t(&map.vat_number).as_deref(),
            parse_country,
        ),
        candidate(
            &map.company_number,
            t(&map.company_number).as_deref(),
            parse_country,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let is_company = t(&map.relation_type).is_none_or(|kind| {
        map.company_types
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&kind))
    });
    let active = match at(relation, &map.active) {
        Some(Value::Bool(b)) => *b,
        _ => t(&map.end_date).is_none(),
    };
    let address = PostalAddress {
        street: t(&map.street),
        number: t(&map.number),
        r#box: t(&map.r#box),
        postal_code: t(&map.postal_code),
        city: t(&map.city),
        country,
    };
    let contacts = at(relation, &map.contacts)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|c| {
                    let ct = |path: &str| text_at(c, path);
                    ContactPerson {
                        remote_id: ct(&map.contact_id).unwrap_or_default(),
                        first_name: ct(&map.contact_first_name),
                        last_name: ct(&map.contact_last_name),
                        title: None,
                        email: ct(&map.contact_email),
                        phone: ct(&map.contact_phone),
                        mobile: ct(&map.contact_mobile),
                        language: language(ct(&map.contact_language).as_deref()),
                        role: ct(&map.contact_role),
                        active: true,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    AccountingCompany {
        source: Source::AdminPulse,
        remote_id: t(&map.id)
            .or_else(|| t(&map.unique_identifier))
            .unwrap_or_default(),
        reference: t(&map.unique_identifier),
        name: t(&map.name).unwrap_or_default(),
        commercial_name: t(&map.commercial_name),
        is_company,
        legal_form: t(&map.legal_form),
        keys,
        active,
        address: (address != PostalAddress::default()).then_some(address),
        phone: t(&map.phone),
        mobile: t(&map.mobile),
        email: t(&map.email),
        website: t(&map.website),
        language: language(t(&map.language).as_deref()),
        contacts,
    }
}

/// Local company fields that may be written back to Syneton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynetonField {
    /// `Name`
    Name,
    /// `CommercialName`
    CommercialName,
    /// `VATNr`
    VatNumber,
    /// `Title` (legal form)
    LegalForm,
    /// `Language`
    Language,
    /// `Email`
    Email,
    /// `Phone`
    Phone,
    /// `Mobile`
    Mobile,
    /// `Homepage`
    Website,
    /// `Street1`, `Nr`, `Box`, `Zipcode`, `City`, `CountryCode`
    Address,
}

/// The local side's values; `None` means empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalCompanyFields {
    /// Name.
    pub name: Option<String>,
    /// Trade name.
    pub commercial_name: Option<String>,
    /// VAT or enterprise number, as to be shown in Syneton.
    pub vat_number: Option<String>,
    /// Legal form.
    pub legal_form: Option<String>,
    /// Language (ISO 639-1).
    pub language: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Registered office.
    pub address: Option<PostalAddress>,
}

fn opt(v: Option<&str>) -> Value {
    clean(v).map_or(Value::Null, Value::from)
}

/// The full PUT body for `current` (as last read, with its registered office): every PUT
/// field from Syneton's values, then the fields in `owned` from the local side (an empty
/// local value clears the remote one). A PUT replaces the whole record, so nothing may be
/// left out. The address goes out as street name, number and box ([ASSUMPTION]: the PUT
/// `Street1` is the street name, as the separate `Nr` and `Box` fields suggest).
#[must_use]
pub fn to_syneton_put(
    current: &Customer,
    office: Option<&CustomerAddress>,
    local: &LocalCompanyFields,
    owned: &[SynetonField],
) -> Value {
    let c = current;
    let mut body = Map::new();
    body.insert("CustomerId".into(), c.customer_id.into());
    let texts: [(&str, &Option<String>); 15] = [
        ("Name", &c.name),
        ("Firstname", &c.firstname),
        ("CommercialName", &c.commercial_name),
        ("Title", &c.title),
        ("VATNr", &c.vat_nr),
        ("RegistrationNr", &c.registration_nr),
        ("RPR", &c.rpr),
        ("SocialSecurityNumber", &c.social_security_number),
        ("NaceCode", &c.nace_code),
        ("Language", &c.language),
        ("Email", &c.email),
        ("Phone", &c.phone),
        ("Mobile", &c.mobile),
        ("Homepage", &c.homepage),
        ("Remarks", &c.remarks),
    ];
    for (name, value) in texts {
        body.insert(name.into(), value.clone().map_or(Value::Null, Value::from));
    }
    body.insert(
        "IsCompany".into(),
        c.is_company.map_or(Value::Null, Value::from),
    );
    body.insert(
        "CustomerCrmType".into(),
        c.customer_crm_type.map_or(Value::Null, Value::from),
    );
    body.insert(
        "CustomerGroup".into(),
        Value::from(c.customer_group.unwrap_or(0)),
    );
    body.insert(
        "CustCode".into(),
        c.cust_code.clone().map_or(Value::Null, Value::from),
    );
    body.insert(
        "AccCode".into(),
        c.acc_code.clone().map_or(Value::Null, Value::from),
    );
    let street = office
        .and_then(|a| clean(a.street_name.as_deref()).or_else(|| clean(a.street1.as_deref())));
    let address = [
        ("Street1", street),
        ("Street2", office.and_then(|a| clean(a.street2.as_deref()))),
        ("Nr", office.and_then(|a| clean(a.house_nr.as_deref()))),
        ("Box", office.and_then(|a| clean(a.house_box.as_deref()))),
        ("Zipcode", office.and_then(|a| clean(a.zip_code.as_deref()))),
        ("City", office.and_then(|a| clean(a.city.as_deref()))),
        (
            "CountryCode",
            office.and_then(|a| clean(a.country_code.as_deref())),
        ),
    ];
    for (name, value) in address {
        body.insert(name.into(), value.map_or(Value::Null, Value::from));
    }
    for field in owned {
        let l = local;
        match field {
            SynetonField::Name => body.insert("Name".into(), opt(l.name.as_deref())),
            SynetonField::CommercialName => {
                body.insert("CommercialName".into(), opt(l.commercial_name.as_deref()))
            }
            SynetonField::VatNumber => body.insert("VATNr".into(), opt(l.vat_number.as_deref())),
            SynetonField::LegalForm => body.insert("Title".into(), opt(l.legal_form.as_deref())),
            SynetonField::Language => body.insert(
                "Language".into(),
                clean(l.language.as_deref()).map_or(Value::Null, |v| v.to_uppercase().into()),
            ),
            SynetonField::Email => body.insert("Email".into(), opt(l.email.as_deref())),
            SynetonField::Phone => body.insert("Phone".into(), opt(l.phone.as_deref())),
            SynetonField::Mobile => body.insert("Mobile".into(), opt(l.mobile.as_deref())),
            SynetonField::Website => body.insert("Homepage".into(), opt(l.website.as_deref())),
            SynetonField::Address => {
                let a = l.address.clone().unwrap_or_default();
                for (name, value) in [
                    ("Street1", a.street),
                    ("Nr", a.number),
                    ("Box", a.r#box),
                    ("Zipcode", a.postal_code),
                    ("City", a.city),
                    ("CountryCode", a.country.map(|c| c.to_ascii_uppercase())),
                ] {
                    body.insert(name.into(), opt(value.as_deref()));
                }
                body.insert("Street2".into(), Value::Null)
            }
        };
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests;
