//! Contacts (spec §2) as the store and the API see them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;

use crate::domain::email::Email;
use crate::domain::gender::Gender;

use super::args::json_list;
use super::crud::Entity;
use super::patch::{self, Change, double_option};
use super::refs::Ref;
use super::{Arg, FieldError, Timestamp};

/// The writable part of a contact.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct ContactFields {
    /// External contact id.
    pub external_id: Option<String>,
    /// E-mail, unique per tenant (case-insensitive).
    pub email: Option<String>,
    /// Other e-mail addresses.
    #[schema(value_type = Vec<String>)]
    pub additional_emails: Json<Vec<String>>,
    /// Company (local id).
    pub company_id: Option<i64>,
    /// Phone.
    pub phone: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Civility code (label table "Qualité personne").
    pub civility: Option<String>,
    /// Tags.
    #[schema(value_type = Vec<String>)]
    pub tags: Json<Vec<String>>,
    /// Job title.
    pub job_title: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// `MALE` or `FEMALE`.
    pub gender: Option<String>,
    /// Role.
    pub role: Option<String>,
    /// NPS score, 1 to 5.
    pub nps_score: Option<i64>,
    /// Criterion code → value code.
    #[schema(value_type = BTreeMap<String, String>)]
    pub criteria: Json<BTreeMap<String, String>>,
    /// Authorization name → granted (absent = unset).
    #[schema(value_type = BTreeMap<String, bool>)]
    pub authorizations: Json<BTreeMap<String, bool>>,
    /// `active`, `inactive` or `anonymized`.
    pub state: String,
}

impl Default for ContactFields {
    fn default() -> Self {
        Self {
            external_id: None,
            email: None,
            additional_emails: Json(Vec::new()),
            company_id: None,
            phone: None,
            first_name: None,
            last_name: None,
            civility: None,
            tags: Json(Vec::new()),
            job_title: None,
            language: None,
            gender: None,
            role: None,
            nps_score: None,
            criteria: Json(BTreeMap::new()),
            authorizations: Json(BTreeMap::new()),
            state: "active".to_owned(),
        }
    }
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct Contact {
    /// Local id.
    pub contact_id: i64,
    /// Tenant.
    pub tenant_id: String,
    /// The writable fields.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub fields: ContactFields,
    /// Set when deleted (tombstone).
    pub deleted_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last write through the daemon.
    pub updated_at: Timestamp,
}

/// Fields to set on a contact: absent = unchanged, `null` = cleared.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    /// External contact id.
    #[serde(default, deserialize_with = "double_option")]
    pub external_id: Change<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "double_option")]
    pub email: Change<String>,
    /// Other e-mail addresses.
    #[serde(default, deserialize_with = "double_option")]
    pub additional_emails: Change<Vec<String>>,
    /// Company id.
    #[serde(default, deserialize_with = "double_option")]
    pub company_id: Change<i64>,
    /// Phone.
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Change<String>,
    /// First name.
    #[serde(default, deserialize_with = "double_option")]
    pub first_name: Change<String>,
    /// Last name.
    #[serde(default, deserialize_with = "double_option")]
    pub last_name: Change<String>,
    /// Civility code.
    #[serde(default, deserialize_with = "double_option")]
    pub civility: Change<String>,
    /// Tags.
    #[serde(default, deserialize_with = "double_option")]
    pub tags: Change<Vec<String>>,
    /// Job title.
    #[serde(default, deserialize_with = "double_option")]
    pub job_title: Change<String>,
    /// Language.
    #[serde(default, deserialize_with = "double_option")]
    pub language: Change<String>,
    /// `MALE` or `FEMALE`.
    #[serde(default, deserialize_with = "double_option")]
    pub gender: Change<String>,
    /// Role.
    #[serde(default, deserialize_with = "double_option")]
    pub role: Change<String>,
    /// NPS score, 1 to 5.
    #[serde(default, deserialize_with = "double_option")]
    pub nps_score: Change<i64>,
    /// Criteria to set (code → value code); a `null` value removes that criterion.
    #[serde(default)]
    pub criteria: Option<BTreeMap<String, Option<String>>>,
    /// Authorizations to set; a `null` value makes it unset.
    #[serde(default)]
    pub authorizations: Option<BTreeMap<String, Option<bool>>>,
    /// `active`, `inactive` or `anonymized`.
    #[serde(default, deserialize_with = "double_option")]
    pub state: Change<String>,
}

