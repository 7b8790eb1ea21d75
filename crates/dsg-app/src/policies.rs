//! Policy management: the versions of the Cedar policy set, proposals
//! tested against recorded decisions before they apply, approval by a
//! second operator, and rollback.
//!
//! The policy in force is held behind an atomic pointer: an approval or a
//! rollback swaps it for the next decision. A change made from the gateway
//! host (`dsg admin policy-approve`) reaches a running gateway through
//! [`App::reload_policy`], which the runtime calls every few seconds.

use std::ops::Deref;
use std::sync::Arc;

use dsg_core::{AuditAction, AuditObject, AuditRecord, DecisionEvidence, Outcome};
use dsg_policy::{AccessRequest, Action, ChangeRequestFacts, Decision, PolicyEngine, POLICIES};
use dsg_store::ports::PolicyRegister;
use dsg_store::{NewPolicyVersion, PolicyVersionRow, RecordedDecision};
use serde::Serialize;

use super::decision_slice::DecisionSlice;
use super::{App, AppError, Caller, RequestMeta};

/// The actor and approver name of changes made on the gateway host.
pub(super) const BREAK_GLASS: &str = "break-glass:host-cli";
/// Most recorded decisions a what-if replays.
pub const WHAT_IF_MAX: i64 = 10_000;
/// Longest policy text accepted (bytes).
const POLICY_MAX_BYTES: usize = 256 * 1024;

/// The policy set in force and its version number.
#[derive(Debug)]
pub struct ActivePolicy {
    /// The version in the register.
    pub version: i64,
    /// The validated engine.
    pub engine: PolicyEngine,
}

/// A decision with what it was made on, to be recorded with its audit entry.
#[derive(Debug, Clone)]
pub(crate) struct Decided {
    decision: Decision,
    request: AccessRequest,
    policy: Arc<ActivePolicy>,
}

impl Deref for Decided {
    type Target = Decision;
    fn deref(&self) -> &Decision {
        &self.decision
    }
}

impl Decided {
    pub(super) fn new(
        decision: Decision,
        request: AccessRequest,
        policy: Arc<ActivePolicy>,
    ) -> Self {
        Self {
            decision,
            request,
            policy,
        }
    }

    /// The decision record for the audit entry. `None` only if the request
    /// cannot be serialized, which `decide` would have turned into a deny
    /// already.
    pub(super) fn evidence(&self) -> Option<DecisionEvidence> {
        match self.policy.engine.slice(&self.request) {
            Ok(slice) => Some(DecisionEvidence {
                policy_version: self.policy.version,
                allowed: self.decision.allowed,
                digest: hex::encode(dsg_crypto::sha256(slice.as_bytes())),
                slice,
            }),
            Err(error) => {
                tracing::warn!(%error, "decision record not serializable");
                None
            }
        }
    }
}

/// Attaches the decision record to an audit entry.
pub(super) fn with_decision(mut record: AuditRecord, decided: &Decided) -> AuditRecord {
    record.decision = decided.evidence();
    record
}

/// A version of the policy set, as operators see it.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyVersionView {
    /// 1, 2, 3 …
    pub version: i64,
    /// `proposed`, `active`, `retired` or `rejected`.
    pub status: String,
    /// `shipped`, `proposed` or `rollback`.
    pub origin: String,
    /// What the change is for.
    pub summary: String,
    /// The version it was proposed against, or rolled back to.
    pub based_on: Option<i64>,
    /// Who proposed it (user id).
    pub proposed_by: Option<String>,
    /// When (Unix ms).
    pub proposed_at: i64,
    /// Who approved or rejected it (user id or `break-glass:host-cli`).
    pub decided_by: Option<String>,
    /// When (Unix ms).
    pub decided_at: Option<i64>,
    /// When it came into force (Unix ms).
    pub activated_at: Option<i64>,
    /// SHA-256 (hex) of the text.
    pub digest: String,
    /// The Cedar text.
    pub policies: String,
}

