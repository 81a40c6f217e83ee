//! Local records in the canonical form of [`super::fields`], and canonical values written
//! back into local fields.

use time::{Date, OffsetDateTime};

use super::context::Ctx;
use super::fields::{Canon, Kind, MapError, normalized_key};
use crate::store::Timestamp;
use crate::store::activity::ActivityFields;
use crate::store::company::CompanyFields;
use crate::store::contact::ContactFields;
use crate::store::deal::DealFields;
use crate::store::sync::Base;

/// A local record's writable fields.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per record in hand, never stored in bulk
pub enum Local {
    /// A company.
    Company(CompanyFields),
    /// A contact.
    Contact(ContactFields),
    /// A deal.
    Deal(DealFields),
    /// An activity.
    Activity(ActivityFields),
}

/// The remote ids of a local record's parents (linked company and deal).
#[derive(Debug, Clone, Default)]
pub struct ParentIds {
    /// Remote id of the company.
    pub company: Option<String>,
    /// Remote id of the deal.
    pub deal: Option<String>,
}

/// Local ids for remote parent ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalParents {
    /// Local company.
    pub company: Option<i64>,
    /// Local deal.
    pub deal: Option<i64>,
}

fn s(v: Option<&String>) -> String {
    v.map(|x| x.trim().to_owned()).unwrap_or_default()
}

fn opt(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_owned())
}

impl Local {
    /// The entity kind.
    #[must_use]
    pub fn kind(&self) -> Kind {
        match self {
            Local::Company(_) => Kind::Company,
            Local::Contact(_) => Kind::Contact,
            Local::Deal(_) => Kind::Deal,
            Local::Activity(_) => Kind::Activity,
        }
    }

    /// The canonical form. An owner whose user has no HubSpot owner keeps the base value:
    /// there is nothing HubSpot could be told.
    #[must_use]
    pub fn canon(&self, ctx: &Ctx, parents: &ParentIds, base: &Base) -> Canon {
        let owner = |field: &str, user: Option<i64>| -> String {
            match user {
                None => String::new(),
                Some(u) => ctx
                    .user_owner
                    .get(&u)
                    .cloned()
                    .unwrap_or_else(|| base.get(field).cloned().unwrap_or_default()),
            }
        };
        let mut c = Canon::new();
        let mut put = |k: &str, v: String| {
            c.insert(k.to_owned(), v);
        };
        match self {
            Local::Company(f) => {
                put("name", f.name.trim().to_owned());
                put("domain", s(f.domain.as_ref()).to_lowercase());
                put("siret", s(f.registration_key.as_ref()));
                put("lifecyclestage", s(f.lifecycle_stage.as_ref()));
                put("phone", s(f.phone.as_ref()));
                put("address", s(f.address_line1.as_ref()));
                put("zip", s(f.postal_code.as_ref()));
                put("city", s(f.city.as_ref()));
                put("country", s(f.country.as_ref()));
                put("owner", owner("owner", f.owner_user_id));
                put(
                    "sales_engineer",
                    owner("sales_engineer", f.sales_engineer_user_id),
                );
            }
            Local::Contact(f) => {
                put("email", s(f.email.as_ref()).to_lowercase());
                put("firstname", s(f.first_name.as_ref()));
                put("lastname", s(f.last_name.as_ref()));
                put("phone", s(f.phone.as_ref()));
                put("jobtitle", s(f.job_title.as_ref()));
                put("language", s(f.language.as_ref()));
                let civ = f.civility.clone().or_else(|| ctx.civility.first().cloned());
                put("civility", s(civ.as_ref()));
                put("company", s(parents.company.as_ref()));
            }
            Local::Deal(f) => {
                put("name", f.name.trim().to_owned());
                put(
                    "amount",
                    f.amount_cents.map(|c| c.to_string()).unwrap_or_default(),
                );
                put(
                    "closedate",
                    f.close_date.map(|d| d.to_string()).unwrap_or_default(),
                );
                put("status", s(f.status.as_ref()));
                put("currency", s(f.currency.as_ref()));
                put("owner", owner("owner", f.primary_user_id));
                put("company", s(parents.company.as_ref()));
            }
            Local::Activity(f) => {
                let ms = f.occurred_at.get().unix_timestamp_nanos() / 1_000_000;
                put("timestamp", ms.to_string());
                put("title", s(f.subject.as_ref()));
                put("body", s(f.body.as_ref()));
                put("owner", owner("owner", f.owner_user_id));
                put("company", s(parents.company.as_ref()));
                put("deal", s(parents.deal.as_ref()));
            }
        }
        c
    }

