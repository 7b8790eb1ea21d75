//! The facts a decision is made on, in domain types.

use std::net::IpAddr;

use dsg_core::{
    AccountState, AuditAction, CompanyId, CompanyKind, CompanyRole, CompartmentId,
    CompartmentPhase, ContractId, Duty, EndRequestKind, FileId, FileStatus, MfaMethod, Role,
    RosterStatus, TerminalId, TerminalStatus, UserId,
};

/// Declares [`Action`]: each action the policy decides on, with its id in
/// the Cedar schema and the audit actions an entry decided by it is
/// recorded as. The pairs a use case passes (`Action::FileRead` with
/// `AuditAction::FileDownload`) come from this one table.
macro_rules! policy_actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal records [$($audit:ident),* $(,)?],)+) => {
        /// Every action the policy decides on. The names match the schema.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$doc])* $variant,)+
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Self::$variant,)+];

            /// The action's id in the schema.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// The audit actions a decision on this action is recorded as
            /// (empty for one only asked to shape a page, never recorded
            /// on its own).
            pub fn recorded_as(self) -> &'static [AuditAction] {
                match self {
                    $(Self::$variant => &[$(AuditAction::$audit),*],)+
                }
            }

            /// Whether `audit` is one of [`Self::recorded_as`].
            pub fn is_recorded_as(self, audit: AuditAction) -> bool {
                self.recorded_as().contains(&audit)
            }
        }
    };
}

