//! The dsg domain: identifiers, entities, validation rules and the ports
//! (clock) that the adapters implement. No IO lives here: this crate never
//! depends on a web framework, a database driver or the file system.
#![deny(missing_docs)]

pub mod account;
pub mod alert;
pub mod attachment;
pub mod audit;
pub mod byte_range;
pub mod calendar;
pub mod clock;
pub mod company_roles;
pub mod compliance;
pub mod contract_end;
pub mod date;
pub mod entities;
pub mod error;
pub mod exchange;
pub mod helpdesk;
pub mod ids;
pub mod ledger;
pub mod membership;
pub mod membership_change;
pub mod membership_schedule;
pub mod names;
pub mod records;
pub mod requests;
pub mod rules;
pub mod software;
pub mod terminal;
pub mod text;
pub mod training_topics;
pub mod workflow;

pub use account::{AccountChange, AccountState, MfaMethod};
pub use alert::{AlertChange, AlertSeverity, AlertStatus};
pub use audit::{
    AuditAction, AuditActionFilter, AuditObject, AuditRecord, DecisionEvidence, Outcome,
};
pub use byte_range::RequestedRange;
pub use calendar::WorkingCalendar;
pub use clock::Clock;
pub use company_roles::{CompanyRole, RoleDetails, SystemUseConsent};
pub use contract_end::{
    check_end_decider, CompartmentEnd, CompartmentPhase, EndRequestKind, EndRequestStatus,
};
pub use date::CalendarDate;
pub use entities::*;
pub use error::DomainError;
pub use exchange::{
    check_disposal_checker, DisposalMethod, DisposalPlace, EndInstruction, FileDirection,
};
pub use ids::*;
pub use ledger::{
    check_ledger_checker, check_permission, LedgerEventKind, LedgerItemKind, LedgerLine,
    LedgerState, MovementMethod,
};
pub use names::{ContractNumber, FileName, Username};
pub use records::{RosterDetails, RosterStatus, TrainingCourse, TrainingNotes};
pub use rules::Designation;
pub use terminal::{PostureReport, Terminal, TerminalStatus, TerminalText};
pub use training_topics::TrainingTopic;

/// The marking every piece of protected information carries (保護すべき情報):
/// on pages, in API answers and in the names of downloaded files.
pub const PROTECTED_MARKING: &str = "保護すべき情報";
