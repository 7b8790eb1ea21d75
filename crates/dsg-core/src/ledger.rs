//! The inventory of protected information (目録, 第6-2): one item per
//! piece of it, and what happened to it, event by event, until it is
//! closed. An item's state is a pure function of its events
//! ([`LedgerState::after`]); the store applies a step only from the state
//! it was decided in.
//!
//! What closes an item: a disposal or a copy's return, each confirmed by
//! a checker who is another person than who recorded it (第6-6), or its
//! submission to the agency. A copy downloaded to a terminal is an item of
//! its own, *open* until it is closed that way (第6-2: 複製).

use crate::entities::string_enum;
use crate::{DomainError, FileDirection};

string_enum!(
    /// What an item of the inventory is.
    LedgerItemKind {
        /// A file version kept in a compartment (entered by the gateway).
        FileVersion => "file_version",
        /// A copy of a file version on a terminal (a download; entered by
        /// the gateway).
        Copy => "copy",
        /// A paper document (entered by hand).
        Paper => "paper",
        /// A removable medium (可搬記憶媒体; entered by hand).
        Medium => "medium",
    }
);

impl LedgerItemKind {
    /// Whether people enter items of this kind (the gateway enters the
    /// others itself, with the action that creates them).
    pub fn is_hand_entered(self) -> bool {
        matches!(self, Self::Paper | Self::Medium)
    }

    /// Whether an item of this kind in `state` is an *open item*: a copy
    /// not yet closed, or anything carried out, sent, or awaiting its
    /// checker.
    pub fn is_open(self, state: LedgerState) -> bool {
        match self {
            Self::Copy => state != LedgerState::Closed,
            Self::FileVersion | Self::Paper | Self::Medium => {
                matches!(state, LedgerState::Out | LedgerState::Closing)
            }
        }
    }
}

string_enum!(
    /// What happened to an item (第6-2: 受領, 作成, 複製, 持ち出し,
    /// 送付, 返却, 提出, 廃棄). Viewing in the gateway is evidenced by the
    /// audit log, not entered here.
    LedgerEventKind {
        /// It arrived: a provided file, or a paper or medium received.
        Receipt => "receipt",
        /// It was made: a submitted file's upload, a document produced.
        Creation => "creation",
        /// A copy of it was made (the copy is an item of its own).
        Copy => "copy",
        /// A manager's permission to carry it out or send it, recorded
        /// before the act (第6-4).
        Permission => "permission",
        /// Carried out or lent (持ち出し・貸出), under a permission.
        CarryOut => "carry_out",
        /// Sent (送付), under a permission.
        Sending => "sending",
        /// Brought back; for a copy, handed back (erased from where it was),
        /// awaiting its checker.
        Return => "return",
        /// Submitted to the agency (提出).
        Submission => "submission",
        /// Destroyed or erased, awaiting its checker.
        Disposal => "disposal",
        /// A return or disposal confirmed by another person.
        Check => "check",
    }
);

impl LedgerEventKind {
    /// The events a person enters by hand on an item of `kind` (the
    /// others are the gateway's own, written with the action itself).
    pub fn by_hand_on(self, kind: LedgerItemKind) -> bool {
        match kind {
            // A stored version is disposed of through the disposal record
            // (crypto-shredding), copied by a download: nothing by hand.
            LedgerItemKind::FileVersion => false,
            LedgerItemKind::Copy => matches!(
                self,
                Self::Permission
                    | Self::CarryOut
                    | Self::Sending
                    | Self::Return
                    | Self::Disposal
                    | Self::Check
            ),
            LedgerItemKind::Paper | LedgerItemKind::Medium => !matches!(self, Self::Copy),
        }
    }

    /// Whether the act needs a manager's permission recorded before it,
    /// with a named recipient, a method and a container (第6-4).
    pub fn needs_permission(self) -> bool {
        matches!(self, Self::CarryOut | Self::Sending)
    }

    /// The event that opens an item of `kind`: the gateway's for a file
    /// version (by its direction) and a copy; a hand-entered item opens
    /// with a receipt or a creation.
    pub fn opening(kind: LedgerItemKind, direction: FileDirection) -> Self {
        match (kind, direction) {
            (LedgerItemKind::Copy, _) => Self::Copy,
            (_, FileDirection::Provided) => Self::Receipt,
            (_, FileDirection::Submitted) => Self::Creation,
        }
    }
}

string_enum!(
    /// Where an item stands.
    LedgerState {
        /// Kept where it belongs.
        Held => "held",
        /// Carried out, lent or sent: awaiting its return.
        Out => "out",
        /// Its return (a copy) or disposal is recorded: awaiting a checker.
        Closing => "closing",
        /// Gone for good: disposed of, handed back, or submitted.
        Closed => "closed",
    }
);

