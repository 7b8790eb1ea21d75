//! The end of a contract (第6-7): the life of its compartment after the
//! last day. Its phase is a pure function of the contract's last day, the
//! keeping extension approved (if any), whether it was closed, and today
//! in the deployment's time zone ([`CompartmentEnd::phase`]); the policy
//! point reads the phase as an attribute and decides on it.
//!
//! - `active` until the contract's last day: uploads, new versions.
//! - `ended` after it: read-only; what was provided is returned or
//!   destroyed as instructed (第6-7(1)).
//! - `extended` while an extension of keeping the agency approved runs
//!   (第6-7(2)): still read-only.
//! - `closed` once the agency closed it under two-person control, every
//!   inventory item being closed: its compartment key is destroyed. Final.

use crate::entities::string_enum;
use crate::{CalendarDate, DomainError};

string_enum!(
    /// Where a compartment stands in its contract's life.
    CompartmentPhase {
        /// Within the contract period.
        Active => "active",
        /// After the contract's last day: read-only.
        Ended => "ended",
        /// After the last day, within an approved extension of keeping:
        /// read-only.
        Extended => "extended",
        /// Closed: its key destroyed, nothing readable. Final.
        Closed => "closed",
    }
);

impl CompartmentPhase {
    /// Whether files may be uploaded or get new versions.
    pub fn accepts_uploads(self) -> bool {
        self == Self::Active
    }

    /// Whether its files can still be read by someone (the policy decides
    /// by whom).
    pub fn readable(self) -> bool {
        self != Self::Closed
    }
}

/// What decides a compartment's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompartmentEnd {
    /// The contract's last day.
    pub ends_on: CalendarDate,
    /// The last day of keeping, where the agency approved an extension.
    pub kept_until: Option<CalendarDate>,
    /// When it was closed (Unix ms).
    pub closed_at: Option<i64>,
}

impl CompartmentEnd {
    /// The phase on `today` (in the deployment's time zone). The last day
    /// itself is still within the period.
    pub fn phase(&self, today: CalendarDate) -> CompartmentPhase {
        if self.closed_at.is_some() {
            CompartmentPhase::Closed
        } else if today <= self.ends_on {
            CompartmentPhase::Active
        } else if self.kept_until.is_some_and(|until| today <= until) {
            CompartmentPhase::Extended
        } else {
            CompartmentPhase::Ended
        }
    }

    /// Whether an extension of keeping until `until` may be asked for on
    /// `today`: not once closed, and only to a day after the contract's
    /// last day, after any extension already approved, and not in the past.
    pub fn check_extension(
        &self,
        today: CalendarDate,
        until: CalendarDate,
    ) -> Result<(), DomainError> {
        if self.closed_at.is_some() {
            return Err(DomainError::refused("the compartment is closed"));
        }
        let floor = self
            .kept_until
            .map_or(self.ends_on, |k| k.max(self.ends_on));
        if until <= floor || until < today {
            return Err(DomainError::invalid(
                "until",
                "a day after the contract's last day and any extension approved",
            ));
        }
        Ok(())
    }

    /// Approves an extension until `until` (checked again: the state may
    /// have moved since it was asked for).
    pub fn extend(&mut self, today: CalendarDate, until: CalendarDate) -> Result<(), DomainError> {
        self.check_extension(today, until)?;
        self.kept_until = Some(until);
        Ok(())
    }

    /// Whether the compartment may be closed on `today` with `open_items`
    /// inventory items not yet closed: only after the contract's end, only
    /// once every item is returned or disposed of, and only once.
    pub fn check_close(&self, today: CalendarDate, open_items: u64) -> Result<(), DomainError> {
        match self.phase(today) {
            CompartmentPhase::Closed => Err(DomainError::refused("the compartment is closed")),
            CompartmentPhase::Active => Err(DomainError::refused(
                "a compartment is closed only after its contract has ended",
            )),
            CompartmentPhase::Ended | CompartmentPhase::Extended if open_items > 0 => {
                Err(DomainError::refused(
                    "every inventory item must be returned or disposed of before closing",
                ))
            }
            CompartmentPhase::Ended | CompartmentPhase::Extended => Ok(()),
        }
    }

    /// Closes it at `at` (Unix ms).
    pub fn close(
        &mut self,
        today: CalendarDate,
        open_items: u64,
        at: i64,
    ) -> Result<(), DomainError> {
        self.check_close(today, open_items)?;
        self.closed_at = Some(at);
        Ok(())
    }
}

string_enum!(
    /// What a request about a contract's end asks for.
    EndRequestKind {
        /// The company asks to keep what was provided longer (第6-7(2)).
        Extension => "extension",
        /// An agency person proposes to close the compartment.
        Close => "close",
    }
);

string_enum!(
    /// Where a request about a contract's end stands.
    EndRequestStatus {
        /// Awaiting another person's decision.
        Pending => "pending",
        /// Approved.
        Approved => "approved",
        /// Refused, with a reason.
        Refused => "refused",
    }
);

impl EndRequestStatus {
    /// The status after a decision: only a pending request is decided.
    pub fn decide(self, approve: bool) -> Result<Self, DomainError> {
        match (self, approve) {
            (Self::Pending, true) => Ok(Self::Approved),
            (Self::Pending, false) => Ok(Self::Refused),
            _ => Err(DomainError::refused("the request is decided already")),
        }
    }
}

