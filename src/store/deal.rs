//! Deals ("affaires", spec §2) as the store and the API see them.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::crud::Entity;
use super::patch::{self, Change, double_option};
use super::refs::Ref;
use super::{Arg, FieldError, Timestamp};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The writable part of a deal.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct DealFields {
    /// Deal name.
    pub name: String,
    /// Amount in minor units (cents).
    pub amount_cents: Option<i64>,
    /// ISO 4217 currency code.
    pub currency: Option<String>,
    /// Expected or actual close date.
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "iso_date::option")]
    pub close_date: Option<Date>,
    /// Local status (from the deal-stage decision table).
    pub status: Option<String>,
    /// Progress, 0 to 100 %.
    pub progress_pct: Option<i64>,
    /// Company (local id).
    pub company_id: Option<i64>,
    /// Primary salesperson (user id).
    pub primary_user_id: Option<i64>,
    /// Secondary salesperson (user id).
    pub secondary_user_id: Option<i64>,
    /// Commercial role of the secondary salesperson (label table).
    pub secondary_role: Option<String>,
    /// Sales engineer (user id).
    pub sales_engineer_user_id: Option<i64>,
    /// Inactive deals stay for history.
    pub active: bool,
}

impl Default for DealFields {
    fn default() -> Self {
        Self {
            name: String::new(),
            amount_cents: None,
            currency: None,
            close_date: None,
            status: None,
            progress_pct: None,
            company_id: None,
            primary_user_id: None,
            secondary_user_id: None,
            secondary_role: None,
            sales_engineer_user_id: None,
            active: true,
        }
    }
}

/// A stored deal.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ToSchema)]
pub struct Deal {
    /// Local id.
    pub deal_id: i64,
    /// Tenant.
    pub tenant_id: String,
    /// The writable fields.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub fields: DealFields,
    /// Set when deleted (tombstone).
    pub deleted_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last write through the daemon.
    pub updated_at: Timestamp,
}

/// Fields to set on a deal: absent = unchanged, `null` = cleared.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealPatch {
    /// Deal name (required).
    #[serde(default, deserialize_with = "double_option")]
    pub name: Change<String>,
    /// Amount in cents.
    #[serde(default, deserialize_with = "double_option")]
    pub amount_cents: Change<i64>,
    /// ISO 4217 currency code.
    #[serde(default, deserialize_with = "double_option")]
    pub currency: Change<String>,
    /// Close date, `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "double_option")]
    pub close_date: Change<String>,
    /// Local status.
    #[serde(default, deserialize_with = "double_option")]
    pub status: Change<String>,
    /// Progress %.
    #[serde(default, deserialize_with = "double_option")]
    pub progress_pct: Change<i64>,
    /// Company id.
    #[serde(default, deserialize_with = "double_option")]
    pub company_id: Change<i64>,
    /// Primary salesperson.
    #[serde(default, deserialize_with = "double_option")]
    pub primary_user_id: Change<i64>,
    /// Secondary salesperson.
    #[serde(default, deserialize_with = "double_option")]
    pub secondary_user_id: Change<i64>,
    /// Commercial role code of the secondary salesperson.
    #[serde(default, deserialize_with = "double_option")]
    pub secondary_role: Change<String>,
    /// Sales engineer.
    #[serde(default, deserialize_with = "double_option")]
    pub sales_engineer_user_id: Change<i64>,
    /// Active flag.
    #[serde(default)]
    pub active: Option<bool>,
}

impl Entity for Deal {
    const NAME: &'static str = "deal";
    const ID: &'static str = "deal_id";
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "amount_cents",
        "currency",
        "close_date",
        "status",
        "progress_pct",
        "company_id",
        "primary_user_id",
        "secondary_user_id",
        "secondary_role",
        "sales_engineer_user_id",
        "active",
    ];
    type Fields = DealFields;
    type Patch = DealPatch;

    fn args(f: &DealFields) -> Vec<Arg> {
        vec![
            Arg::text(&f.name),
            Arg::Int(f.amount_cents),
            Arg::Text(f.currency.clone()),
            Arg::Date(f.close_date),
            Arg::Text(f.status.clone()),
            Arg::Int(f.progress_pct),
            Arg::Int(f.company_id),
            Arg::Int(f.primary_user_id),
            Arg::Int(f.secondary_user_id),
            Arg::Text(f.secondary_role.clone()),
            Arg::Int(f.sales_engineer_user_id),
            Arg::Bool(f.active),
        ]
    }

    fn fields(&self) -> &DealFields {
        &self.fields
    }

    fn id(&self) -> i64 {
        self.deal_id
    }

    fn apply(p: DealPatch, f: &mut DealFields) -> Result<(), FieldError> {
        patch::required_text("name", p.name, &mut f.name)?;
        patch::plain(p.amount_cents, &mut f.amount_cents);
        patch::parsed("currency", p.currency, &mut f.currency, |v| {
            if v.len() == 3 && v.bytes().all(|b| b.is_ascii_alphabetic()) {
                Ok(v.to_ascii_uppercase())
            } else {
                Err("must be a three-letter ISO 4217 code")
            }
        })?;
        if let Some(value) = p.close_date {
            f.close_date = match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => None,
                Some(v) => Some(
                    Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
                        .map_err(|_| FieldError::new("close_date", "expected YYYY-MM-DD"))?,
                ),
            };
        }
        patch::text(p.status, &mut f.status);
        patch::int_in("progress_pct", p.progress_pct, &mut f.progress_pct, 0..=100)?;
        patch::plain(p.company_id, &mut f.company_id);
        patch::plain(p.primary_user_id, &mut f.primary_user_id);
        patch::plain(p.secondary_user_id, &mut f.secondary_user_id);
        patch::text(p.secondary_role, &mut f.secondary_role);
        patch::plain(p.sales_engineer_user_id, &mut f.sales_engineer_user_id);
        if let Some(active) = p.active {
            f.active = active;
        }
        Ok(())
    }

    fn check_complete(f: &DealFields) -> Result<(), FieldError> {
        if f.name.is_empty() {
            return Err(FieldError::new("name", "is required"));
        }
        Ok(())
    }

    fn refs(f: &DealFields) -> Vec<Ref> {
        let mut refs = Vec::new();
        if let Some(status) = &f.status {
            refs.push(Ref::deal_status("status", status));
        }
        if let Some(id) = f.company_id {
            refs.push(Ref::company("company_id", id));
        }
        for (field, id) in [
            ("primary_user_id", f.primary_user_id),
            ("secondary_user_id", f.secondary_user_id),
            ("sales_engineer_user_id", f.sales_engineer_user_id),
        ] {
            if let Some(id) = id {
                refs.push(Ref::user(field, id));
            }
        }
        if let Some(role) = &f.secondary_role {
            refs.push(Ref::label("secondary_role", "commercial_role", role));
        }
        refs
    }
}
