//! Policy versions and the decision records a proposed version is tested on.

use dsg_core::{AuditObject, AuditRecord};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

use crate::{Store, StoreError};

/// One version of the policy set as stored.
#[derive(Debug, Clone)]
pub struct PolicyVersionRow {
    /// 1, 2, 3 …
    pub version: i64,
    /// The Cedar policy text.
    pub policies: String,
    /// SHA-256 (hex) of the text.
    pub digest: String,
    /// `proposed`, `active`, `retired` or `rejected`.
    pub status: String,
    /// `shipped`, `proposed` or `rollback`.
    pub origin: String,
    /// What the change is for, in the proposer's words.
    pub summary: String,
    /// The version this one was proposed against, or rolled back to.
    pub based_on: Option<i64>,
    /// The proposing user (none for shipped policies).
    pub proposed_by: Option<String>,
    /// When it was proposed (Unix ms).
    pub proposed_at: i64,
    /// Who approved or rejected it (a user id, or `break-glass`).
    pub decided_by: Option<String>,
    /// When (Unix ms).
    pub decided_at: Option<i64>,
    /// When it became active (Unix ms).
    pub activated_at: Option<i64>,
}

/// A version to store.
#[derive(Debug, Clone)]
pub struct NewPolicyVersion {
    /// The Cedar policy text (already validated by the caller).
    pub policies: String,
    /// SHA-256 (hex) of the text.
    pub digest: String,
    /// `shipped`, `proposed` or `rollback`.
    pub origin: &'static str,
    /// What the change is for.
    pub summary: String,
    /// The version it was proposed against, or rolled back to.
    pub based_on: Option<i64>,
    /// The proposing user.
    pub proposed_by: Option<String>,
    /// Store it active at once (shipped policies, rollbacks) instead of
    /// proposed; the version active now is retired.
    pub activate: bool,
    /// Who activates it (with `activate`).
    pub decided_by: Option<String>,
}

/// A policy decision recorded with its audit entry.
#[derive(Debug, Clone)]
pub struct RecordedDecision {
    /// The audit entry's id.
    pub event_id: String,
    /// When (Unix ms).
    pub occurred_at: i64,
    /// The acting user.
    pub actor: Option<String>,
    /// The audited action.
    pub action: String,
    /// Object kind and id.
    pub object_type: String,
    /// Object id.
    pub object_id: Option<String>,
    /// The entry's outcome.
    pub outcome: String,
    /// The entry's reason (the deciding policies).
    pub reason: String,
    /// The policy version that decided.
    pub policy_version: i64,
    /// Whether it allowed the request.
    pub allowed: bool,
    /// The request and entity slice (JSON).
    pub slice: String,
    /// SHA-256 of the slice as sealed in the tamper-evident entry.
    pub digest: Option<String>,
}

macro_rules! select_versions {
    ($rest:literal) => {
        concat!(
            "SELECT version, policies, digest, status, origin, summary, based_on, ",
            "proposed_by, proposed_at, decided_by, decided_at, activated_at ",
            "FROM policy_versions ",
            $rest
        )
    };
}

macro_rules! select_decisions {
    ($rest:literal) => {
        concat!(
            "SELECT e.id, e.occurred_at, e.actor_user_id, e.action, e.object_type, ",
            "e.object_id, e.outcome, e.reason, e.decision_digest, d.policy_version, ",
            "d.allowed, d.slice FROM decision_records d ",
            "JOIN audit_events e ON e.id = d.event_id ",
            $rest
        )
    };
}

fn version_row(r: &AnyRow) -> Result<PolicyVersionRow, sqlx::Error> {
    Ok(PolicyVersionRow {
        version: r.try_get("version")?,
        policies: r.try_get("policies")?,
        digest: r.try_get("digest")?,
        status: r.try_get("status")?,
        origin: r.try_get("origin")?,
        summary: r.try_get("summary")?,
        based_on: r.try_get("based_on")?,
        proposed_by: r.try_get("proposed_by")?,
        proposed_at: r.try_get("proposed_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        activated_at: r.try_get("activated_at")?,
    })
}

fn decision_row(r: &AnyRow) -> Result<RecordedDecision, sqlx::Error> {
    Ok(RecordedDecision {
        event_id: r.try_get("id")?,
        occurred_at: r.try_get("occurred_at")?,
        actor: r.try_get("actor_user_id")?,
        action: r.try_get("action")?,
        object_type: r.try_get("object_type")?,
        object_id: r.try_get("object_id")?,
        outcome: r.try_get("outcome")?,
        reason: r.try_get("reason")?,
        policy_version: r.try_get("policy_version")?,
        allowed: r.try_get::<i64, _>("allowed")? != 0,
        slice: r.try_get("slice")?,
        digest: r.try_get("decision_digest")?,
    })
}

/// Retires the active version, if any.
async fn retire_active(conn: &mut AnyConnection) -> Result<(), StoreError> {
    sqlx::query::<Any>("UPDATE policy_versions SET status = 'retired' WHERE status = 'active'")
        .execute(conn)
        .await?;
    Ok(())
}

/// Applies an approval or rejection (`update` binds decided_by, decided_at,
/// version) to a version that is still proposed; `Conflict` otherwise.
async fn decide_proposal(
    conn: &mut AnyConnection,
    update: &'static str,
    (version, decided_by, now_ms): (i64, &str, i64),
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(update)
        .bind(decided_by.to_owned())
        .bind(now_ms)
        .bind(version)
        .execute(conn)
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict("policy version is not proposed"));
    }
    Ok(())
}