impl From<PolicyVersionRow> for PolicyVersionView {
    fn from(r: PolicyVersionRow) -> Self {
        Self {
            version: r.version,
            status: r.status,
            origin: r.origin,
            summary: r.summary,
            based_on: r.based_on,
            proposed_by: r.proposed_by,
            proposed_at: r.proposed_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            activated_at: r.activated_at,
            digest: r.digest,
            policies: r.policies,
        }
    }
}

/// A recorded decision that a proposed version would decide otherwise.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionFlip {
    /// The audit entry of the decision.
    pub event_id: String,
    /// When it was made (Unix ms).
    pub occurred_at: i64,
    /// Who asked.
    pub actor: Option<String>,
    /// The audited action.
    pub action: String,
    /// The object.
    pub object_type: String,
    /// The object's id.
    pub object_id: Option<String>,
    /// The recorded answer.
    pub was_allowed: bool,
    /// The policies that decided it then.
    pub was_policies: String,
    /// The answer under the proposal.
    pub now_allowed: bool,
    /// The policies that would decide it.
    pub now_policies: Vec<String>,
}

/// What a proposed version would change, replayed on recorded decisions.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIfReport {
    /// The proposed version.
    pub version: i64,
    /// How many recorded decisions were replayed (the newest ones).
    pub replayed: usize,
    /// The ones whose answer would change.
    pub flips: Vec<DecisionFlip>,
    /// Records that could not be replayed (recorded under another schema).
    pub unreadable: usize,
}

/// The full record of one decision, for auditors.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecordView {
    /// The audit entry.
    pub event_id: String,
    /// When (Unix ms).
    pub occurred_at: i64,
    /// Who asked.
    pub actor: Option<String>,
    /// The audited action.
    pub action: String,
    /// The object.
    pub object_type: String,
    /// The object's id.
    pub object_id: Option<String>,
    /// The entry's outcome.
    pub outcome: String,
    /// The deciding policies.
    pub reason: String,
    /// The version that decided.
    pub policy_version: i64,
    /// The answer.
    pub allowed: bool,
    /// The request, context and entity slice; `None` when the stored
    /// record does not parse.
    pub slice: Option<DecisionSlice>,
    /// Whether the slice still hashes to the digest sealed in the
    /// tamper-evident entry.
    pub digest_matches: bool,
}

fn digest_of(text: &str) -> String {
    hex::encode(dsg_crypto::sha256(text.as_bytes()))
}

fn change_request(row: &PolicyVersionRow) -> Result<ChangeRequestFacts, AppError> {
    let requested_by = row
        .proposed_by
        .as_deref()
        .ok_or(AppError::Conflict(
            "policy version was not proposed by a user",
        ))?
        .parse()
        .map_err(|_| AppError::Internal("stored proposer id".into()))?;
    Ok(ChangeRequestFacts {
        id: format!("policy-v{}", row.version),
        requested_by,
    })
}

/// Makes sure the register has a version in force and returns it: on a new
/// gateway the shipped policies become version 1; after an upgrade that
/// changed the shipped policies, a register still on shipped policies moves
/// to the new ones (audited). A version an operator wrote that no longer
/// validates against this release's schema stops the start: the gateway
/// never runs on a policy other than the one approved.
pub async fn load_active_policy(
    store: &dyn PolicyRegister,
    now_ms: i64,
) -> Result<ActivePolicy, String> {
    let active = store
        .active_policy_version()
        .await
        .map_err(|e| e.to_string())?;
    let shipped_digest = digest_of(POLICIES);
    let needs_shipped = match &active {
        None => true,
        Some(row) => row.origin == "shipped" && row.digest != shipped_digest,
    };
    if needs_shipped {
        let record = AuditRecord {
            request_id: dsg_core::RequestId::new().to_string(),
            actor: None,
            source: None,
            terminal: None,
            action: AuditAction::PolicyApprove,
            object: AuditObject::Policy(None),
            outcome: Outcome::Success,
            reason: format!("shipped:dsg-{}", env!("CARGO_PKG_VERSION")),
            decision: None,
        };
        let new = NewPolicyVersion {
            policies: POLICIES.to_owned(),
            digest: shipped_digest,
            origin: "shipped",
            summary: format!("policies shipped with dsg {}", env!("CARGO_PKG_VERSION")),
            based_on: active.as_ref().map(|r| r.version),
            proposed_by: None,
            activate: true,
            decided_by: None,
        };
        let version = store
            .insert_policy_version(&new, now_ms, &record)
            .await
            .map_err(|e| e.to_string())?;
        let engine = PolicyEngine::embedded().map_err(|e| e.to_string())?;
        return Ok(ActivePolicy { version, engine });
    }
    let Some(row) = active else {
        return Err("no active policy version".into());
    };
    let engine = PolicyEngine::from_policies(&row.policies).map_err(|e| {
        format!(
            "the active policy version {} does not validate against this release's schema: {e}",
            row.version
        )
    })?;
    Ok(ActivePolicy {
        version: row.version,
        engine,
    })
}

