//! [`Timestamp`]: an instant in UTC with millisecond precision, stored as `timestamptz` in
//! PostgreSQL and as fixed-width RFC 3339 text (`2026-01-31T08:00:00.000Z`) in SQLite, so
//! that text order is time order there too (triggers write the same shape).

use serde::{Deserialize, Serialize};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A UTC instant, truncated to milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Timestamp(#[serde(with = "time::serde::rfc3339")] OffsetDateTime);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Through `From`, so any offset is normalized to UTC and milliseconds.
        time::serde::rfc3339::deserialize(deserializer).map(Self::from)
    }
}

impl Timestamp {
    /// The current time.
    #[must_use]
    pub fn now() -> Self {
        Self::from(OffsetDateTime::now_utc())
    }

    /// The underlying value.
    #[must_use]
    pub fn get(self) -> OffsetDateTime {
        self.0
    }

    /// Fixed-width RFC 3339 with milliseconds and `Z`.
    #[must_use]
    pub fn to_text(self) -> String {
        let d = self.0;
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            d.year(),
            u8::from(d.month()),
            d.day(),
            d.hour(),
            d.minute(),
            d.second(),
            d.millisecond()
        )
    }

    /// Parses RFC 3339, or SQLite's `YYYY-MM-DD HH:MM:SS[.fff]` (taken as UTC), which direct
    /// SQL writers get from `datetime('now')`.
    ///
    /// # Errors
    /// When the text is neither.
    pub fn parse(text: &str) -> Result<Self, time::error::Parse> {
        match OffsetDateTime::parse(text, &Rfc3339) {
            Ok(t) => Ok(Self::from(t)),
            Err(e) => {
                let fmt = format_description!(
                    version = 2,
                    "[year]-[month]-[day][first [T][ ]][hour]:[minute]:[second][optional [.[subsecond]]]"
                );
                PrimitiveDateTime::parse(text, fmt)
                    .map(|p| Self::from(p.assume_utc()))
                    .map_err(|_| e)
            }
        }
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        let utc = t.to_offset(UtcOffset::UTC);
        let ms = utc.millisecond();
        Self(utc.replace_millisecond(ms).unwrap_or(utc))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(self.to_text(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Self::parse(text)?)
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <OffsetDateTime as Decode<Postgres>>::decode(value).map(Self::from)
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_is_fixed_width_and_sorts_like_time() {
        let a = Timestamp::parse("2026-01-31T08:00:00Z").expect("a");
        let b = Timestamp::parse("2026-01-31T08:00:00.5+00:00").expect("b");
        assert_eq!(a.to_text(), "2026-01-31T08:00:00.000Z");
        assert_eq!(b.to_text(), "2026-01-31T08:00:00.500Z");
        assert!(a.to_text() < b.to_text());
    }

    #[test]
    fn sqlite_datetime_form_is_read_as_utc() {
        let t = Timestamp::parse("2026-01-31 08:00:01").expect("parsed");
        assert_eq!(t.to_text(), "2026-01-31T08:00:01.000Z");
    }

    #[test]
    fn deserialized_offsets_are_normalized_to_utc() {
        let t: Timestamp =
            serde_json::from_str("\"2026-01-31T09:00:00.123456+01:00\"").expect("json");
        assert_eq!(t.to_text(), "2026-01-31T08:00:00.123Z");
    }

    #[test]
    fn offsets_are_normalized_to_utc() {
        let t = Timestamp::parse("2026-01-31T09:00:00+01:00").expect("parsed");
        assert_eq!(t.to_text(), "2026-01-31T08:00:00.000Z");
    }
}
