//! Object types, timestamps and association type ids of the simulated portal.

use time::OffsetDateTime;
use time::macros::format_description;

/// The CRM object types the simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    Contacts,
    Companies,
    Deals,
    Calls,
    Meetings,
    Emails,
    Notes,
    Tasks,
}

impl ObjectType {
    pub const ALL: [ObjectType; 8] = [
        Self::Contacts,
        Self::Companies,
        Self::Deals,
        Self::Calls,
        Self::Meetings,
        Self::Emails,
        Self::Notes,
        Self::Tasks,
    ];

    /// Path name, e.g. `contacts`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Companies => "companies",
            Self::Deals => "deals",
            Self::Calls => "calls",
            Self::Meetings => "meetings",
            Self::Emails => "emails",
            Self::Notes => "notes",
            Self::Tasks => "tasks",
        }
    }

    /// Singular name used in v3 association type names, e.g. `contact`.
    pub fn singular(self) -> &'static str {
        match self {
            Self::Contacts => "contact",
            Self::Companies => "company",
            Self::Deals => "deal",
            Self::Calls => "call",
            Self::Meetings => "meeting",
            Self::Emails => "email",
            Self::Notes => "note",
            Self::Tasks => "task",
        }
    }

    pub fn type_id(self) -> &'static str {
        match self {
            Self::Contacts => "0-1",
            Self::Companies => "0-2",
            Self::Deals => "0-3",
            Self::Calls => "0-48",
            Self::Meetings => "0-47",
            Self::Emails => "0-49",
            Self::Notes => "0-46",
            Self::Tasks => "0-27",
        }
    }

    /// Accepts `contacts`, `contact`, `0-1` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        let l = s.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.name() == l || t.singular() == l || t.type_id() == l)
    }

    /// The modified-date property (contacts also carry `hs_lastmodifieddate`).
    pub fn modified_property(self) -> &'static str {
        match self {
            Self::Contacts => "lastmodifieddate",
            _ => "hs_lastmodifieddate",
        }
    }

    pub fn is_activity(self) -> bool {
        matches!(
            self,
            Self::Calls | Self::Meetings | Self::Emails | Self::Notes | Self::Tasks
        )
    }

    /// Properties returned when a read names none.
    pub fn default_properties(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &[
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ],
            Self::Companies => &[
                "createdate",
                "domain",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
            ],
            Self::Deals => &[
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline",
            ],
            _ => &[
                "hs_createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
                "hs_timestamp",
            ],
        }
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// ISO-8601 with milliseconds and `Z`, as HubSpot writes datetimes.
pub fn iso(ms: i64) -> String {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}

/// Parses epoch ms, an RFC 3339 datetime or a `YYYY-MM-DD` date into epoch ms.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let date_fmt = format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &date_fmt)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp() * 1000)
}

/// One HUBSPOT_DEFINED association type: from → to with id, reverse id, label.
pub struct AssocType {
    pub from: ObjectType,
    pub to: ObjectType,
    pub id: u32,
    pub reverse: u32,
    pub label: Option<&'static str>,
}

use ObjectType as O;

macro_rules! at {
    ($f:ident, $t:ident, $id:expr, $rev:expr, $label:expr) => {
        AssocType {
            from: O::$f,
            to: O::$t,
            id: $id,
            reverse: $rev,
            label: $label,
        }
    };
}

/// The documented default type ids (hubspot-api.md §8); each pair listed both ways.
pub static ASSOC_TYPES: &[AssocType] = &[
    at!(Contacts, Companies, 279, 280, None),
    at!(Companies, Contacts, 280, 279, None),
    at!(Contacts, Companies, 1, 2, Some("Primary")),
    at!(Companies, Contacts, 2, 1, Some("Primary")),
    at!(Deals, Contacts, 3, 4, None),
    at!(Contacts, Deals, 4, 3, None),
    at!(Deals, Companies, 341, 342, None),
    at!(Companies, Deals, 342, 341, None),
    at!(Deals, Companies, 5, 6, Some("Primary")),
    at!(Companies, Deals, 6, 5, Some("Primary")),
    at!(Calls, Contacts, 194, 193, None),
    at!(Contacts, Calls, 193, 194, None),
    at!(Calls, Companies, 182, 181, None),
    at!(Companies, Calls, 181, 182, None),
    at!(Calls, Deals, 206, 205, None),
    at!(Deals, Calls, 205, 206, None),
    at!(Meetings, Contacts, 200, 199, None),
    at!(Contacts, Meetings, 199, 200, None),
    at!(Meetings, Companies, 188, 187, None),
    at!(Companies, Meetings, 187, 188, None),
    at!(Meetings, Deals, 212, 211, None),
    at!(Deals, Meetings, 211, 212, None),
    at!(Emails, Contacts, 198, 197, None),
    at!(Contacts, Emails, 197, 198, None),
    at!(Emails, Companies, 186, 185, None),
    at!(Companies, Emails, 185, 186, None),
    at!(Emails, Deals, 210, 209, None),
    at!(Deals, Emails, 209, 210, None),
    at!(Notes, Contacts, 202, 201, None),
    at!(Contacts, Notes, 201, 202, None),
    at!(Notes, Companies, 190, 189, None),
    at!(Companies, Notes, 189, 190, None),
    at!(Notes, Deals, 214, 213, None),
    at!(Deals, Notes, 213, 214, None),
    at!(Tasks, Contacts, 204, 203, None),
    at!(Contacts, Tasks, 203, 204, None),
    at!(Tasks, Companies, 192, 191, None),
    at!(Companies, Tasks, 191, 192, None),
    at!(Tasks, Deals, 216, 215, None),
    at!(Deals, Tasks, 215, 216, None),
    at!(Calls, Meetings, 399, 400, None),
    at!(Meetings, Calls, 400, 399, None),
];

/// The type definition for `from → to` with id `id`, if documented.
pub fn assoc_type(from: ObjectType, to: ObjectType, id: u32) -> Option<&'static AssocType> {
    ASSOC_TYPES
        .iter()
        .find(|a| a.from == from && a.to == to && a.id == id)
}

/// The unlabeled default type from → to.
pub fn default_assoc(from: ObjectType, to: ObjectType) -> Option<&'static AssocType> {
    ASSOC_TYPES
        .iter()
        .find(|a| a.from == from && a.to == to && a.label.is_none())
}

/// The target type of a type id used from `from` (object create's inline associations).
pub fn assoc_target(from: ObjectType, id: u32) -> Option<&'static AssocType> {
    ASSOC_TYPES.iter().find(|a| a.from == from && a.id == id)
}

/// The v3 name of a type, e.g. `contact_to_company` or `contact_to_company_unlabeled`.
pub fn v3_type_name(from: ObjectType, to: ObjectType, id: u32) -> String {
    let base = format!("{}_to_{}", from.singular(), to.singular());
    match assoc_type(from, to, id) {
        Some(a) if a.label.is_some() => base,
        Some(_)
            if matches!(
                (from, to),
                (O::Contacts, O::Companies)
                    | (O::Companies, O::Contacts)
                    | (O::Deals, O::Companies)
                    | (O::Companies, O::Deals)
            ) =>
        {
            format!("{base}_unlabeled")
        }
        _ => base,
    }
}
