//! Syneton's JSON shapes (GET names, PascalCase; accounting-apis.md §1.8-1.10). Reading is
//! lenient: every field but the id is optional, numbers and booleans may arrive as text,
//! and unknown fields are kept in `other` so nothing is lost before the real schema is
//! confirmed.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Lenient field readers: `"12"` and `12` are both a number, `1`/`"true"` a boolean.
pub(crate) mod lenient {
    use super::{Deserialize, Deserializer, Value};

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    }

    pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    }

    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => Some(b),
            Value::Number(n) => n.as_i64().map(|v| v != 0),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        })
    }

    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        int(d)?.ok_or_else(|| serde::de::Error::custom("missing or non-numeric id"))
    }
}

/// `GET apisettings`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ApiSettings {
    /// Page size when `per_page` is not given.
    #[serde(default, deserialize_with = "lenient::int")]
    pub default_records_per_page: Option<i64>,
    /// Largest `per_page`.
    #[serde(default, deserialize_with = "lenient::int")]
    pub max_records_per_page: Option<i64>,
    /// Token lifetime; its unit is not documented (configured, minutes by default).
    #[serde(default, deserialize_with = "lenient::int")]
    pub duration_token: Option<i64>,
    /// Calls per minute.
    #[serde(default, deserialize_with = "lenient::int")]
    pub rate_limit: Option<i64>,
}

/// `GET token/{api_key}`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TokenAnswer {
    pub token_guid: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub time_to_live: Option<String>,
}

/// Customer fields a `PUT customers` replaces, besides `CustomerId` (accounting-apis.md
/// §1.8): the body must carry every one of them, as a missing one is cleared.
pub const PUT_CUSTOMER_FIELDS: &[&str] = &[
    "Name",
    "Firstname",
    "CommercialName",
    "IsCompany",
    "Title",
    "VATNr",
    "RegistrationNr",
    "RPR",
    "SocialSecurityNumber",
    "NaceCode",
    "Language",
    "Email",
    "Phone",
    "Mobile",
    "Homepage",
    "CustomerCrmType",
    "CustomerGroup",
    "CustCode",
    "AccCode",
    "Remarks",
];

/// Registered-office address fields of a customer's POST or PUT body (not returned by
/// `GET customers`).
pub const PUT_ADDRESS_FIELDS: &[&str] = &[
    "Street1",
    "Street2",
    "Nr",
    "Box",
    "Zipcode",
    "City",
    "CountryCode",
];