impl App {
    /// The policy set in force.
    pub(super) fn policy(&self) -> Arc<ActivePolicy> {
        self.inner.policy.load_full()
    }

    /// The version of the policy set in force.
    pub fn policy_version_in_force(&self) -> i64 {
        self.inner.policy.load().version
    }

    /// Picks up a version activated elsewhere (another gateway instance, or
    /// `dsg admin policy-approve` on the host). Returns the version in force.
    pub async fn reload_policy(&self) -> Result<i64, AppError> {
        let Some(row) = self.inner.policies.active_policy_version().await? else {
            return Ok(self.policy_version_in_force());
        };
        if row.version == self.policy_version_in_force() {
            return Ok(row.version);
        }
        self.put_in_force(&row)?;
        Ok(row.version)
    }

    fn put_in_force(&self, row: &PolicyVersionRow) -> Result<(), AppError> {
        let engine = PolicyEngine::from_policies(&row.policies)
            .map_err(|e| AppError::Internal(format!("stored policy version: {e}")))?;
        self.inner.policy.store(Arc::new(ActivePolicy {
            version: row.version,
            engine,
        }));
        tracing::info!(version = row.version, "policy version in force");
        Ok(())
    }

    /// Every version, newest first.
    pub async fn policy_versions(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<PolicyVersionView>, AppError> {
        self.authorize_admin(meta, caller, Action::PolicyRead, AuditAction::AdminView)
            .await?;
        Ok(self
            .inner
            .policies
            .policy_versions()
            .await?
            .into_iter()
            .map(PolicyVersionView::from)
            .collect())
    }

    /// One version.
    pub async fn policy_version(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        version: i64,
    ) -> Result<PolicyVersionView, AppError> {
        self.authorize_admin(meta, caller, Action::PolicyRead, AuditAction::AdminView)
            .await?;
        self.inner
            .policies
            .policy_version(version)
            .await?
            .map(PolicyVersionView::from)
            .ok_or(AppError::NotFound)
    }

    /// Proposes a new policy text. It must parse and validate against the
    /// schema; the validator's message is the answer otherwise. Returns the
    /// new version's number (status `proposed`).
    pub async fn propose_policy(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        policies: &str,
        summary: &str,
    ) -> Result<i64, AppError> {
        let (user, decided) = self
            .authorize_admin(
                meta,
                caller,
                Action::PolicyPropose,
                AuditAction::PolicyPropose,
            )
            .await?;
        let summary = summary.trim();
        if summary.is_empty() || summary.chars().count() > 500 {
            return Err(AppError::Invalid(
                "summary: say what the change is for (1–500 characters)".into(),
            ));
        }
        if policies.len() > POLICY_MAX_BYTES {
            return Err(AppError::Invalid("policies: text too long".into()));
        }
        if let Err(error) = PolicyEngine::from_policies(policies) {
            let record = Self::audit(
                meta,
                caller,
                AuditAction::PolicyPropose,
                AuditObject::Policy(None),
                Outcome::Failure,
                "policy_invalid",
            );
            self.record(&record).await?;
            return Err(AppError::PolicyInvalid(error.to_string()));
        }
        let in_force = self.policy_version_in_force();
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::PolicyPropose,
            AuditObject::Policy(None),
            Outcome::Success,
            &decided,
        );
        let new = NewPolicyVersion {
            policies: policies.to_owned(),
            digest: digest_of(policies),
            origin: "proposed",
            summary: summary.to_owned(),
            based_on: Some(in_force),
            proposed_by: Some(user.id.to_string()),
            activate: false,
            decided_by: None,
        };
        Ok(self
            .inner
            .policies
            .insert_policy_version(&new, self.now(), &record)
            .await?)
    }

