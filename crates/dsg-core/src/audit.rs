//! What the audit log records. Entries carry ids, never file names or roster
//! personal data, so an exported log leaks nothing by itself.

use crate::{CompanyId, CompartmentId, ContractId, FileId, TerminalId, UserId};

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

    /// The outcome of a stored name, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Success, Self::Denied, Self::Failure]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
}

/// Which actions a search of the log asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActionFilter {
    /// One action (`file.download`).
    Exact(AuditAction),
    /// A family: every action whose name starts with this text, which
    /// ends with a dot (`auth.`).
    Family(String),
}

impl AuditActionFilter {
    /// Reads a filter as typed: a name ending in a dot is a family, else it
    /// must name an action. `None` when it names none (it would match no
    /// entry).
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.ends_with('.') {
            return Some(Self::Family(raw.to_owned()));
        }
        AuditAction::parse(raw).map(Self::Exact)
    }
}

/// Declares [`AuditAction`]: each action with the stable dotted name the
/// log stores, so the name is written once, next to the variant.
macro_rules! audit_actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// Every audited action, with a stable dotted name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($(#[$doc])* $variant,)+
        }

        impl AuditAction {
            /// Every action, in declaration order.
            pub const ALL: &'static [AuditAction] = &[$(Self::$variant,)+];

            /// The stable name stored in the log.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// The action of a stored name, if it is one.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

audit_actions! {
    /// A login attempt.
    Login => "auth.login",
    /// A logout.
    Logout => "auth.logout",
    /// A request that needed a session arrived without a valid one.
    Unauthenticated => "auth.unauthenticated",
    /// A company was registered.
    CompanyCreate => "company.create",
    /// A user account was registered.
    UserCreate => "user.create",
    /// A contract was registered.
    ContractCreate => "contract.create",
    /// A contract's compartment was opened.
    CompartmentOpen => "compartment.open",
    /// A handler was designated for a contract.
    HandlerDesignate => "handler.designate",
    /// A handler was removed from a contract.
    HandlerRemove => "handler.remove",
    /// Administrative data was read (lists of companies, users, contracts).
    AdminView => "admin.view",
    /// A compartment's file list was read.
    FileList => "file.list",
    /// A file was uploaded.
    FileUpload => "file.upload",
    /// A new version of a file was uploaded.
    FileVersionUpload => "file.version.upload",
    /// A file's version list was read.
    FileVersions => "file.versions",
    /// A file's content was downloaded.
    FileDownload => "file.download",
    /// A file was marked for disposal (soft delete).
    FileDelete => "file.delete",
    /// The gateway started.
    GatewayStart => "gateway.start",
    /// The first operator's one-time credential was created.
    Bootstrap => "gateway.bootstrap",
    /// A one-time enrolment link was issued for an account.
    EnrolmentIssue => "account.enrolment.issue",
    /// An account set its password (at enrolment or later).
    PasswordSet => "auth.password.set",
    /// The second step of a login (WebAuthn, TOTP or recovery code).
    SecondFactor => "auth.second_factor",
    /// A fresh re-authentication for sensitive actions.
    StepUp => "auth.step_up",
    /// An authenticator (passkey or TOTP) was registered.
    AuthenticatorAdd => "auth.authenticator.add",
    /// An authenticator was removed.
    AuthenticatorRemove => "auth.authenticator.remove",
    /// New recovery codes were issued.
    RecoveryCodesIssue => "auth.recovery_codes.issue",
    /// A recovery code was used to sign in.
    RecoveryCodeUse => "auth.recovery_code.use",
    /// A session was revoked by its user or an operator.
    SessionRevoke => "auth.session.revoke",
    /// An account was locked after repeated failures.
    AccountLockout => "account.lockout",
    /// An operator unlocked an account.
    AccountUnlock => "account.unlock",
    /// An operator disabled an account, or the rosters did.
    AccountDisable => "account.disable",
    /// An operator re-enabled an account.
    AccountEnable => "account.enable",
    /// An operator asked for an account's authenticators to be reset.
    AuthenticatorResetRequest => "account.reset.request",
    /// A second operator approved the reset (it then took effect).
    AuthenticatorResetApprove => "account.reset.approve",
    /// A terminal was registered and its certificate issued.
    TerminalRegister => "terminal.register",
    /// A terminal's certificate was issued again (new key or CSR).
    TerminalCertificateIssue => "terminal.certificate.issue",
    /// A terminal was quarantined (isolated).
    TerminalQuarantine => "terminal.quarantine",
    /// A terminal's quarantine was lifted.
    TerminalRelease => "terminal.release",
    /// A terminal was revoked for good.
    TerminalRevoke => "terminal.revoke",
    /// A TLS connection was refused in the handshake (bad client certificate).
    ConnectionRefused => "connection.refused",
    /// A session was presented from another terminal than the one it was
    /// created on.
    SessionTerminalMismatch => "auth.session.terminal_mismatch",
    /// The registers were read: who has access to a compartment, or what a
    /// person can reach.
    AccessReview => "access.review",
    /// A policy change was proposed.
    PolicyPropose => "policy.propose",
    /// A proposed policy change was approved and applied as a new version.
    PolicyApprove => "policy.approve",
    /// A proposed policy change was rejected or withdrawn.
    PolicyReject => "policy.reject",
    /// The active policy was rolled back to an earlier version.
    PolicyRollback => "policy.rollback",
    /// A duty (auditor, security administrator) was granted.
    DutyGrant => "duty.grant",
    /// A duty was withdrawn.
    DutyRevoke => "duty.revoke",
    /// The log was read: searched, an entry's proof taken, or exported.
    AuditRead => "audit.read",
    /// A company's verifiable extract was taken.
    AuditExtract => "audit.extract",
    /// The sequencer signed a company sub-log's head into the main log.
    /// Its reason is `size=<n> root=<hex>` (see `dsg_audit::CompanyHead`).
    CompanyLogHead => "audit.company_head",
    /// Entries reached the end of their retention period and their content
    /// was dropped (their leaves stay). Reason: `before=<ms> entries=<n>
    /// through_seq=<k>`.
    AuditExpire => "audit.expire",
    /// A terminal reported its posture.
    TerminalPostureReport => "terminal.posture.report",
    /// Alerts were read (the list or one alert with its entries).
    AlertView => "alert.view",
    /// An alert was acknowledged (someone is looking into it).
    AlertAcknowledge => "alert.acknowledge",
    /// An alert was closed.
    AlertClose => "alert.close",
    /// A person was entered on (or changed on) their company's handler
    /// roster; it awaits the agency's confirmation.
    RosterSubmit => "roster.submit",
    /// The agency confirmed a roster entry.
    RosterConfirm => "roster.confirm",
    /// A person was taken off the handler roster.
    RosterRemove => "roster.remove",
    /// A security training was recorded for a person.
    TrainingRecord => "training.record",
    /// A company's roster and training records were read.
    RecordsView => "records.view",
    /// A company's handler roster was downloaded (CSV): personal details
    /// leaving the gateway, recorded apart from reading them on a page.
    RecordsExport => "records.export",
    /// A request failed with a fault in the gateway itself (a panic caught
    /// before it could drop the connection unanswered and unrecorded).
    RequestFault => "request.fault",
    /// A stored file version failed its integrity check (a chunk's tag, its
    /// SHA-256, a missing or truncated blob), on download or in a scrub. The
    /// version is marked damaged in the same transaction. Reason:
    /// `<how it was found>: <what failed>`.
    FileIntegrityFailure => "file.integrity_failure",
    /// The stored log contradicts a checkpoint the gateway signed before;
    /// the gateway refuses to start or stops signing. Reason: what is wrong.
    AuditConsistencyFailure => "audit.consistency_failure",
    /// A scrub read every stored version and checked it. Reason:
    /// `checked=<n> damaged=<n> already_damaged=<n>`.
    StorageScrub => "storage.scrub",
    /// The names of files stored before names were sealed were sealed
    /// under their compartments' keys, at the gateway's start. Reason:
    /// `files=<n>`.
    FileNamesSeal => "file.names.seal",
    /// A company filed an application (a software request …). Reason: how
    /// it was screened on filing (`awaiting_agency`, `whitelisted`, or the
    /// refusal: `online_installation`, `online_updates`, `blacklisted`).
    ApplicationFile => "application.file",
    /// Applications were read (one, a list, an inbox).
    ApplicationView => "application.view",
    /// The agency approved an application.
    ApplicationApprove => "application.approve",
    /// The agency returned an application for more material.
    ApplicationReturn => "application.return",
    /// The agency rejected an application.
    ApplicationReject => "application.reject",
    /// The company filed a returned application again.
    ApplicationResubmit => "application.resubmit",
    /// The company withdrew an application.
    ApplicationWithdraw => "application.withdraw",
    /// The software lists (white and black) were read.
    SoftwareListView => "software_list.view",
    /// A new version of the software lists was put in force.
    SoftwareListChange => "software_list.change",
    /// One of the agency's own staff was designated an agency participant
    /// of a contract (reaches its compartment). Reason carries `user=<id>`.
    ParticipantDesignate => "participant.designate",
    /// An agency participant's designation was removed.
    ParticipantRemove => "participant.remove",
    /// The files of a compartment awaiting disposal were listed.
    DisposalView => "disposal.view",
    /// The disposal of a file marked for it was recorded by who performed
    /// it. Reason carries `method=<method>`.
    DisposalRecord => "disposal.record",
    /// Another person confirmed a recorded disposal: the file's data keys
    /// were destroyed in the same transaction.
    DisposalConfirm => "disposal.confirm",
    /// A party completed a step of its own work on an application (the
    /// provider's survey, works, router, terminal setup; the company's
    /// connection test).
    ApplicationStep => "application.step",
    /// The agency adjusted an application's schedule (a step's due date).
    ApplicationScheduleAdjust => "application.schedule.adjust",
    /// A company's compliance view (or the agency's table of every
    /// company) was read. Reason carries `catalogue=<version>`.
    ComplianceView => "compliance.view",
    /// The day's snapshot of the compliance statuses was written. Reason
    /// carries the day, the catalogue version and the number of companies.
    ComplianceSnapshot => "compliance.snapshot",
    /// A named person's attestation of a requirement the gateway cannot
    /// see was recorded. Reason carries `requirement=<id>`.
    ComplianceAttest => "compliance.attest",
    /// A protected-system user's written consent (保護システム利用の同意)
    /// was recorded. Reason: the decision and the day it was signed.
    ConsentRecord => "consent.record",
    /// A protected-system user's consent was withdrawn (they left the
    /// user roster): they reach no data from their next request on.
    ConsentWithdraw => "consent.withdraw",
    /// A company role (経営者等, 総括者, 管理者 …) was designated. Reason:
    /// the decision and the role.
    RoleDesignate => "role.designate",
    /// A company role designation was withdrawn.
    RoleRevoke => "role.revoke",
    /// An operator changed a company's registered name.
    CompanyRename => "company.rename",
    /// A compartment's inventory (目録) or the open items were read.
    LedgerView => "ledger.view",
    /// An item or event was entered in the inventory by hand (paper,
    /// media, a copy's carrying out, return or destruction). Reason
    /// carries `item=<id>;event=<kind>`.
    LedgerEntry => "ledger.entry",
    /// A manager permitted carrying out or sending an item (第6-4).
    LedgerPermit => "ledger.permit",
    /// Another person confirmed an item's return or destruction: it closed.
    LedgerCheck => "ledger.check",
    /// An online backup was taken (`dsg admin backup create`): the
    /// database snapshot, the blobs it refers to and a signed manifest.
    /// Reason carries `backup=<id>`, the counts and the manifest's SHA-256.
    BackupCreate => "backup.create",
    /// A backup was restored into a scratch directory and checked (its
    /// manifest, every stored version decrypted, the audit log verified):
    /// the restore test's evidence. Failure when anything did not hold.
    BackupRestoreTest => "backup.restore_test",
    /// A help-desk ticket was filed. Reason carries the decision and
    /// `category=<c>;priority=<p>`.
    TicketFile => "ticket.file",
    /// A ticket, its thread or a list of tickets was read.
    TicketView => "ticket.view",
    /// A step was taken on a ticket (an answer, a reply, resolved …).
    /// Reason carries `step=<action>`; the message is in the thread.
    TicketStep => "ticket.step",
    /// A compartment's end (phase, instructions, requests) was read.
    ContractEndView => "contract_end.view",
    /// The company asked to keep a contract's information past its end
    /// (第6-7(2)). Reason carries `request=<id>;until=<date>`.
    KeepingRequest => "contract_end.keeping.request",
    /// The agency approved an extension of keeping.
    KeepingApprove => "contract_end.keeping.approve",
    /// The agency refused an extension of keeping.
    KeepingRefuse => "contract_end.keeping.refuse",
    /// An agency person proposed to close a compartment.
    CompartmentCloseProposal => "compartment.close.propose",
    /// Another agency person approved the closing: the compartment key
    /// was destroyed (crypto-shredding), its blobs deleted.
    CompartmentClose => "compartment.close",
    /// An account whose only contract ended expired with it.
    AccountExpire => "account.expire",
}

/// What an audited action was done to. Its type name and id are stored as
/// two columns (`object_type`, `object_id`) and go into the hash-chained
/// canonical entry, so [`AuditObject::type_name`] must never change for an
/// existing variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditObject {
    /// The gateway as a whole (gateway-wide decisions, start, bootstrap).
    Gateway,
    /// A company; `None` when the caller has none (an anonymous read).
    Company(Option<CompanyId>),
    /// A company as a search named it (the id may name nothing).
    RequestedCompany(String),
    /// A user account.
    User(UserId),
    /// A sign-in attempt for a name that matches no account.
    UnknownUser,
    /// A contract.
    Contract(ContractId),
    /// A compartment.
    Compartment(CompartmentId),
    /// A stored file.
    File(FileId),
    /// One version of a stored file (stored as `<file id>@<version>`).
    FileVersion(FileId, u32),
    /// A compartment as a request named it: the id may be malformed or
    /// name nothing (denials and failures record what was asked for).
    RequestedCompartment(String),
    /// A file as a request named it; see [`Self::RequestedCompartment`].
    RequestedFile(String),
    /// A registered terminal; `None` when a request needed one and came
    /// from none.
    Terminal(Option<TerminalId>),
    /// A session, by its public id.
    Session(String),
    /// An authenticator (passkey credential id or TOTP), if known.
    Authenticator(Option<String>),
    /// An enrolment link that could not be resolved.
    Enrolment,
    /// A TLS connection refused before any request.
    Connection,
    /// The policy set, or one version of it.
    Policy(Option<i64>),
    /// A change request awaiting a second person (a reset, a policy).
    ChangeRequest(String),
    /// The alert register, or one alert.
    Alert(Option<String>),
    /// The audit log as a whole.
    AuditLog,
    /// One audit entry, by its id.
    AuditEntry(String),
    /// A company's sub-log (its signed head). Not [`Self::Company`]: the
    /// head is not an entry of the sub-log it describes.
    CompanyLog(String),
    /// A client address (login attempts refused by rate), if known.
    Source(Option<String>),
    /// A request known only by its path (an unauthenticated request, a
    /// fault).
    Path(String),
    /// An application (申請), by its id as named (it may name nothing).
    Application(String),
    /// The software lists, or one version of them.
    SoftwareList(Option<i64>),
}

