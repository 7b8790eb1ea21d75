//! Use cases: each public method is one thing a user can do. They ask the
//! policy point, change state through the store (audit entry in the same
//! transaction) and never see HTTP.

mod admin;
mod audit_log;
mod auth;
mod error;
mod files;
mod keys;

use std::sync::Arc;

use dsg_blob::BlobStore;
use dsg_core::{AuditAction, AuditRecord, Clock, Outcome};
use dsg_crypto::{PasswordHasher, SecretKey, SecureRandom};
use dsg_policy::{AccessRequest, Action, Decision, PolicyEngine, Principal, Resource, UserFacts};
use dsg_store::Store;
use tokio::sync::Semaphore;

pub use admin::{AdminOverview, NewCompany, NewContract, NewUserInput, MIN_PASSWORD_CHARS};
pub use audit_log::{verify_export, ExportReport, Sequencer, SequencerHandle, EXPORT_FORMAT_V1};
pub use auth::{Caller, LoginOutcome, SessionUser};
pub use error::AppError;
pub use files::{CompartmentView, Download, FileView, UploadRequest, VersionView};

use crate::config::Config;

/// Everything a use case needs. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    blobs: BlobStore,
    policy: PolicyEngine,
    master_key: SecretKey,
    hasher: PasswordHasher,
    /// Bounds concurrent password hashing so a login flood cannot exhaust
    /// memory (each argon2 run holds its memory cost).
    hash_permits: Semaphore,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn SecureRandom + Send + Sync>,
    config: Config,
}

/// The per-request facts every audit entry carries.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// Correlation id.
    pub request_id: String,
    /// Client address as trusted.
    pub source: Option<String>,
}

impl App {
    /// Assembles the application from its adapters.
    #[allow(
        clippy::too_many_arguments,
        reason = "one constructor wiring every adapter"
    )]
    pub fn new(
        store: Store,
        blobs: BlobStore,
        policy: PolicyEngine,
        master_key: SecretKey,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn SecureRandom + Send + Sync>,
        config: Config,
    ) -> Self {
        let permits = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            inner: Arc::new(Inner {
                store,
                blobs,
                policy,
                master_key,
                hasher,
                hash_permits: Semaphore::new(permits),
                clock,
                rng,
                config,
            }),
        }
    }

    /// The metadata store (for the CLI's maintenance commands).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    fn principal(caller: &Caller) -> Principal {
        match caller {
            Caller::Anonymous => Principal::Anonymous,
            Caller::User(u) => Principal::User(u.facts.clone()),
        }
    }

    fn decide(&self, caller: &Caller, action: Action, resource: Resource) -> Decision {
        let decision = self.inner.policy.decide(&AccessRequest {
            principal: Self::principal(caller),
            action,
            resource,
        });
        if !decision.errors.is_empty() {
            tracing::warn!(errors = ?decision.errors, action = action.as_str(), "policy evaluation errors");
        }
        decision
    }

    /// Builds an audit record for this request.
    fn audit(
        meta: &RequestMeta,
        caller: &Caller,
        action: AuditAction,
        object: (&'static str, Option<String>),
        outcome: Outcome,
        reason: impl Into<String>,
    ) -> AuditRecord {
        AuditRecord {
            request_id: meta.request_id.clone(),
            actor: caller.user_id().map(|u| u.to_string()),
            source: meta.source.clone(),
            action,
            object_type: object.0,
            object_id: object.1,
            outcome,
            reason: reason.into(),
        }
    }

    /// Writes an audit entry on its own (denials, reads). Fails closed: if
    /// it cannot be written the caller's request fails too.
    async fn record(&self, record: &AuditRecord) -> Result<(), AppError> {
        self.inner
            .store
            .record(self.now(), record)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "audit write failed");
                AppError::Internal("audit log unavailable".into())
            })
    }

    /// Asks the policy about an administrative action; a denial is recorded.
    async fn authorize_admin(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        action: Action,
        audit_action: AuditAction,
    ) -> Result<(UserFacts, Decision), AppError> {
        let decision = self.decide(caller, action, Resource::Gateway);
        match caller {
            Caller::User(user) if decision.allowed => Ok((user.facts.clone(), decision)),
            _ => {
                let record = Self::audit(
                    meta,
                    caller,
                    audit_action,
                    ("gateway", None),
                    Outcome::Denied,
                    decision.reason(),
                );
                self.record(&record).await?;
                Err(match caller {
                    Caller::Anonymous => AppError::Unauthenticated,
                    Caller::User(_) => AppError::Forbidden,
                })
            }
        }
    }
}
