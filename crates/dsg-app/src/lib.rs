//! dsg's use cases: each public method of [`App`] is one thing a person
//! does. It asks the policy point, changes state through the store's ports
//! (the audit entry in the same transaction) and never sees HTTP: the web layer
//! (`dsg-web`) and the command line (`dsg-cli`) call it.
#![deny(missing_docs)]

pub mod clock;
pub mod config;

mod access_review;
mod admin;
mod alerts;
mod application_path;
mod applications;
mod audit_access;
mod audit_extract;
mod audit_log;
mod audit_proofs;
mod audit_views;
mod auth;
mod backup;
mod compliance;
mod contract_end;
mod decision_slice;
mod denial;
mod disposal;
mod download;
mod duties;
mod error;
mod file_names;
mod files;
mod helpdesk;
mod identity;
mod inbox;
mod keys;
mod ledger;
mod membership_changes;
mod memberships;
mod named;
mod offers;
mod participants;
mod policies;
mod ports;
mod posture;
mod records;
mod requests;
mod scrub;
mod space;
mod terminals;

use std::sync::Arc;

use dsg_blob::BlobStore;
use dsg_core::{AuditAction, AuditObject, AuditRecord, Clock, Outcome};
use dsg_crypto::{PasswordHasher, SecretKey, SecureRandom};
use dsg_pki::TerminalCa;
use dsg_policy::{
    AccessRequest, Action, ChangeRequestFacts, DeviceFacts, Environment, Principal, Resource,
    SessionFacts, UserFacts,
};
use dsg_store::ports::{
    AlertRegister, ApplicationRegister, AuditLog, AuditSink, BackupRegister, ComplianceRegister,
    CredentialStore, DutyRegister, FileRegister, OrgRegister, PolicyRegister, RecordsRegister,
    SessionStore, TerminalRegister,
};
use dsg_store::Backend;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use policies::{with_decision, Decided};
use tokio::sync::Semaphore;

pub use access_review::{
    AccessEntry, CompartmentAccess, CompartmentReach, PersonAccess, TerminalRef, Why,
    MAX_REVIEW_DECISIONS,
};
pub use admin::{AdminOverview, IssuedAccount, NewCompany, NewContract, NewUserInput};
pub use alerts::rules as alert_rules;
pub use alerts::rules::Rule as AlertRule;
pub use alerts::{AlertDetail, AlertView};
pub use applications::{
    NewSoftwareLists, SoftwareListsView, SoftwareRequestDetail, SoftwareRequestView,
    DECISION_WORKING_DAYS,
};
pub use audit_access::{AuditDirectory, AuditScope, AuditSearch, AuditSearchResult};
pub use audit_log::{entry_bytes, export_entry, internal, log_id, AuditSigner};
pub use audit_proofs::{ConsistencyProofView, InclusionProofView, ProofCheck};
pub use audit_views::{AuditEntryView, ProvenEntry};
pub use backup::{
    backup_ids, restore_backup, verify_backup, BackupReport, Manifest, ManifestFile, RestoreReport,
    VerifyReport,
};
pub use membership_changes::MembershipChangeView;
pub use memberships::{MembershipDetail, MembershipNotice, MembershipView, ScheduleLine};
// The views carry these: an entry's exported fields and a signed checkpoint.
pub use auth::{Caller, LoginOutcome, RequestStart, SessionUser};
pub use compliance::{
    AgencyCompliance, AttestationView, CauseView, ChapterCell, ChapterHead, CompanyCompliance,
    CompanyRow, ComplianceHome, NewAttestation, RequirementDetail, RequirementView, SnapshotView,
};
pub use contract_end::{
    ContractEndView, EndDecisionInput, EndInstructionView, EndRequestInput, EndRequestView,
};
pub use decision_slice::{DecisionSlice, EntityRef};
pub use denial::DenialReason;
pub use disposal::{DisposalCandidateView, DisposalInput, DisposalView};
pub use download::{Download, DownloadBody};
pub use dsg_audit::{ExportEntry, SignedCheckpoint};
pub use error::AppError;
pub use files::{CompartmentView, FileView, UploadRequest, VersionView};
pub use helpdesk::{NewTicket, TicketView};
pub use identity::{
    build_webauthn, short_user_agent, AccountChange, AccountView, AuthenticatorView,
    EnrolmentStarted, FailureTrendDay, LoginHistoryEntry, LoginNotice, LoginStep, PasswordVerdict,
    RecoveryUse, ResetView, SecondFactor, SessionView, TotpEnrolment,
};
pub use inbox::InboxItem;
pub use ledger::{
    LedgerDetails, LedgerEventInput, LedgerEventView, LedgerItemView, LedgerPermitInput,
    LedgerView, NewLedgerItemInput,
};
pub use offers::{AdminOffers, DutyOffers, FileOffers, Navigation, RoleOffers};
pub use policies::{
    load_active_policy, ActivePolicy, DecisionFlip, DecisionRecordView, PolicyVersionView,
    WhatIfReport, WHAT_IF_MAX,
};
pub use ports::Ports;
pub use posture::PostureReceipt;
pub use records::{
    CompanyRecords, ConsentEntry, ContractRoster, NewRoleDesignation, NewTraining, PersonRecords,
    RecordOffers, RecordsRead, RoleEntry, RosterLine, TrainingEntry,
};
pub use requests::{MediaRequestView, RequestView, TerminalRequestView};
pub use scrub::ScrubReport;
pub use terminals::{
    load_or_create_terminal_ca, ClientCertificate, ConnectionRegistry, Device, NewTerminal,
    RegisteredTerminal, TerminalChange, TerminalView,
};

