//! The facts a decision is made on, in domain types.

use std::net::IpAddr;

use dsg_core::{
    AccountState, CompanyId, CompanyKind, CompartmentId, ContractId, Duty, FileId, FileStatus,
    MfaMethod, Role, RosterStatus, TerminalId, TerminalStatus, UserId,
};

/// Every action the policy decides on. The names match the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See that a compartment exists and open it.
    CompartmentView,
    /// List a compartment's files.
    FileList,
    /// Download a file or list its versions.
    FileRead,
    /// Upload a file or a new version.
    FileUpload,
    /// Mark a file for disposal.
    FileDelete,
    /// Read the administrative registers.
    AdminRead,
    /// Register a company.
    CompanyCreate,
    /// Register a user.
    UserCreate,
    /// Register a contract.
    ContractCreate,
    /// Open a contract's compartment.
    CompartmentOpen,
    /// Designate a handler.
    HandlerDesignate,
    /// Remove a handler.
    HandlerRemove,
    /// Unlock, disable, enable an account, or ask for its authenticators to be reset.
    AccountManage,
    /// Approve another operator's authenticator reset.
    AccountResetApprove,
    /// Register an authenticator for oneself.
    SelfEnrol,
    /// See and manage one's own sessions, authenticators and login history.
    SelfManage,
    /// See the terminal register.
    TerminalRead,
    /// Register a terminal and issue its certificate (a credential).
    TerminalRegister,
    /// Quarantine a terminal (isolate it at once).
    TerminalQuarantine,
    /// Lift a terminal's quarantine.
    TerminalRelease,
    /// Revoke a terminal for good.
    TerminalRevoke,
    /// See who can reach a compartment, or what a person can reach.
    AccessReview,
    /// See the policy set, its versions and proposals.
    PolicyRead,
    /// Propose a policy change (and test it against past decisions).
    PolicyPropose,
    /// Approve a proposed policy change, or roll back to an earlier version.
    PolicyApprove,
    /// Read the audit log: the whole of it (on the gateway) or one
    /// company's entries (on that company).
    AuditRead,
    /// Take a company's verifiable extract of the log.
    AuditExtract,
    /// See the alerts of the log's analysis rules.
    AlertRead,
    /// Acknowledge or close an alert.
    AlertManage,
    /// Grant a user a duty.
    DutyGrant,
    /// Withdraw a user's duty.
    DutyRevoke,
    /// A terminal reports its own posture.
    TerminalReport,
    /// Enter or change a person's line on their company's handler roster.
    RosterSubmit,
    /// Confirm a roster entry (the agency's check; someone other than who
    /// submitted it).
    RosterConfirm,
    /// Take a person off the handler roster.
    RosterRemove,
    /// Record a security training a person took.
    TrainingRecord,
    /// Read a company's roster and training records.
    RecordsRead,
}

impl Action {
    /// The action's id in the schema.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CompartmentView => "compartment.view",
            Self::FileList => "file.list",
            Self::FileRead => "file.read",
            Self::FileUpload => "file.upload",
            Self::FileDelete => "file.delete",
            Self::AdminRead => "admin.read",
            Self::CompanyCreate => "company.create",
            Self::UserCreate => "user.create",
            Self::ContractCreate => "contract.create",
            Self::CompartmentOpen => "compartment.open",
            Self::HandlerDesignate => "handler.designate",
            Self::HandlerRemove => "handler.remove",
            Self::AccountManage => "account.manage",
            Self::AccountResetApprove => "account.reset.approve",
            Self::SelfEnrol => "self.enrol",
            Self::SelfManage => "self.manage",
            Self::TerminalRead => "terminal.read",
            Self::TerminalRegister => "terminal.register",
            Self::TerminalQuarantine => "terminal.quarantine",
            Self::TerminalRelease => "terminal.release",
            Self::TerminalRevoke => "terminal.revoke",
            Self::AccessReview => "access.review",
            Self::PolicyRead => "policy.read",
            Self::PolicyPropose => "policy.propose",
            Self::PolicyApprove => "policy.approve",
            Self::AuditRead => "audit.read",
            Self::AuditExtract => "audit.extract",
            Self::AlertRead => "alert.read",
            Self::AlertManage => "alert.manage",
            Self::DutyGrant => "duty.grant",
            Self::DutyRevoke => "duty.revoke",
            Self::TerminalReport => "terminal.report",
            Self::RosterSubmit => "roster.submit",
            Self::RosterConfirm => "roster.confirm",
            Self::RosterRemove => "roster.remove",
            Self::TrainingRecord => "training.record",
            Self::RecordsRead => "records.read",
        }
    }

    /// Whether the action approves someone's request (its resource is a
    /// [`ChangeRequestFacts`]).
    pub fn targets_change_request(self) -> bool {
        matches!(
            self,
            Self::AccountResetApprove | Self::PolicyApprove | Self::RosterConfirm
        )
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
    /// Duties they hold on top of their role.
    pub duties: Vec<Duty>,
    /// Their status on their company's handler roster, if they are on it.
    pub roster: Option<RosterStatus>,
    /// Seconds since their last recorded security training, if any.
    pub training_age_secs: Option<i64>,
    /// The contracts they handle with a training on designation recorded on
    /// or after the day of that designation.
    pub designation_trained_for: Vec<ContractId>,
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

/// A request someone made that another person approves (an authenticator
/// reset, a policy change): separation of duties is decided on it.
#[derive(Debug, Clone)]
pub struct ChangeRequestFacts {
    /// The request's id.
    pub id: String,
    /// Who asked.
    pub requested_by: UserId,
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
