//! One file row → a validated record change, checked against the tenant's preloaded users
//! and reference codes, without a query. An empty cell leaves the stored value as it is
//! (the patch field stays absent). Every problem of the row is collected, each naming the
//! file's column.
//!
//! Pure: no I/O. Messages never contain the cell's value.

use std::collections::HashMap;

use crate::domain::company_key::{CompanyKey, Country};
use crate::domain::email::Email;
use crate::domain::gender::Gender;
use crate::domain::score::Score;
use crate::domain::web_domain::WebDomain;
use crate::store::company::CompanyPatch;
use crate::store::contact::ContactPatch;
use crate::store::import_support::CodeLabel;

use super::columns::{ColumnMap, Field};
use super::report::RowError;

/// Codes of one reference table, found by code or label, case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Codes(HashMap<String, String>);

impl Codes {
    /// Indexes `list`; a code wins over another code's label.
    #[must_use]
    pub fn new(list: Vec<CodeLabel>) -> Self {
        let mut map = HashMap::with_capacity(list.len() * 2);
        for c in &list {
            map.insert(c.label.trim().to_lowercase(), c.code.clone());
        }
        for c in list {
            map.insert(c.code.trim().to_lowercase(), c.code);
        }
        Self(map)
    }

    /// The stored code for `value`.
    #[must_use]
    pub fn find(&self, value: &str) -> Option<&str> {
        self.0.get(&value.trim().to_lowercase()).map(String::as_str)
    }
}

/// The tenant's users and reference codes.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    /// Lower-cased e-mail → user id.
    pub users: HashMap<String, i64>,
    /// Customer stages.
    pub stages: Codes,
    /// Health-score profiles.
    pub profiles: Codes,
    /// Interaction goals.
    pub goals: Codes,
    /// Civility codes.
    pub civilities: Codes,
}

/// A validated customer row.
#[derive(Debug, Default)]
pub struct CompanyRow {
    /// `Deleted` was set.
    pub deleted: bool,
    /// Customer ID (merge key).
    pub external_id: Option<String>,
    /// Normalized domain (merge key).
    pub domain: Option<String>,
    /// Normalized registration key.
    pub registration_key: Option<String>,
    /// The changes to apply.
    pub patch: CompanyPatch,
}

/// A validated contact row.
#[derive(Debug, Default)]
pub struct ContactRow {
    /// `Deleted` was set.
    pub deleted: bool,
    /// Contact ID (merge key).
    pub external_id: Option<String>,
    /// Lower-cased e-mail (merge key).
    pub email: Option<String>,
    /// Customer ID of the contact's customer.
    pub customer_id: Option<String>,
    /// Normalized domain of the contact's customer.
    pub customer_domain: Option<String>,
    /// The changes to apply (`company_id` is set by the merge).
    pub patch: ContactPatch,
}

/// Collects a row's errors.
struct Check<'a> {
    map: &'a ColumnMap,
    line: u64,
    errors: Vec<RowError>,
}