policy_actions! {
    /// See that a compartment exists and open it.
    CompartmentView => "compartment.view" records [],
    /// List a compartment's files.
    FileList => "file.list" records [FileList],
    /// Download a file or list its versions.
    FileRead => "file.read" records [FileDownload, FileVersions],
    /// Upload a file or a new version.
    FileUpload => "file.upload" records [FileUpload, FileVersionUpload],
    /// Mark a file for disposal.
    FileDelete => "file.delete" records [FileDelete],
    /// Read the administrative registers.
    AdminRead => "admin.read" records [AdminView],
    /// Register a company.
    CompanyCreate => "company.create" records [CompanyCreate],
    /// Register a user.
    UserCreate => "user.create" records [UserCreate],
    /// Register a contract.
    ContractCreate => "contract.create" records [ContractCreate],
    /// Open a contract's compartment.
    CompartmentOpen => "compartment.open" records [CompartmentOpen],
    /// Designate a handler.
    HandlerDesignate => "handler.designate" records [HandlerDesignate],
    /// Remove a handler.
    HandlerRemove => "handler.remove" records [HandlerRemove],
    /// Designate one of the agency's own staff an agency participant of a
    /// contract.
    ParticipantDesignate => "participant.designate" records [ParticipantDesignate],
    /// Remove an agency participant's designation.
    ParticipantRemove => "participant.remove" records [ParticipantRemove],
    /// List a compartment's files awaiting disposal.
    DisposalView => "disposal.view" records [DisposalView],
    /// Record the disposal of a file marked for it.
    DisposalRecord => "disposal.record" records [DisposalRecord],
    /// Confirm a recorded disposal (never one's own).
    DisposalConfirm => "disposal.confirm" records [DisposalConfirm],
    /// Read a compartment's inventory (and its open items).
    LedgerView => "ledger.view" records [LedgerView, ContractEndView],
    /// Enter an item or an event in the inventory by hand.
    LedgerRecord => "ledger.record" records [LedgerEntry],
    /// Permit carrying out or sending an item (a manager).
    LedgerPermit => "ledger.permit" records [LedgerPermit],
    /// Check an item's return or disposal (never one's own).
    LedgerCheck => "ledger.check" records [LedgerCheck],
    /// Unlock, disable, enable an account, or ask for its authenticators to be reset.
    AccountManage => "account.manage" records [AccountUnlock, AccountDisable, AccountEnable, AuthenticatorResetRequest, AuthenticatorResetApprove, EnrolmentIssue],
    /// Approve another operator's authenticator reset.
    AccountResetApprove => "account.reset.approve" records [AuthenticatorResetApprove],
    /// Register an authenticator for oneself.
    SelfEnrol => "self.enrol" records [PasswordSet, AuthenticatorAdd, AuthenticatorRemove, RecoveryCodesIssue],
    /// See and manage one's own sessions, authenticators and login history.
    SelfManage => "self.manage" records [SessionRevoke, AuthenticatorRemove],
    /// See the terminal register.
    TerminalRead => "terminal.read" records [AdminView],
    /// Register a terminal and issue its certificate (a credential).
    TerminalRegister => "terminal.register" records [TerminalRegister, TerminalCertificateIssue],
    /// Quarantine a terminal (isolate it at once).
    TerminalQuarantine => "terminal.quarantine" records [TerminalQuarantine],
    /// Lift a terminal's quarantine.
    TerminalRelease => "terminal.release" records [TerminalRelease],
    /// Revoke a terminal for good.
    TerminalRevoke => "terminal.revoke" records [TerminalRevoke],
    /// See who can reach a compartment, or what a person can reach.
    AccessReview => "access.review" records [AccessReview, AdminView],
    /// See the policy set, its versions and proposals.
    PolicyRead => "policy.read" records [AdminView, PolicyApprove],
    /// Propose a policy change (and test it against past decisions).
    PolicyPropose => "policy.propose" records [PolicyPropose, PolicyReject, PolicyRollback],
    /// Approve a proposed policy change, or roll back to an earlier version.
    PolicyApprove => "policy.approve" records [PolicyApprove],
    /// Read the audit log: the whole of it (on the gateway) or one
    /// company's entries (on that company).
    AuditRead => "audit.read" records [AuditRead],
    /// Take a company's verifiable extract of the log.
    AuditExtract => "audit.extract" records [AuditExtract],
    /// See the alerts of the log's analysis rules.
    AlertRead => "alert.read" records [AlertView],
    /// Acknowledge or close an alert.
    AlertManage => "alert.manage" records [AlertAcknowledge, AlertClose],
    /// Grant a user a duty.
    DutyGrant => "duty.grant" records [DutyGrant],
    /// Withdraw a user's duty.
    DutyRevoke => "duty.revoke" records [DutyRevoke],
    /// A terminal reports its own posture.
    TerminalReport => "terminal.report" records [TerminalPostureReport],
    /// Enter or change a person's line on their company's handler roster.
    RosterSubmit => "roster.submit" records [RosterSubmit],
    /// Confirm a roster entry (the agency's check; someone other than who
    /// submitted it).
    RosterConfirm => "roster.confirm" records [RosterConfirm],
    /// Take a person off the handler roster.
    RosterRemove => "roster.remove" records [RosterRemove],
    /// Record a security training a person took.
    TrainingRecord => "training.record" records [TrainingRecord],
    /// Read a company's roster and training records (also the line about to
    /// be confirmed: a refusal there is recorded as the confirmation), and
    /// its compliance view, which is drawn from those records.
    RecordsRead => "records.read" records [RecordsView, RecordsExport, RosterConfirm, ComplianceView],
    /// File an application (a software request …) for one's company; also
    /// file an attestation for it (the same holders: the company's
    /// protected-system administrator, or an agency operator on its behalf).
    ApplicationFile => "application.file" records [ApplicationFile, ComplianceAttest],
    /// Read an application, its timeline, a list of them or one's inbox.
    ApplicationRead => "application.read" records [ApplicationView],
    /// Take one's own party's steps on an application (the company
    /// resubmits, withdraws, tests; the provider surveys, builds, sets up).
    ApplicationAct => "application.act" records [ApplicationResubmit, ApplicationWithdraw, ApplicationStep],
    /// Decide an application (approve, return, reject); never one's own.
    ApplicationDecide => "application.decide" records [ApplicationApprove, ApplicationReturn, ApplicationReject, ApplicationScheduleAdjust],
    /// Read the software lists (white and black) and their history.
    SoftwareListRead => "software_list.read" records [SoftwareListView],
    /// Put a new version of the software lists in force.
    SoftwareListManage => "software_list.manage" records [SoftwareListChange],
    /// Record a protected-system user's written consent.
    ConsentRecord => "consent.record" records [ConsentRecord],
    /// Withdraw a protected-system user's consent (off the user roster).
    ConsentWithdraw => "consent.withdraw" records [ConsentWithdraw],
    /// Designate a person to a company role.
    RoleDesignate => "role.designate" records [RoleDesignate],
    /// Withdraw a company role designation.
    RoleRevoke => "role.revoke" records [RoleRevoke],
    /// Change a company's registered name.
    CompanyRename => "company.rename" records [CompanyRename],
    /// File a help-desk ticket for one's company (any of its users), or
    /// for a company on its behalf (the desk); also list the tickets one
    /// may read (the same people).
    TicketFile => "ticket.file" records [TicketFile, TicketView],
    /// Read a ticket, its thread, a list of them.
    TicketRead => "ticket.read" records [TicketView],
    /// Take one's party's step on a ticket (the desk answers and resolves,
    /// the company replies, reopens, closes).
    TicketAct => "ticket.act" records [TicketStep],
    /// Ask for an extension of keeping a contract's information past its
    /// end (第6-7(2)), on its compartment.
    KeepingRequest => "keeping.request" records [KeepingRequest],
    /// Approve or refuse an extension of keeping (never one's own).
    KeepingDecide => "keeping.decide" records [KeepingApprove, KeepingRefuse],
    /// Propose to close a compartment after its contract's end.
    CompartmentClose => "compartment.close.propose" records [CompartmentCloseProposal],
    /// Approve another person's proposal to close a compartment: its key
    /// is destroyed.
    CompartmentCloseApprove => "compartment.close.approve" records [CompartmentClose],
}