impl LedgerState {
    /// The state after `event` on an item of `kind`; an event that does
    /// not apply is refused. Opening events ([`LedgerEventKind::opening`])
    /// apply to no state: they create the item.
    pub fn after(self, kind: LedgerItemKind, event: LedgerEventKind) -> Result<Self, DomainError> {
        use LedgerEventKind as E;
        let next = match (self, event) {
            (Self::Closed, _) => None,
            (Self::Closing, E::Check) => Some(Self::Closed),
            (Self::Closing, _) => None,
            (_, E::Receipt | E::Creation | E::Check) => None,
            (Self::Held, E::Copy | E::Permission) => Some(Self::Held),
            (Self::Held, E::CarryOut | E::Sending) => Some(Self::Out),
            (Self::Held, E::Submission) => Some(Self::Closed),
            (Self::Held, E::Disposal) => Some(Self::Closing),
            // A copy handed back is erased from where it was: it closes
            // once checked. Anything else returns only from being out.
            (Self::Held, E::Return) if kind == LedgerItemKind::Copy => Some(Self::Closing),
            (Self::Held, E::Return) => None,
            (Self::Out, E::Return) => Some(Self::Held),
            (Self::Out, _) => None,
        };
        next.ok_or_else(|| {
            DomainError::refused("this event does not apply to the item in its present state")
        })
    }
}

string_enum!(
    /// How an item is carried or sent (第6-4).
    MovementMethod {
        /// Carried by hand (手交).
        HandDelivery => "hand_delivery",
        /// Registered mail (書留).
        RegisteredMail => "registered_mail",
    }
);

/// A short line of text in the inventory (a title, a recipient, a
/// container, a place, a department): not blank, at most
/// [`LedgerLine::MAX_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine(String);

