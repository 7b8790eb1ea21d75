//! What the audit log records. Entries carry ids, never file names or roster
//! personal data, so an exported log leaks nothing by itself.

/// The outcome of an audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The action was carried out.
    Success,
    /// The policy point refused it.
    Denied,
    /// It was allowed but failed (bad input, quota, storage error).
    Failure,
}

impl Outcome {
    /// The stable name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
            Self::Failure => "failure",
        }
    }
}

/// Every audited action, with a stable dotted name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A login attempt.
    Login,
    /// A logout.
    Logout,
    /// A request that needed a session arrived without a valid one.
    Unauthenticated,
    /// A company was registered.
    CompanyCreate,
    /// A user account was registered.
    UserCreate,
    /// A contract was registered.
    ContractCreate,
    /// A contract's compartment was opened.
    CompartmentOpen,
    /// A handler was designated for a contract.
    HandlerDesignate,
    /// A handler was removed from a contract.
    HandlerRemove,
    /// Administrative data was read (lists of companies, users, contracts).
    AdminView,
    /// A compartment's file list was read.
    FileList,
    /// A file was uploaded.
    FileUpload,
    /// A new version of a file was uploaded.
    FileVersionUpload,
    /// A file's version list was read.
    FileVersions,
    /// A file's content was downloaded.
    FileDownload,
    /// A file was marked for disposal (soft delete).
    FileDelete,
    /// The gateway started.
    GatewayStart,
    /// The first operator's one-time credential was created.
    Bootstrap,
    /// A one-time enrolment link was issued for an account.
    EnrolmentIssue,
    /// An account set its password (at enrolment or later).
    PasswordSet,
    /// The second step of a login (WebAuthn, TOTP or recovery code).
    SecondFactor,
    /// A fresh re-authentication for sensitive actions.
    StepUp,
    /// An authenticator (passkey or TOTP) was registered.
    AuthenticatorAdd,
    /// An authenticator was removed.
    AuthenticatorRemove,
    /// New recovery codes were issued.
    RecoveryCodesIssue,
    /// A recovery code was used to sign in.
    RecoveryCodeUse,
    /// A session was revoked by its user or an operator.
    SessionRevoke,
    /// An account was locked after repeated failures.
    AccountLockout,
    /// An operator unlocked an account.
    AccountUnlock,
    /// An operator disabled an account, or the rosters did.
    AccountDisable,
    /// An operator re-enabled an account.
    AccountEnable,
    /// An operator asked for an account's authenticators to be reset.
    AuthenticatorResetRequest,
    /// A second operator approved the reset (it then took effect).
    AuthenticatorResetApprove,
    /// A terminal was registered and its certificate issued.
    TerminalRegister,
    /// A terminal's certificate was issued again (new key or CSR).
    TerminalCertificateIssue,
    /// A terminal was quarantined (isolated).
    TerminalQuarantine,
    /// A terminal's quarantine was lifted.
    TerminalRelease,
    /// A terminal was revoked for good.
    TerminalRevoke,
    /// A TLS connection was refused in the handshake (bad client certificate).
    ConnectionRefused,
    /// A session was presented from another terminal than the one it was
    /// created on.
    SessionTerminalMismatch,
    /// The registers were read: who has access to a compartment, or what a
    /// person can reach.
    AccessReview,
    /// A policy change was proposed.
    PolicyPropose,
    /// A proposed policy change was approved and applied as a new version.
    PolicyApprove,
    /// A proposed policy change was rejected or withdrawn.
    PolicyReject,
    /// The active policy was rolled back to an earlier version.
    PolicyRollback,
    /// A duty (auditor, security administrator) was granted.
    DutyGrant,
    /// A duty was withdrawn.
    DutyRevoke,
    /// The log was read: searched, an entry's proof taken, or exported.
    AuditRead,
    /// A company's verifiable extract was taken.
    AuditExtract,
    /// The sequencer signed a company sub-log's head into the main log.
    /// Its reason is `size=<n> root=<hex>` (see `dsg_audit::CompanyHead`).
    CompanyLogHead,
    /// Entries reached the end of their retention period and their content
    /// was dropped (their leaves stay). Reason: `before=<ms> entries=<n>
    /// through_seq=<k>`.
    AuditExpire,
    /// A terminal reported its posture.
    TerminalPostureReport,
    /// Alerts were read (the list or one alert with its entries).
    AlertView,
    /// An alert was acknowledged (someone is looking into it).
    AlertAcknowledge,
    /// An alert was closed.
    AlertClose,
    /// A person was entered on (or changed on) their company's handler
    /// roster; it awaits the agency's confirmation.
    RosterSubmit,
    /// The agency confirmed a roster entry.
    RosterConfirm,
    /// A person was taken off the handler roster.
    RosterRemove,
    /// A security training was recorded for a person.
    TrainingRecord,
    /// A company's roster and training records were read.
    RecordsView,
    /// A company's handler roster was downloaded (CSV): personal details
    /// leaving the gateway, recorded apart from reading them on a page.
    RecordsExport,
    /// A request failed with a fault in the gateway itself (a panic caught
    /// before it could drop the connection unanswered and unrecorded).
    RequestFault,
    /// A stored file version failed its integrity check (a chunk's tag, its
    /// SHA-256, a missing or truncated blob), on download or in a scrub. The
    /// version is marked damaged in the same transaction. Reason:
    /// `<how it was found>: <what failed>`.
    FileIntegrityFailure,
    /// The stored log contradicts a checkpoint the gateway signed before;
    /// the gateway refuses to start or stops signing. Reason: what is wrong.
    AuditConsistencyFailure,
    /// A scrub read every stored version and checked it. Reason:
    /// `checked=<n> damaged=<n> already_damaged=<n>`.
    StorageScrub,
}

