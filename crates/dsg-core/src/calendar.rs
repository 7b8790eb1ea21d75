//! Working days (開庁日) for due dates: Monday to Friday, except Japanese
//! public holidays (国民の祝日 and substitute holidays, from the `jpholiday`
//! table, which follows the Cabinet Office's list) and the year-end and
//! New Year closure of government offices, 29 December to 3 January
//! (行政機関の休日に関する法律 第1条): the agency is closed then, so a
//! deadline it owes does not run.

use jpholiday::chrono::NaiveDate;
use jpholiday::jpholiday::JPHoliday;
use time::Weekday;

use crate::CalendarDate;

/// The most working days a due date is counted over (two years' worth):
/// far beyond any step's duration, and it bounds the loop.
pub const MAX_WORKING_DAYS: u32 = 500;

/// A calendar that knows which days the agency works.
pub struct WorkingCalendar {
    holidays: JPHoliday<'static>,
}

impl Default for WorkingCalendar {
    fn default() -> Self {
        Self::new()
    }
}

impl WorkingCalendar {
    /// The Japanese calendar of public holidays.
    pub fn new() -> Self {
        Self {
            holidays: JPHoliday::new(),
        }
    }

    /// Whether the agency works on `date`.
    pub fn is_working_day(&self, date: CalendarDate) -> bool {
        let day = date.date();
        if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return false;
        }
        let (month, dom) = (u8::from(day.month()), day.day());
        if (month == 12 && dom >= 29) || (month == 1 && dom <= 3) {
            return false;
        }
        match NaiveDate::from_ymd_opt(day.year(), u32::from(month), u32::from(dom)) {
            Some(naive) => !self.holidays.is_holiday(&naive),
            None => true,
        }
    }

    /// The `n`th working day after `date` (`date` itself for 0): a step
    /// filed on a Saturday with 1 working day is due the Monday after, or
    /// later if that is a holiday. `n` is capped at [`MAX_WORKING_DAYS`].
    pub fn add_working_days(&self, date: CalendarDate, n: u32) -> CalendarDate {
        let mut day = date;
        let mut left = n.min(MAX_WORKING_DAYS);
        while left > 0 {
            let Some(next) = day.next_day() else {
                return day;
            };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str) -> CalendarDate {
        CalendarDate::parse("d", raw).unwrap()
    }

    fn plus(from: &str, n: u32) -> String {
        WorkingCalendar::new()
            .add_working_days(d(from), n)
            .to_string()
    }

    /// Golden Week 2027: 29 April (Thu, 昭和の日) and 3–5 May (Mon–Wed,
    /// 憲法記念日, みどりの日, こどもの日) are holidays; 30 April (Fri) is a
    /// working day between them.
    #[test]
    fn golden_week_2027() {
        let cal = WorkingCalendar::new();
        assert!(!cal.is_working_day(d("2027-04-29")));
        assert!(cal.is_working_day(d("2027-04-30")));
        for off in [
            "2027-05-01",
            "2027-05-02",
            "2027-05-03",
            "2027-05-04",
            "2027-05-05",
        ] {
            assert!(!cal.is_working_day(d(off)), "{off}");
        }
        assert_eq!(plus("2027-04-28", 1), "2027-04-30");
        assert_eq!(plus("2027-04-28", 2), "2027-05-06");
        assert_eq!(plus("2027-04-30", 1), "2027-05-06");
        // Tue 27 April + 5: 28 Apr, 30 Apr, 6 May, 7 May, Mon 10 May.
        assert_eq!(plus("2027-04-27", 5), "2027-05-10");
    }

    /// New Year 2027/2028: the closure runs from Wed 29 December 2027 to
    /// Mon 3 January 2028 (1 January, 元日, is a Saturday); Mon 10 January
    /// 2028 is 成人の日.
    #[test]
    fn new_year_2027_2028() {
        let cal = WorkingCalendar::new();
        assert!(cal.is_working_day(d("2027-12-28")));
        for off in [
            "2027-12-29",
            "2027-12-30",
            "2027-12-31",
            "2028-01-03",
            "2028-01-10",
        ] {
            assert!(!cal.is_working_day(d(off)), "{off}");
        }
        assert!(cal.is_working_day(d("2028-01-04")));
        assert_eq!(plus("2027-12-28", 1), "2028-01-04");
        // Fri 24 December + 5: 27, 28 Dec, 4, 5, 6 Jan.
        assert_eq!(plus("2027-12-24", 5), "2028-01-06");
        // Thu 6 January + 2: Fri 7, then Tue 11 (10 is a holiday).
        assert_eq!(plus("2028-01-06", 2), "2028-01-11");
    }

    #[test]
    fn weekends_and_zero() {
        // Sat 1 May 2027 + 0 is itself; Sat 8 May + 1 is Mon 10 May.
        assert_eq!(plus("2027-05-01", 0), "2027-05-01");
        assert_eq!(plus("2027-05-08", 1), "2027-05-10");
        // 天皇誕生日, Tue 23 February 2027.
        assert_eq!(plus("2027-02-22", 1), "2027-02-24");
    }
}