/// Whether `decider` may decide a request `requester` made: never the
/// same person. The policy point decides it too
/// (`end-request-not-self-decided`).
pub fn check_end_decider<T: PartialEq>(requester: &T, decider: &T) -> Result<(), DomainError> {
    if requester == decider {
        return Err(DomainError::refused(
            "a request is decided by another person than who made it",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(raw: &str) -> CalendarDate {
        CalendarDate::parse("day", raw).unwrap()
    }

    fn end() -> CompartmentEnd {
        CompartmentEnd {
            ends_on: day("2027-03-31"),
            kept_until: None,
            closed_at: None,
        }
    }

    #[test]
    fn the_last_day_is_within_the_period() {
        let e = end();
        assert_eq!(e.phase(day("2027-03-31")), CompartmentPhase::Active);
        assert_eq!(e.phase(day("2027-04-01")), CompartmentPhase::Ended);
        assert!(!CompartmentPhase::Ended.accepts_uploads());
        assert!(CompartmentPhase::Ended.readable());
    }

    #[test]
    fn an_extension_keeps_it_readable_until_its_day() {
        let mut e = end();
        assert!(e.extend(day("2027-04-02"), day("2027-03-31")).is_err());
        e.extend(day("2027-04-02"), day("2027-06-30")).unwrap();
        assert_eq!(e.phase(day("2027-06-30")), CompartmentPhase::Extended);
        assert_eq!(e.phase(day("2027-07-01")), CompartmentPhase::Ended);
        assert!(e
            .check_extension(day("2027-04-02"), day("2027-06-01"))
            .is_err());
    }

    #[test]
    fn closing_needs_the_end_and_no_open_item() {
        let mut e = end();
        assert!(e.check_close(day("2027-03-31"), 0).is_err());
        assert!(e.check_close(day("2027-04-01"), 1).is_err());
        e.close(day("2027-04-01"), 0, 5).unwrap();
        assert_eq!(e.phase(day("2027-04-01")), CompartmentPhase::Closed);
        assert!(e.close(day("2027-04-02"), 0, 6).is_err());
        assert!(e.extend(day("2027-04-02"), day("2028-01-01")).is_err());
    }

    #[test]
    fn a_decided_request_stays_decided_and_nobody_decides_their_own() {
        let approved = EndRequestStatus::Pending.decide(true).unwrap();
        assert_eq!(approved, EndRequestStatus::Approved);
        assert!(approved.decide(false).is_err());
        assert!(EndRequestStatus::Refused.decide(true).is_err());
        assert!(check_end_decider(&1, &1).is_err());
        assert!(check_end_decider(&1, &2).is_ok());
    }

    #[test]
    fn stored_names_never_change() {
        assert_eq!(CompartmentPhase::Extended.as_str(), "extended");
        assert_eq!(EndRequestKind::Extension.as_str(), "extension");
        assert_eq!(EndRequestStatus::Refused.as_str(), "refused");
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// Days pass.
        Wait(u8),
        /// An extension of so many days after today is approved.
        Extend(u8),
        /// Closing is tried with so many open items.
        Close(u8),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u8..60).prop_map(Step::Wait),
            (0u8..90).prop_map(Step::Extend),
            (0u8..3).prop_map(Step::Close),
        ]
    }

    proptest! {
        /// Any sequence of days passing, extensions and attempts to close:
        /// uploads only within the period; never active again once ended;
        /// closed only after the end with no open item, and for good;
        /// extended only within an approved extension.
        #[test]
        fn the_phase_machine_keeps_its_rules(
            steps in proptest::collection::vec(step(), 0..40),
        ) {
            let mut e = end();
            let mut today = day("2027-03-01");
            let mut was_ended = false;
            let mut was_closed = false;
            for s in steps {
                let before = e.phase(today);
                match s {
                    Step::Wait(days) => {
                        for _ in 0..days {
                            today = today.next_day().unwrap();
                        }
                    }
                    Step::Extend(days) => {
                        let mut until = today;
                        for _ in 0..days {
                            until = until.next_day().unwrap();
                        }
                        let ok = e.extend(today, until).is_ok();
                        if ok {
                            prop_assert!(before != CompartmentPhase::Closed);
                            prop_assert!(until > e.ends_on);
                        }
                    }
                    Step::Close(open) => {
                        let ok = e.close(today, u64::from(open), 1).is_ok();
                        prop_assert_eq!(ok, open == 0 && matches!(
                            before, CompartmentPhase::Ended | CompartmentPhase::Extended));
                    }
                }
                let now = e.phase(today);
                if was_closed {
                    prop_assert_eq!(now, CompartmentPhase::Closed);
                }
                if was_ended {
                    prop_assert_ne!(now, CompartmentPhase::Active);
                }
                prop_assert_eq!(now.accepts_uploads(), now == CompartmentPhase::Active);
                prop_assert_eq!(now == CompartmentPhase::Active, e.closed_at.is_none() && today <= e.ends_on);
                if now == CompartmentPhase::Extended {
                    prop_assert!(e.kept_until.is_some_and(|k| today <= k && today > e.ends_on));
                }
                was_ended |= now != CompartmentPhase::Active;
                was_closed |= now == CompartmentPhase::Closed;
            }
        }
    }
}