impl Action {
    /// Whether the action approves someone's request (its resource is a
    /// [`ChangeRequestFacts`]).
    pub fn targets_change_request(self) -> bool {
        matches!(
            self,
            Self::AccountResetApprove | Self::PolicyApprove | Self::RosterConfirm
        )
    }

    /// Whether the action's resource is an application
    /// ([`ApplicationFacts`]).
    pub fn targets_application(self) -> bool {
        matches!(
            self,
            Self::ApplicationRead
                | Self::ApplicationAct
                | Self::ApplicationDecide
                | Self::TicketRead
                | Self::TicketAct
        )
    }

    /// Whether the action's resource is a request about a contract's end
    /// ([`EndRequestFacts`]).
    pub fn targets_end_request(self) -> bool {
        matches!(self, Self::KeepingDecide | Self::CompartmentCloseApprove)
    }

    /// Whether the action's resource is a compartment, or a file in one
    /// (else the gateway, a company, a person or a change request).
    pub fn targets_compartment(self) -> bool {
        matches!(
            self,
            Self::CompartmentView
                | Self::FileList
                | Self::FileRead
                | Self::FileUpload
                | Self::FileDelete
        )
    }
}

/// What the gateway knows about a signed-in user, read fresh per request.
#[derive(Debug, Clone)]
pub struct UserFacts {
    /// The user.
    pub id: UserId,
    /// Their organisation.
    pub company: CompanyId,
    /// Whether that organisation is the agency or a contractor.
    pub company_kind: CompanyKind,
    /// Their role.
    pub role: Role,
    /// Their account state in force.
    pub state: AccountState,
    /// Contracts they are a designated handler of.
    pub handler_of: Vec<ContractId>,
    /// Contracts they are a designated agency participant of (the agency's
    /// staff only).
    pub participant_of: Vec<ContractId>,
    /// Duties they hold on top of their role.
    pub duties: Vec<Duty>,
    /// Their status on their company's handler roster, if they are on it.
    pub roster: Option<RosterStatus>,
    /// Seconds since their last recorded security training, if any.
    pub training_age_secs: Option<i64>,
    /// The contracts they handle or participate in with a training on
    /// designation recorded on or after the day of that designation.
    pub designation_trained_for: Vec<ContractId>,
    /// Whether their written consent as a protected-system user is in force.
    pub consented: bool,
    /// The company roles they hold.
    pub company_roles: Vec<CompanyRole>,
}

/// Who is asking.
#[derive(Debug, Clone)]
pub enum Principal {
    /// No valid session.
    Anonymous,
    /// A signed-in user.
    User(UserFacts),
}

/// A compartment as the policy sees it.
#[derive(Debug, Clone)]
pub struct CompartmentFacts {
    /// The compartment.
    pub id: CompartmentId,
    /// Its contract.
    pub contract: ContractId,
    /// The contract's company.
    pub company: CompanyId,
    /// Where it stands in its contract's life (今日, in the deployment's
    /// time zone).
    pub phase: CompartmentPhase,
}

/// A request about a contract's end (an extension of keeping, a proposal
/// to close) as the policy sees it.
#[derive(Debug, Clone)]
pub struct EndRequestFacts {
    /// The request's id (or the id a request named, for a stand-in).
    pub id: String,
    /// Its compartment (for a stand-in, one of no company).
    pub compartment: CompartmentFacts,
    /// What it asks for.
    pub kind: EndRequestKind,
    /// Who asked.
    pub requested_by: UserId,
}

/// A file as the policy sees it.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// The file.
    pub id: FileId,
    /// Its compartment.
    pub compartment: CompartmentFacts,
    /// Active or marked for disposal.
    pub status: FileStatus,
}

/// A recorded disposal as the policy sees it: where, and who performed it.
#[derive(Debug, Clone)]
pub struct DisposalFacts {
    /// The record's id (or the id a request named, for a stand-in).
    pub id: String,
    /// The compartment of the file disposed of (for a stand-in, one of no
    /// company).
    pub compartment: CompartmentFacts,
    /// Who performed it.
    pub performed_by: UserId,
}