impl Entity for Contact {
    const NAME: &'static str = "contact";
    const ID: &'static str = "contact_id";
    const COLUMNS: &'static [&'static str] = &[
        "external_id",
        "email",
        "additional_emails",
        "company_id",
        "phone",
        "first_name",
        "last_name",
        "civility",
        "tags",
        "job_title",
        "language",
        "gender",
        "role",
        "nps_score",
        "criteria",
        "authorizations",
        "state",
    ];
    type Fields = ContactFields;
    type Patch = ContactPatch;

    fn args(f: &ContactFields) -> Vec<Arg> {
        let t = |v: &Option<String>| Arg::Text(v.clone());
        vec![
            t(&f.external_id),
            t(&f.email),
            json_list(&f.additional_emails),
            Arg::Int(f.company_id),
            t(&f.phone),
            t(&f.first_name),
            t(&f.last_name),
            t(&f.civility),
            json_list(&f.tags),
            t(&f.job_title),
            t(&f.language),
            t(&f.gender),
            t(&f.role),
            Arg::Int(f.nps_score),
            Arg::Json(serde_json::to_value(&f.criteria.0).unwrap_or_default()),
            Arg::Json(serde_json::to_value(&f.authorizations.0).unwrap_or_default()),
            Arg::text(&f.state),
        ]
    }

    fn fields(&self) -> &ContactFields {
        &self.fields
    }

    fn id(&self) -> i64 {
        self.contact_id
    }

    fn apply(p: ContactPatch, f: &mut ContactFields) -> Result<(), FieldError> {
        patch::text(p.external_id, &mut f.external_id);
        patch::parsed("email", p.email, &mut f.email, |v| {
            Email::parse(v).map(String::from)
        })?;
        if let Some(list) = p.additional_emails {
            let mut out = Vec::new();
            for raw in list.unwrap_or_default() {
                let email = Email::parse(&raw)
                    .map_err(|e| FieldError::new("additional_emails", e.to_string()))?;
                if !out
                    .iter()
                    .any(|o: &String| o.eq_ignore_ascii_case(email.as_str()))
                {
                    out.push(email.as_str().to_owned());
                }
            }
            f.additional_emails = Json(out);
        }
        patch::plain(p.company_id, &mut f.company_id);
        patch::text(p.phone, &mut f.phone);
        patch::text(p.first_name, &mut f.first_name);
        patch::text(p.last_name, &mut f.last_name);
        patch::text(p.civility, &mut f.civility);
        if let Some(tags) = p.tags {
            f.tags = Json(patch::clean_tags(tags.unwrap_or_default()));
        }
        patch::text(p.job_title, &mut f.job_title);
        patch::text(p.language, &mut f.language);
        patch::parsed("gender", p.gender, &mut f.gender, |v| {
            Gender::parse(v).map(|g| g.as_str().to_owned())
        })?;
        patch::text(p.role, &mut f.role);
        patch::int_in("nps_score", p.nps_score, &mut f.nps_score, 1..=5)?;
        for (code, value) in p.criteria.unwrap_or_default() {
            match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                Some(v) => f.criteria.insert(code, v),
                None => f.criteria.remove(&code),
            };
        }
        for (name, value) in p.authorizations.unwrap_or_default() {
            match value {
                Some(v) => f.authorizations.insert(name, v),
                None => f.authorizations.remove(&name),
            };
        }
        let mut state = Some(f.state.clone());
        patch::one_of(
            "state",
            p.state,
            &mut state,
            &["active", "inactive", "anonymized"],
        )?;
        f.state = state.ok_or_else(|| FieldError::new("state", "is required"))?;
        Ok(())
    }

    fn check_complete(f: &ContactFields) -> Result<(), FieldError> {
        // An anonymized contact has no key left on purpose; it stays for statistics.
        if f.state != "anonymized"
            && f.email.is_none()
            && f.external_id.is_none()
            && f.last_name.is_none()
            && f.first_name.is_none()
        {
            return Err(FieldError::new(
                "email",
                "a contact needs an email, an external_id or a name",
            ));
        }
        Ok(())
    }

    fn refs(f: &ContactFields) -> Vec<Ref> {
        let mut refs = Vec::new();
        if let Some(id) = f.company_id {
            refs.push(Ref::company("company_id", id));
        }
        if let Some(code) = &f.civility {
            refs.push(Ref::label("civility", "civility", code));
        }
        refs.extend(
            f.criteria
                .iter()
                .map(|(c, v)| Ref::criterion("criteria", c, v)),
        );
        refs.extend(
            f.authorizations
                .keys()
                .map(|n| Ref::authorization("authorizations", n)),
        );
        refs
    }
}
