//! The simulated office: customers, addresses, links and the two change logs. Rows are
//! JSON objects under Syneton's GET names, so the filter and the list handlers treat every
//! resource alike. Every write, through the API or the admin endpoints, appends to the
//! change logs with a fresh `LogId`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::PrimitiveDateTime;

use crate::connectors::syneton::clock::{filter_text, json_text};
use crate::connectors::syneton::models::{PUT_ADDRESS_FIELDS, PUT_CUSTOMER_FIELDS};

/// A resource row.
pub type Row = Map<String, Value>;

/// Fields of `GET customers`.
pub const CUSTOMER_FIELDS: &[&str] = &[
    "CustomerId",
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
    "Phone2",
    "Fax",
    "Mobile",
    "Homepage",
    "IsActive",
    "DisabledDate",
    "ReasonForLeaving",
    "CreationDate",
    "CustomerCrmType",
    "CustomerGroup",
    "CustCode",
    "AccCode",
    "Remarks",
    "Sex",
    "DateOfBirth",
    "Nationality",
    "CompanyId",
];

/// Fields of `GET customeraddresses`.
pub const ADDRESS_FIELDS: &[&str] = &[
    "CustomerAddressId",
    "AddressId",
    "CustomerId",
    "Street1",
    "StreetName",
    "HouseNr",
    "HouseBox",
    "Street2",
    "ZipCode",
    "City",
    "CountryId",
    "CountryCode",
    "RegisteredOffice",
    "InvoiceAddress",
    "PostalAddress",
    "ExploitationAddress",
];

/// Fields of `GET customerlinkcustomer`.
pub const LINK_FIELDS: &[&str] = &[
    "CustomerLinkCustomerId",
    "CustomerIdPk",
    "CustomerIdFk",
    "CustomerLinkTypeId",
    "FunctionId",
    "BeginMandate",
    "EndMandate",
    "HasEndMandate",
    "InvContact",
];

/// Fields of `GET customer/changes` (`LogId` only when the setting says so).
pub const CHANGE_FIELDS: &[&str] = &[
    "Id",
    "OwnId",
    "TableName",
    "ActionType",
    "DateAction",
    "LogId",
];

/// Fields of `GET changedetails`.
pub const DETAIL_FIELDS: &[&str] = &[
    "LogId",
    "ActionType",
    "TableName",
    "ColumnName",
    "OldValue",
    "NewValue",
    "DateAction",
    "Dbuser",
    "PersonName",
    "DisplayName",
    "RowIdentification",
];

/// The database user Syneton records for writes made through the API.
pub const API_USER: &str = "Hermes";

/// Country list ids (the SDK's table; NL is an [ASSUMPTION]).
pub fn country_id(code: &str) -> Option<i64> {
    match code.to_ascii_uppercase().as_str() {
        "BE" => Some(22),
        "FR" => Some(74),
        "DE" => Some(81),
        "LU" => Some(128),
        "NL" => Some(151),
        _ => None,
    }
}

/// Why a write was refused.
#[derive(Debug)]
pub enum WriteError {
    /// 404 "Nothing found".
    NotFound,
    /// 400 with a list of `ErrorMessage`s.
    Invalid(Vec<String>),
}