/// An item of a compartment's inventory as the policy sees it.
#[derive(Debug, Clone)]
pub struct LedgerItemFacts {
    /// The item's id (or the id a request named, for a stand-in).
    pub id: String,
    /// Its compartment (for a stand-in, one of no company).
    pub compartment: CompartmentFacts,
    /// Who holds it, if someone does (a copy: who downloaded it).
    pub holder: Option<UserId>,
    /// Who recorded its return or disposal, awaiting the check.
    pub closing_by: Option<UserId>,
}

/// A request someone made that another person approves (an authenticator
/// reset, a policy change): separation of duties is decided on it.
#[derive(Debug, Clone)]
pub struct ChangeRequestFacts {
    /// The request's id.
    pub id: String,
    /// Who asked.
    pub requested_by: UserId,
}

/// An application (申請) as the policy sees it: whose it is and who filed it
/// (separation of duties and company isolation are decided on it).
#[derive(Debug, Clone)]
pub struct ApplicationFacts {
    /// The application's id (or the id a request named, for a stand-in).
    pub id: String,
    /// The company it belongs to.
    pub company: CompanyId,
    /// Whether that company is the agency or a contractor.
    pub company_kind: CompanyKind,
    /// Who filed it.
    pub requested_by: UserId,
    /// The service provider assigned to it (a membership, once accepted):
    /// its staff may read it and take their steps.
    pub provider: Option<CompanyId>,
}

/// What is being acted on.
#[derive(Debug, Clone)]
pub enum Resource {
    /// A compartment that exists.
    Compartment(CompartmentFacts),
    /// A compartment id that names nothing. It is decided on exactly like an
    /// existing one (and is always denied), so that "missing" and "forbidden"
    /// take the same path.
    MissingCompartment(String),
    /// A file of a compartment that exists (reading it, a new version,
    /// marking it for disposal).
    File(FileFacts),
    /// The gateway (administrative actions).
    Gateway,
    /// A request awaiting another person's approval.
    ChangeRequest(ChangeRequestFacts),
    /// A company (its part of the audit log).
    Company(CompanyFacts),
    /// A user account acted on (granting a duty, their roster line, their
    /// training record).
    Account(UserFacts),
    /// A registered terminal acted on (its posture report).
    Terminal(TerminalFacts),
    /// An application, or the stand-in of an id that names none (of a
    /// company nobody belongs to, so that missing and forbidden take the
    /// same path).
    Application(ApplicationFacts),
    /// A recorded disposal, or the stand-in of an id that names none.
    Disposal(DisposalFacts),
    /// A company role designation, asked for or in force.
    RoleDesignation(RoleDesignationFacts),
    /// An inventory item, or the stand-in of an id that names none.
    LedgerItem(LedgerItemFacts),
    /// A request about a contract's end, or the stand-in of an id that
    /// names none.
    EndRequest(EndRequestFacts),
}

/// A designation of a person to a company role as the policy sees it: the
/// separation-of-duties rules are decided on it.
#[derive(Debug, Clone)]
pub struct RoleDesignationFacts {
    /// The designation's id (a fresh one when asked for).
    pub id: String,
    /// The company.
    pub company: CompanyId,
    /// Whether that company is the agency or a contractor.
    pub company_kind: CompanyKind,
    /// The person.
    pub person: UserId,
    /// The role.
    pub role: CompanyRole,
    /// The roles the person holds now, besides this designation.
    pub held_roles: Vec<CompanyRole>,
    /// For an audit member: from outside the unit they audit.
    pub outside_audited_unit: bool,
    /// The company's audit members in force from outside their audited unit.
    pub independent_auditors: i64,
    /// The company's audit members in force.
    pub auditors: i64,
}

/// A company as the policy sees it.
#[derive(Debug, Clone)]
pub struct CompanyFacts {
    /// The company.
    pub id: CompanyId,
    /// The agency or a contractor.
    pub kind: CompanyKind,
}

/// What the session behind a request proved (the request context).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionFacts {
    /// How the user authenticated beyond the password.
    pub mfa: MfaMethod,
    /// Whether the user (re-)authenticated recently enough for a sensitive action.
    pub step_up_fresh: bool,
    /// Whether this deployment lets TOTP sessions reach protected data.
    pub totp_reaches_data: bool,
    /// Seconds since the factor was last proved (login or step-up).
    pub auth_age_secs: i64,
    /// Seconds since the session began.
    pub session_age_secs: i64,
}

