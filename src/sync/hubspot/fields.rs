//! The mapped fields of each entity, in one canonical form both sides convert to: a map of
//! field name → text (`""` for empty). The three-way comparison, the base kept in the link
//! table and the conflict journal all speak this form, so the rules are written once.
//!
//! Canonical values: owners and the sales engineer are HubSpot owner ids; deal statuses are
//! local status codes; amounts are cents; dates `YYYY-MM-DD`; timestamps epoch ms; the
//! parent company or deal is the *remote* id of the linked record.

use std::collections::BTreeMap;

use super::context::Ctx;
use crate::connectors::hubspot::models::HsObject;
use crate::domain::company_key::CompanyKey;
use crate::mapping::civility;

pub use crate::sync::common::Canon;

/// The four synced entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Companies.
    Company,
    /// Contacts.
    Contact,
    /// Deals.
    Deal,
    /// Calls, meetings and e-mails.
    Activity,
}

impl Kind {
    /// The store's entity name.
    #[must_use]
    pub fn entity(self) -> &'static str {
        match self {
            Kind::Company => "company",
            Kind::Contact => "contact",
            Kind::Deal => "deal",
            Kind::Activity => "activity",
        }
    }

    /// HubSpot object types holding this entity.
    #[must_use]
    pub fn objects(self) -> &'static [&'static str] {
        match self {
            Kind::Company => &["companies"],
            Kind::Contact => &["contacts"],
            Kind::Deal => &["deals"],
            Kind::Activity => &["calls", "meetings", "emails"],
        }
    }

    /// Canonical fields and the HubSpot property each is stored in (`""`: an association).
    #[must_use]
    pub fn fields(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Company => &[
                ("name", "name"),
                ("domain", "domain"),
                ("siret", "siret"),
                ("lifecyclestage", "lifecyclestage"),
                ("phone", "phone"),
                ("address", "address"),
                ("zip", "zip"),
                ("city", "city"),
                ("country", "country"),
                ("owner", "hubspot_owner_id"),
                ("sales_engineer", "ingenieur_commercial"),
            ],
            Kind::Contact => &[
                ("email", "email"),
                ("firstname", "firstname"),
                ("lastname", "lastname"),
                ("phone", "phone"),
                ("jobtitle", "jobtitle"),
                ("language", "hs_language"),
                ("civility", "civilite"),
                ("company", ""),
            ],
            Kind::Deal => &[
                ("name", "dealname"),
                ("amount", "amount"),
                ("closedate", "closedate"),
                ("status", "dealstage"),
                ("currency", "deal_currency_code"),
                ("owner", "hubspot_owner_id"),
                ("company", ""),
            ],
            Kind::Activity => &[
                ("timestamp", "hs_timestamp"),
                ("title", "*title"),
                ("body", "*body"),
                ("owner", "hubspot_owner_id"),
                ("company", ""),
                ("deal", ""),
            ],
        }
    }
}

/// `entity.field` names that can be given an owner in config.
#[must_use]
pub fn owned_fields() -> Vec<String> {
    [Kind::Company, Kind::Contact, Kind::Deal, Kind::Activity]
        .iter()
        .flat_map(|k| {
            k.fields()
                .iter()
                .map(move |(f, _)| format!("{}.{f}", k.entity()))
        })
        .collect()
}

/// Whether `key` is one of [`owned_fields`].
#[must_use]
pub fn is_owned_field(key: &str) -> bool {
    owned_fields().iter().any(|k| k == key)
}

/// The HubSpot property of a canonical field of an object type (`None`: an association).
#[must_use]
pub fn property(kind: Kind, object: &str, field: &str) -> Option<&'static str> {
    let (_, prop) = kind.fields().iter().find(|(f, _)| *f == field)?;
    match *prop {
        "" => None,
        "*title" => Some(match object {
            "calls" => "hs_call_title",
            "meetings" => "hs_meeting_title",
            _ => "hs_email_subject",
        }),
        "*body" => Some(match object {
            "calls" => "hs_call_body",
            "meetings" => "hs_meeting_body",
            _ => "hs_email_text",
        }),
        p => Some(p),
    }
}

/// Properties to read for an object type.
#[must_use]
pub fn read_properties(kind: Kind, object: &str, sync_property: &str) -> Vec<String> {
    let mut props: Vec<String> = kind
        .fields()
        .iter()
        .filter_map(|(f, _)| property(kind, object, f))
        .map(str::to_owned)
        .collect();
    match kind {
        Kind::Company | Kind::Contact => {
            props.extend([sync_property.to_owned(), "hs_merged_object_ids".to_owned()]);
        }
        Kind::Deal => props.extend([
            sync_property.to_owned(),
            "hs_merged_object_ids".to_owned(),
            "hs_created_by_user_id".to_owned(),
        ]),
        Kind::Activity => {}
    }
    props
}

/// A value that does not map (the record goes to the failed-record journal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct MapError {
    /// Canonical field.
    pub field: &'static str,
    /// Why (never personal data: codes and ids only).
    pub reason: String,
}

fn text(v: Option<&str>) -> String {
    v.map(str::trim).unwrap_or_default().to_owned()
}

