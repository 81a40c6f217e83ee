//! `[tenants.<id>.adminpulse.fields]`: where the AdminPulse relation fields live in its
//! JSON. Only `id` … `companyId` are confirmed (accounting-apis.md §2.4); the rest are the
//! simulator's [ASSUMPTION]s, named after the help-centre UI, so each is configurable once
//! the real schema is known. Values are dotted paths into a relation (`address.city`), or
//! into one entry of the contacts list for the `contact_*` keys.

use serde::{Deserialize, Serialize};

/// Paths of the AdminPulse relation fields crmsync reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminPulseFieldMap {
    /// Stable id (UUID-like) [FACT].
    pub id: String,
    /// APR code, the identifier AdminPulse expects in URLs [FACT].
    pub unique_identifier: String,
    /// Office customer code [FACT].
    pub code: String,
    /// Name [FACT].
    pub name: String,
    /// Trade name [FACT].
    pub commercial_name: String,
    /// Company, SoleProprietor or Person.
    pub relation_type: String,
    /// Values of `relation_type` that are companies (others are natural persons).
    pub company_types: Vec<String>,
    /// Customer, Prospect, Own company, Other.
    pub status: String,
    /// VAT number.
    pub vat_number: String,
    /// Enterprise number, when kept apart from the VAT number.
    pub company_number: String,
    /// Legal form.
    pub legal_form: String,
    /// Active flag; when absent, a relation is active while it has no end date.
    pub active: String,
    /// End date.
    pub end_date: String,
    /// Language code.
    pub language: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Mobile.
    pub mobile: String,
    /// Web site.
    pub website: String,
    /// Street.
    pub street: String,
    /// House number.
    pub number: String,
    /// Box.
    pub r#box: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Country (ISO 3166 alpha-2).
    pub country: String,
    /// List of contact persons (linked relations).
    pub contacts: String,
    /// Contact: id.
    pub contact_id: String,
    /// Contact: first name.
    pub contact_first_name: String,
    /// Contact: last name.
    pub contact_last_name: String,
    /// Contact: e-mail.
    pub contact_email: String,
    /// Contact: phone.
    pub contact_phone: String,
    /// Contact: mobile.
    pub contact_mobile: String,
    /// Contact: language.
    pub contact_language: String,
    /// Contact: role (contact, director, shareholder).
    pub contact_role: String,
}

impl Default for AdminPulseFieldMap {
    fn default() -> Self {
        let s = str::to_owned;
        Self {
            id: s("id"),
            unique_identifier: s("uniqueIdentifier"),
            code: s("code"),
            name: s("name"),
            commercial_name: s("commercialName"),
            relation_type: s("relationType"),
            company_types: vec![s("Company"), s("SoleProprietor")],
            status: s("status"),
            vat_number: s("vatNumber"),
            company_number: s("companyNumber"),
            legal_form: s("legalForm"),
            active: s("isActive"),
            end_date: s("endDate"),
            language: s("language"),
            email: s("email"),
            phone: s("phone"),
            mobile: s("mobile"),
            website: s("website"),
            street: s("address.street"),
            number: s("address.number"),
            r#box: s("address.box"),
            postal_code: s("address.postalCode"),
            city: s("address.city"),
            country: s("address.country"),
            contacts: s("contacts"),
            contact_id: s("id"),
            contact_first_name: s("firstName"),
            contact_last_name: s("lastName"),
            contact_email: s("email"),
            contact_phone: s("phone"),
            contact_mobile: s("mobile"),
            contact_language: s("language"),
            contact_role: s("role"),
        }
    }
}
