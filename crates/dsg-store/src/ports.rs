//! The store as the use cases see it: one narrow port per area, each the
//! set of reads and changes a group of use cases needs. `dsg-app` holds the
//! store only as these traits (`Arc<dyn OrgRegister>`, …), so a use case can
//! reach no more of the database than its port offers, and a port can be
//! served by something other than [`Store`] in a test.
//!
//! The traits live here rather than in `dsg-core` because their arguments
//! and results are the store's row types (`SessionRow`, `AlertRow`, …) and
//! its error: they are shapes of what is stored, not domain types (see
//! ARCHITECTURE.md). They are declarations only; [`Store`] serves every one
//! by forwarding to its own method of the same name, which carries the
//! documentation.
//!
//! Every change among them takes the audit entry it commits with (see
//! `audited.rs`).

use std::collections::{HashMap, HashSet};

use dsg_core::compliance::{CompanyFacts, GatewayFacts};

use dsg_core::{
    AccountStatus, AlertChange, AlertStatus, AuditRecord, Company, CompanyId, Compartment,
    CompartmentId, Contract, ContractId, Designation, DisposalId, Duty, EndRequestId, FileId,
    FileVersion, LedgerEventId, LedgerItemId, LedgerState, RoleDesignationId, Terminal, TerminalId,
    TerminalStatus, User, UserId,
};

use crate::{
    AlertRow, ApplicationStepRow, AttestationRow, AuditHit, AuditQuery, ChangeEffect,
    ClosedCompartment, ConsentRow, DamagedVersion, DeviceRow, DisposalCandidate, DisposalRow,
    EndRequestRow, Expired, FactGeneration, FailureCounts, HandlerRow, IssuedCertificate,
    LedgerEventRow, LedgerItemRow, LoginAttempt, MediaRequestRow, MediumRow, MembershipChangeRow,
    MembershipEffects, MembershipRow, NewAuthenticator, NewCopy, NewFileVersion, NewLedgerEvent,
    NewPolicyVersion, NewUser, NoticeRow, OpenApplicationRow, PendingCeremony, PersonFacts,
    PersonRow, PlainNamedFile, PolicyVersionRow, RecordedDecision, RequestEffect, ResetRow,
    RoleCounts, RoleRow, RosterRow, ScheduleLineRow, SealedName, SequencedEvent, SessionRow,
    SnapshotRow, SoftwareListVersionRow, SoftwareRequestRow, Standing, Store, StoreError,
    StoredAuditEvent, StoredAuditKey, StoredCheckpoint, StoredFile, StoredTerminalCa,
    StoredVersion, TerminalRequestRow, TicketMarks, TicketRow, TotpRow, TrainingRow, Transition,
    UploadTarget, UserCredentials, WebauthnCredentialRow,
};

mod tasks;

pub use tasks::{AlertRaising, LogFollowing, LogSequencing};

/// Builds the entry of an audit expiry run from what it expired (see
/// [`Store::expire_audit_content`]).
pub type ExpiryRecord = Box<dyn FnOnce(Expired) -> AuditRecord + Send>;