pub use crate::config::Config;

/// Everything a use case needs. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

/// The store is held only as its ports (see `ports.rs`): a use case names
/// the one it needs, `self.inner.files`, `self.inner.sessions`, ….
struct Inner {
    org: Arc<dyn OrgRegister>,
    files: Arc<dyn FileRegister>,
    credentials: Arc<dyn CredentialStore>,
    sessions: Arc<dyn SessionStore>,
    terminals: Arc<dyn TerminalRegister>,
    records: Arc<dyn RecordsRegister>,
    compliance: Arc<dyn ComplianceRegister>,
    alerts: Arc<dyn AlertRegister>,
    applications: Arc<dyn ApplicationRegister>,
    policies: Arc<dyn PolicyRegister>,
    duties: Arc<dyn DutyRegister>,
    audit_sink: Arc<dyn AuditSink>,
    audit_log: Arc<dyn AuditLog>,
    backups: Arc<dyn BackupRegister>,
    /// Which database engine serves the ports (named in the start entry).
    backend: Backend,
    blobs: BlobStore,
    /// The policy set in force (swapped when a version is approved).
    policy: arc_swap::ArcSwap<ActivePolicy>,
    master_key: SecretKey,
    hasher: PasswordHasher,
    /// Bounds concurrent password hashing so a login flood cannot exhaust
    /// memory (each argon2 run holds its memory cost).
    hash_permits: Semaphore,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn SecureRandom + Send + Sync>,
    config: Config,
    /// The WebAuthn relying party.
    webauthn: webauthn_rs::Webauthn,
    /// Login attempts per source address.
    login_limiter: DefaultKeyedRateLimiter<String>,
    /// Refused-handshake audit entries per source address.
    connection_event_limiter: DefaultKeyedRateLimiter<String>,
    /// The CA that issues terminal certificates.
    terminal_ca: TerminalCa,
    /// Open TLS connections by client certificate, so a quarantine can
    /// close them.
    connections: ConnectionRegistry,
    /// Space on the data volume promised to uploads in progress.
    space: space::SpaceLedger,
}

