//! Companies (customers and prospects, spec §2) as the store and the API see them.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;

use crate::domain::company_key::{CompanyKey, Country};
use crate::domain::lifecycle::LifecycleStage;
use crate::domain::web_domain::WebDomain;

use super::args::{json_ids, json_list};
use super::crud::Entity;
use super::patch::{self, Change, double_option};
use super::refs::Ref;
use super::{Arg, FieldError, Timestamp};

/// The writable part of a company.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct CompanyFields {
    /// Normalized SIRET, SIREN or Belgian enterprise number (digits only).
    pub registration_key: Option<String>,
    /// The key as it was given.
    pub registration_key_raw: Option<String>,
    /// `siret`, `siren` or `be_enterprise`.
    pub registration_kind: Option<String>,
    /// Company name.
    pub name: String,
    /// Web domain, normalized (`acme.fr`).
    pub domain: Option<String>,
    /// External customer id (the platform's own id).
    pub external_id: Option<String>,
    /// HubSpot lifecycle stage (internal value).
    pub lifecycle_stage: Option<String>,
    /// `prospect` or `client`.
    pub status: String,
    /// Owner (user id).
    pub owner_user_id: Option<i64>,
    /// Team members (user ids).
    #[schema(value_type = Vec<i64>)]
    pub team_user_ids: Json<Vec<i64>>,
    /// Tags.
    #[schema(value_type = Vec<String>)]
    pub tags: Json<Vec<String>>,
    /// Customer stage code.
    pub customer_stage: Option<String>,
    /// Health-score profile code.
    pub health_score_profile: Option<String>,
    /// Interaction goal code.
    pub interaction_goal: Option<String>,
    /// CSM pulse, 1 to 5.
    pub csm_pulse: Option<i64>,
    /// Sales engineer ("ingénieur commercial", user id).
    pub sales_engineer_user_id: Option<i64>,
    /// Address, first line.
    pub address_line1: Option<String>,
    /// Address, second line.
    pub address_line2: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country (ISO 3166 alpha-2 preferred).
    pub country: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// VAT number.
    pub vat_number: Option<String>,
    /// Legal form.
    pub legal_form: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Structure type code (label table).
    pub structure_type: Option<String>,
    /// Inactive companies stay for history (e.g. archived in HubSpot).
    pub active: bool,
}

impl Default for CompanyFields {
    fn default() -> Self {
        Self {
            registration_key: None,
            registration_key_raw: None,
            registration_kind: None,
            name: String::new(),
            domain: None,
            external_id: None,
            lifecycle_stage: None,
            status: "prospect".to_owned(),
            owner_user_id: None,
            team_user_ids: Json(Vec::new()),
            tags: Json(Vec::new()),
            customer_stage: None,
            health_score_profile: None,
            interaction_goal: None,
            csm_pulse: None,
            sales_engineer_user_id: None,
            address_line1: None,
            address_line2: None,
            postal_code: None,
            city: None,
            country: None,
            phone: None,
            vat_number: None,
            legal_form: None,
            language: None,
            structure_type: None,
            active: true,
        }
    }
}

/// A stored company.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct Company {
    /// Local id.
    pub company_id: i64,
    /// Tenant.
    pub tenant_id: String,
    /// The writable fields.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub fields: CompanyFields,
    /// Set when deleted (tombstone).
    pub deleted_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last write through the daemon.
    pub updated_at: Timestamp,
}

