//! The help desk (ヘルプデスク): tickets between a company's users and the
//! desk (the agency's operators, or the service provider assigned to a
//! ticket). A ticket is one more application type of the workflow engine:
//! its states and actions are enums and [`Ticket`] declares, as code, who
//! takes which step. Its service levels (first response and resolution)
//! are due in working hours of working days ([`WorkingCalendar`]), by
//! priority. Protected information never goes into a ticket: it links to a
//! compartment file by id instead, and the file's content is never copied.

use unicode_normalization::UnicodeNormalization;

use crate::entities::string_enum;
use crate::workflow::{Holder, Party, Requester, Step, Workflow};
use crate::{CalendarDate, DomainError, WorkingCalendar};

string_enum!(
    /// Where a ticket stands.
    TicketState {
        /// Filed or replied to by the company; waits for the desk.
        Open => "open",
        /// The desk answered; waits for the company to reply, close it or
        /// let it be resolved.
        Answered => "answered",
        /// The desk asked the company for something; waits for it.
        WaitingOnRequester => "waiting_on_requester",
        /// The desk resolved it; the company confirms (closes) or reopens
        /// it within [`REOPEN_WORKING_DAYS`].
        Resolved => "resolved",
        /// Done.
        Closed => "closed",
    }
);

string_enum!(
    /// What a party does to a ticket.
    TicketAction {
        /// The desk answers.
        Answer => "answer",
        /// The desk asks the company for more.
        RequestInfo => "request_info",
        /// The desk resolves it.
        Resolve => "resolve",
        /// The company replies (a new message in the thread).
        Reply => "reply",
        /// The company reopens a resolved ticket.
        Reopen => "reopen",
        /// The company closes it.
        Close => "close",
    }
);

impl TicketAction {
    /// Whether it is the desk's (it stops the first-response clock).
    pub fn by_desk(self) -> bool {
        matches!(self, Self::Answer | Self::RequestInfo | Self::Resolve)
    }

    /// Whether it must carry a message (the thread's text).
    pub fn needs_message(self) -> bool {
        matches!(self, Self::Answer | Self::RequestInfo | Self::Reply)
    }
}

string_enum!(
    /// What a ticket is about.
    TicketCategory {
        /// Accounts, sign-in, passkeys.
        Account => "account",
        /// A registered terminal.
        Terminal => "terminal",
        /// The line and the network.
        Network => "network",
        /// Software on a terminal (a whitelisted installation is recorded
        /// through a ticket).
        Software => "software",
        /// Compartments and the exchange of files.
        Compartment => "compartment",
        /// Anything else.
        Other => "other",
    }
);

string_enum!(
    /// How urgent a ticket is; it sets the service levels.
    TicketPriority {
        /// Work stopped.
        Urgent => "urgent",
        /// Work impaired.
        High => "high",
        /// The usual.
        Normal => "normal",
        /// A question with no hurry.
        Low => "low",
    }
);

/// The working day's hours, local time: 9:00 to 17:00 (8 hours).
pub const WORKING_DAY_START_MINUTE: i64 = 9 * 60;
/// The end of the working day, local time.
pub const WORKING_DAY_END_MINUTE: i64 = 17 * 60;
/// Working minutes in a working day.
const DAY_MINUTES: u32 = 8 * 60;

/// How long after its resolution the company may still reopen a ticket.
pub const REOPEN_WORKING_DAYS: u32 = 5;

/// A priority's service levels, in working minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLevel {
    /// Until the desk's first answer.
    pub first_response_minutes: u32,
    /// Until the ticket is resolved.
    pub resolution_minutes: u32,
}