/// The per-request facts every audit entry carries.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// Correlation id.
    pub request_id: String,
    /// Client address as trusted.
    pub source: Option<String>,
    /// The browser (truncated User-Agent), for session lists and login history.
    pub user_agent: Option<String>,
    /// The registered terminal the request came from (by its client
    /// certificate), if any.
    pub terminal: Option<String>,
    /// The fingerprint of the client certificate presented, if any (a new
    /// session is bound to it).
    pub certificate: Option<String>,
}

impl App {
    /// Assembles the application from its adapters.
    #[allow(
        clippy::too_many_arguments,
        reason = "one constructor wiring every adapter"
    )]
    pub fn new(
        ports: Ports,
        blobs: BlobStore,
        policy: ActivePolicy,
        master_key: SecretKey,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn SecureRandom + Send + Sync>,
        config: Config,
        terminal_ca: TerminalCa,
    ) -> Result<Self, AppError> {
        let permits = std::thread::available_parallelism().map_or(2, |n| n.get());
        let webauthn = build_webauthn(&config)?;
        let per_minute = std::num::NonZeroU32::new(config.auth.login_attempts_per_minute)
            .ok_or_else(|| AppError::Internal("auth.login_attempts_per_minute is 0".into()))?;
        let login_limiter = RateLimiter::keyed(Quota::per_minute(per_minute));
        let Ports {
            org,
            files,
            credentials,
            sessions,
            terminals,
            records,
            compliance,
            alerts,
            applications,
            policies,
            duties,
            audit_sink,
            audit_log,
            backups,
            backend,
        } = ports;
        Ok(Self {
            inner: Arc::new(Inner {
                org,
                files,
                credentials,
                sessions,
                terminals,
                records,
                compliance,
                alerts,
                applications,
                policies,
                duties,
                audit_sink,
                audit_log,
                backups,
                backend,
                blobs,
                policy: arc_swap::ArcSwap::from_pointee(policy),
                master_key,
                hasher,
                hash_permits: Semaphore::new(permits),
                clock,
                rng,
                config,
                webauthn,
                login_limiter,
                connection_event_limiter: RateLimiter::keyed(Quota::per_minute(
                    std::num::NonZeroU32::MIN.saturating_add(59),
                )),
                terminal_ca,
                connections: ConnectionRegistry::default(),
                space: space::SpaceLedger::default(),
            }),
        })
    }

    /// Whether no account exists yet: a first start, on which the gateway
    /// creates the agency and its first operator.
    pub async fn is_first_start(&self) -> Result<bool, AppError> {
        Ok(self.inner.org.has_no_users().await?)
    }

    /// Whether the gateway can serve: its audit log can be written (see
    /// the audit sink's `audit_ready`). Used by `/healthz`.
    pub async fn ready(&self) -> Result<(), AppError> {
        self.inner
            .audit_sink
            .audit_ready()
            .await
            .map_err(|_| AppError::Unavailable)
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Open TLS connections by client certificate (the listener registers
    /// them; quarantine and revocation close them).
    pub fn connections(&self) -> &ConnectionRegistry {
        &self.inner.connections
    }

    /// The current time (Unix ms) from the injected clock.
    pub fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    fn principal(caller: &Caller) -> Principal {
        match caller {
            Caller::Anonymous => Principal::Anonymous,
            Caller::User(u) => Principal::User(u.facts.clone()),
        }
    }

    fn session_facts(&self, caller: &Caller) -> SessionFacts {
        match caller {
            Caller::Anonymous => SessionFacts::ANONYMOUS,
            Caller::User(u) => SessionFacts {
                mfa: u.mfa,
                step_up_fresh: u.step_up_fresh,
                totp_reaches_data: self.inner.config.auth.totp_reaches_protected_data,
                auth_age_secs: u.auth_age_secs,
                session_age_secs: u.session_age_secs,
            },
        }
    }

    /// Where and when: the client address, and the hour and weekday in the
    /// deployment's time zone.
    fn environment(&self, caller: &Caller) -> Environment {
        let zero_trust = &self.inner.config.zero_trust;
        let local_ms = self.now() + i64::from(zero_trust.utc_offset_minutes) * 60_000;
        let days = local_ms.div_euclid(86_400_000);
        let hour = local_ms.rem_euclid(86_400_000) / 3_600_000;
        // 1970-01-01 was a Thursday (weekday 4).
        let weekday = (days + 3).rem_euclid(7) + 1;
        Environment {
            source: match caller {
                Caller::User(u) => u.source,
                Caller::Anonymous => None,
            },
            hour: u8::try_from(hour).unwrap_or(0),
            weekday: u8::try_from(weekday).unwrap_or(1),
            agency_terminals_accepted: zero_trust.accept_agency_terminals,
            posture_max_age_secs: (zero_trust.posture_max_age_hours > 0)
                .then(|| i64::from(zero_trust.posture_max_age_hours) * 3600),
            roster_confirmation_required: zero_trust.require_confirmed_roster,
            training_max_age_secs: (zero_trust.training_valid_days > 0)
                .then(|| i64::from(zero_trust.training_valid_days) * 86_400),
            designation_training_required: zero_trust.require_designation_training,
            consent_required: zero_trust.require_system_use_consent,
        }
    }

    fn decide(&self, caller: &Caller, action: Action, resource: Resource) -> Decided {
        self.decide_in(caller, action, resource, self.session_facts(caller))
    }

    fn decide_in(
        &self,
        caller: &Caller,
        action: Action,
        resource: Resource,
        session: SessionFacts,
    ) -> Decided {
        let device = match caller {
            Caller::User(u) => u.device_facts.clone(),
            Caller::Anonymous => DeviceFacts::None,
        };
        self.decide_with(caller, action, resource, session, device)
    }

    fn decide_with(
        &self,
        caller: &Caller,
        action: Action,
        resource: Resource,
        session: SessionFacts,
        device: DeviceFacts,
    ) -> Decided {
        let request = AccessRequest {
            principal: Self::principal(caller),
            action,
            resource,
            session,
            device,
            environment: self.environment(caller),
        };
        let policy = self.policy();
        let decision = policy.engine.decide(&request);
        if !decision.errors.is_empty() {
            tracing::warn!(errors = ?decision.errors, action = action.as_str(), "policy evaluation errors");
        }
        Decided::new(decision, request, policy)
    }

    /// Whether a denied request would be allowed right after a step-up:
    /// then the caller is entitled to be told to re-authenticate.
    fn step_up_would_allow(&self, caller: &Caller, action: Action, resource: Resource) -> bool {
        let mut session = self.session_facts(caller);
        if session.step_up_fresh || !matches!(caller, Caller::User(_)) {
            return false;
        }
        session.step_up_fresh = true;
        self.decide_in(caller, action, resource, session).allowed
    }

    /// Asks the policy about a self-service action on the caller's own
    /// account; a denial is recorded.
    async fn authorize_self(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        action: Action,
        audit_action: AuditAction,
    ) -> Result<Box<SessionUser>, AppError> {
        let (user, _) = self
            .authorize_on_gateway(meta, caller, action, audit_action)
            .await?;
        Ok(user)
    }

    /// Decides `action` on the gateway. A denial is recorded and answered
    /// `unauthenticated`, `step_up_required` (when a fresh re-authentication
    /// would allow it) or `forbidden`.
    async fn authorize_on_gateway(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        action: Action,
        audit_action: AuditAction,
    ) -> Result<(Box<SessionUser>, Decided), AppError> {
        recorded_pair(action, audit_action);
        let decision = self.decide(caller, action, Resource::Gateway);
        if let (Caller::User(user), true) = (caller, decision.allowed) {
            return Ok((user.clone(), decision));
        }
        let step_up = self.step_up_would_allow(caller, action, Resource::Gateway);
        let record = Self::audit_decided(
            meta,
            caller,
            audit_action,
            AuditObject::Gateway,
            Outcome::Denied,
            &decision,
        );
        self.record(&record).await?;
        Err(match caller {
            Caller::Anonymous => AppError::Unauthenticated,
            Caller::User(_) if step_up => AppError::StepUpRequired,
            Caller::User(_) => AppError::Forbidden,
        })
    }

    /// Builds an audit record for this request.
    fn audit(
        meta: &RequestMeta,
        caller: &Caller,
        action: AuditAction,
        object: AuditObject,
        outcome: Outcome,
        reason: impl Into<String>,
    ) -> AuditRecord {
        AuditRecord {
            request_id: meta.request_id.clone(),
            actor: caller.user_id().map(|u| u.to_string()),
            source: meta.source.clone(),
            terminal: meta.terminal.clone(),
            action,
            object,
            outcome,
            reason: reason.into(),
            decision: None,
        }
    }

    /// Builds the audit record of a policy decision: its reason is the
    /// deciding policies, and it carries the decision record.
    fn audit_decided(
        meta: &RequestMeta,
        caller: &Caller,
        action: AuditAction,
        object: AuditObject,
        outcome: Outcome,
        decided: &Decided,
    ) -> AuditRecord {
        with_decision(
            Self::audit(meta, caller, action, object, outcome, decided.reason()),
            decided,
        )
    }

    /// Writes an audit entry on its own (denials, reads). Fails closed: if
    /// it cannot be written the caller's request fails too.
    async fn record(&self, record: &AuditRecord) -> Result<(), AppError> {
        self.inner
            .audit_sink
            .record(self.now(), record)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "audit write failed");
                AppError::Internal("audit log unavailable".into())
            })
    }

    /// Asks the policy about approving someone's request. A denial is
    /// recorded and answered `self_approval` when separation of duties
    /// decided it, else as [`Self::authorize_on_gateway`] does.
    async fn authorize_change_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        action: Action,
        audit_action: AuditAction,
        request: ChangeRequestFacts,
    ) -> Result<(UserFacts, Decided), AppError> {
        recorded_pair(action, audit_action);
        let resource = Resource::ChangeRequest(request.clone());
        let decision = self.decide(caller, action, resource.clone());
        if let (Caller::User(user), true) = (caller, decision.allowed) {
            return Ok((user.facts.clone(), decision));
        }
        let step_up = self.step_up_would_allow(caller, action, resource);
        let record = Self::audit_decided(
            meta,
            caller,
            audit_action,
            AuditObject::ChangeRequest(request.id),
            Outcome::Denied,
            &decision,
        );
        self.record(&record).await?;
        let own = decision
            .policies
            .iter()
            .any(|p| p == "separation-of-duties");
        Err(match caller {
            Caller::Anonymous => AppError::Unauthenticated,
            Caller::User(_) if own => AppError::SelfApproval,
            Caller::User(_) if step_up => AppError::StepUpRequired,
            Caller::User(_) => AppError::Forbidden,
        })
    }

    /// Asks the policy about an administrative action; a denial is recorded.
    async fn authorize_admin(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        action: Action,
        audit_action: AuditAction,
    ) -> Result<(UserFacts, Decided), AppError> {
        let (user, decision) = self
            .authorize_on_gateway(meta, caller, action, audit_action)
            .await?;
        Ok((user.facts, decision))
    }
}

/// Checks, in debug builds (every test), that the audit action recorded
/// for a decision on `action` is one the policy crate's table pairs with
/// it, so the pairs live in that one table.
fn recorded_pair(action: Action, audit_action: AuditAction) {
    debug_assert!(
        action.is_recorded_as(audit_action),
        "{action:?} is not recorded as {audit_action:?} (see dsg_policy::Action)"
    );
}