impl Check<'_> {
    fn fail(&mut self, field: Field, reason: impl Into<String>) {
        self.errors.push(RowError {
            line: self.line,
            column: self.map.header_of(field),
            reason: reason.into(),
        });
    }

    fn parse<T, E: std::fmt::Display>(
        &mut self,
        field: Field,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match parse(value?) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(field, e.to_string());
                None
            }
        }
    }

    fn code(&mut self, field: Field, value: Option<&str>, codes: &Codes, what: &str) -> Change {
        let value = value?;
        match codes.find(value) {
            Some(code) => Some(Some(code.to_owned())),
            None => {
                self.fail(
                    field,
                    format!("no such {what} in this tenant (create it first)"),
                );
                None
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<RowError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

type Change = Option<Option<String>>;

fn set(value: Option<&str>) -> Change {
    value.map(|v| Some(v.to_owned()))
}

fn list(value: &str, separators: &[char]) -> Vec<String> {
    value
        .split(separators)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_deleted(value: &str) -> Result<bool, &'static str> {
    match value.trim().to_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "oui" | "vrai" | "x" => Ok(true),
        "0" | "false" | "no" | "n" | "non" | "faux" => Ok(false),
        _ => Err("must be 1 or true to delete (0, false or empty to keep)"),
    }
}

/// Validates a customer row.
///
/// # Errors
/// Every problem found, each naming its column.
pub fn company_row(
    map: &ColumnMap,
    refs: &Refs,
    row: &[String],
    line: u64,
) -> Result<CompanyRow, Vec<RowError>> {
    let mut c = Check {
        map,
        line,
        errors: Vec::new(),
    };
    let cell = |f| map.cell(row, f);
    let deleted = c
        .parse(Field::Deleted, cell(Field::Deleted), parse_deleted)
        .unwrap_or(false);
    let external_id = cell(Field::CustomerId).map(str::to_owned);
    let domain = c.parse(Field::Domain, cell(Field::Domain), |v| {
        WebDomain::parse(v).map(|d| d.as_str().to_owned())
    });
    if deleted {
        if external_id.is_none() && domain.is_none() && c.errors.is_empty() {
            c.fail(
                Field::CustomerId,
                "a deleted row needs a Customer ID or a Domain",
            );
        }
        return c.finish(CompanyRow {
            deleted,
            external_id,
            domain,
            ..CompanyRow::default()
        });
    }
    if cell(Field::Name).is_none() {
        c.fail(Field::Name, "is required");
    }
    if cell(Field::Domain).is_none() {
        c.fail(Field::Domain, "is required");
    }
    let registration_key = c.parse(Field::Siret, cell(Field::Siret), |v| {
        CompanyKey::parse(v, Some(Country::Fr)).map(|k| k.normalized().to_owned())
    });
    let csm_pulse = c.parse(Field::CsmPulse, cell(Field::CsmPulse), |v| {
        Score::parse(v).map(|s| i64::from(s.get()))
    });
    let owner = cell(Field::OwnerEmail).and_then(|v| match Email::parse(v) {
        Err(e) => {
            c.fail(Field::OwnerEmail, e.to_string());
            None
        }
        Ok(email) => match refs.users.get(&email.normalized()) {
            Some(id) => Some(*id),
            None => {
                c.fail(Field::OwnerEmail, "no such user in this tenant");
                None
            }
        },
    });
    let team = cell(Field::TeamEmails).map(|v| {
        let mut ids = Vec::new();
        for raw in list(v, &[',', ';', '\n']) {
            match Email::parse(&raw) {
                Err(e) => c.fail(Field::TeamEmails, e.to_string()),
                Ok(email) => match refs.users.get(&email.normalized()) {
                    Some(id) if !ids.contains(id) => ids.push(*id),
                    Some(_) => {}
                    None => c.fail(Field::TeamEmails, "no such user in this tenant"),
                },
            }
        }
        ids
    });
    let stage = c.code(Field::Stage, cell(Field::Stage), &refs.stages, "stage");
    let profile = c.code(
        Field::HealthScoreProfile,
        cell(Field::HealthScoreProfile),
        &refs.profiles,
        "health score profile",
    );
    let goal = c.code(
        Field::InteractionGoal,
        cell(Field::InteractionGoal),
        &refs.goals,
        "interaction goal",
    );
    let patch = CompanyPatch {
        registration_key: registration_key.as_ref().and(set(cell(Field::Siret))),
        registration_country: registration_key.as_ref().map(|_| "FR".to_owned()),
        name: set(cell(Field::Name)),
        domain: domain.clone().map(Some),
        external_id: set(cell(Field::CustomerId)),
        owner_user_id: owner.map(Some),
        team_user_ids: team.map(Some),
        tags: cell(Field::Tags).map(|v| Some(list(v, &[',']))),
        customer_stage: stage,
        health_score_profile: profile,
        interaction_goal: goal,
        csm_pulse: csm_pulse.map(Some),
        ..CompanyPatch::default()
    };
    c.finish(CompanyRow {
        deleted,
        external_id,
        domain,
        registration_key,
        patch,
    })
}

/// Validates a contact row (its customer is resolved by the merge).
///
/// # Errors
/// Every problem found, each naming its column.
pub fn contact_row(
    map: &ColumnMap,
    refs: &Refs,
    row: &[String],
    line: u64,
) -> Result<ContactRow, Vec<RowError>> {
    let mut c = Check {
        map,
        line,
        errors: Vec::new(),
    };
    let cell = |f| map.cell(row, f);
    let deleted = c
        .parse(Field::Deleted, cell(Field::Deleted), parse_deleted)
        .unwrap_or(false);
    let external_id = cell(Field::ContactId).map(str::to_owned);
    let email = c.parse(Field::Email, cell(Field::Email), Email::parse);
    if deleted {
        if external_id.is_none() && email.is_none() && c.errors.is_empty() {
            c.fail(Field::Email, "a deleted row needs a Contact ID or an Email");
        }
        return c.finish(ContactRow {
            deleted,
            external_id,
            email: email.map(|e| e.normalized()),
            ..ContactRow::default()
        });
    }
    if cell(Field::Email).is_none() {
        c.fail(Field::Email, "is required");
    }
    let customer_id = cell(Field::CustomerId).map(str::to_owned);
    let customer_domain = c.parse(Field::CustomerDomain, cell(Field::CustomerDomain), |v| {
        WebDomain::parse(v).map(|d| d.as_str().to_owned())
    });
    if customer_id.is_none() && cell(Field::CustomerDomain).is_none() {
        let field = if map.column(Field::CustomerId).is_some() {
            Field::CustomerId
        } else {
            Field::CustomerDomain
        };
        c.fail(field, "Customer ID or Customer domain is required");
    }
    let additional = cell(Field::AdditionalEmails).map(|v| {
        let mut out = Vec::new();
        for raw in list(v, &[',', ';', '\n']) {
            match Email::parse(&raw) {
                Ok(e) => out.push(e.as_str().to_owned()),
                Err(e) => c.fail(Field::AdditionalEmails, e.to_string()),
            }
        }
        out
    });
    let gender = c.parse(Field::Gender, cell(Field::Gender), |v| {
        Gender::parse(v)
            .map(|g| g.as_str().to_owned())
            .map_err(|_| "must be MALE or FEMALE")
    });
    let nps = c.parse(Field::NpsScore, cell(Field::NpsScore), |v| {
        Score::parse(v).map(|s| i64::from(s.get()))
    });
    let civility = c.code(
        Field::Civility,
        cell(Field::Civility),
        &refs.civilities,
        "civility",
    );
    let email_key = email.as_ref().map(Email::normalized);
    let patch = ContactPatch {
        external_id: set(cell(Field::ContactId)),
        email: email.map(|e| Some(String::from(e))),
        additional_emails: additional.map(Some),
        phone: set(cell(Field::Phone)),
        first_name: set(cell(Field::Firstname)),
        last_name: set(cell(Field::Lastname)),
        civility,
        tags: cell(Field::Tags).map(|v| Some(list(v, &[',']))),
        job_title: set(cell(Field::JobTitle)),
        language: set(cell(Field::Language)),
        gender: gender.map(Some),
        role: set(cell(Field::Role)),
        nps_score: nps.map(Some),
        ..ContactPatch::default()
    };
    c.finish(ContactRow {
        deleted,
        external_id,
        email: email_key,
        customer_id,
        customer_domain,
        patch,
    })
}

#[cfg(test)]
mod tests;
