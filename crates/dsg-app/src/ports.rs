//! The store as the use cases hold it: one narrow port per area (the
//! traits of `dsg_store::ports`), so each use case reaches only the part of
//! the database it names, and none can reach the store as a whole.

use std::sync::Arc;

use dsg_store::ports::{
    AlertRegister, ApplicationRegister, AuditLog, AuditSink, BackupRegister, ComplianceRegister,
    CredentialStore, DutyRegister, FileRegister, OrgRegister, PolicyRegister, RecordsRegister,
    SessionStore, TerminalRegister,
};
use dsg_store::Backend;

/// Every port the use cases need. Cheap to clone.
#[derive(Clone)]
pub struct Ports {
    /// Companies, users, contracts, compartments, handler designations.
    pub org: Arc<dyn OrgRegister>,
    /// Files and their versions.
    pub files: Arc<dyn FileRegister>,
    /// Sign-in factors, enrolment, resets, account status, login history.
    pub credentials: Arc<dyn CredentialStore>,
    /// Sessions and pending ceremonies.
    pub sessions: Arc<dyn SessionStore>,
    /// Registered terminals and the terminal CA.
    pub terminals: Arc<dyn TerminalRegister>,
    /// Rosters, training records and the facts read on every request.
    pub records: Arc<dyn RecordsRegister>,
    /// The compliance view's facts, attestations and snapshots.
    pub compliance: Arc<dyn ComplianceRegister>,
    /// Alerts as the operators handle them.
    pub alerts: Arc<dyn AlertRegister>,
    /// Applications and the software lists.
    pub applications: Arc<dyn ApplicationRegister>,
    /// Policy versions and recorded decisions.
    pub policies: Arc<dyn PolicyRegister>,
    /// Audit duties.
    pub duties: Arc<dyn DutyRegister>,
    /// Standalone audit entries.
    pub audit_sink: Arc<dyn AuditSink>,
    /// Reading the log, its proofs and key; retention.
    pub audit_log: Arc<dyn AuditLog>,
    /// Online backups.
    pub backups: Arc<dyn BackupRegister>,
    /// Which database engine serves them (named in the start entry).
    pub backend: Backend,
}

impl Ports {
    /// Every port served by one store (the composition root's wiring).
    pub fn of<S>(store: S, backend: Backend) -> Self
    where
        S: OrgRegister
            + FileRegister
            + CredentialStore
            + SessionStore
            + TerminalRegister
            + RecordsRegister
            + ComplianceRegister
            + AlertRegister
            + ApplicationRegister
            + PolicyRegister
            + DutyRegister
            + AuditSink
            + AuditLog
            + BackupRegister
            + 'static,
    {
        let store = Arc::new(store);
        Self {
            org: store.clone(),
            files: store.clone(),
            credentials: store.clone(),
            sessions: store.clone(),
            terminals: store.clone(),
            records: store.clone(),
            compliance: store.clone(),
            alerts: store.clone(),
            applications: store.clone(),
            policies: store.clone(),
            duties: store.clone(),
            audit_sink: store.clone(),
            audit_log: store.clone(),
            backups: store,
            backend,
        }
    }
}