impl AuditAction {
    /// The stable name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "auth.login",
            Self::Logout => "auth.logout",
            Self::Unauthenticated => "auth.unauthenticated",
            Self::CompanyCreate => "company.create",
            Self::UserCreate => "user.create",
            Self::ContractCreate => "contract.create",
            Self::CompartmentOpen => "compartment.open",
            Self::HandlerDesignate => "handler.designate",
            Self::HandlerRemove => "handler.remove",
            Self::AdminView => "admin.view",
            Self::FileList => "file.list",
            Self::FileUpload => "file.upload",
            Self::FileVersionUpload => "file.version.upload",
            Self::FileVersions => "file.versions",
            Self::FileDownload => "file.download",
            Self::FileDelete => "file.delete",
            Self::GatewayStart => "gateway.start",
            Self::Bootstrap => "gateway.bootstrap",
            Self::EnrolmentIssue => "account.enrolment.issue",
            Self::PasswordSet => "auth.password.set",
            Self::SecondFactor => "auth.second_factor",
            Self::StepUp => "auth.step_up",
            Self::AuthenticatorAdd => "auth.authenticator.add",
            Self::AuthenticatorRemove => "auth.authenticator.remove",
            Self::RecoveryCodesIssue => "auth.recovery_codes.issue",
            Self::RecoveryCodeUse => "auth.recovery_code.use",
            Self::SessionRevoke => "auth.session.revoke",
            Self::AccountLockout => "account.lockout",
            Self::AccountUnlock => "account.unlock",
            Self::AccountDisable => "account.disable",
            Self::AccountEnable => "account.enable",
            Self::AuthenticatorResetRequest => "account.reset.request",
            Self::AuthenticatorResetApprove => "account.reset.approve",
            Self::TerminalRegister => "terminal.register",
            Self::TerminalCertificateIssue => "terminal.certificate.issue",
            Self::TerminalQuarantine => "terminal.quarantine",
            Self::TerminalRelease => "terminal.release",
            Self::TerminalRevoke => "terminal.revoke",
            Self::ConnectionRefused => "connection.refused",
            Self::SessionTerminalMismatch => "auth.session.terminal_mismatch",
            Self::AccessReview => "access.review",
            Self::PolicyPropose => "policy.propose",
            Self::PolicyApprove => "policy.approve",
            Self::PolicyReject => "policy.reject",
            Self::PolicyRollback => "policy.rollback",
            Self::DutyGrant => "duty.grant",
            Self::DutyRevoke => "duty.revoke",
            Self::AuditRead => "audit.read",
            Self::AuditExtract => "audit.extract",
            Self::CompanyLogHead => "audit.company_head",
            Self::AuditExpire => "audit.expire",
            Self::TerminalPostureReport => "terminal.posture.report",
            Self::AlertView => "alert.view",
            Self::AlertAcknowledge => "alert.acknowledge",
            Self::AlertClose => "alert.close",
            Self::RosterSubmit => "roster.submit",
            Self::RosterConfirm => "roster.confirm",
            Self::RosterRemove => "roster.remove",
            Self::TrainingRecord => "training.record",
            Self::RecordsView => "records.view",
            Self::RecordsExport => "records.export",
            Self::RequestFault => "request.fault",
            Self::FileIntegrityFailure => "file.integrity_failure",
            Self::StorageScrub => "storage.scrub",
            Self::AuditConsistencyFailure => "audit.consistency_failure",
        }
    }
}

/// One audit entry as the application builds it; the store adds id and time.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Correlates all entries and log lines of one request.
    pub request_id: String,
    /// The acting user, if authenticated.
    pub actor: Option<String>,
    /// The client address as the gateway trusts it.
    pub source: Option<String>,
    /// The registered terminal the request came from (by its client
    /// certificate), if any.
    pub terminal: Option<String>,
    /// What was attempted.
    pub action: AuditAction,
    /// The kind of object acted on (`compartment`, `file`, `user` …).
    pub object_type: &'static str,
    /// The object's id, if any.
    pub object_id: Option<String>,
    /// Success, denied or failure.
    pub outcome: Outcome,
    /// Why: the deciding policy ids, or a stable error code.
    pub reason: String,
    /// The policy decision behind this entry, with what it was decided on.
    pub decision: Option<DecisionEvidence>,
}

/// What a policy decision was made on, kept with the audit entry it
/// justifies: the auditor sees it, and a proposed policy is tested by
/// replaying it (the decision is re-made on the facts of that moment, not
/// on today's data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionEvidence {
    /// The policy version that decided.
    pub policy_version: i64,
    /// Whether it allowed the request.
    pub allowed: bool,
    /// SHA-256 (lowercase hex) of `slice`; it goes into the tamper-evident
    /// entry, so the stored slice cannot be changed unnoticed.
    pub digest: String,
    /// The request and entity slice as the policy engine saw them (JSON:
    /// principal, action, resource, context, entities). Ids and attributes
    /// only: no names, no secrets.
    pub slice: String,
}