impl SessionFacts {
    /// The context of a request without a session.
    pub const ANONYMOUS: Self = Self {
        mfa: MfaMethod::None,
        step_up_fresh: false,
        totp_reaches_data: false,
        auth_age_secs: 0,
        session_age_secs: 0,
    };
}

/// A registered terminal as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalFacts {
    /// The terminal.
    pub id: TerminalId,
    /// The company it is registered to.
    pub company: CompanyId,
    /// Whether that company is the agency or a contractor.
    pub company_kind: CompanyKind,
    /// Active, quarantined or revoked.
    pub status: TerminalStatus,
    /// Where it is kept.
    pub site: String,
    /// Its last posture report, if it sent one.
    pub posture: Option<PostureFacts>,
}

/// A terminal's last posture report as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostureFacts {
    /// Seconds since it was sent.
    pub age_secs: i64,
    /// Whether it met the measures (`dsg_core::PostureReport::compliant`).
    pub compliant: bool,
}

/// The device a request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceFacts {
    /// No client certificate was presented.
    None,
    /// A certificate of the terminal CA naming no registered terminal in force.
    Unregistered,
    /// A registered terminal, whatever its status.
    Terminal(TerminalFacts),
}

/// Where and when the request is made, and the deployment's settings the
/// policies refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Environment {
    /// The client address, when known.
    pub source: Option<IpAddr>,
    /// Hour of the day (0–23) in the deployment's time zone.
    pub hour: u8,
    /// Day of the week, 1 = Monday … 7 = Sunday, in the deployment's time zone.
    pub weekday: u8,
    /// Whether an agency terminal may be used to reach a contractor's data.
    pub agency_terminals_accepted: bool,
    /// When set, data is reachable only from a terminal whose compliant
    /// posture report is at most this many seconds old.
    pub posture_max_age_secs: Option<i64>,
    /// Whether data is reachable only by people whose handler-roster entry
    /// the agency confirmed.
    pub roster_confirmation_required: bool,
    /// When set, data is reachable only by people whose last security
    /// training is at most this many seconds old.
    pub training_max_age_secs: Option<i64>,
    /// Whether a handler reaches a contract's data only once their training
    /// on designation for it is recorded.
    pub designation_training_required: bool,
    /// Whether data is reachable only by people whose written consent as
    /// protected-system users is recorded.
    pub consent_required: bool,
}

impl Environment {
    /// An environment with no address, at midnight on a Monday (tests and
    /// offline tools).
    pub const UNKNOWN: Self = Self {
        source: None,
        hour: 0,
        weekday: 1,
        agency_terminals_accepted: false,
        posture_max_age_secs: None,
        roster_confirmation_required: false,
        training_max_age_secs: None,
        designation_training_required: false,
        consent_required: false,
    };
}

/// One question to the policy point.
#[derive(Debug, Clone)]
pub struct AccessRequest {
    /// Who.
    pub principal: Principal,
    /// What.
    pub action: Action,
    /// On what.
    pub resource: Resource,
    /// How the session was authenticated.
    pub session: SessionFacts,
    /// The device it came from.
    pub device: DeviceFacts,
    /// Where and when.
    pub environment: Environment,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_schema_names_every_action_and_no_other() {
        let (schema, _) = cedar_policy::Schema::from_cedarschema_str(crate::SCHEMA).unwrap();
        let in_schema: BTreeSet<String> = schema
            .actions()
            .map(|uid| uid.id().unescaped().to_owned())
            .collect();
        let declared: BTreeSet<String> =
            Action::ALL.iter().map(|a| a.as_str().to_owned()).collect();
        assert_eq!(declared, in_schema);
        assert_eq!(
            declared.len(),
            Action::ALL.len(),
            "two actions share a name"
        );
    }

    #[test]
    fn every_recorded_action_has_its_audit_actions() {
        // Only the compartment view is asked without an entry of its own
        // (to shape the list of compartments).
        let unrecorded: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| a.recorded_as().is_empty())
            .collect();
        assert_eq!(unrecorded, [Action::CompartmentView]);
        for action in Action::ALL {
            for audit in action.recorded_as() {
                assert!(action.is_recorded_as(*audit));
            }
        }
        assert!(Action::FileRead.is_recorded_as(AuditAction::FileDownload));
        assert!(!Action::FileRead.is_recorded_as(AuditAction::FileDelete));
    }

    #[test]
    fn where_the_names_agree_the_audit_action_is_recorded() {
        // An audit action named like a policy action is recorded for it:
        // `file.list` is decided by `file.list`.
        for action in Action::ALL {
            if let Some(audit) = AuditAction::parse(action.as_str()) {
                assert!(action.is_recorded_as(audit), "{action:?}");
            }
        }
    }
}