/// A customer: a company (`IsCompany`) or a natural person.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Customer {
    /// `CustomerId`.
    #[serde(rename = "CustomerId", deserialize_with = "lenient::id")]
    pub customer_id: i64,
    /// Company name, or a person's last name.
    #[serde(rename = "Name", default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    /// A person's first name.
    #[serde(rename = "Firstname", default, deserialize_with = "lenient::string")]
    pub firstname: Option<String>,
    /// Trade name.
    #[serde(
        rename = "CommercialName",
        default,
        deserialize_with = "lenient::string"
    )]
    pub commercial_name: Option<String>,
    /// Company or natural person.
    #[serde(rename = "IsCompany", default, deserialize_with = "lenient::boolean")]
    pub is_company: Option<bool>,
    /// Legal form for companies (`NV`), title for persons (`Dhr.`).
    #[serde(rename = "Title", default, deserialize_with = "lenient::string")]
    pub title: Option<String>,
    /// VAT or enterprise number as typed (not validated by Syneton).
    #[serde(rename = "VATNr", default, deserialize_with = "lenient::string")]
    pub vat_nr: Option<String>,
    /// Meaning not documented.
    #[serde(
        rename = "RegistrationNr",
        default,
        deserialize_with = "lenient::string"
    )]
    pub registration_nr: Option<String>,
    /// Register of legal entities.
    #[serde(rename = "RPR", default, deserialize_with = "lenient::string")]
    pub rpr: Option<String>,
    /// National register number.
    #[serde(
        rename = "SocialSecurityNumber",
        default,
        deserialize_with = "lenient::string"
    )]
    pub social_security_number: Option<String>,
    /// NACE code.
    #[serde(rename = "NaceCode", default, deserialize_with = "lenient::string")]
    pub nace_code: Option<String>,
    /// Language code (`NL`, `FR`).
    #[serde(rename = "Language", default, deserialize_with = "lenient::string")]
    pub language: Option<String>,
    /// E-mail.
    #[serde(rename = "Email", default, deserialize_with = "lenient::string")]
    pub email: Option<String>,
    /// Phone.
    #[serde(rename = "Phone", default, deserialize_with = "lenient::string")]
    pub phone: Option<String>,
    /// Second phone (read only).
    #[serde(rename = "Phone2", default, deserialize_with = "lenient::string")]
    pub phone2: Option<String>,
    /// Fax (read only).
    #[serde(rename = "Fax", default, deserialize_with = "lenient::string")]
    pub fax: Option<String>,
    /// Mobile.
    #[serde(rename = "Mobile", default, deserialize_with = "lenient::string")]
    pub mobile: Option<String>,
    /// Web site.
    #[serde(rename = "Homepage", default, deserialize_with = "lenient::string")]
    pub homepage: Option<String>,
    /// Active; changed through `activatedeactivate`.
    #[serde(rename = "IsActive", default, deserialize_with = "lenient::boolean")]
    pub is_active: Option<bool>,
    /// When it was disabled.
    #[serde(rename = "DisabledDate", default, deserialize_with = "lenient::string")]
    pub disabled_date: Option<String>,
    /// Why it left.
    #[serde(
        rename = "ReasonForLeaving",
        default,
        deserialize_with = "lenient::string"
    )]
    pub reason_for_leaving: Option<String>,
    /// Creation time.
    #[serde(rename = "CreationDate", default, deserialize_with = "lenient::string")]
    pub creation_date: Option<String>,
    /// CRM type id (office-configurable).
    #[serde(rename = "CustomerCrmType", default, deserialize_with = "lenient::int")]
    pub customer_crm_type: Option<i64>,
    /// Customer group (0 = none).
    #[serde(rename = "CustomerGroup", default, deserialize_with = "lenient::int")]
    pub customer_group: Option<i64>,
    /// Office customer code.
    #[serde(rename = "CustCode", default, deserialize_with = "lenient::string")]
    pub cust_code: Option<String>,
    /// Accounting code.
    #[serde(rename = "AccCode", default, deserialize_with = "lenient::string")]
    pub acc_code: Option<String>,
    /// Remarks.
    #[serde(rename = "Remarks", default, deserialize_with = "lenient::string")]
    pub remarks: Option<String>,
    /// Office entity.
    #[serde(rename = "CompanyId", default, deserialize_with = "lenient::int")]
    pub company_id: Option<i64>,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One row of `GET customeraddresses`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerAddress {
    /// Row id.
    #[serde(deserialize_with = "lenient::id")]
    pub customer_address_id: i64,
    /// Address id.
    #[serde(default, deserialize_with = "lenient::int")]
    pub address_id: Option<i64>,
    /// Owner.
    #[serde(deserialize_with = "lenient::id")]
    pub customer_id: i64,
    /// Full street line (`Dorpstraat 116 bus c`).
    #[serde(default, deserialize_with = "lenient::string")]
    pub street1: Option<String>,
    /// Street name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub street_name: Option<String>,
    /// House number.
    #[serde(default, deserialize_with = "lenient::string")]
    pub house_nr: Option<String>,
    /// Box.
    #[serde(default, deserialize_with = "lenient::string")]
    pub house_box: Option<String>,
    /// Second line.
    #[serde(default, deserialize_with = "lenient::string")]
    pub street2: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "lenient::string")]
    pub zip_code: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "lenient::string")]
    pub city: Option<String>,
    /// Country list id.
    #[serde(default, deserialize_with = "lenient::int")]
    pub country_id: Option<i64>,
    /// ISO 3166 alpha-2.
    #[serde(default, deserialize_with = "lenient::string")]
    pub country_code: Option<String>,
    /// The registered office.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub registered_office: Option<bool>,
    /// Invoice address.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub invoice_address: Option<bool>,
}

/// One row of `GET customerlinkcustomer`: company (`Pk`) ↔ person (`Fk`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerLink {
    /// Row id.
    #[serde(deserialize_with = "lenient::id")]
    pub customer_link_customer_id: i64,
    /// The company.
    #[serde(deserialize_with = "lenient::id")]
    pub customer_id_pk: i64,
    /// The person.
    #[serde(deserialize_with = "lenient::id")]
    pub customer_id_fk: i64,
    /// Link type (office-configurable meaning).
    #[serde(default, deserialize_with = "lenient::int")]
    pub customer_link_type_id: Option<i64>,
    /// Function (list 10).
    #[serde(default, deserialize_with = "lenient::int")]
    pub function_id: Option<i64>,
    /// Mandate end, when the link ended.
    #[serde(default, deserialize_with = "lenient::string")]
    pub end_mandate: Option<String>,
}

