//! The canonical form of accounting records and of the local records they sync with: a
//! company's and a contact person's mapped fields as text (`""` for empty), so the link's
//! base, the three-way merge and the conflict journal work as for HubSpot.
//!
//! Canonical values: language lower-case ISO 639-1 as the source gives it; country upper
//! case; `domain` the normalized web domain of the site; `address` one line `street number
//! [bus box]` (the local store keeps one address line); `active` `true`/`false`; a
//! contact's `company` is the *remote* id of its linked company.
//!
//! The registration key is not a canonical field: it is the match key, set when a company
//! is created or when the local company has none (a remote correction never rewrites a key
//! the local side or another connection already holds).

use crate::domain::CompanyKey;
use crate::domain::web_domain::WebDomain;
use crate::mapping::accounting::{AccountingCompany, ContactPerson, PostalAddress};
use crate::store::company::CompanyFields;
use crate::store::contact::ContactFields;
use crate::sync::common::Canon;

/// Canonical company fields (`company.<field>` in `field_owners`).
pub const COMPANY_FIELDS: &[&str] = &[
    "name",
    "vat",
    "legal_form",
    "language",
    "phone",
    "domain",
    "address",
    "zip",
    "city",
    "country",
    "active",
];

/// Canonical contact fields (`contact.<field>` in `field_owners`).
pub const CONTACT_FIELDS: &[&str] = &[
    "email",
    "firstname",
    "lastname",
    "phone",
    "language",
    "company",
    "active",
];

/// `entity.field` names that can be given an owner.
#[must_use]
pub fn owned_fields() -> Vec<String> {
    COMPANY_FIELDS
        .iter()
        .map(|f| format!("company.{f}"))
        .chain(CONTACT_FIELDS.iter().map(|f| format!("contact.{f}")))
        .collect()
}

/// A value the local store cannot take (the record goes to the failed-record journal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct MapError {
    /// Canonical field.
    pub field: &'static str,
    /// Why (codes only, never personal data).
    pub reason: &'static str,
}

fn text(v: Option<&str>) -> String {
    v.map(str::trim).unwrap_or_default().to_owned()
}