/// Declares each port and serves it from [`Store`] by forwarding every
/// method to the inherent one of the same name.
macro_rules! ports {
    ($(
        $(#[$port_doc:meta])*
        pub trait $port:ident {
            $(fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;)*
        }
    )*) => {$(
        $(#[$port_doc])*
        #[async_trait::async_trait]
        pub trait $port: Send + Sync {
            $(
                #[doc = concat!("See [`Store::", stringify!($name), "`].")]
                async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, StoreError>;
            )*
        }

        #[async_trait::async_trait]
        impl $port for Store {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, StoreError> {
                    Store::$name(self $(, $arg)*).await
                }
            )*
        }
    )*};
}
use ports;

ports! {
    /// Companies, users, contracts, compartments and handler designations.
    pub trait OrgRegister {
        fn has_no_users(&self) -> bool;
        fn create_company(&self, company: &Company, now_ms: i64, audit: &AuditRecord) -> ();
        fn rename_company(&self, company: CompanyId, name: &str, now_ms: i64, audit: &AuditRecord) -> ();
        fn list_companies(&self) -> Vec<Company>;
        fn company(&self, id: CompanyId) -> Option<Company>;
        fn create_user(
            &self,
            user: &NewUser,
            enrolment: (&str, i64),
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn user(&self, id: UserId) -> Option<User>;
        fn credentials(&self, username: &str) -> Option<UserCredentials>;
        fn list_users(&self) -> Vec<User>;
        fn users_of_company(&self, company: CompanyId) -> Vec<User>;
        fn create_contract(&self, contract: &Contract, now_ms: i64, audit: &AuditRecord) -> ();
        fn contract(&self, id: ContractId) -> Option<Contract>;
        fn list_contracts(&self) -> Vec<Contract>;
        fn contracts_of_company(&self, company: CompanyId) -> Vec<Contract>;
        fn open_compartment(
            &self,
            compartment: &Compartment,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn compartment(&self, id: &str) -> Option<Compartment>;
        fn compartment_at(&self, at: FactGeneration, id: &str) -> Option<Compartment>;
        fn list_compartments(&self) -> Vec<Compartment>;
        fn designate(
            &self,
            designation: Designation,
            on: (ContractId, UserId),
            by: UserId,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn remove_handler(
            &self,
            contract: ContractId,
            user: UserId,
            now_ms: i64,
            audit: &AuditRecord,
            disable_if_last: Option<&AuditRecord>,
        ) -> bool;
        fn handlers(&self, contract: ContractId) -> Vec<HandlerRow>;
        fn contracts_handled_by(&self, user: UserId) -> Vec<ContractId>;
        fn handler_designations(&self) -> Vec<(ContractId, UserId)>;
        fn remove_participant(
            &self,
            contract: ContractId,
            user: UserId,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn participants(&self, contract: ContractId) -> Vec<HandlerRow>;
        fn participant_designations(&self) -> Vec<(ContractId, UserId)>;
    }

    /// Files and their versions in the compartments.
    pub trait FileRegister {
        fn disposal_candidates(&self, compartment: CompartmentId) -> Vec<DisposalCandidate>;
        fn disposal(&self, compartment: CompartmentId, id: DisposalId) -> Option<DisposalRow>;
        fn record_disposal(&self, disposal: &DisposalRow, audit: &AuditRecord) -> ();
        fn confirm_disposal(
            &self,
            compartment: CompartmentId,
            id: DisposalId,
            checker: UserId,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> Vec<String>;
        fn list_files(&self, compartment: CompartmentId) -> Vec<StoredFile>;
        fn file(&self, compartment: CompartmentId, file: FileId) -> Option<StoredFile>;
        fn versions(&self, file: FileId) -> Vec<FileVersion>;
        fn version(&self, file: FileId, version: u32) -> Option<FileVersion>;
        fn version_damage(&self, file: FileId, version: u32) -> Option<String>;
        fn mark_damaged(
            &self,
            file: FileId,
            version: u32,
            now_ms: i64,
            damage: &str,
            record: &AuditRecord,
        ) -> bool;
        fn stored_versions(&self, after: Option<(FileId, u32)>, limit: i64) -> Vec<StoredVersion>;
        fn damaged_versions(&self) -> Vec<DamagedVersion>;
        fn commit_upload(
            &self,
            compartment: CompartmentId,
            target: &UploadTarget,
            blob: &NewFileVersion,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn mark_for_disposal(
            &self,
            compartment: CompartmentId,
            file: FileId,
            by: UserId,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn blob_in_use(&self, blob_key: &str) -> bool;
        fn ledger_items(&self, compartment: CompartmentId) -> Vec<LedgerItemRow>;
        fn ledger_item(&self, compartment: CompartmentId, id: LedgerItemId) -> Option<LedgerItemRow>;
        fn ledger_events(&self, compartment: CompartmentId) -> Vec<LedgerEventRow>;
        fn ledger_event(&self, item: LedgerItemId, id: LedgerEventId) -> Option<LedgerEventRow>;
        fn add_ledger_item(
            &self,
            item: &LedgerItemRow,
            opening: &NewLedgerEvent,
            audit: &AuditRecord,
        ) -> ();
        fn append_ledger_event(
            &self,
            event: &NewLedgerEvent,
            states: (LedgerState, LedgerState),
            audit: &AuditRecord,
        ) -> ();
        fn record_copy(&self, copy: &NewCopy, audit: &AuditRecord) -> ();
        fn end_requests(&self, compartment: CompartmentId) -> Vec<EndRequestRow>;
        fn end_request(&self, compartment: CompartmentId, id: EndRequestId) -> Option<EndRequestRow>;
        fn unclosed_ledger_items(&self, compartment: CompartmentId) -> u64;
        fn add_end_request(&self, request: &EndRequestRow, audit: &AuditRecord) -> ();
        fn decide_extension(
            &self,
            request: &EndRequestRow,
            decision: (UserId, bool, &str),
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn refuse_close(
            &self,
            request: &EndRequestRow,
            decision: (UserId, &str),
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn close_compartment(
            &self,
            request: &EndRequestRow,
            decision: (UserId, &str),
            now_ms: i64,
            audits: (&AuditRecord, &AuditRecord),
        ) -> ClosedCompartment;
        fn plain_named_files(&self) -> Vec<PlainNamedFile>;
        fn seal_file_names(
            &self,
            names: &[(FileId, SealedName)],
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
    }

    /// Sign-in factors, enrolment, authenticator resets, account status and
    /// the login history.
    pub trait CredentialStore {
        fn issue_enrolment_token(
            &self,
            user: UserId,
            token_hash: &str,
            now_ms: i64,
            expires_at: i64,
            audit: &AuditRecord,
        ) -> ();
        fn enrolment_token_user(&self, token_hash: &str, now_ms: i64) -> Option<UserId>;
        fn set_password(
            &self,
            user: UserId,
            phc: &str,
            keep: Option<&str>,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn add_authenticator(
            &self,
            user: UserId,
            new: &NewAuthenticator,
            keep: Option<&str>,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn remove_totp(
            &self,
            user: UserId,
            keep: Option<&str>,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> bool;
        fn credentials_of(&self, user: UserId) -> Vec<WebauthnCredentialRow>;
        fn credential_used(&self, credential_id: &str, passkey: &str, now_ms: i64) -> ();
        fn remove_credential(
            &self,
            user: UserId,
            id: &str,
            keep: Option<&str>,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> bool;
        fn totp(&self, user: UserId) -> Option<TotpRow>;
        fn claim_totp_step(&self, user: UserId, step: u64, now_ms: i64) -> bool;
        fn claim_recovery_code(&self, user: UserId, code_hash: &str, now_ms: i64) -> bool;
        fn recovery_codes_left(&self, user: UserId) -> i64;
        fn replace_recovery_codes(
            &self,
            user: UserId,
            hashes: &[String],
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn record_login_attempt(
            &self,
            attempt: &LoginAttempt,
            audit_record: &AuditRecord,
            lock: Option<(i64, &AuditRecord)>,
        ) -> ();
        fn recent_failures(&self, user: UserId, since: i64) -> i64;
        fn failure_counts(&self, user: UserId, since: i64) -> FailureCounts;
        fn failure_counts_from(&self, user: UserId, source: &str, since: i64) -> FailureCounts;
        fn failures_since_previous_login(&self, user: UserId) -> FailureCounts;
        fn login_history(&self, user: UserId, limit: i64) -> Vec<LoginAttempt>;
        fn failed_login_trend(&self, since: i64) -> Vec<(i64, i64, i64, i64)>;
        fn set_account_status(
            &self,
            user: UserId,
            status: AccountStatus,
            locked_until: Option<i64>,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn request_reset(&self, reset: &ResetRow, audit: &AuditRecord) -> ();
        fn pending_resets(&self) -> Vec<ResetRow>;
        fn reset_request(&self, id: &str) -> Option<ResetRow>;
        fn approve_reset(
            &self,
            id: &str,
            approver: &str,
            enrolment_token_hash: &str,
            token_expires_at: i64,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> UserId;
    }

    /// Sessions, step-up and pending WebAuthn ceremonies.
    pub trait SessionStore {
        fn create_session(
            &self,
            session: &SessionRow,
            replaces: Option<&str>,
            max_per_user: u32,
            audit: &AuditRecord,
        ) -> ();
        fn session(&self, token_hash: &str) -> Option<SessionRow>;
        fn session_at(&self, token_hash: &str) -> (Option<SessionRow>, FactGeneration);
        fn fact_generation(&self) -> FactGeneration;
        fn sessions_of(&self, user: UserId) -> Vec<SessionRow>;
        fn touch_session(&self, token_hash: &str, now_ms: i64) -> ();
        fn delete_session(&self, token_hash: &str, now_ms: i64, audit: &AuditRecord) -> ();
        fn drop_expired_session(&self, token_hash: &str) -> ();
        fn revoke_session(
            &self,
            user: UserId,
            public_id: &str,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> bool;
        fn revoke_other_sessions(
            &self,
            user: UserId,
            keep: Option<&str>,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> u64;
        fn record_step_up(&self, token_hash: &str, now_ms: i64, audit: &AuditRecord) -> ();
        fn set_ceremony(&self, token_hash: &str, ceremony: &PendingCeremony) -> ();
        fn take_ceremony(&self, token_hash: &str) -> Option<PendingCeremony>;
    }

    /// Registered terminals, their certificates and posture, and the
    /// terminal CA.
    pub trait TerminalRegister {
        fn register_terminal(&self, terminal: &Terminal, audit: &AuditRecord) -> ();
        fn terminal(&self, id: TerminalId) -> Option<Terminal>;
        fn terminal_by_fingerprint(&self, fingerprint: &str) -> Option<Terminal>;
        fn device_at(&self, at: FactGeneration, fingerprint: &str) -> Option<DeviceRow>;
        fn terminals(&self, company: Option<CompanyId>) -> Vec<Terminal>;
        fn set_terminal_status(
            &self,
            id: TerminalId,
            from: TerminalStatus,
            to: TerminalStatus,
            reason: &str,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn replace_terminal_certificate(
            &self,
            id: TerminalId,
            cert: &IssuedCertificate,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn record_posture(
            &self,
            id: TerminalId,
            now_ms: i64,
            report_json: &str,
            compliant: bool,
            audit: &AuditRecord,
        ) -> ();
        fn touch_terminal(&self, id: TerminalId, now_ms: i64) -> ();
        fn terminal_ca(&self) -> Option<StoredTerminalCa>;
        fn insert_terminal_ca(&self, ca: &StoredTerminalCa) -> ();
    }

    /// The contractors' rosters and training records, and the facts about
    /// a person the policy point reads on every request.
    pub trait RecordsRegister {
        fn submit_roster(
            &self,
            user: UserId,
            company: CompanyId,
            details_sealed: &str,
            by: UserId,
            now_ms: i64,
            record: &AuditRecord,
        ) -> ();
        fn confirm_roster(
            &self,
            user: UserId,
            submitted: (i64, UserId),
            by: Option<UserId>,
            now_ms: i64,
            record: &AuditRecord,
        ) -> ();
        fn remove_roster(&self, user: UserId, by: UserId, now_ms: i64, record: &AuditRecord)
            -> ();
        fn roster_entry(&self, user: UserId) -> Option<RosterRow>;
        fn roster(&self, company: Option<CompanyId>) -> Vec<RosterRow>;
        fn roster_awaiting_confirmation(&self) -> HashMap<CompanyId, usize>;
        fn record_training(&self, training: &TrainingRow, record: &AuditRecord) -> ();
        fn trainings(&self, company: CompanyId) -> Vec<TrainingRow>;
        fn designation_trainings(&self) -> HashMap<UserId, Vec<ContractId>>;
        fn standings(&self) -> HashMap<UserId, Standing>;
        fn person_facts(&self, user: UserId, company: CompanyId) -> PersonFacts;
        fn person_at(&self, at: FactGeneration, id: UserId) -> Option<PersonRow>;
        fn role_counts(&self, user: UserId, company: CompanyId) -> RoleCounts;
        fn designate_role(&self, row: &RoleRow, decided_on: RoleCounts, record: &AuditRecord)
            -> ();
        fn revoke_role(
            &self,
            row: &RoleRow,
            decided_on: RoleCounts,
            by: (UserId, i64),
            record: &AuditRecord,
        ) -> ();
        fn role_designation(&self, id: RoleDesignationId) -> Option<RoleRow>;
        fn company_roles(&self, company: CompanyId) -> Vec<RoleRow>;
        fn record_consent(&self, consent: &ConsentRow, record: &AuditRecord) -> ();
        fn withdraw_consent(&self, user: UserId, by: UserId, now_ms: i64, record: &AuditRecord)
            -> ();
        fn consents(&self, company: CompanyId) -> Vec<ConsentRow>;
    }

    /// The compliance view: the facts its evidence rules read (in a fixed
    /// number of queries for one company or every contractor), the
    /// attestations and the daily snapshots.
    pub trait ComplianceRegister {
        fn compliance_facts(
            &self,
            company: Option<CompanyId>,
            now_ms: i64,
            utc_offset_minutes: i32,
        ) -> (Vec<CompanyFacts>, GatewayFacts);
        fn record_attestation(&self, row: &AttestationRow, record: &AuditRecord) -> ();
        fn attestations(&self, company: CompanyId) -> Vec<AttestationRow>;
        fn snapshotted_on(&self, day: &str) -> HashSet<CompanyId>;
        fn write_snapshots(&self, snapshots: &[SnapshotRow], now_ms: i64, record: &AuditRecord)
            -> ();
        fn snapshots(&self, company: CompanyId, limit: i64) -> Vec<SnapshotRow>;
    }

    /// The alerts raised by the watcher, as the operators handle them.
    pub trait AlertRegister {
        fn alerts(&self, status: Option<AlertStatus>, limit: i64) -> Vec<AlertRow>;
        fn alert(&self, id: &str) -> Option<AlertRow>;
        fn alert_entries(&self, id: &str, limit: i64) -> Vec<AuditHit>;
        fn change_alert(
            &self,
            id: &str,
            change: AlertChange,
            by: &str,
            note: Option<&str>,
            now_ms: i64,
            record: &AuditRecord,
        ) -> Option<AlertRow>;
    }

    /// Applications (申請) between the agency, the provider and the
    /// companies, and the agency's software lists.
    pub trait ApplicationRegister {
        fn file_software_request(&self, request: &SoftwareRequestRow, record: &AuditRecord) -> ();
        fn software_request(&self, id: &str) -> Option<SoftwareRequestRow>;
        fn software_requests(
            &self,
            company: Option<CompanyId>,
            open_only: bool,
            limit: i64,
        ) -> Vec<SoftwareRequestRow>;
        fn transition_application(
            &self,
            t: &Transition<'_>,
            now_ms: i64,
            record: &AuditRecord,
        ) -> bool;
        fn application_steps(&self, application: &str) -> Vec<ApplicationStepRow>;
        fn software_lists(&self) -> (i64, dsg_core::software::SoftwareLists);
        fn software_list_versions(&self) -> Vec<SoftwareListVersionRow>;
        fn put_software_lists(
            &self,
            version: &SoftwareListVersionRow,
            lists: &dsg_core::software::SoftwareLists,
            record: &AuditRecord,
        ) -> ();
        fn file_membership(
            &self,
            membership: &MembershipRow,
            schedule: &[ScheduleLineRow],
            record: &AuditRecord,
        ) -> ();
        fn membership(&self, id: &str) -> Option<MembershipRow>;
        fn memberships(
            &self,
            company: Option<CompanyId>,
            provider: Option<CompanyId>,
            open_only: bool,
            limit: i64,
        ) -> Vec<MembershipRow>;
        fn membership_schedule(&self, application: &str) -> Vec<ScheduleLineRow>;
        fn transition_membership(
            &self,
            t: &Transition<'_>,
            effects: &MembershipEffects,
            now_ms: i64,
            record: &AuditRecord,
        ) -> bool;
        fn adjust_membership_schedule(
            &self,
            application: &str,
            from: &[ScheduleLineRow],
            lines: &[ScheduleLineRow],
            due_on: Option<&str>,
            now_ms: i64,
            record: &AuditRecord,
        ) -> bool;
        fn membership_notice(&self, application: &str) -> Option<NoticeRow>;
        fn file_ticket(&self, ticket: &TicketRow, record: &AuditRecord) -> ();
        fn ticket(&self, id: &str) -> Option<TicketRow>;
        fn tickets(&self, company: Option<CompanyId>, open_only: bool, limit: i64) -> Vec<TicketRow>;
        fn transition_ticket(
            &self,
            t: &Transition<'_>,
            marks: TicketMarks,
            now_ms: i64,
            record: &AuditRecord,
        ) -> bool;
        fn file_terminal_request(&self, request: &TerminalRequestRow, record: &AuditRecord) -> ();
        fn terminal_request(&self, id: &str) -> Option<TerminalRequestRow>;
        fn file_media_request(&self, request: &MediaRequestRow, record: &AuditRecord) -> ();
        fn media_request(&self, id: &str) -> Option<MediaRequestRow>;
        fn transition_request(
            &self,
            t: &Transition<'_>,
            effect: &RequestEffect,
            now_ms: i64,
            record: &AuditRecord,
        ) -> bool;
        fn removable_media(&self, company: Option<CompanyId>) -> Vec<MediumRow>;
        fn open_applications(
            &self,
            company: Option<CompanyId>,
            provider: Option<CompanyId>,
            limit: i64,
        ) -> Vec<OpenApplicationRow>;
        fn file_membership_change(
            &self,
            change: &MembershipChangeRow,
            record: &AuditRecord,
        ) -> ();
        fn membership_change(&self, id: &str) -> Option<MembershipChangeRow>;
        fn membership_changes(
            &self,
            company: Option<CompanyId>,
            limit: i64,
        ) -> Vec<MembershipChangeRow>;
        fn transition_membership_change(
            &self,
            t: &Transition<'_>,
            effect: &ChangeEffect,
            now_ms: i64,
            record: &AuditRecord,
        ) -> Option<Vec<String>>;
    }

    /// Versions of the policy set and the recorded decisions.
    pub trait PolicyRegister {
        fn policy_versions(&self) -> Vec<PolicyVersionRow>;
        fn policy_version(&self, version: i64) -> Option<PolicyVersionRow>;
        fn active_policy_version(&self) -> Option<PolicyVersionRow>;
        fn insert_policy_version(
            &self,
            new: &NewPolicyVersion,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> i64;
        fn activate_policy_version(
            &self,
            version: i64,
            decided_by: &str,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn reject_policy_version(
            &self,
            version: i64,
            decided_by: &str,
            now_ms: i64,
            audit: &AuditRecord,
        ) -> ();
        fn recent_decisions(&self, limit: i64) -> Vec<RecordedDecision>;
        fn decision_record(&self, event_id: &str) -> Option<RecordedDecision>;
    }

    /// Audit duties (who may read which part of the log).
    pub trait DutyRegister {
        fn duties_of(&self, user: UserId) -> Vec<Duty>;
        fn all_duties(&self) -> Vec<(UserId, Duty)>;
        fn grant_duty(
            &self,
            user: UserId,
            duty: Duty,
            by: UserId,
            now_ms: i64,
            record: &AuditRecord,
        ) -> ();
        fn revoke_duty(&self, user: UserId, duty: Duty, now_ms: i64, record: &AuditRecord) -> ();
    }

    /// Standalone audit entries: denials, reads, logins (group-committed).
    pub trait AuditSink {
        fn record(&self, now_ms: i64, record: &AuditRecord) -> ();
        fn audit_ready(&self) -> ();
    }

    /// Online backups: the database snapshot and the backup's record.
    pub trait BackupRegister {
        fn snapshot_into(&self, dest: &std::path::Path) -> ();
        fn record_backup(
            &self,
            items: &[LedgerItemId],
            site: &str,
            at_ms: i64,
            audit: &AuditRecord,
        ) -> u64;
    }

    /// Reading the log, its proofs and signing key, and its retention.
    pub trait AuditLog {
        fn recent_audit(&self, limit: i64) -> Vec<StoredAuditEvent>;
        fn audit_events_of(&self, action: &str, since_ms: i64, limit: i64)
            -> Vec<StoredAuditEvent>;
        fn leaf_hashes(&self) -> Vec<(i64, String)>;
        fn checkpoints(&self) -> Vec<StoredCheckpoint>;
        fn latest_checkpoint(&self) -> Option<StoredCheckpoint>;
        fn audit_key(&self) -> Option<StoredAuditKey>;
        fn insert_audit_key(&self, key: &StoredAuditKey) -> ();
        fn sequenced_event(&self, seq: i64) -> Option<SequencedEvent>;
        fn sequenced_events(&self) -> Vec<SequencedEvent>;
        fn search_audit(&self, q: &AuditQuery) -> Vec<AuditHit>;
        fn company_head_before(&self, company: &str, below_seq: i64) -> Option<SequencedEvent>;
        fn company_sub_log(&self, company: &str, limit: i64) -> Vec<SequencedEvent>;
        fn expire_audit_content(
            &self,
            before_ms: i64,
            below_seq: i64,
            now_ms: i64,
            max: i64,
            record: ExpiryRecord,
        ) -> Option<Expired>;
    }
}