impl LedgerLine {
    /// The longest line accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a line for `field`.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, DomainError> {
        let text = raw.trim();
        if text.is_empty()
            || text.chars().count() > Self::MAX_CHARS
            || text.chars().any(char::is_control)
        {
            return Err(DomainError::invalid(
                field,
                "at most 200 characters, no control characters",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The line as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether an act at `act_at` may rest on a permission recorded at
/// `permitted_at` for `permitted` (kind), naming `sender` as who may act:
/// recorded before the act, for this kind of act, and the act by the
/// person it names (only permitted senders send).
pub fn check_permission<T: PartialEq>(
    (permitted_kind, permitted_at, sender): (LedgerEventKind, i64, &T),
    (act_kind, act_at, actor): (LedgerEventKind, i64, &T),
) -> Result<(), DomainError> {
    if !act_kind.needs_permission() || permitted_kind != act_kind {
        return Err(DomainError::refused(
            "the permission is for another kind of act",
        ));
    }
    if permitted_at > act_at {
        return Err(DomainError::refused(
            "the manager's permission is recorded before the act",
        ));
    }
    if sender != actor {
        return Err(DomainError::refused(
            "only the person the permission names carries out or sends",
        ));
    }
    Ok(())
}

/// Whether `checker` may confirm a return or disposal that `recorder`
/// entered on an item held by `holder`: never either of them (第6-6). The
/// policy point decides it too (`ledger-checker-not-holder`).
pub fn check_ledger_checker<T: PartialEq>(
    holder: Option<&T>,
    recorder: &T,
    checker: &T,
) -> Result<(), DomainError> {
    if recorder == checker || holder == Some(checker) {
        return Err(DomainError::refused(
            "the checker must be another person than who holds the item or recorded its end",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KINDS: [LedgerItemKind; 4] = [
        LedgerItemKind::FileVersion,
        LedgerItemKind::Copy,
        LedgerItemKind::Paper,
        LedgerItemKind::Medium,
    ];

    #[test]
    fn a_copy_closes_by_return_or_disposal_then_a_check() {
        let copy = LedgerItemKind::Copy;
        for end in [LedgerEventKind::Return, LedgerEventKind::Disposal] {
            let closing = LedgerState::Held.after(copy, end).unwrap();
            assert_eq!(closing, LedgerState::Closing);
            assert!(copy.is_open(closing));
            let closed = closing.after(copy, LedgerEventKind::Check).unwrap();
            assert_eq!(closed, LedgerState::Closed);
            assert!(!copy.is_open(closed));
        }
        assert!(copy.is_open(LedgerState::Held));
    }

    #[test]
    fn paper_goes_out_and_comes_back() {
        let paper = LedgerItemKind::Paper;
        let out = LedgerState::Held
            .after(paper, LedgerEventKind::CarryOut)
            .unwrap();
        assert_eq!(out, LedgerState::Out);
        assert!(paper.is_open(out));
        assert!(out.after(paper, LedgerEventKind::Disposal).is_err());
        let back = out.after(paper, LedgerEventKind::Return).unwrap();
        assert_eq!(back, LedgerState::Held);
        assert!(!paper.is_open(back));
        assert!(back.after(paper, LedgerEventKind::Return).is_err());
        assert_eq!(
            back.after(paper, LedgerEventKind::Submission).unwrap(),
            LedgerState::Closed
        );
    }

    #[test]
    fn the_opening_event_follows_the_direction() {
        use FileDirection::{Provided, Submitted};
        assert_eq!(
            LedgerEventKind::opening(LedgerItemKind::FileVersion, Provided),
            LedgerEventKind::Receipt
        );
        assert_eq!(
            LedgerEventKind::opening(LedgerItemKind::FileVersion, Submitted),
            LedgerEventKind::Creation
        );
        assert_eq!(
            LedgerEventKind::opening(LedgerItemKind::Copy, Provided),
            LedgerEventKind::Copy
        );
    }

    #[test]
    fn nothing_is_entered_by_hand_on_a_stored_version() {
        for event in LedgerEventKind::ALL {
            assert!(!event.by_hand_on(LedgerItemKind::FileVersion));
        }
        assert!(!LedgerEventKind::Copy.by_hand_on(LedgerItemKind::Copy));
        assert!(LedgerEventKind::Disposal.by_hand_on(LedgerItemKind::Copy));
        assert!(LedgerEventKind::Sending.by_hand_on(LedgerItemKind::Medium));
    }

    #[test]
    fn carrying_out_rests_on_an_earlier_permission_for_its_sender() {
        use LedgerEventKind::{CarryOut, Sending};
        assert!(check_permission((CarryOut, 10, &1), (CarryOut, 10, &1)).is_ok());
        assert!(check_permission((CarryOut, 11, &1), (CarryOut, 10, &1)).is_err());
        assert!(check_permission((CarryOut, 10, &1), (Sending, 12, &1)).is_err());
        assert!(check_permission((Sending, 10, &1), (Sending, 12, &2)).is_err());
        assert!(check_permission(
            (LedgerEventKind::Return, 1, &1),
            (LedgerEventKind::Return, 2, &1)
        )
        .is_err());
    }

    #[test]
    fn nobody_checks_what_they_hold_or_recorded() {
        assert!(check_ledger_checker(Some(&1), &1, &1).is_err());
        assert!(check_ledger_checker(Some(&1), &2, &1).is_err());
        assert!(check_ledger_checker(Some(&1), &2, &2).is_err());
        assert!(check_ledger_checker(Some(&1), &1, &2).is_ok());
        assert!(check_ledger_checker(None, &1, &2).is_ok());
    }

    #[test]
    fn lines_are_short_and_plain() {
        assert_eq!(
            LedgerLine::parse("title", " 図面 A-1 ").unwrap().as_str(),
            "図面 A-1"
        );
        assert!(LedgerLine::parse("title", " ").is_err());
        assert!(LedgerLine::parse("title", "a\tb").is_err());
        assert!(LedgerLine::parse("title", &"あ".repeat(201)).is_err());
    }

    #[test]
    fn stored_names_never_change() {
        assert_eq!(LedgerItemKind::FileVersion.as_str(), "file_version");
        assert_eq!(LedgerEventKind::CarryOut.as_str(), "carry_out");
        assert_eq!(LedgerState::Closing.as_str(), "closing");
        assert_eq!(MovementMethod::RegisteredMail.as_str(), "registered_mail");
    }

    proptest! {
        /// Any sequence of events on any item: a closed item accepts
        /// nothing; only a check closes a closing item, and a check
        /// applies to nothing else; an item is closed only through a
        /// check or a submission; opening events never apply.
        #[test]
        fn random_events_keep_the_rules(
            kind in proptest::sample::select(KINDS.to_vec()),
            events in proptest::collection::vec(
                proptest::sample::select(LedgerEventKind::ALL.to_vec()), 0..40),
        ) {
            let mut state = LedgerState::Held;
            for event in events {
                let before = state;
                match state.after(kind, event) {
                    Ok(next) => {
                        prop_assert_ne!(before, LedgerState::Closed);
                        prop_assert!(!matches!(event, LedgerEventKind::Receipt | LedgerEventKind::Creation));
                        if before == LedgerState::Closing {
                            prop_assert_eq!(event, LedgerEventKind::Check);
                        }
                        if event == LedgerEventKind::Check {
                            prop_assert_eq!(before, LedgerState::Closing);
                        }
                        if next == LedgerState::Closed {
                            prop_assert!(matches!(event, LedgerEventKind::Check | LedgerEventKind::Submission));
                        }
                        if event.needs_permission() {
                            prop_assert_eq!(next, LedgerState::Out);
                        }
                        state = next;
                    }
                    Err(_) => {
                        prop_assert!(before == LedgerState::Closed
                            || event != LedgerEventKind::Check
                            || before != LedgerState::Closing);
                    }
                }
            }
            // Closed or not, an open item is never closed, and a closed
            // copy is not open.
            prop_assert_eq!(kind == LedgerItemKind::Copy && state != LedgerState::Closed, kind == LedgerItemKind::Copy && kind.is_open(state));
        }
    }
}