fn opt(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn flag(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

fn domain_of(site: Option<&str>) -> String {
    site.and_then(|s| WebDomain::parse(s).ok())
        .map(|d| d.as_str().to_owned())
        .unwrap_or_default()
}

/// One address line: `Dorpstraat 116 bus c`.
#[must_use]
pub fn address_line(a: &PostalAddress) -> String {
    let mut line = text(a.street.as_deref());
    if let Some(n) = opt(a.number.as_deref().unwrap_or_default()) {
        line = format!("{line} {n}");
    }
    if let Some(b) = opt(a.r#box.as_deref().unwrap_or_default()) {
        line = format!("{line} bus {b}");
    }
    line.trim().to_owned()
}

/// The canonical form of a remote company; `vat_field` names the source's VAT field.
#[must_use]
pub fn remote_company(rec: &AccountingCompany, vat_field: &str) -> Canon {
    let address = rec.address.clone().unwrap_or_default();
    let vat = rec
        .keys
        .iter()
        .find(|k| k.field == vat_field)
        .map(|k| k.raw.trim().to_owned())
        .unwrap_or_default();
    [
        ("name", rec.name.trim().to_owned()),
        ("vat", vat),
        ("legal_form", text(rec.legal_form.as_deref())),
        ("language", text(rec.language.as_deref()).to_lowercase()),
        ("phone", text(rec.phone.as_deref())),
        ("domain", domain_of(rec.website.as_deref())),
        ("address", address_line(&address)),
        ("zip", text(address.postal_code.as_deref())),
        ("city", text(address.city.as_deref())),
        (
            "country",
            text(address.country.as_deref()).to_ascii_uppercase(),
        ),
        ("active", flag(rec.active)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The canonical form of a local company.
#[must_use]
pub fn local_company(f: &CompanyFields) -> Canon {
    [
        ("name", f.name.trim().to_owned()),
        ("vat", text(f.vat_number.as_deref())),
        ("legal_form", text(f.legal_form.as_deref())),
        ("language", text(f.language.as_deref()).to_lowercase()),
        ("phone", text(f.phone.as_deref())),
        ("domain", text(f.domain.as_deref()).to_lowercase()),
        ("address", text(f.address_line1.as_deref())),
        ("zip", text(f.postal_code.as_deref())),
        ("city", text(f.city.as_deref())),
        ("country", text(f.country.as_deref()).to_ascii_uppercase()),
        ("active", flag(f.active)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Writes one canonical value into a local company.
///
/// # Errors
/// An empty name.
pub fn apply_company(f: &mut CompanyFields, field: &str, value: &str) -> Result<(), MapError> {
    match field {
        "name" => {
            f.name = opt(value).ok_or(MapError {
                field: "name",
                reason: "a company needs a name",
            })?;
        }
        "vat" => f.vat_number = opt(value),
        "legal_form" => f.legal_form = opt(value),
        "language" => f.language = opt(value),
        "phone" => f.phone = opt(value),
        "domain" => f.domain = opt(value),
        "address" => f.address_line1 = opt(value),
        "zip" => f.postal_code = opt(value),
        "city" => f.city = opt(value),
        "country" => f.country = opt(value),
        "active" => f.active = value == "true",
        _ => {}
    }
    Ok(())
}

/// Gives a local company its registration key.
pub fn set_key(f: &mut CompanyFields, key: &CompanyKey, raw: &str) {
    f.registration_key = Some(key.normalized().to_owned());
    f.registration_kind = Some(key.kind().as_str().to_owned());
    f.registration_key_raw = Some(raw.trim().to_owned());
}

/// The canonical form of a remote contact person, linked to the company `company`.
#[must_use]
pub fn remote_contact(p: &ContactPerson, company: Option<&str>) -> Canon {
    let phone = p.mobile.as_deref().or(p.phone.as_deref());
    [
        ("email", text(p.email.as_deref()).to_lowercase()),
        ("firstname", text(p.first_name.as_deref())),
        ("lastname", text(p.last_name.as_deref())),
        ("phone", text(phone)),
        ("language", text(p.language.as_deref()).to_lowercase()),
        ("company", text(company)),
        ("active", flag(p.active)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The canonical form of a local contact whose company is linked as `company`.
#[must_use]
pub fn local_contact(f: &ContactFields, company: Option<&str>) -> Canon {
    [
        ("email", text(f.email.as_deref()).to_lowercase()),
        ("firstname", text(f.first_name.as_deref())),
        ("lastname", text(f.last_name.as_deref())),
        ("phone", text(f.phone.as_deref())),
        ("language", text(f.language.as_deref()).to_lowercase()),
        ("company", text(company)),
        ("active", flag(f.state == "active")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Writes one canonical value into a local contact; `company` is the local id of the
/// company the remote `company` value names.
pub fn apply_contact(f: &mut ContactFields, field: &str, value: &str, company: Option<i64>) {
    match field {
        "email" => f.email = opt(value),
        "firstname" => f.first_name = opt(value),
        "lastname" => f.last_name = opt(value),
        "phone" => f.phone = opt(value),
        "language" => f.language = opt(value),
        "company" => f.company_id = if value.is_empty() { None } else { company },
        // An anonymized contact is never touched, so only active ⇄ inactive moves here.
        "active" => {
            f.state = if value == "true" {
                "active"
            } else {
                "inactive"
            }
            .to_owned()
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AdminPulseFieldMap;
    use crate::mapping::accounting::from_adminpulse;

    #[test]
    fn a_company_written_locally_reads_back_equal() {
        let relation = serde_json::json!({"id": "r1", "name": " The ABC company ", "vatNumber": "BE0403019261",
            "language": "NL", "phone": "+32 56 98 65 32", "website": "https://www.abc.be/",
            "address": {"street": "Dorpstraat", "number": "116", "box": "c", "postalCode": "8500",
                        "city": "Kortrijk", "country": "be"}, "isActive": false});
        let rec = from_adminpulse(&relation, &AdminPulseFieldMap::default());
        let remote = remote_company(&rec, "vatNumber");
        assert_eq!(remote["address"], "Dorpstraat 116 bus c");
        assert_eq!(remote["domain"], "abc.be");
        assert_eq!(remote["language"], "nl");
        assert_eq!(remote["country"], "BE");
        assert_eq!(remote["active"], "false");
        assert_eq!(remote["vat"], "BE0403019261");
        let mut local = CompanyFields::default();
        for (k, v) in &remote {
            apply_company(&mut local, k, v).expect("applies");
        }
        assert_eq!(local_company(&local), remote);
        assert!(!local.active);
        assert!(apply_company(&mut local, "name", " ").is_err());
    }

    #[test]
    fn a_contact_prefers_the_mobile_and_keeps_its_company_by_remote_id() {
        let p = ContactPerson {
            remote_id: "102".to_owned(),
            first_name: Some("An".to_owned()),
            last_name: Some("Peeters".to_owned()),
            email: Some("An@ABC.be".to_owned()),
            phone: Some("056".to_owned()),
            mobile: Some("0475".to_owned()),
            language: Some("nl".to_owned()),
            active: true,
            ..ContactPerson::default()
        };
        let remote = remote_contact(&p, Some("101"));
        assert_eq!(remote["email"], "an@abc.be");
        assert_eq!(remote["phone"], "0475");
        let mut local = ContactFields::default();
        for (k, v) in &remote {
            apply_contact(&mut local, k, v, Some(7));
        }
        assert_eq!(local.company_id, Some(7));
        assert_eq!(local_contact(&local, Some("101")), remote);
        apply_contact(&mut local, "active", "false", None);
        assert_eq!(local.state, "inactive");
    }
}
