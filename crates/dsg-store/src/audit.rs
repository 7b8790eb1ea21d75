//! The append-only audit table.

use dsg_core::AuditRecord;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};
use uuid::Uuid;

use crate::{Store, StoreError};

/// An audit entry as stored.
#[derive(Debug, Clone)]
pub struct StoredAuditEvent {
    /// Time-ordered id (UUIDv7).
    pub id: String,
    /// When (Unix ms).
    pub occurred_at: i64,
    /// The request that caused it.
    pub request_id: String,
    /// The acting user, if any.
    pub actor_user_id: Option<String>,
    /// The client address.
    pub source_addr: Option<String>,
    /// The registered terminal, if the request came from one.
    pub terminal_id: Option<String>,
    /// Stable action name.
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// Object id.
    pub object_id: Option<String>,
    /// success / denied / failure.
    pub outcome: String,
    /// Deciding policies or error code.
    pub reason: String,
    /// SHA-256 of the decision record, for entries made on a policy decision.
    pub decision_digest: Option<String>,
    /// The contractor the entry concerns (see `company_of_entry!`).
    pub company_id: Option<String>,
}

/// Which contractor an entry concerns, worked out when it is written: the
/// acting user's company if that is a contractor, else the company owning
/// the object (a contractor's company record, user, contract, compartment,
/// file or terminal). NULL for the agency's own business. One rule here
/// rather than at every call site, so no entry can miss its company's
/// sub-log. `$4` is the actor, `$7` the object type, `$8` the object id.
macro_rules! company_of_entry {
    () => {
        "COALESCE(\
     (SELECT u.company_id FROM users u JOIN companies c ON c.id = u.company_id \
       WHERE u.id = $4 AND c.kind = 'contractor'), \
     CASE $7 \
       WHEN 'company' THEN (SELECT c.id FROM companies c WHERE c.id = $8 AND c.kind = 'contractor') \
       WHEN 'user' THEN (SELECT u.company_id FROM users u JOIN companies c ON c.id = u.company_id \
         WHERE u.id = $8 AND c.kind = 'contractor') \
       WHEN 'contract' THEN (SELECT k.company_id FROM contracts k WHERE k.id = $8) \
       WHEN 'compartment' THEN (SELECT k.company_id FROM compartments m \
         JOIN contracts k ON k.id = m.contract_id WHERE m.id = $8) \
       WHEN 'file' THEN (SELECT k.company_id FROM files f \
         JOIN compartments m ON m.id = f.compartment_id \
         JOIN contracts k ON k.id = m.contract_id WHERE f.id = $8) \
       WHEN 'terminal' THEN (SELECT t.company_id FROM terminals t \
         JOIN companies c ON c.id = t.company_id WHERE t.id = $8 AND c.kind = 'contractor') \
     END)"
    };
}

/// Writes one audit entry on a connection that is inside the caller's
/// transaction. Called only by `AuditedTx::commit` and the audit writer:
/// store methods hand their entry to the commit instead.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    now_ms: i64,
    record: &AuditRecord,
) -> Result<(), StoreError> {
    write_returning_id(conn, now_ms, record).await.map(|_| ())
}