    /// Writes one canonical value into the local fields.
    ///
    /// # Errors
    /// A value the local store cannot hold.
    pub fn apply(
        &mut self,
        field: &str,
        value: &str,
        ctx: &Ctx,
        parents: LocalParents,
    ) -> Result<(), MapError> {
        let user = || ctx.owner_user.get(value).copied();
        let bad = |field: &'static str, reason: &str| MapError {
            field,
            reason: reason.to_owned(),
        };
        match self {
            Local::Company(f) => match field {
                "name" => {
                    if value.is_empty() {
                        return Err(bad("name", "a company needs a name"));
                    }
                    f.name = value.to_owned();
                }
                "domain" => f.domain = opt(value),
                "siret" => match opt(value) {
                    None => {
                        f.registration_key = None;
                        f.registration_key_raw = None;
                        f.registration_kind = None;
                    }
                    Some(raw) => {
                        let key = normalized_key(&raw).map_err(|e| MapError {
                            field: "siret",
                            reason: e,
                        })?;
                        f.registration_key = Some(key.normalized().to_owned());
                        f.registration_kind = Some(key.kind().as_str().to_owned());
                        f.registration_key_raw = Some(raw);
                    }
                },
                "lifecyclestage" => f.lifecycle_stage = opt(value),
                "phone" => f.phone = opt(value),
                "address" => f.address_line1 = opt(value),
                "zip" => f.postal_code = opt(value),
                "city" => f.city = opt(value),
                "country" => f.country = opt(value),
                "owner" => f.owner_user_id = user(),
                "sales_engineer" => f.sales_engineer_user_id = user(),
                _ => {}
            },
            Local::Contact(f) => match field {
                "email" => f.email = opt(value),
                "firstname" => f.first_name = opt(value),
                "lastname" => f.last_name = opt(value),
                "phone" => f.phone = opt(value),
                "jobtitle" => f.job_title = opt(value),
                "language" => f.language = opt(value),
                "civility" => f.civility = opt(value),
                "company" => f.company_id = parents.company,
                _ => {}
            },
            Local::Deal(f) => match field {
                "name" => {
                    f.name = if value.is_empty() {
                        "(sans nom)".to_owned()
                    } else {
                        value.to_owned()
                    };
                }
                "amount" => f.amount_cents = value.parse().ok(),
                "closedate" => {
                    f.close_date = Date::parse(
                        value,
                        time::macros::format_description!("[year]-[month]-[day]"),
                    )
                    .ok();
                }
                "status" => {
                    f.status = opt(value);
                    f.progress_pct = ctx.progress(value);
                }
                "currency" => f.currency = opt(value),
                "owner" => f.primary_user_id = user(),
                "company" => f.company_id = parents.company,
                _ => {}
            },
            Local::Activity(f) => match field {
                "timestamp" => {
                    let ms: i64 = value
                        .parse()
                        .map_err(|_| bad("timestamp", "missing hs_timestamp"))?;
                    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                        .map_err(|_| bad("timestamp", "out of range"))?;
                    f.occurred_at = Timestamp::from(t);
                }
                "title" => f.subject = opt(value),
                "body" => f.body = opt(value),
                "owner" => f.owner_user_id = user(),
                "company" => f.company_id = parents.company,
                "deal" => f.deal_id = parents.deal,
                _ => {}
            },
        }
        Ok(())
    }

    /// Whether the record is active (not archived, not deactivated).
    #[must_use]
    pub fn active(&self) -> bool {
        match self {
            Local::Company(f) => f.active,
            Local::Contact(f) => f.state == "active",
            Local::Deal(f) => f.active,
            Local::Activity(f) => f.active,
        }
    }

    /// Marks the record inactive (archived in HubSpot; the tombstone is kept).
    pub fn deactivate(&mut self) {
        match self {
            Local::Company(f) => f.active = false,
            Local::Contact(f) => {
                if f.state == "active" {
                    f.state = "inactive".to_owned();
                }
            }
            Local::Deal(f) => f.active = false,
            Local::Activity(f) => f.active = false,
        }
    }
}