impl AuditObject {
    /// The stable type name stored in the log.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Gateway => "gateway",
            Self::Company(_) | Self::RequestedCompany(_) => "company",
            Self::User(_) | Self::UnknownUser => "user",
            Self::Contract(_) => "contract",
            Self::Compartment(_) | Self::RequestedCompartment(_) => "compartment",
            Self::File(_) | Self::FileVersion(..) | Self::RequestedFile(_) => "file",
            Self::Terminal(_) => "terminal",
            Self::Session(_) => "session",
            Self::Authenticator(_) => "authenticator",
            Self::Enrolment => "enrolment",
            Self::Connection => "connection",
            Self::Policy(_) => "policy",
            Self::ChangeRequest(_) => "request",
            Self::Alert(_) => "alert",
            Self::AuditLog => "audit_log",
            Self::AuditEntry(_) => "audit_entry",
            Self::CompanyLog(_) => "company_log",
            Self::Source(_) => "source",
            Self::Path(_) => "path",
            Self::Application(_) => "application",
            Self::SoftwareList(_) => "software_list",
        }
    }

    /// The object's id as stored, if it has one.
    pub fn id(&self) -> Option<String> {
        match self {
            Self::Gateway
            | Self::UnknownUser
            | Self::Enrolment
            | Self::Connection
            | Self::AuditLog => None,
            Self::Company(id) => id.map(|id| id.to_string()),
            Self::User(id) => Some(id.to_string()),
            Self::Contract(id) => Some(id.to_string()),
            Self::Compartment(id) => Some(id.to_string()),
            Self::File(id) => Some(id.to_string()),
            Self::FileVersion(id, version) => Some(format!("{id}@{version}")),
            Self::Terminal(id) => id.map(|id| id.to_string()),
            Self::Policy(version) | Self::SoftwareList(version) => version.map(|v| v.to_string()),
            Self::Authenticator(id) | Self::Alert(id) | Self::Source(id) => id.clone(),
            Self::Session(id)
            | Self::ChangeRequest(id)
            | Self::AuditEntry(id)
            | Self::CompanyLog(id)
            | Self::RequestedCompany(id)
            | Self::RequestedCompartment(id)
            | Self::RequestedFile(id)
            | Self::Path(id)
            | Self::Application(id) => Some(id.clone()),
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
    /// The object acted on.
    pub object: AuditObject,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The string forms go into the hash-chained canonical entries that
    /// are verified offline: changing one breaks every existing log.
    #[test]
    fn stored_action_names_never_change() {
        let pinned = [
            (AuditAction::Login, "auth.login"),
            (AuditAction::Logout, "auth.logout"),
            (AuditAction::Unauthenticated, "auth.unauthenticated"),
            (AuditAction::CompanyCreate, "company.create"),
            (AuditAction::UserCreate, "user.create"),
            (AuditAction::ContractCreate, "contract.create"),
            (AuditAction::CompartmentOpen, "compartment.open"),
            (AuditAction::HandlerDesignate, "handler.designate"),
            (AuditAction::HandlerRemove, "handler.remove"),
            (AuditAction::AdminView, "admin.view"),
            (AuditAction::FileList, "file.list"),
            (AuditAction::FileUpload, "file.upload"),
            (AuditAction::FileVersionUpload, "file.version.upload"),
            (AuditAction::FileVersions, "file.versions"),
            (AuditAction::FileDownload, "file.download"),
            (AuditAction::FileDelete, "file.delete"),
            (AuditAction::GatewayStart, "gateway.start"),
            (AuditAction::Bootstrap, "gateway.bootstrap"),
            (AuditAction::EnrolmentIssue, "account.enrolment.issue"),
            (AuditAction::PasswordSet, "auth.password.set"),
            (AuditAction::SecondFactor, "auth.second_factor"),
            (AuditAction::StepUp, "auth.step_up"),
            (AuditAction::AuthenticatorAdd, "auth.authenticator.add"),
            (
                AuditAction::AuthenticatorRemove,
                "auth.authenticator.remove",
            ),
            (AuditAction::RecoveryCodesIssue, "auth.recovery_codes.issue"),
            (AuditAction::RecoveryCodeUse, "auth.recovery_code.use"),
            (AuditAction::SessionRevoke, "auth.session.revoke"),
            (AuditAction::AccountLockout, "account.lockout"),
            (AuditAction::AccountUnlock, "account.unlock"),
            (AuditAction::AccountDisable, "account.disable"),
            (AuditAction::AccountEnable, "account.enable"),
            (
                AuditAction::AuthenticatorResetRequest,
                "account.reset.request",
            ),
            (
                AuditAction::AuthenticatorResetApprove,
                "account.reset.approve",
            ),
            (AuditAction::TerminalRegister, "terminal.register"),
            (
                AuditAction::TerminalCertificateIssue,
                "terminal.certificate.issue",
            ),
            (AuditAction::TerminalQuarantine, "terminal.quarantine"),
            (AuditAction::TerminalRelease, "terminal.release"),
            (AuditAction::TerminalRevoke, "terminal.revoke"),
            (AuditAction::ConnectionRefused, "connection.refused"),
            (
                AuditAction::SessionTerminalMismatch,
                "auth.session.terminal_mismatch",
            ),
            (AuditAction::AccessReview, "access.review"),
            (AuditAction::PolicyPropose, "policy.propose"),
            (AuditAction::PolicyApprove, "policy.approve"),
            (AuditAction::PolicyReject, "policy.reject"),
            (AuditAction::PolicyRollback, "policy.rollback"),
            (AuditAction::DutyGrant, "duty.grant"),
            (AuditAction::DutyRevoke, "duty.revoke"),
            (AuditAction::AuditRead, "audit.read"),
            (AuditAction::AuditExtract, "audit.extract"),
            (AuditAction::CompanyLogHead, "audit.company_head"),
            (AuditAction::AuditExpire, "audit.expire"),
            (
                AuditAction::TerminalPostureReport,
                "terminal.posture.report",
            ),
            (AuditAction::AlertView, "alert.view"),
            (AuditAction::AlertAcknowledge, "alert.acknowledge"),
            (AuditAction::AlertClose, "alert.close"),
            (AuditAction::RosterSubmit, "roster.submit"),
            (AuditAction::RosterConfirm, "roster.confirm"),
            (AuditAction::RosterRemove, "roster.remove"),
            (AuditAction::TrainingRecord, "training.record"),
            (AuditAction::RecordsView, "records.view"),
            (AuditAction::RecordsExport, "records.export"),
            (AuditAction::RequestFault, "request.fault"),
            (AuditAction::FileIntegrityFailure, "file.integrity_failure"),
            (
                AuditAction::AuditConsistencyFailure,
                "audit.consistency_failure",
            ),
            (AuditAction::StorageScrub, "storage.scrub"),
            (AuditAction::FileNamesSeal, "file.names.seal"),
            (AuditAction::ApplicationFile, "application.file"),
            (AuditAction::ApplicationView, "application.view"),
            (AuditAction::ApplicationApprove, "application.approve"),
            (AuditAction::ApplicationReturn, "application.return"),
            (AuditAction::ApplicationReject, "application.reject"),
            (AuditAction::ApplicationResubmit, "application.resubmit"),
            (AuditAction::ApplicationWithdraw, "application.withdraw"),
            (AuditAction::SoftwareListView, "software_list.view"),
            (AuditAction::SoftwareListChange, "software_list.change"),
            (AuditAction::ParticipantDesignate, "participant.designate"),
            (AuditAction::ParticipantRemove, "participant.remove"),
            (AuditAction::DisposalView, "disposal.view"),
            (AuditAction::DisposalRecord, "disposal.record"),
            (AuditAction::DisposalConfirm, "disposal.confirm"),
            (AuditAction::ApplicationStep, "application.step"),
            (
                AuditAction::ApplicationScheduleAdjust,
                "application.schedule.adjust",
            ),
            (AuditAction::ComplianceView, "compliance.view"),
            (AuditAction::ComplianceSnapshot, "compliance.snapshot"),
            (AuditAction::ComplianceAttest, "compliance.attest"),
            (AuditAction::ConsentRecord, "consent.record"),
            (AuditAction::ConsentWithdraw, "consent.withdraw"),
            (AuditAction::RoleDesignate, "role.designate"),
            (AuditAction::RoleRevoke, "role.revoke"),
            (AuditAction::CompanyRename, "company.rename"),
            (AuditAction::LedgerView, "ledger.view"),
            (AuditAction::LedgerEntry, "ledger.entry"),
            (AuditAction::LedgerPermit, "ledger.permit"),
            (AuditAction::LedgerCheck, "ledger.check"),
            (AuditAction::BackupCreate, "backup.create"),
            (AuditAction::BackupRestoreTest, "backup.restore_test"),
            (AuditAction::TicketFile, "ticket.file"),
            (AuditAction::TicketView, "ticket.view"),
            (AuditAction::TicketStep, "ticket.step"),
            (AuditAction::ContractEndView, "contract_end.view"),
            (AuditAction::KeepingRequest, "contract_end.keeping.request"),
            (AuditAction::KeepingApprove, "contract_end.keeping.approve"),
            (AuditAction::KeepingRefuse, "contract_end.keeping.refuse"),
            (
                AuditAction::CompartmentCloseProposal,
                "compartment.close.propose",
            ),
            (AuditAction::CompartmentClose, "compartment.close"),
            (AuditAction::AccountExpire, "account.expire"),
        ];
        for (action, name) in pinned {
            assert_eq!(action.as_str(), name);
        }
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
        }
        assert_eq!(AuditAction::parse("auth."), None);
        assert_eq!(AuditAction::ALL.len(), pinned.len());
        assert_eq!(pinned.len(), 106, "a new action joins this list");
    }

    #[test]
    fn outcomes_and_action_filters_parse_their_stored_names() {
        for o in [Outcome::Success, Outcome::Denied, Outcome::Failure] {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("Success"), None);
        assert_eq!(
            AuditActionFilter::parse("file.download"),
            Some(AuditActionFilter::Exact(AuditAction::FileDownload))
        );
        assert_eq!(
            AuditActionFilter::parse("auth."),
            Some(AuditActionFilter::Family("auth.".into()))
        );
        assert_eq!(AuditActionFilter::parse("file.shred"), None);
    }

    #[test]
    fn stored_object_type_names_never_change() {
        let user = UserId::random();
        let pinned = [
            (AuditObject::Gateway, "gateway", None),
            (
                AuditObject::Company(Some(CompanyId::random())),
                "company",
                Some(()),
            ),
            (AuditObject::Company(None), "company", None),
            (
                AuditObject::RequestedCompany("x".into()),
                "company",
                Some(()),
            ),
            (AuditObject::User(user), "user", Some(())),
            (AuditObject::UnknownUser, "user", None),
            (
                AuditObject::Contract(ContractId::random()),
                "contract",
                Some(()),
            ),
            (
                AuditObject::Compartment(CompartmentId::random()),
                "compartment",
                Some(()),
            ),
            (AuditObject::File(FileId::random()), "file", Some(())),
            (
                AuditObject::FileVersion(FileId::random(), 2),
                "file",
                Some(()),
            ),
            (
                AuditObject::RequestedCompartment("x".into()),
                "compartment",
                Some(()),
            ),
            (AuditObject::RequestedFile("x".into()), "file", Some(())),
            (
                AuditObject::Terminal(Some(TerminalId::random())),
                "terminal",
                Some(()),
            ),
            (AuditObject::Terminal(None), "terminal", None),
            (AuditObject::Session("s".into()), "session", Some(())),
            (AuditObject::Authenticator(None), "authenticator", None),
            (AuditObject::Enrolment, "enrolment", None),
            (AuditObject::Connection, "connection", None),
            (AuditObject::Policy(Some(3)), "policy", Some(())),
            (AuditObject::ChangeRequest("r".into()), "request", Some(())),
            (AuditObject::Alert(None), "alert", None),
            (AuditObject::AuditLog, "audit_log", None),
            (AuditObject::AuditEntry("1".into()), "audit_entry", Some(())),
            (AuditObject::CompanyLog("c".into()), "company_log", Some(())),
            (AuditObject::Source(None), "source", None),
            (AuditObject::Path("/x".into()), "path", Some(())),
            (
                AuditObject::Application("a".into()),
                "application",
                Some(()),
            ),
            (AuditObject::SoftwareList(None), "software_list", None),
        ];
        for (object, name, has_id) in pinned {
            assert_eq!(object.type_name(), name);
            assert_eq!(object.id().is_some(), has_id.is_some(), "{name}");
        }
        assert_eq!(AuditObject::User(user).id(), Some(user.to_string()));
        assert_eq!(AuditObject::Policy(Some(3)).id().as_deref(), Some("3"));
        let file = FileId::random();
        assert_eq!(
            AuditObject::FileVersion(file, 2).id(),
            Some(format!("{file}@2"))
        );
    }
}