/// [`write`], returning the new entry's id.
async fn write_returning_id(
    conn: &mut AnyConnection,
    now_ms: i64,
    record: &AuditRecord,
) -> Result<String, StoreError> {
    let id = Uuid::now_v7().to_string();
    let sql = concat!(
        "INSERT INTO audit_events (id, occurred_at, request_id, actor_user_id, source_addr, \
         action, object_type, object_id, outcome, reason, terminal_id, decision_digest, \
         company_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ",
        company_of_entry!(),
        ")"
    );
    sqlx::query::<Any>(sql)
        .bind(id.clone())
        .bind(now_ms)
        .bind(record.request_id.clone())
        .bind(record.actor.clone())
        .bind(record.source.clone())
        .bind(record.action.as_str())
        .bind(record.object.type_name())
        .bind(record.object.id())
        .bind(record.outcome.as_str())
        .bind(record.reason.clone())
        .bind(record.terminal.clone())
        .bind(record.decision.as_ref().map(|d| d.digest.clone()))
        .execute(&mut *conn)
        .await?;
    if let Some(decision) = &record.decision {
        sqlx::query::<Any>(
            "INSERT INTO decision_records (event_id, policy_version, allowed, slice) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id.clone())
        .bind(decision.policy_version)
        .bind(i64::from(decision.allowed))
        .bind(decision.slice.clone())
        .execute(conn)
        .await?;
    }
    Ok(id)
}

impl Store {
    /// Records an event that changes nothing else (a denial, a read, a
    /// login) and returns once it is durably committed. Concurrent calls
    /// are group-committed: one transaction for all records queued at that
    /// moment (see `audit_writer.rs`). An error means the caller must fail
    /// its request: the entry may not be stored.
    pub async fn record(&self, now_ms: i64, record: &AuditRecord) -> Result<(), StoreError> {
        self.audit_writer.append(now_ms, record).await
    }

    /// Records an event in a transaction of its own, bypassing the group
    /// commit, and returns its id and time (for an alert raised at once, by
    /// a task that cannot wait for the alert watcher).
    pub async fn record_returning_id(
        &self,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<(String, i64), StoreError> {
        // The entry is the whole change: there is nothing to commit with it.
        let mut tx = self.begin_unaudited().await?;
        let id = write_returning_id(&mut tx, now_ms, record).await?;
        tx.commit().await?;
        Ok((id, now_ms))
    }

    /// Whether audit entries can be written: yes unless the writer's last
    /// batch failed for want of the database, and then only once a probe
    /// write commits (which also ends the failing state, so readiness comes
    /// back as soon as the cause is gone, without waiting for a request).
    ///
    /// Answers `Err` with the cause while entries cannot be written.
    pub async fn audit_ready(&self) -> Result<(), StoreError> {
        if !self.audit_writer.is_failing() {
            return Ok(());
        }
        match self.probe_write().await {
            Ok(()) => {
                self.audit_writer.mark_recovered();
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "audit log still cannot be written");
                Err(e)
            }
        }
    }

    /// Commits a write that changes nothing of meaning (`write_probe`).
    async fn probe_write(&self) -> Result<(), StoreError> {
        // A probe changes nothing of meaning, so it has no entry of its own.
        let mut tx = self.begin_unaudited().await?;
        sqlx::query::<Any>("UPDATE write_probe SET probed_at = probed_at + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` entries, newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT id, occurred_at, request_id, actor_user_id, source_addr, action, \
             object_type, object_id, outcome, reason, terminal_id, decision_digest, company_id \
             FROM audit_events \
             ORDER BY occurred_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(event_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Entries of one action since `since_ms`, newest first (for the
    /// operators' view of events that need their attention).
    pub async fn audit_events_of(
        &self,
        action: &str,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT id, occurred_at, request_id, actor_user_id, source_addr, action, \
             object_type, object_id, outcome, reason, terminal_id, decision_digest, company_id \
             FROM audit_events \
             WHERE action = $1 AND occurred_at >= $2 \
             ORDER BY occurred_at DESC, id DESC LIMIT $3",
        )
        .bind(action.to_owned())
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(event_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

/// Reads the event columns (`id` … `reason`) of one row.
pub(crate) fn event_row(r: &AnyRow) -> Result<StoredAuditEvent, sqlx::Error> {
    Ok(StoredAuditEvent {
        id: r.try_get("id")?,
        occurred_at: r.try_get("occurred_at")?,
        request_id: r.try_get("request_id")?,
        actor_user_id: r.try_get("actor_user_id")?,
        source_addr: r.try_get("source_addr")?,
        action: r.try_get("action")?,
        object_type: r.try_get("object_type")?,
        object_id: r.try_get("object_id")?,
        outcome: r.try_get("outcome")?,
        reason: r.try_get("reason")?,
        terminal_id: r.try_get("terminal_id")?,
        decision_digest: r.try_get("decision_digest")?,
        company_id: r.try_get("company_id")?,
    })
}