impl TicketPriority {
    /// The service levels of this priority.
    pub fn service_level(self) -> ServiceLevel {
        let (first, days) = match self {
            Self::Urgent => (60, 1),
            Self::High => (4 * 60, 3),
            Self::Normal => (DAY_MINUTES, 5),
            Self::Low => (2 * DAY_MINUTES, 10),
        };
        ServiceLevel {
            first_response_minutes: first,
            resolution_minutes: days * DAY_MINUTES,
        }
    }
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// The instant `minutes` working minutes after `from_ms`, both Unix ms,
/// counted in working hours of working days in the time zone
/// `utc_offset_minutes` east of UTC: a ticket filed on Friday at 16:30
/// with an hour to its first answer is due on Monday at 9:30 (or the next
/// working day after a holiday).
pub fn working_minutes_after(
    calendar: &WorkingCalendar,
    from_ms: i64,
    minutes: u32,
    utc_offset_minutes: i32,
) -> i64 {
    let offset = i64::from(utc_offset_minutes) * MINUTE_MS;
    let mut local = from_ms.saturating_add(offset);
    let mut left = i64::from(minutes) * MINUTE_MS;
    // Bounded: one pass per calendar day, far beyond any service level.
    for _ in 0..(crate::calendar::MAX_WORKING_DAYS * 2) {
        let day = CalendarDate::of_unix_ms(local);
        let midnight = day.start_unix_ms();
        let (start, end) = (
            midnight + WORKING_DAY_START_MINUTE * MINUTE_MS,
            midnight + WORKING_DAY_END_MINUTE * MINUTE_MS,
        );
        if !calendar.is_working_day(day) || local >= end {
            local = midnight + DAY_MS + WORKING_DAY_START_MINUTE * MINUTE_MS;
            continue;
        }
        local = local.max(start);
        let available = end - local;
        if left <= available {
            return local + left - offset;
        }
        left -= available;
        local = midnight + DAY_MS + WORKING_DAY_START_MINUTE * MINUTE_MS;
    }
    local - offset
}

/// When a ticket filed at `filed_ms` with `priority` is due: its first
/// answer and its resolution (Unix ms).
pub fn service_due(
    calendar: &WorkingCalendar,
    filed_ms: i64,
    priority: TicketPriority,
    utc_offset_minutes: i32,
) -> (i64, i64) {
    let level = priority.service_level();
    (
        working_minutes_after(
            calendar,
            filed_ms,
            level.first_response_minutes,
            utc_offset_minutes,
        ),
        working_minutes_after(
            calendar,
            filed_ms,
            level.resolution_minutes,
            utc_offset_minutes,
        ),
    )
}

/// A service-level clock: when it is due and when it was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Due (Unix ms).
    pub due_ms: i64,
    /// Met (Unix ms), if it was.
    pub met_ms: Option<i64>,
}

impl Clock {
    /// Overdue at `now_ms`: not met by its due time, or met after it.
    pub fn overdue(self, now_ms: i64) -> bool {
        match self.met_ms {
            Some(met) => met > self.due_ms,
            None => now_ms > self.due_ms,
        }
    }
}

/// Whether a ticket resolved at `resolved_on` may still be reopened on
/// `today` (both local dates).
pub fn may_reopen(
    calendar: &WorkingCalendar,
    resolved_on: CalendarDate,
    today: CalendarDate,
) -> bool {
    today <= calendar.add_working_days(resolved_on, REOPEN_WORKING_DAYS)
}

/// The help-desk ticket's machine.
#[derive(Debug, Clone, Copy)]
pub struct Ticket;

const DESK: (Party, Holder) = (Party::Agency, Holder::Operator);
const COMPANY: (Party, Holder) = (Party::Company, Holder::Anyone);

fn to(next: TicketState, (party, holder): (Party, Holder)) -> Option<Step<TicketState>> {
    Some(Step {
        next,
        party,
        holder,
        // A ticket decides nothing: whoever the step names takes it (the
        // desk operator who filed a ticket for a company still answers it).
        requester: Requester::Allowed,
    })
}

impl Workflow for Ticket {
    type State = TicketState;
    type Action = TicketAction;

    const STATES: &'static [TicketState] = TicketState::ALL;
    const ACTIONS: &'static [TicketAction] = TicketAction::ALL;