/// The office's data.
#[derive(Debug, Default, Clone)]
pub struct Office {
    pub customers: BTreeMap<i64, Row>,
    pub addresses: BTreeMap<i64, Row>,
    pub links: BTreeMap<i64, Row>,
    pub changes: Vec<Row>,
    pub details: Vec<Row>,
    pub next_customer_id: i64,
    pub next_address_id: i64,
    pub next_link_id: i64,
    pub next_log_id: i64,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Office {
    fn log_id(&mut self) -> i64 {
        self.next_log_id += 1;
        self.next_log_id - 1
    }

    /// Appends a `customer/changes` row.
    pub fn record_change(
        &mut self,
        customer: i64,
        own: i64,
        table: &str,
        action: &str,
        at: PrimitiveDateTime,
    ) {
        let log = self.log_id();
        let row = json!({"Id": customer, "OwnId": own, "TableName": table, "ActionType": action,
                         "DateAction": filter_text(at), "LogId": log});
        if let Value::Object(m) = row {
            self.changes.push(m);
        }
    }

    /// Appends a `changedetails` row.
    #[expect(clippy::too_many_arguments, reason = "one row of Syneton's log")]
    pub fn record_detail(
        &mut self,
        table: &str,
        action: &str,
        column: &str,
        old: &Value,
        new: &Value,
        row_id: i64,
        at: PrimitiveDateTime,
        user: &str,
    ) {
        let log = self.log_id();
        let row = json!({"LogId": log, "ActionType": action, "TableName": table, "ColumnName": column,
                         "OldValue": old, "NewValue": new, "DateAction": filter_text(at), "Dbuser": user,
                         "PersonName": if user == API_USER { "API" } else { "Office user" },
                         "DisplayName": table, "RowIdentification": row_id.to_string()});
        if let Value::Object(m) = row {
            self.details.push(m);
        }
    }

    fn validate(input: &Row) -> Result<(), WriteError> {
        let mut errors = Vec::new();
        if text(input.get("Name")).is_none() {
            errors.push("Name is required".to_owned());
        }
        if input
            .get("IsCompany")
            .is_some_and(|v| !v.is_boolean() && !v.is_null())
        {
            errors.push("IsCompany must be a boolean".to_owned());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(WriteError::Invalid(errors))
        }
    }

    /// `POST customers`: the non-null fields given, a new id, active.
    pub fn create_customer(
        &mut self,
        input: &Row,
        at: PrimitiveDateTime,
    ) -> Result<i64, WriteError> {
        Self::validate(input)?;
        let id = self.next_customer_id;
        self.next_customer_id += 1;
        let mut row: Row = CUSTOMER_FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), Value::Null))
            .collect();
        for f in PUT_CUSTOMER_FIELDS {
            if let Some(v) = input.get(*f).filter(|v| !v.is_null()) {
                row.insert((*f).to_owned(), v.clone());
            }
        }
        row.insert("CustomerId".into(), id.into());
        row.insert("IsActive".into(), true.into());
        row.insert("CreationDate".into(), json_text(at).into());
        if row.get("CustomerGroup").is_none_or(Value::is_null) {
            row.insert("CustomerGroup".into(), 0.into());
        }
        row.insert("CompanyId".into(), 1.into());
        self.customers.insert(id, row);
        self.record_change(id, id, "CUSTOMER", "INSERT", at);
        self.upsert_office_address(id, input, at, API_USER);
        Ok(id)
    }

    /// `PUT customers`: every PUT field replaced (a missing one becomes null), the
    /// registered office updated when address fields are given.
    pub fn put_customer(
        &mut self,
        input: &Row,
        at: PrimitiveDateTime,
        user: &str,
    ) -> Result<i64, WriteError> {
        let id = input
            .get("CustomerId")
            .and_then(Value::as_i64)
            .ok_or_else(|| WriteError::Invalid(vec!["CustomerId is required".to_owned()]))?;
        Self::validate(input)?;
        let row = self.customers.get_mut(&id).ok_or(WriteError::NotFound)?;
        let mut changed = false;
        for f in PUT_CUSTOMER_FIELDS {
            let new = input.get(*f).cloned().unwrap_or(Value::Null);
            if row.get(*f) != Some(&new) {
                row.insert((*f).to_owned(), new);
                changed = true;
            }
        }
        if changed {
            self.record_change(id, id, "CUSTOMER", "UPDATE", at);
        }
        self.upsert_office_address(id, input, at, user);
        Ok(id)
    }

    /// Changes some fields of a customer as an office user would (admin endpoint).
    pub fn patch_customer(
        &mut self,
        id: i64,
        fields: &Row,
        at: PrimitiveDateTime,
    ) -> Result<(), WriteError> {
        let row = self.customers.get_mut(&id).ok_or(WriteError::NotFound)?;
        for (k, v) in fields {
            if CUSTOMER_FIELDS.contains(&k.as_str()) && k != "CustomerId" {
                row.insert(k.clone(), v.clone());
            }
        }
        self.record_change(id, id, "CUSTOMER", "UPDATE", at);
        self.upsert_office_address(id, fields, at, "Office");
        Ok(())
    }

    /// `activatedeactivate`.
    pub fn set_active(
        &mut self,
        id: i64,
        active: bool,
        disabled: Option<String>,
        at: PrimitiveDateTime,
    ) -> Result<(), WriteError> {
        let row = self.customers.get_mut(&id).ok_or(WriteError::NotFound)?;
        row.insert("IsActive".into(), active.into());
        let date = if active {
            Value::Null
        } else {
            disabled.map_or(json_text(at).into(), Value::from)
        };
        row.insert("DisabledDate".into(), date);
        self.record_change(id, id, "CUSTOMER", "UPDATE", at);
        Ok(())
    }

    /// The registered-office address row of a customer, if any.
    pub fn office_address_id(&self, customer: i64) -> Option<i64> {
        self.addresses.iter().find_map(|(id, a)| {
            (a.get("CustomerId").and_then(Value::as_i64) == Some(customer)
                && a.get("RegisteredOffice") == Some(&Value::Bool(true)))
            .then_some(*id)
        })
    }

    /// Writes POST/PUT address fields to the registered office (created when missing);
    /// nothing when the input has no address field.
    pub fn upsert_office_address(
        &mut self,
        customer: i64,
        input: &Row,
        at: PrimitiveDateTime,
        user: &str,
    ) {
        if !PUT_ADDRESS_FIELDS
            .iter()
            .any(|f| input.get(*f).is_some_and(|v| !v.is_null()))
        {
            return;
        }
        let get = |f: &str| text(input.get(f));
        let (street, nr, bx) = (get("Street1"), get("Nr"), get("Box"));
        let mut line = street.clone().unwrap_or_default();
        if let Some(nr) = &nr {
            line = format!("{line} {nr}");
        }
        if let Some(bx) = &bx {
            line = format!("{line} bus {bx}");
        }
        let country = get("CountryCode");
        let fields = json!({"Street1": line.trim(), "StreetName": street, "HouseNr": nr, "HouseBox": bx,
            "Street2": get("Street2"), "ZipCode": get("Zipcode"), "City": get("City"),
            "CountryId": country.as_deref().and_then(country_id), "CountryCode": country});
        let Value::Object(fields) = fields else {
            return;
        };
        let (id, action) = match self.office_address_id(customer) {
            Some(id) => (id, "UPDATE"),
            None => {
                let id = self.next_address_id;
                self.next_address_id += 1;
                let mut row: Row = ADDRESS_FIELDS
                    .iter()
                    .map(|f| ((*f).to_owned(), Value::Null))
                    .collect();
                row.insert("CustomerAddressId".into(), id.into());
                row.insert("AddressId".into(), (id - 2000).into());
                row.insert("CustomerId".into(), customer.into());
                for (f, v) in [
                    ("RegisteredOffice", true),
                    ("InvoiceAddress", true),
                    ("PostalAddress", false),
                    ("ExploitationAddress", false),
                ] {
                    row.insert(f.into(), v.into());
                }
                self.addresses.insert(id, row);
                (id, "INSERT")
            }
        };
        let mut details = Vec::new();
        if let Some(row) = self.addresses.get_mut(&id) {
            for (k, v) in fields {
                let old = row.insert(k.clone(), v.clone()).unwrap_or(Value::Null);
                if old != v {
                    details.push((k, old, v));
                }
            }
        }
        if details.is_empty() {
            return;
        }
        self.record_change(customer, id, "CUSTOMER_ADRESS", action, at);
        for (column, old, new) in details {
            self.record_detail("CUSTOMER_ADRESS", action, &column, &old, &new, id, at, user);
        }
    }

    /// Links a person to a company.
    pub fn add_link(
        &mut self,
        pk: i64,
        fk: i64,
        link_type: i64,
        function: i64,
        at: PrimitiveDateTime,
        user: &str,
    ) -> i64 {
        let id = self.next_link_id;
        self.next_link_id += 1;
        let row = json!({"CustomerLinkCustomerId": id, "CustomerIdPk": pk, "CustomerIdFk": fk,
            "CustomerLinkTypeId": link_type, "FunctionId": function, "BeginMandate": null,
            "EndMandate": null, "HasEndMandate": false, "InvContact": false});
        if let Value::Object(m) = row {
            self.links.insert(id, m);
        }
        self.record_detail(
            "CUSTOMER_LINK_CUSTOMER",
            "INSERT",
            "CustomerIdFk",
            &Value::Null,
            &fk.into(),
            id,
            at,
            user,
        );
        id
    }
}