/// Fields to set on a company: absent = unchanged, `null` = cleared.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    /// SIRET, SIREN, or Belgian enterprise/VAT number, in any usual notation.
    #[serde(default, deserialize_with = "double_option", alias = "siret")]
    pub registration_key: Change<String>,
    /// `FR` or `BE`, for a 9-digit key without prefix (SIREN or old Belgian number).
    #[serde(default)]
    pub registration_country: Option<String>,
    /// Company name (required).
    #[serde(default, deserialize_with = "double_option")]
    pub name: Change<String>,
    /// Web domain or URL.
    #[serde(default, deserialize_with = "double_option")]
    pub domain: Change<String>,
    /// External customer id.
    #[serde(default, deserialize_with = "double_option")]
    pub external_id: Change<String>,
    /// HubSpot lifecycle stage internal value.
    #[serde(default, deserialize_with = "double_option")]
    pub lifecycle_stage: Change<String>,
    /// `prospect` or `client`.
    #[serde(default, deserialize_with = "double_option")]
    pub status: Change<String>,
    /// Owner user id.
    #[serde(default, deserialize_with = "double_option")]
    pub owner_user_id: Change<i64>,
    /// Team member user ids.
    #[serde(default, deserialize_with = "double_option")]
    pub team_user_ids: Change<Vec<i64>>,
    /// Tags.
    #[serde(default, deserialize_with = "double_option")]
    pub tags: Change<Vec<String>>,
    /// Customer stage code.
    #[serde(default, deserialize_with = "double_option")]
    pub customer_stage: Change<String>,
    /// Health-score profile code.
    #[serde(default, deserialize_with = "double_option")]
    pub health_score_profile: Change<String>,
    /// Interaction goal code.
    #[serde(default, deserialize_with = "double_option")]
    pub interaction_goal: Change<String>,
    /// CSM pulse, 1 to 5.
    #[serde(default, deserialize_with = "double_option")]
    pub csm_pulse: Change<i64>,
    /// Sales engineer user id.
    #[serde(default, deserialize_with = "double_option")]
    pub sales_engineer_user_id: Change<i64>,
    /// Address, first line.
    #[serde(default, deserialize_with = "double_option")]
    pub address_line1: Change<String>,
    /// Address, second line.
    #[serde(default, deserialize_with = "double_option")]
    pub address_line2: Change<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "double_option")]
    pub postal_code: Change<String>,
    /// City.
    #[serde(default, deserialize_with = "double_option")]
    pub city: Change<String>,
    /// Country.
    #[serde(default, deserialize_with = "double_option")]
    pub country: Change<String>,
    /// Phone.
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Change<String>,
    /// VAT number.
    #[serde(default, deserialize_with = "double_option")]
    pub vat_number: Change<String>,
    /// Legal form.
    #[serde(default, deserialize_with = "double_option")]
    pub legal_form: Change<String>,
    /// Language.
    #[serde(default, deserialize_with = "double_option")]
    pub language: Change<String>,
    /// Structure type code.
    #[serde(default, deserialize_with = "double_option")]
    pub structure_type: Change<String>,
    /// Active flag.
    #[serde(default)]
    pub active: Option<bool>,
}