    fn step(state: TicketState, action: TicketAction) -> Option<Step<TicketState>> {
        use TicketAction as A;
        use TicketState as S;
        match (state, action) {
            (S::Open | S::Answered | S::WaitingOnRequester, A::Answer) => to(S::Answered, DESK),
            (S::Open | S::Answered, A::RequestInfo) => to(S::WaitingOnRequester, DESK),
            (S::Open | S::Answered | S::WaitingOnRequester, A::Resolve) => to(S::Resolved, DESK),
            (S::Open | S::Answered | S::WaitingOnRequester, A::Reply) => to(S::Open, COMPANY),
            (S::Resolved, A::Reopen) => to(S::Open, COMPANY),
            (S::Answered | S::Resolved, A::Close) => to(S::Closed, COMPANY),
            (S::WaitingOnRequester, A::RequestInfo)
            | (S::Resolved, A::Answer | A::RequestInfo | A::Resolve | A::Reply)
            | (S::Open | S::Answered | S::WaitingOnRequester, A::Reopen)
            | (S::Open | S::WaitingOnRequester, A::Close)
            | (S::Closed, _) => None,
        }
    }

    fn waits_for(state: TicketState) -> Option<(Party, Holder)> {
        match state {
            TicketState::Open => Some(DESK),
            TicketState::Answered | TicketState::WaitingOnRequester | TicketState::Resolved => {
                Some(COMPANY)
            }
            TicketState::Closed => None,
        }
    }

    fn is_final(state: TicketState) -> bool {
        state == TicketState::Closed
    }
}

/// The most characters of a subject.
pub const MAX_SUBJECT: usize = 200;
/// The most characters of a message.
pub const MAX_MESSAGE: usize = 4000;

/// A text of a ticket: NFC, trimmed, not empty, at most `max` characters,
/// no control characters but line breaks and tabs.
pub fn ticket_text(name: &'static str, raw: &str, max: usize) -> Result<String, DomainError> {
    let text: String = raw.nfc().collect::<String>().trim().to_owned();
    if text.is_empty() {
        return Err(DomainError::invalid(name, "must not be empty"));
    }
    if text.chars().count() > max
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::invalid(
            name,
            "too long or holds control characters",
        ));
    }
    Ok(text)
}

/// A ticket as the company fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketForm {
    /// What it is about.
    pub category: TicketCategory,
    /// How urgent.
    pub priority: TicketPriority,
    /// One line.
    pub subject: String,
    /// The question (never protected information: link a file instead).
    pub body: String,
}

