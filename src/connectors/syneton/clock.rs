//! Syneton's clock: `TimeToLive` and `DateAction` are naive local times (no offset), most
//! likely Belgian local time (accounting-apis.md §1.3, §1.10). This module converts between
//! them and UTC for a configurable server time zone: `Europe/Brussels` (CET/CEST with the
//! EU summer-time rule) or a fixed offset. Pure; the simulator uses it too.

use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// The time zone the server writes its naive timestamps in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerTimeZone {
    /// CET in winter, CEST in summer (EU rule: last Sunday of March and of October, 01:00 UTC).
    Brussels,
    /// A fixed offset (e.g. `UTC` or `+01:00`).
    Fixed(UtcOffset),
}

impl ServerTimeZone {
    /// `Europe/Brussels`, `UTC` or `±HH:MM`.
    ///
    /// # Errors
    /// Any other text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("Europe/Brussels") {
            return Ok(Self::Brussels);
        }
        if t.eq_ignore_ascii_case("UTC") || t == "Z" {
            return Ok(Self::Fixed(UtcOffset::UTC));
        }
        let fmt = format_description!("[offset_hour sign:mandatory]:[offset_minute]");
        UtcOffset::parse(t, &fmt)
            .map(Self::Fixed)
            .map_err(|_| "expected Europe/Brussels, UTC or an offset such as +01:00".to_owned())
    }

    /// The local wall-clock time at `instant`.
    #[must_use]
    pub fn to_local(self, instant: OffsetDateTime) -> PrimitiveDateTime {
        let local = instant.to_offset(self.offset_at(instant));
        PrimitiveDateTime::new(local.date(), local.time())
    }

    /// The instant of a local wall-clock time (in the repeated autumn hour, the earlier one).
    #[must_use]
    pub fn to_utc(self, local: PrimitiveDateTime) -> OffsetDateTime {
        match self {
            Self::Fixed(offset) => local.assume_offset(offset),
            Self::Brussels => {
                let summer = local.assume_offset(CEST);
                if brussels_offset(summer) == CEST {
                    summer
                } else {
                    local.assume_offset(CET)
                }
            }
        }
    }

    fn offset_at(self, instant: OffsetDateTime) -> UtcOffset {
        match self {
            Self::Fixed(offset) => offset,
            Self::Brussels => brussels_offset(instant),
        }
    }
}

const CET: UtcOffset = match UtcOffset::from_hms(1, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};
const CEST: UtcOffset = match UtcOffset::from_hms(2, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let next_first = match month {
        Month::December => Date::from_calendar_date(year + 1, Month::January, 1),
        m => Date::from_calendar_date(year, m.next(), 1),
    }
    .ok()?;
    let mut day = next_first.previous_day()?;
    while day.weekday() != Weekday::Sunday {
        day = day.previous_day()?;
    }
    Some(day)
}

/// Brussels' offset from UTC at `instant`.
fn brussels_offset(instant: OffsetDateTime) -> UtcOffset {
    let utc = instant.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let at_one = |d: Date| {
        PrimitiveDateTime::new(d, Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT)).assume_utc()
    };
    match (
        last_sunday(year, Month::March),
        last_sunday(year, Month::October),
    ) {
        (Some(start), Some(end)) if utc >= at_one(start) && utc < at_one(end) => CEST,
        _ => CET,
    }
}

/// Reads a naive server timestamp: `2024-05-20T08:00:00`, `2024-05-20 08:00:00`, with or
/// without fractional seconds, or a plain date. A trailing offset or `Z` is honoured and the
/// value converted to `zone`'s local time.
#[must_use]
pub fn parse_naive(text: &str, zone: ServerTimeZone) -> Option<PrimitiveDateTime> {
    let t = text.trim();
    if let Ok(with_offset) =
        OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
    {
        return Some(zone.to_local(with_offset));
    }
    let normalized = t.replacen(' ', "T", 1);
    let (main, _fraction) = normalized.split_once('.').unwrap_or((&normalized, ""));
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(dt) = PrimitiveDateTime::parse(main, &fmt) {
        return Some(dt);
    }
    let fmt_min = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    if let Ok(dt) = PrimitiveDateTime::parse(main, &fmt_min) {
        return Some(dt);
    }
    let date_fmt = format_description!("[year]-[month]-[day]");
    Date::parse(main, &date_fmt)
        .ok()
        .map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT))
}

/// The filter literal form `YYYY-MM-DD HH:MM:SS` (without quotes).
#[must_use]
pub fn filter_text(dt: PrimitiveDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    dt.format(&fmt).unwrap_or_default()
}

/// The JSON form the API answers with, `YYYY-MM-DDTHH:MM:SS`.
#[must_use]
pub fn json_text(dt: PrimitiveDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    dt.format(&fmt).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn brussels_switches_on_the_last_sundays_of_march_and_october() {
        let z = ServerTimeZone::Brussels;
        // 2024: summer time from 31 March 01:00 UTC to 27 October 01:00 UTC.
        assert_eq!(
            z.to_local(datetime!(2024-03-31 00:59 UTC)),
            datetime!(2024-03-31 01:59)
        );
        assert_eq!(
            z.to_local(datetime!(2024-03-31 01:00 UTC)),
            datetime!(2024-03-31 03:00)
        );
        assert_eq!(
            z.to_local(datetime!(2024-07-01 12:00 UTC)),
            datetime!(2024-07-01 14:00)
        );
        assert_eq!(
            z.to_local(datetime!(2024-10-27 00:59 UTC)),
            datetime!(2024-10-27 02:59)
        );
        assert_eq!(
            z.to_local(datetime!(2024-10-27 01:00 UTC)),
            datetime!(2024-10-27 02:00)
        );
        assert_eq!(
            z.to_local(datetime!(2024-12-01 12:00 UTC)),
            datetime!(2024-12-01 13:00)
        );
    }

    #[test]
    fn local_times_convert_back_to_the_same_instant() {
        let z = ServerTimeZone::Brussels;
        for utc in [
            datetime!(2024-01-15 10:00 UTC),
            datetime!(2024-05-20 06:05 UTC),
            datetime!(2025-11-02 23:30 UTC),
        ] {
            assert_eq!(z.to_utc(z.to_local(utc)), utc);
        }
        let fixed = ServerTimeZone::parse("+00:00").expect("offset");
        assert_eq!(
            fixed.to_utc(datetime!(2024-05-20 08:05)),
            datetime!(2024-05-20 08:05 UTC)
        );
    }

    #[test]
    fn server_timestamps_parse_in_their_observed_shapes() {
        let z = ServerTimeZone::Brussels;
        let want = datetime!(2025-05-20 14:33:00);
        for text in [
            "2025-05-20T14:33:00",
            "2025-05-20 14:33:00",
            "2025-05-20T14:33:00.1234567",
            "2025-05-20T12:33:00Z",
            "2025-05-20T14:33",
        ] {
            assert_eq!(parse_naive(text, z), Some(want), "{text}");
        }
        assert_eq!(
            parse_naive("2023-09-15", z),
            Some(datetime!(2023-09-15 00:00))
        );
        assert_eq!(parse_naive("soon", z), None);
        assert_eq!(filter_text(want), "2025-05-20 14:33:00");
        assert!(ServerTimeZone::parse("Mars/Olympus").is_err());
    }
}
