//! Calendar dates as people type them.

use time::macros::format_description;
use time::Date;

use crate::DomainError;

/// A calendar date (`YYYY-MM-DD`), as people write them on contracts and
/// records. The one parser of dates typed by people: every date field is
/// read through [`CalendarDate::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CalendarDate(Date);

impl CalendarDate {
    /// Parses `YYYY-MM-DD` for the field `field`; years 1900–9999.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, DomainError> {
        let date = Date::parse(raw.trim(), format_description!("[year]-[month]-[day]"))
            .map_err(|_| DomainError::invalid(field, "a date as YYYY-MM-DD"))?;
        if date.year() < 1900 {
            return Err(DomainError::invalid(field, "a date as YYYY-MM-DD"));
        }
        Ok(Self(date))
    }

    /// The date of a Unix time (UTC).
    pub fn of_unix_ms(ms: i64) -> Self {
        let days = ms.div_euclid(86_400_000);
        let date = Date::from_julian_day(UNIX_EPOCH_JULIAN_DAY.saturating_add(clamp_days(days)))
            .unwrap_or(Date::MIN);
        Self(date)
    }

    /// Midnight UTC at the start of this date, in Unix ms.
    pub fn start_unix_ms(self) -> i64 {
        i64::from(self.0.to_julian_day() - UNIX_EPOCH_JULIAN_DAY) * 86_400_000
    }

    /// The calendar date itself.
    pub fn date(self) -> Date {
        self.0
    }

    /// The day after, if there is one.
    pub fn next_day(self) -> Option<Self> {
        self.0.next_day().map(Self)
    }

    /// Midnight at the start of this date in a time zone `utc_offset_minutes`
    /// east of UTC, in Unix ms: a date typed by a person in Japan
    /// (`+540`) began at 15:00 UTC the day before.
    pub fn start_unix_ms_at(self, utc_offset_minutes: i32) -> i64 {
        self.start_unix_ms() - i64::from(utc_offset_minutes) * 60_000
    }
}

const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

fn clamp_days(days: i64) -> i32 {
    i32::try_from(days.clamp(-3_000_000, 3_000_000)).unwrap_or(0)
}

impl std::fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl serde::Serialize for CalendarDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_real_calendar_dates() {
        assert!(CalendarDate::parse("d", "2024-02-29").is_ok());
        assert!(CalendarDate::parse("d", "2023-02-29").is_err());
        assert!(CalendarDate::parse("d", "2023-13-01").is_err());
        assert!(CalendarDate::parse("d", "2023-1-01").is_err());
        assert!(CalendarDate::parse("d", "yesterday").is_err());
    }

    #[test]
    fn dates_print_as_they_are_typed() {
        for raw in ["2026-04-01", "1999-12-31", "2024-02-29"] {
            let date = CalendarDate::parse("d", &format!(" {raw} ")).unwrap();
            assert_eq!(date.to_string(), raw);
            assert_eq!(serde_json::to_value(date).unwrap(), raw);
        }
    }

    #[test]
    fn a_day_ends_where_the_next_begins_in_local_time() {
        let day = CalendarDate::parse("d", "2026-03-31").unwrap();
        let next = day.next_day().unwrap();
        assert_eq!(next.to_string(), "2026-04-01");
        // 2026-04-01T00:00+09:00 is 2026-03-31T15:00Z.
        assert_eq!(next.start_unix_ms_at(540), 1_774_969_200_000);
        assert_eq!(next.start_unix_ms_at(0), 1_775_001_600_000);
    }
}