    /// Replays the newest `limit` recorded decisions under a version and
    /// reports those whose answer would change. Each is decided again on
    /// the request and entity slice recorded with it.
    pub async fn policy_what_if(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        version: i64,
        limit: i64,
    ) -> Result<WhatIfReport, AppError> {
        self.authorize_admin(meta, caller, Action::PolicyRead, AuditAction::AdminView)
            .await?;
        let row = self
            .inner
            .policies
            .policy_version(version)
            .await?
            .ok_or(AppError::NotFound)?;
        let engine = PolicyEngine::from_policies(&row.policies)
            .map_err(|e| AppError::PolicyInvalid(e.to_string()))?;
        let records = self
            .inner
            .policies
            .recent_decisions(limit.clamp(1, WHAT_IF_MAX))
            .await?;
        Ok(what_if(version, &engine, &records))
    }

    /// Approves a proposed version: it comes into force for the next
    /// decision. The proposer cannot approve it (separation of duties, in
    /// the policy); on a gateway with one operator, `dsg admin
    /// policy-approve` is the break-glass second approver.
    pub async fn approve_policy(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        version: i64,
    ) -> Result<(), AppError> {
        // Only someone who may see the register learns whether the version
        // exists and is pending; then the approval itself is decided on it.
        self.authorize_admin(meta, caller, Action::PolicyRead, AuditAction::PolicyApprove)
            .await?;
        let row = self.proposed_version(version).await?;
        let (user, decided) = self
            .authorize_change_request(
                meta,
                caller,
                Action::PolicyApprove,
                AuditAction::PolicyApprove,
                change_request(&row)?,
            )
            .await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::PolicyApprove,
            AuditObject::Policy(Some(version)),
            Outcome::Success,
            &decided,
        );
        self.activate(&row, &user.id.to_string(), &record).await
    }

    /// The break-glass approval from the gateway host (`dsg admin
    /// policy-approve`), for an agency with a single operator. Audited as
    /// such.
    pub async fn approve_policy_break_glass(&self, version: i64) -> Result<(), AppError> {
        let row = self.proposed_version(version).await?;
        let meta = host_meta();
        let mut record = Self::audit(
            &meta,
            &Caller::Anonymous,
            AuditAction::PolicyApprove,
            AuditObject::Policy(Some(version)),
            Outcome::Success,
            "break-glass",
        );
        record.actor = Some(BREAK_GLASS.to_owned());
        self.activate(&row, BREAK_GLASS, &record).await
    }

    async fn proposed_version(&self, version: i64) -> Result<PolicyVersionRow, AppError> {
        let row = self
            .inner
            .policies
            .policy_version(version)
            .await?
            .ok_or(AppError::NotFound)?;
        if row.status != "proposed" {
            return Err(AppError::Conflict(
                "policy version is not a pending proposal",
            ));
        }
        Ok(row)
    }

    async fn activate(
        &self,
        row: &PolicyVersionRow,
        approver: &str,
        record: &AuditRecord,
    ) -> Result<(), AppError> {
        // Validated again: the release may have changed since the proposal.
        PolicyEngine::from_policies(&row.policies)
            .map_err(|e| AppError::PolicyInvalid(e.to_string()))?;
        self.inner
            .policies
            .activate_policy_version(row.version, approver, self.now(), record)
            .await?;
        let mut active = row.clone();
        active.status = "active".into();
        self.put_in_force(&active)
    }

    /// Rejects (or, for the proposer, withdraws) a proposal.
    pub async fn reject_policy(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        version: i64,
    ) -> Result<(), AppError> {
        let (user, decided) = self
            .authorize_admin(
                meta,
                caller,
                Action::PolicyPropose,
                AuditAction::PolicyReject,
            )
            .await?;
        self.proposed_version(version).await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::PolicyReject,
            AuditObject::Policy(Some(version)),
            Outcome::Success,
            &decided,
        );
        self.inner
            .policies
            .reject_policy_version(version, &user.id.to_string(), self.now(), &record)
            .await?;
        Ok(())
    }

    /// Puts an earlier version back in force, in one action: a copy of it
    /// becomes the newest version. Only a version that was in force before
    /// (approved then) can come back, so a rollback needs no second
    /// approver; it needs a fresh step-up like a proposal.
    pub async fn rollback_policy(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        to_version: i64,
    ) -> Result<i64, AppError> {
        let (user, decided) = self
            .authorize_admin(
                meta,
                caller,
                Action::PolicyPropose,
                AuditAction::PolicyRollback,
            )
            .await?;
        let target = self
            .inner
            .policies
            .policy_version(to_version)
            .await?
            .ok_or(AppError::NotFound)?;
        if target.status != "retired" {
            return Err(AppError::Refused(
                "only a version that was in force before can be rolled back to".into(),
            ));
        }
        let engine = PolicyEngine::from_policies(&target.policies)
            .map_err(|e| AppError::PolicyInvalid(e.to_string()))?;
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                AuditAction::PolicyRollback,
                AuditObject::Policy(None),
                Outcome::Success,
                format!("{};to=v{to_version}", decided.reason()),
            ),
            &decided,
        );
        let new = NewPolicyVersion {
            policies: target.policies.clone(),
            digest: target.digest.clone(),
            origin: "rollback",
            summary: format!("rollback to version {to_version}"),
            based_on: Some(to_version),
            proposed_by: Some(user.id.to_string()),
            activate: true,
            decided_by: Some(user.id.to_string()),
        };
        let version = self
            .inner
            .policies
            .insert_policy_version(&new, self.now(), &record)
            .await?;
        self.inner
            .policy
            .store(Arc::new(ActivePolicy { version, engine }));
        Ok(version)
    }

    /// The full record of one decision: the request, context and entity
    /// slice it was made on, and whether it still matches the digest in
    /// the tamper-evident log.
    pub async fn decision_record(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        event_id: &str,
    ) -> Result<DecisionRecordView, AppError> {
        self.authorize_admin(meta, caller, Action::PolicyRead, AuditAction::AdminView)
            .await?;
        let record = self
            .inner
            .policies
            .decision_record(event_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let digest_matches = record.digest.as_deref() == Some(digest_of(&record.slice).as_str());
        Ok(DecisionRecordView {
            slice: DecisionSlice::parse(&record.slice),
            event_id: record.event_id,
            occurred_at: record.occurred_at,
            actor: record.actor,
            action: record.action,
            object_type: record.object_type,
            object_id: record.object_id,
            outcome: record.outcome,
            reason: record.reason,
            policy_version: record.policy_version,
            allowed: record.allowed,
            digest_matches,
        })
    }
}

/// The request metadata of a command run on the gateway host.
pub(super) fn host_meta() -> RequestMeta {
    RequestMeta {
        request_id: dsg_core::RequestId::new().to_string(),
        source: Some("local-cli".to_owned()),
        user_agent: None,
        terminal: None,
        certificate: None,
    }
}

/// Replays `records` under `engine`; pure, so it is tested on its own.
fn what_if(version: i64, engine: &PolicyEngine, records: &[RecordedDecision]) -> WhatIfReport {
    let mut flips = Vec::new();
    let mut unreadable = 0;
    for record in records {
        let Ok(decision) = engine.replay(&record.slice) else {
            unreadable += 1;
            continue;
        };
        if decision.allowed != record.allowed {
            flips.push(DecisionFlip {
                event_id: record.event_id.clone(),
                occurred_at: record.occurred_at,
                actor: record.actor.clone(),
                action: record.action.clone(),
                object_type: record.object_type.clone(),
                object_id: record.object_id.clone(),
                was_allowed: record.allowed,
                was_policies: record.reason.clone(),
                now_allowed: decision.allowed,
                now_policies: decision.policies,
            });
        }
    }
    WhatIfReport {
        version,
        replayed: records.len() - unreadable,
        flips,
        unreadable,
    }
}