/// One row of `GET customer/changes`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeRow {
    /// The customer.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Row id in its table.
    #[serde(default, deserialize_with = "lenient::int")]
    pub own_id: Option<i64>,
    /// `CUSTOMER`, `CUSTOMER_ADRESS`, …
    #[serde(default, deserialize_with = "lenient::string")]
    pub table_name: Option<String>,
    /// `INSERT`, `DELETE`, otherwise an update.
    #[serde(default, deserialize_with = "lenient::string")]
    pub action_type: Option<String>,
    /// When (server local time).
    #[serde(default, deserialize_with = "lenient::string")]
    pub date_action: Option<String>,
    /// Monotonic log id, when the server sends one.
    #[serde(default, deserialize_with = "lenient::int")]
    pub log_id: Option<i64>,
}

impl ChangeRow {
    /// Whether the row records a deletion.
    #[must_use]
    pub fn is_delete(&self) -> bool {
        self.action_type
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("DELETE"))
    }
}

/// One row of `GET changedetails`: a column change of an address or link row.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeDetail {
    /// Monotonic log id.
    #[serde(default, deserialize_with = "lenient::int")]
    pub log_id: Option<i64>,
    /// `INSERT`, `DELETE`, otherwise an update.
    #[serde(default, deserialize_with = "lenient::string")]
    pub action_type: Option<String>,
    /// `CUSTOMER_ADRESS`, `CUSTOMER_LINK_CUSTOMER`, …
    #[serde(default, deserialize_with = "lenient::string")]
    pub table_name: Option<String>,
    /// The changed column.
    #[serde(default, deserialize_with = "lenient::string")]
    pub column_name: Option<String>,
    /// When (server local time).
    #[serde(default, deserialize_with = "lenient::string")]
    pub date_action: Option<String>,
    /// Database user; `Hermes` marks writes made through the API.
    #[serde(default, deserialize_with = "lenient::string")]
    pub dbuser: Option<String>,
    /// The changed row's id.
    #[serde(default, deserialize_with = "lenient::string")]
    pub row_identification: Option<String>,
}

/// Rows of a change feed: they may carry a `LogId`.
pub trait FeedRow {
    /// The row's log id, when the server sends one.
    fn log_id(&self) -> Option<i64>;
}

impl FeedRow for ChangeRow {
    fn log_id(&self) -> Option<i64> {
        self.log_id
    }
}

impl FeedRow for ChangeDetail {
    fn log_id(&self) -> Option<i64> {
        self.log_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_fixture_reads_and_unknown_fields_are_kept() {
        let c: Customer = serde_json::from_str(
            r#"{"CustomerId":101,"Name":"The ABC company","Firstname":null,"CommercialName":"ABC","IsCompany":true,
             "Title":"NV","VATNr":"BE0403019261","RegistrationNr":null,"Language":"NL","Email":"info@abc.be",
             "Phone":"+32 56 98 65 32","Mobile":null,"Homepage":"www.abc.be","IsActive":true,"DisabledDate":null,
             "CreationDate":"2024-05-20T08:00:00","CustomerCrmType":3,"CustomerGroup":0,"CustCode":987,"CompanyId":1,
             "Sex":null,"Nationality":"BE"}"#,
        )
        .expect("customer");
        assert_eq!(c.customer_id, 101);
        assert_eq!(c.vat_nr.as_deref(), Some("BE0403019261"));
        assert_eq!(c.is_company, Some(true));
        assert_eq!(c.cust_code.as_deref(), Some("987"));
        assert_eq!(c.other.get("Nationality"), Some(&Value::from("BE")));
        let person: Customer =
            serde_json::from_str(r#"{"CustomerId":"102","IsCompany":0,"IsActive":"true"}"#)
                .expect("person");
        assert_eq!(
            (person.customer_id, person.is_company, person.is_active),
            (102, Some(false), Some(true))
        );
        let row: ChangeRow = serde_json::from_str(
            r#"{"Id":101,"OwnId":101,"TableName":"CUSTOMER","ActionType":"UPDATE","DateAction":"2024-05-20 08:05:00","LogId":60347800}"#,
        )
        .expect("row");
        assert_eq!(row.log_id, Some(60_347_800));
        assert!(!row.is_delete());
    }
}