impl Store {
    /// Every version, newest first.
    pub async fn policy_versions(&self) -> Result<Vec<PolicyVersionRow>, StoreError> {
        let rows = sqlx::query::<Any>(select_versions!("ORDER BY version DESC"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(version_row).collect::<Result<_, _>>()?)
    }

    /// One version.
    pub async fn policy_version(
        &self,
        version: i64,
    ) -> Result<Option<PolicyVersionRow>, StoreError> {
        let row = sqlx::query::<Any>(select_versions!("WHERE version = $1"))
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(version_row).transpose()?)
    }

    /// The version in force, if the register has been started.
    pub async fn active_policy_version(&self) -> Result<Option<PolicyVersionRow>, StoreError> {
        let row = sqlx::query::<Any>(select_versions!("WHERE status = 'active'"))
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(version_row).transpose()?)
    }

    /// Stores a new version (next number) with its audit entry; returns its
    /// number. With `activate`, the active version is retired in the same
    /// transaction.
    pub async fn insert_policy_version(
        &self,
        new: &NewPolicyVersion,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_audited().await?;
        let last: Option<i64> =
            sqlx::query_scalar::<Any, Option<i64>>("SELECT MAX(version) FROM policy_versions")
                .fetch_one(&mut *tx)
                .await?;
        let version = last.unwrap_or(0) + 1;
        if new.activate {
            retire_active(&mut tx).await?;
        }
        sqlx::query::<Any>(
            "INSERT INTO policy_versions (version, policies, digest, status, origin, summary, \
             based_on, proposed_by, proposed_at, decided_by, decided_at, activated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(version)
        .bind(new.policies.clone())
        .bind(new.digest.clone())
        .bind(if new.activate { "active" } else { "proposed" })
        .bind(new.origin)
        .bind(new.summary.clone())
        .bind(new.based_on)
        .bind(new.proposed_by.clone())
        .bind(now_ms)
        .bind(new.decided_by.clone())
        .bind(new.activate.then_some(now_ms))
        .bind(new.activate.then_some(now_ms))
        .execute(&mut *tx)
        .await?;
        let mut audit = audit.clone();
        if audit.object == AuditObject::Policy(None) {
            audit.object = AuditObject::Policy(Some(version));
        }
        tx.commit(now_ms, &audit).await?;
        Ok(version)
    }

    /// Approves a proposed version: it becomes the one in force and the
    /// former one is retired, with the audit entry, all or nothing.
    /// `Conflict` if it is no longer proposed.
    pub async fn activate_policy_version(
        &self,
        version: i64,
        decided_by: &str,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        retire_active(&mut tx).await?;
        decide_proposal(
            &mut tx,
            "UPDATE policy_versions SET status = 'active', decided_by = $1, decided_at = $2, \
             activated_at = $2 WHERE version = $3 AND status = 'proposed'",
            (version, decided_by, now_ms),
        )
        .await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Rejects a proposed version. `Conflict` if it is no longer proposed.
    pub async fn reject_policy_version(
        &self,
        version: i64,
        decided_by: &str,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        decide_proposal(
            &mut tx,
            "UPDATE policy_versions SET status = 'rejected', decided_by = $1, decided_at = $2 \
             WHERE version = $3 AND status = 'proposed'",
            (version, decided_by, now_ms),
        )
        .await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// The newest `limit` recorded decisions, newest first.
    pub async fn recent_decisions(&self, limit: i64) -> Result<Vec<RecordedDecision>, StoreError> {
        let rows = sqlx::query::<Any>(select_decisions!(
            "ORDER BY e.occurred_at DESC, e.id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(decision_row).collect::<Result<_, _>>()?)
    }

    /// The decision record of one audit entry.
    pub async fn decision_record(
        &self,
        event_id: &str,
    ) -> Result<Option<RecordedDecision>, StoreError> {
        let row = sqlx::query::<Any>(select_decisions!("WHERE d.event_id = $1"))
            .bind(event_id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(decision_row).transpose()?)
    }
}
