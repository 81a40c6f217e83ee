//! Store errors: classified once here (not found, conflict on a named field, invalid
//! reference) so callers map them to 404, 409 and 422 without looking at SQL.

/// A validation failure naming the field; the message never contains the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The field (API name), e.g. `registration_key`.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl FieldError {
    /// A new error.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record in this tenant.
    #[error("{entity} not found")]
    NotFound {
        /// `company`, `contact`, `tenant`, …
        entity: &'static str,
    },
    /// A unique key is already taken in this tenant.
    #[error("{field} already exists in this tenant")]
    Conflict {
        /// The field whose value is taken.
        field: String,
    },
    /// Invalid input: a value or a reference.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The database URL is unusable.
    #[error("database.url: {reason}")]
    Url {
        /// Why.
        reason: String,
    },
    /// Creating the SQLite directory failed.
    #[error("cannot create the database directory")]
    Io {
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A migration failed.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Anything else from the database.
    #[error("database error")]
    Backend(#[source] sqlx::Error),
}

/// Unique indexes and the API field each protects. SQLite names the index for expression
/// indexes and `table.column` for plain ones; PostgreSQL names the index.
const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("company_registration_key_uq", "registration_key"),
    ("company.registration_key", "registration_key"),
    ("company_external_id_uq", "external_id"),
    ("company.external_id", "external_id"),
    ("contact_email_uq", "email"),
    ("contact_external_id_uq", "external_id"),
    ("contact.external_id", "external_id"),
    ("app_user_email_uq", "email"),
];

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound { entity: "record" },
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                let hay = db.constraint().unwrap_or_else(|| db.message()).to_owned();
                let field = UNIQUE_FIELDS
                    .iter()
                    .find(|(needle, _)| hay.contains(needle))
                    .map_or("key", |(_, field)| field);
                StoreError::Conflict {
                    field: field.to_owned(),
                }
            }
            _ => StoreError::Backend(err),
        }
    }
}

impl StoreError {
    /// Whether the failure belongs to one record (a taken key, an invalid value) rather
    /// than to the database: the sync journals such records and goes on.
    #[must_use]
    pub fn is_record_level(&self) -> bool {
        matches!(
            self,
            Self::NotFound { .. } | Self::Conflict { .. } | Self::Invalid(_)
        )
    }
}
