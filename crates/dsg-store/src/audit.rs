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
}

/// Writes one audit entry on a connection that is inside the caller's
/// transaction.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    now_ms: i64,
    record: &AuditRecord,
) -> Result<(), StoreError> {
    let id = Uuid::now_v7().to_string();
    sqlx::query::<Any>(
        "INSERT INTO audit_events (id, occurred_at, request_id, actor_user_id, source_addr, \
         action, object_type, object_id, outcome, reason, terminal_id, decision_digest) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.clone())
    .bind(now_ms)
    .bind(record.request_id.clone())
    .bind(record.actor.clone())
    .bind(record.source.clone())
    .bind(record.action.as_str())
    .bind(record.object_type)
    .bind(record.object_id.clone())
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
        .bind(id)
        .bind(decision.policy_version)
        .bind(i64::from(decision.allowed))
        .bind(decision.slice.clone())
        .execute(conn)
        .await?;
    }
    Ok(())
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

    /// The newest `limit` entries, newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT id, occurred_at, request_id, actor_user_id, source_addr, action, \
             object_type, object_id, outcome, reason, terminal_id, decision_digest FROM audit_events \
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
             object_type, object_id, outcome, reason, terminal_id, decision_digest FROM audit_events \
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
    })
}