impl Entity for Company {
    const NAME: &'static str = "company";
    const ID: &'static str = "company_id";
    const COLUMNS: &'static [&'static str] = &[
        "registration_key",
        "registration_key_raw",
        "registration_kind",
        "name",
        "domain",
        "external_id",
        "lifecycle_stage",
        "status",
        "owner_user_id",
        "team_user_ids",
        "tags",
        "customer_stage",
        "health_score_profile",
        "interaction_goal",
        "csm_pulse",
        "sales_engineer_user_id",
        "address_line1",
        "address_line2",
        "postal_code",
        "city",
        "country",
        "phone",
        "vat_number",
        "legal_form",
        "language",
        "structure_type",
        "active",
    ];
    type Fields = CompanyFields;
    type Patch = CompanyPatch;

    fn args(f: &CompanyFields) -> Vec<Arg> {
        let t = |v: &Option<String>| Arg::Text(v.clone());
        vec![
            t(&f.registration_key),
            t(&f.registration_key_raw),
            t(&f.registration_kind),
            Arg::text(&f.name),
            t(&f.domain),
            t(&f.external_id),
            t(&f.lifecycle_stage),
            Arg::text(&f.status),
            Arg::Int(f.owner_user_id),
            json_ids(&f.team_user_ids),
            json_list(&f.tags),
            t(&f.customer_stage),
            t(&f.health_score_profile),
            t(&f.interaction_goal),
            Arg::Int(f.csm_pulse),
            Arg::Int(f.sales_engineer_user_id),
            t(&f.address_line1),
            t(&f.address_line2),
            t(&f.postal_code),
            t(&f.city),
            t(&f.country),
            t(&f.phone),
            t(&f.vat_number),
            t(&f.legal_form),
            t(&f.language),
            t(&f.structure_type),
            Arg::Bool(f.active),
        ]
    }

    fn fields(&self) -> &CompanyFields {
        &self.fields
    }

    fn id(&self) -> i64 {
        self.company_id
    }

    fn apply(p: CompanyPatch, f: &mut CompanyFields) -> Result<(), FieldError> {
        apply_registration_key(p.registration_key, p.registration_country.as_deref(), f)?;
        patch::required_text("name", p.name, &mut f.name)?;
        patch::parsed("domain", p.domain, &mut f.domain, |v| {
            WebDomain::parse(v).map(|d| d.as_str().to_owned())
        })?;
        patch::text(p.external_id, &mut f.external_id);
        patch::parsed(
            "lifecycle_stage",
            p.lifecycle_stage,
            &mut f.lifecycle_stage,
            |v| LifecycleStage::parse(v).map(|s| s.as_str().to_owned()),
        )?;
        let mut status = Some(f.status.clone());
        patch::one_of("status", p.status, &mut status, &["prospect", "client"])?;
        f.status = status.ok_or_else(|| FieldError::new("status", "is required"))?;
        patch::plain(p.owner_user_id, &mut f.owner_user_id);
        if let Some(ids) = p.team_user_ids {
            let mut ids = ids.unwrap_or_default();
            ids.dedup();
            f.team_user_ids = Json(ids);
        }
        if let Some(tags) = p.tags {
            f.tags = Json(patch::clean_tags(tags.unwrap_or_default()));
        }
        patch::text(p.customer_stage, &mut f.customer_stage);
        patch::text(p.health_score_profile, &mut f.health_score_profile);
        patch::text(p.interaction_goal, &mut f.interaction_goal);
        patch::int_in("csm_pulse", p.csm_pulse, &mut f.csm_pulse, 1..=5)?;
        patch::plain(p.sales_engineer_user_id, &mut f.sales_engineer_user_id);
        patch::text(p.address_line1, &mut f.address_line1);
        patch::text(p.address_line2, &mut f.address_line2);
        patch::text(p.postal_code, &mut f.postal_code);
        patch::text(p.city, &mut f.city);
        patch::text(p.country, &mut f.country);
        patch::text(p.phone, &mut f.phone);
        patch::text(p.vat_number, &mut f.vat_number);
        patch::text(p.legal_form, &mut f.legal_form);
        patch::text(p.language, &mut f.language);
        patch::text(p.structure_type, &mut f.structure_type);
        if let Some(active) = p.active {
            f.active = active;
        }
        Ok(())
    }

    fn check_complete(f: &CompanyFields) -> Result<(), FieldError> {
        if f.name.is_empty() {
            return Err(FieldError::new("name", "is required"));
        }
        Ok(())
    }

    fn refs(f: &CompanyFields) -> Vec<Ref> {
        let mut refs = Vec::new();
        if let Some(id) = f.owner_user_id {
            refs.push(Ref::user("owner_user_id", id));
        }
        if let Some(id) = f.sales_engineer_user_id {
            refs.push(Ref::user("sales_engineer_user_id", id));
        }
        refs.extend(
            f.team_user_ids
                .iter()
                .map(|id| Ref::user("team_user_ids", *id)),
        );
        if let Some(code) = &f.customer_stage {
            refs.push(Ref::code("customer_stage", "customer_stage", code));
        }
        if let Some(code) = &f.health_score_profile {
            refs.push(Ref::code(
                "health_score_profile",
                "health_score_profile",
                code,
            ));
        }
        if let Some(code) = &f.interaction_goal {
            refs.push(Ref::code("interaction_goal", "interaction_goal", code));
        }
        if let Some(code) = &f.structure_type {
            refs.push(Ref::label("structure_type", "structure_type", code));
        }
        refs
    }
}

fn apply_registration_key(
    change: Change<String>,
    country: Option<&str>,
    f: &mut CompanyFields,
) -> Result<(), FieldError> {
    const FIELD: &str = "registration_key";
    let Some(value) = change else { return Ok(()) };
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => {
            f.registration_key = None;
            f.registration_key_raw = None;
            f.registration_kind = None;
        }
        Some(raw) => {
            let country = match country.map(str::to_ascii_uppercase).as_deref() {
                None => None,
                Some("FR") => Some(Country::Fr),
                Some("BE") => Some(Country::Be),
                Some(_) => return Err(FieldError::new("registration_country", "must be FR or BE")),
            };
            let key = CompanyKey::parse(raw, country)
                .map_err(|e| FieldError::new(FIELD, e.to_string()))?;
            f.registration_key = Some(key.normalized().to_owned());
            f.registration_kind = Some(key.kind().as_str().to_owned());
            f.registration_key_raw = Some(raw.to_owned());
        }
    }
    Ok(())
}