/// Epoch ms from HubSpot's ms or ISO 8601 forms.
#[must_use]
pub fn epoch_ms(raw: &str) -> Option<i64> {
    if let Ok(ms) = raw.parse::<i64>() {
        return Some(ms);
    }
    let t =
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `YYYY-MM-DD` from a date, an ISO date-time or epoch ms.
#[must_use]
pub fn iso_date(raw: &str) -> Option<String> {
    if raw.len() == 10 && raw.as_bytes().get(4) == Some(&b'-') {
        return Some(raw.to_owned());
    }
    let ms = epoch_ms(raw)?;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    Some(t.date().to_string())
}

/// Cents from a decimal amount (`"1500"`, `"1500.5"`, `"1500.50"`).
#[must_use]
pub fn cents(raw: &str) -> Option<i64> {
    let (whole, frac) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    let whole: i64 = whole.parse().ok()?;
    let frac = format!("{frac:0<2}");
    let frac: i64 = frac.get(..2)?.parse().ok()?;
    whole
        .checked_mul(100)?
        .checked_add(if whole < 0 { -frac } else { frac })
}

/// The decimal amount HubSpot gets for cents.
#[must_use]
pub fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// A registration key parsed and normalized, or why it is not one.
///
/// # Errors
/// The reason the text is not a valid key.
pub fn normalized_key(raw: &str) -> Result<CompanyKey, String> {
    CompanyKey::parse(raw, None).map_err(|e| e.to_string())
}

/// The canonical form of a HubSpot record. `parents` gives the remote ids of the linked
/// company and deal chosen among its associations.
///
/// # Errors
/// A value the tenant's tables cannot map.
pub fn from_remote(
    kind: Kind,
    object: &str,
    record: &HsObject,
    parents: (Option<&str>, Option<&str>),
    ctx: &Ctx,
) -> Result<Canon, MapError> {
    let mut c = Canon::new();
    for (field, _) in kind.fields() {
        let value = match property(kind, object, field) {
            Some(p) => text(record.prop(p)),
            None if *field == "company" => text(parents.0),
            None => text(parents.1),
        };
        let value = match (kind, *field) {
            (Kind::Company, "siret") if !value.is_empty() => {
                normalized_key(&value).map_or(value, |k| k.normalized().to_owned())
            }
            (Kind::Company, "domain") | (Kind::Contact, "email") => value.to_lowercase(),
            (Kind::Contact, "civility") => civility::inbound(Some(&value), &ctx.civility)
                .map(str::to_owned)
                .ok_or_else(|| MapError {
                    field: "civility",
                    reason: format!("`{value}` is not a code of the civility table"),
                })?,
            (Kind::Deal, "amount") if !value.is_empty() => cents(&value)
                .map(|c| c.to_string())
                .ok_or_else(|| MapError {
                    field: "amount",
                    reason: "not a decimal amount".to_owned(),
                })?,
            (Kind::Deal, "closedate") if !value.is_empty() => iso_date(&value).unwrap_or_default(),
            (Kind::Deal, "status") if !value.is_empty() => ctx
                .stages
                .inbound(&value)
                .map(|(s, _)| s.to_owned())
                .ok_or_else(|| MapError {
                    field: "status",
                    reason: format!("deal stage `{value}` is not in the deal-stage table"),
                })?,
            (Kind::Activity, "timestamp") => {
                epoch_ms(&value).map(|m| m.to_string()).unwrap_or_default()
            }
            _ => value,
        };
        c.insert((*field).to_owned(), value);
    }
    Ok(c)
}

/// HubSpot properties for canonical values of an object type (associations left out).
///
/// # Errors
/// A value HubSpot cannot take (a status without a stage id).
pub fn to_properties<'a>(
    kind: Kind,
    object: &str,
    values: impl IntoIterator<Item = (&'a String, &'a String)>,
    ctx: &Ctx,
) -> Result<BTreeMap<String, String>, MapError> {
    let mut props = BTreeMap::new();
    for (field, value) in values {
        let Some(prop) = property(kind, object, field) else {
            continue;
        };
        let value = match (kind, field.as_str()) {
            (Kind::Deal, "amount") if !value.is_empty() => {
                amount(value.parse().unwrap_or_default())
            }
            (Kind::Deal, "status") if !value.is_empty() => ctx
                .stages
                .outbound(value)
                .map(str::to_owned)
                .ok_or_else(|| MapError {
                    field: "status",
                    reason: format!(
                        "status `{value}` has no HubSpot deal stage; run `crmsync hubspot provision`"
                    ),
                })?,
            _ => value.clone(),
        };
        props.insert(prop.to_owned(), value);
    }
    Ok(props)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_dates_and_keys_normalize() {
        assert_eq!(cents("1500"), Some(150_000));
        assert_eq!(cents("1500.5"), Some(150_050));
        assert_eq!(cents("12.345"), Some(1234));
        assert_eq!(cents("abc"), None);
        assert_eq!(amount(150_050), "1500.50");
        assert_eq!(amount(-5), "-0.05");
        assert_eq!(
            iso_date("2026-03-01T10:00:00Z").as_deref(),
            Some("2026-03-01")
        );
        assert_eq!(iso_date("2026-03-01").as_deref(), Some("2026-03-01"));
        assert_eq!(iso_date("0").as_deref(), Some("1970-01-01"));
        assert_eq!(epoch_ms("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(
            normalized_key("732 829 320 00074").map(|k| k.normalized().to_owned()),
            Ok("73282932000074".to_owned())
        );
        assert!(normalized_key("123").is_err());
    }

    #[test]
    fn activity_properties_depend_on_the_object_type() {
        assert_eq!(
            property(Kind::Activity, "calls", "title"),
            Some("hs_call_title")
        );
        assert_eq!(
            property(Kind::Activity, "emails", "body"),
            Some("hs_email_text")
        );
        assert_eq!(property(Kind::Activity, "meetings", "company"), None);
        assert!(is_owned_field("company.name"));
        assert!(is_owned_field("deal.status"));
        assert!(!is_owned_field("company.nonsense"));
    }
}