impl TicketForm {
    /// The form with its texts checked.
    pub fn validate(&self) -> Result<Self, DomainError> {
        Ok(Self {
            category: self.category,
            priority: self.priority,
            subject: ticket_text("subject", &self.subject, MAX_SUBJECT)?,
            body: ticket_text("body", &self.body, MAX_MESSAGE)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::workflow::properties::{actor, check_declarations, check_run};
    use crate::workflow::{transition, Actor};
    use crate::Role;

    const JST: i32 = 540;

    /// Unix ms of a JST wall-clock time.
    fn jst(date: &str, hour: i64, minute: i64) -> i64 {
        CalendarDate::parse("d", date).unwrap().start_unix_ms() + (hour * 60 + minute) * MINUTE_MS
            - i64::from(JST) * MINUTE_MS
    }

    #[test]
    fn the_declarations_agree() {
        check_declarations::<Ticket>();
        assert_eq!(
            Ticket::waits_for(TicketState::Open),
            Some((Party::Agency, Holder::Operator))
        );
    }

    #[test]
    fn any_user_of_the_company_replies_but_only_the_desk_answers() {
        let member = Actor {
            party: Some(Party::Company),
            role: Role::Member,
            duties: Vec::new(),
            is_requester: true,
        };
        assert_eq!(
            transition::<Ticket>(TicketState::Answered, TicketAction::Reply, &member).ok(),
            Some(TicketState::Open)
        );
        assert!(transition::<Ticket>(TicketState::Open, TicketAction::Answer, &member).is_err());
        let stranger = Actor {
            party: None,
            ..member.clone()
        };
        assert!(
            transition::<Ticket>(TicketState::Answered, TicketAction::Reply, &stranger).is_err()
        );
        let provider = Actor {
            party: Some(Party::Provider),
            ..member
        };
        assert!(transition::<Ticket>(TicketState::Open, TicketAction::Answer, &provider).is_err());
    }

    #[test]
    fn within_working_hours() {
        let cal = WorkingCalendar::new();
        // Tue 9 March 2027, 10:00 + 60 minutes = 11:00.
        assert_eq!(
            working_minutes_after(&cal, jst("2027-03-09", 10, 0), 60, JST),
            jst("2027-03-09", 11, 0)
        );
        // Before opening: counted from 9:00.
        assert_eq!(
            working_minutes_after(&cal, jst("2027-03-09", 7, 0), 30, JST),
            jst("2027-03-09", 9, 30)
        );
        // Fri 5 March 16:30 + 60 minutes: Mon 8 March 9:30.
        assert_eq!(
            working_minutes_after(&cal, jst("2027-03-05", 16, 30), 60, JST),
            jst("2027-03-08", 9, 30)
        );
    }

    /// Golden Week 2027: Wed 28 April 16:00 + one working day (8 h) runs
    /// 1 h on the 28th, 7 h on Fri 30 April (29th is 昭和の日), and the
    /// resolution of a high ticket (3 days) reaches into Thu 6 May.
    #[test]
    fn across_golden_week() {
        let cal = WorkingCalendar::new();
        let filed = jst("2027-04-28", 16, 0);
        let (first, resolution) = service_due(&cal, filed, TicketPriority::Normal, JST);
        assert_eq!(first, jst("2027-04-30", 16, 0));
        // 40 h: 1 (28th) + 8 (30th) + 8 (6 May) + 8 (7 May) + 8 (10 May) + 7 → 11 May 16:00.
        assert_eq!(resolution, jst("2027-05-11", 16, 0));
        let (first, _) = service_due(&cal, jst("2027-04-30", 16, 30), TicketPriority::Urgent, JST);
        assert_eq!(first, jst("2027-05-06", 9, 30));
    }

    /// The New Year closure (29 December – 3 January) stops the clock.
    #[test]
    fn across_new_year() {
        let cal = WorkingCalendar::new();
        let (first, _) = service_due(&cal, jst("2027-12-28", 16, 0), TicketPriority::High, JST);
        assert_eq!(first, jst("2028-01-04", 12, 0));
    }

    #[test]
    fn overdue_marks() {
        let clock = Clock {
            due_ms: 1_000,
            met_ms: None,
        };
        assert!(!clock.overdue(1_000));
        assert!(clock.overdue(1_001));
        assert!(!Clock {
            met_ms: Some(999),
            ..clock
        }
        .overdue(5_000));
        assert!(Clock {
            met_ms: Some(1_001),
            ..clock
        }
        .overdue(5_000));
    }

    #[test]
    fn reopening_has_a_window() {
        let cal = WorkingCalendar::new();
        let d = |s| CalendarDate::parse("d", s).unwrap();
        // Resolved Fri 24 December 2027: five working days end Thu 6 January 2028.
        assert!(may_reopen(&cal, d("2027-12-24"), d("2028-01-06")));
        assert!(!may_reopen(&cal, d("2027-12-24"), d("2028-01-07")));
    }

    #[test]
    fn forms_are_checked() {
        let form = TicketForm {
            category: TicketCategory::Terminal,
            priority: TicketPriority::High,
            subject: "  端末が起動しない ".into(),
            body: "起動時にエラーが出ます".into(),
        };
        assert_eq!(form.validate().unwrap().subject, "端末が起動しない");
        assert!(TicketForm {
            subject: " ".into(),
            ..form.clone()
        }
        .validate()
        .is_err());
        assert!(TicketForm {
            body: "a\u{0}b".into(),
            ..form
        }
        .validate()
        .is_err());
    }

    proptest! {
        #[test]
        fn no_run_leaves_the_machine(
            moves in proptest::collection::vec((any::<usize>(), actor()), 0..40)
        ) {
            let visited = check_run::<Ticket>(TicketState::Open, &moves)?;
            prop_assert!(visited.iter().all(|s| TicketState::ALL.contains(s)));
        }
    }
}
