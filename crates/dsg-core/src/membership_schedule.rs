//! The schedule of a membership application to completion (加入完了までの
//! スケジュール表): on filing, each of the seven steps is given a due date,
//! counted in working days from the one before with the step's typical
//! duration ([`MembershipStep::typical_working_days`]); the agency adjusts a
//! step's date, and the steps after it follow.

use crate::membership::MembershipStep;
use crate::workflow::Party;
use crate::{CalendarDate, DomainError, WorkingCalendar};

/// One line of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledStep {
    /// Which step.
    pub step: MembershipStep,
    /// Who owns it.
    pub owner: Party,
    /// When it is due (a working day).
    pub due_on: CalendarDate,
}

/// The schedule of an application filed on `filed_on`: each step due its
/// typical number of working days after the one before (the first after
/// the filing).
pub fn generate(filed_on: CalendarDate, calendar: &WorkingCalendar) -> Vec<ScheduledStep> {
    follow(MembershipStep::ALL.iter().copied(), filed_on, calendar)
}

fn follow(
    steps: impl Iterator<Item = MembershipStep>,
    from: CalendarDate,
    calendar: &WorkingCalendar,
) -> Vec<ScheduledStep> {
    let mut day = from;
    steps
        .map(|step| {
            day = calendar.add_working_days(day, step.typical_working_days());
            ScheduledStep {
                step,
                owner: step.owner(),
                due_on: day,
            }
        })
        .collect()
}

/// The schedule with `step` due on `due_on` instead, as the agency adjusts
/// it (after the company's wish, or a step that ran late): the date must be
/// a working day and not before the step ahead of it; the steps after it
/// are counted again from it with their typical durations.
pub fn adjust(
    schedule: &[ScheduledStep],
    step: MembershipStep,
    due_on: CalendarDate,
    calendar: &WorkingCalendar,
) -> Result<Vec<ScheduledStep>, DomainError> {
    if !calendar.is_working_day(due_on) {
        return Err(DomainError::invalid(
            "due_on",
            "a step is due on a working day (not a weekend, public holiday or the New Year closure)",
        ));
    }
    let at = schedule
        .iter()
        .position(|s| s.step == step)
        .ok_or(DomainError::invalid("step", "not on the schedule"))?;
    let before = at.checked_sub(1).and_then(|i| schedule.get(i));
    if before.is_some_and(|b| due_on < b.due_on) {
        return Err(DomainError::invalid(
            "due_on",
            "a step is not due before the step ahead of it",
        ));
    }
    let mut out: Vec<ScheduledStep> = schedule.iter().take(at).copied().collect();
    out.push(ScheduledStep {
        step,
        owner: step.owner(),
        due_on,
    });
    let rest = MembershipStep::ALL
        .iter()
        .copied()
        .skip_while(|s| *s != step)
        .skip(1);
    out.extend(follow(rest, due_on, calendar));
    Ok(out)
}

/// Whether ④–⑦ (from the end of the line survey to the final check) fit
/// in one calendar month, as the guide asks them to be planned.
pub fn works_within_a_month(schedule: &[ScheduledStep]) -> bool {
    let due = |step| schedule.iter().find(|s| s.step == step).map(|s| s.due_on);
    let (Some(survey), Some(last)) = (
        due(MembershipStep::LineSurvey),
        due(MembershipStep::FinalCheck),
    ) else {
        return false;
    };
    let start = survey.date();
    // The same day of the next month, or its last day if it is shorter.
    let (year, month) = match start.month() {
        time::Month::December => (start.year() + 1, time::Month::January),
        month => (start.year(), month.next()),
    };
    let day = start.day().min(month.length(year));
    let limit = time::Date::from_calendar_date(year, month, day).ok();
    limit.is_some_and(|limit| last.date() <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str) -> CalendarDate {
        CalendarDate::parse("d", raw).unwrap()
    }

    fn dues(schedule: &[ScheduledStep]) -> Vec<String> {
        schedule.iter().map(|s| s.due_on.to_string()).collect()
    }

    #[test]
    fn every_step_is_due_on_a_working_day_in_order() {
        let cal = WorkingCalendar::new();
        let schedule = generate(d("2027-06-01"), &cal);
        assert_eq!(schedule.len(), 7);
        let owners: Vec<Party> = schedule.iter().map(|s| s.owner).collect();
        assert_eq!(
            owners,
            [
                Party::Agency,
                Party::Agency,
                Party::Provider,
                Party::Provider,
                Party::Provider,
                Party::Provider,
                Party::Agency
            ]
        );
        for pair in schedule.windows(2) {
            assert!(pair[0].due_on < pair[1].due_on);
        }
        assert!(schedule.iter().all(|s| cal.is_working_day(s.due_on)));
        // Tue 1 June 2027: ① +20 → Tue 29 June.
        assert_eq!(dues(&schedule)[0], "2027-06-29");
        assert!(works_within_a_month(&schedule));
        // ①–⑦: about three and a half months.
        assert_eq!(
            MembershipStep::ALL
                .iter()
                .map(|s| s.typical_working_days())
                .sum::<u32>(),
            68
        );
    }

    /// Filed on Mon 5 April 2027, ① is due 20 working days later; Golden
    /// Week (29 Apr, 3–5 May) and the weekends do not count: 6–9, 12–16,
    /// 19–23, 26–28 and 30 April are 18 days, then Thu 6 and Fri 7 May.
    #[test]
    fn golden_week_does_not_count() {
        let cal = WorkingCalendar::new();
        let schedule = generate(d("2027-04-05"), &cal);
        assert_eq!(schedule[0].due_on.to_string(), "2027-05-07");
    }

    /// Filed on Wed 1 December 2027: 20 working days are 2–28 December (19
    /// days), then the closure (29 Dec – 3 Jan) and Tue 4 January 2028.
    #[test]
    fn the_new_year_closure_does_not_count() {
        let cal = WorkingCalendar::new();
        let schedule = generate(d("2027-12-01"), &cal);
        assert_eq!(schedule[0].due_on.to_string(), "2028-01-04");
    }

    #[test]
    fn adjusting_a_step_moves_the_ones_after_it() {
        let cal = WorkingCalendar::new();
        let schedule = generate(d("2027-06-01"), &cal);
        let moved = adjust(&schedule, MembershipStep::SiteCheck, d("2027-07-30"), &cal).unwrap();
        assert_eq!(moved[0], schedule[0]);
        assert_eq!(moved[1].due_on.to_string(), "2027-07-30");
        // ③ is 15 working days after Fri 30 July: 2–6, 9–10, 12–13 (11 Aug
        // 山の日), 16–20, 23 Aug → Mon 23 August.
        assert_eq!(moved[2].due_on.to_string(), "2027-08-23");
        for pair in moved.windows(2) {
            assert!(pair[0].due_on < pair[1].due_on);
        }
        // Not on a holiday, a weekend, nor before the step ahead.
        assert!(adjust(&schedule, MembershipStep::SiteCheck, d("2027-07-19"), &cal).is_err());
        assert!(adjust(&schedule, MembershipStep::SiteCheck, d("2027-07-31"), &cal).is_err());
        assert!(adjust(&schedule, MembershipStep::SiteCheck, d("2027-06-28"), &cal).is_err());
    }
}
