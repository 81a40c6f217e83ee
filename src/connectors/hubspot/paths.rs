//! Every HubSpot path is built here, from the configured `api_version` (spec §4): `v3`
//! gives the legacy family (`/crm/v3/objects/…`, `/crm/v4/associations/…`), a date such as
//! `2026-03` the date-versioned one (`/crm/objects/2026-03/…`).

/// The API path family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/crm/v3/…` (and v4 associations).
    V3,
    /// `/crm/<area>/<date>/…`.
    Dated(String),
}

impl ApiVersion {
    /// Parses `v3` or a `YYYY-MM` release.
    ///
    /// # Errors
    /// For anything else.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value == "v3" {
            return Ok(Self::V3);
        }
        let b = value.as_bytes();
        if b.len() == 7
            && b[4] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Ok(Self::Dated(value.to_owned()));
        }
        Err(format!(
            "unsupported api_version {value:?}: expected v3 or a release such as 2026-03"
        ))
    }

    /// `/crm/v3/objects/{object}` or `/crm/objects/{date}/{object}`.
    #[must_use]
    pub fn objects(&self, object: &str) -> String {
        match self {
            Self::V3 => format!("/crm/v3/objects/{object}"),
            Self::Dated(d) => format!("/crm/objects/{d}/{object}"),
        }
    }

    /// Associations v4 between two object types.
    #[must_use]
    pub fn associations(&self, from: &str, to: &str) -> String {
        match self {
            Self::V3 => format!("/crm/v4/associations/{from}/{to}"),
            Self::Dated(d) => format!("/crm/associations/{d}/{from}/{to}"),
        }
    }

    /// Properties of an object type.
    #[must_use]
    pub fn properties(&self, object: &str) -> String {
        match self {
            Self::V3 => format!("/crm/v3/properties/{object}"),
            Self::Dated(d) => format!("/crm/properties/{d}/{object}"),
        }
    }

    /// Pipelines of an object type.
    #[must_use]
    pub fn pipelines(&self, object: &str) -> String {
        match self {
            Self::V3 => format!("/crm/v3/pipelines/{object}"),
            Self::Dated(d) => format!("/crm/pipelines/{d}/{object}"),
        }
    }

    /// Owners.
    #[must_use]
    pub fn owners(&self) -> String {
        match self {
            Self::V3 => "/crm/v3/owners".to_owned(),
            Self::Dated(d) => format!("/crm/owners/{d}"),
        }
    }

    /// The OAuth token endpoint.
    #[must_use]
    pub fn oauth_token(&self) -> String {
        match self {
            Self::V3 => "/oauth/v1/token".to_owned(),
            Self::Dated(d) => format!("/oauth/{d}/token"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ApiVersion;

    #[test]
    fn both_path_families_are_built_from_one_value() {
        let v3 = ApiVersion::parse("v3").expect("v3");
        assert_eq!(v3.objects("companies"), "/crm/v3/objects/companies");
        assert_eq!(
            v3.associations("contacts", "companies"),
            "/crm/v4/associations/contacts/companies"
        );
        let dated = ApiVersion::parse("2026-03").expect("dated");
        assert_eq!(dated.objects("companies"), "/crm/objects/2026-03/companies");
        assert_eq!(dated.owners(), "/crm/owners/2026-03");
        assert!(ApiVersion::parse("v4").is_err());
        assert!(ApiVersion::parse("2026-3").is_err());
    }
}
