//! Dropping audit content at the end of its retention period. Only this
//! runs deletes on the log, only on sequenced entries older than the cut
//! and below the leaf index the caller proved old enough from the signed
//! checkpoints (`dsg_audit::expirable_below`), and in the same transaction
//! as the `audit.expire` entry that records it, which names the range so a
//! verifier can hold every expired leaf to it. Closed alerts over that
//! period lose their subject and notes in the same run.

use dsg_core::AuditRecord;
use sqlx::{Any, Row};

use crate::{Store, StoreError};

/// What one expiry run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// Entries whose content was dropped.
    pub entries: u64,
    /// The lowest leaf index among them.
    pub from_seq: i64,
    /// The highest leaf index among them.
    pub through_seq: i64,
    /// Closed alerts whose subject (a user id or an address) and notes were
    /// dropped with them.
    pub alerts: u64,
}

/// The entries of one run: sequenced, not yet expired, older than `$1`,
/// at or below leaf `$2`. Company heads are kept: they hold no personal
/// data, and a company's newest head must stay readable for its extract;
/// so are the expiry entries, which prove every other expiry.
macro_rules! expiring {
    () => {
        "SELECT l.event_id FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id \
         WHERE l.expired_at IS NULL AND e.occurred_at < $1 AND l.seq <= $2 \
         AND e.action <> 'audit.company_head' AND e.action <> 'audit.expire'"
    };
}

impl Store {
    /// Drops the content of up to `max` of the oldest entries that occurred
    /// before `before_ms` with a leaf index below `below_seq`, and writes
    /// `record(result)` as the run's own entry, all in one transaction.
    /// Returns `None` when nothing was due.
    pub async fn expire_audit_content(
        &self,
        before_ms: i64,
        below_seq: i64,
        now_ms: i64,
        max: i64,
        record: impl FnOnce(Expired) -> AuditRecord,
    ) -> Result<Option<Expired>, StoreError> {
        let mut tx = self.begin_audited().await?;
        let last = sqlx::query::<Any>(
            "SELECT MIN(seq) AS first, MAX(seq) AS last, COUNT(*) AS n FROM (SELECT l.seq \
             FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id \
             WHERE l.expired_at IS NULL AND e.occurred_at < $1 AND l.seq < $2 \
             AND e.action <> 'audit.company_head' AND e.action <> 'audit.expire' \
             ORDER BY l.seq LIMIT $3) due",
        )
        .bind(before_ms)
        .bind(below_seq)
        .bind(max)
        .fetch_one(&mut *tx)
        .await?;
        let Some(through_seq) = last.try_get::<Option<i64>, _>("last")? else {
            return Ok(None);
        };
        let from_seq = last
            .try_get::<Option<i64>, _>("first")?
            .unwrap_or(through_seq);
        sqlx::query::<Any>(concat!(
            "DELETE FROM decision_records WHERE event_id IN (",
            expiring!(),
            ")"
        ))
        .bind(before_ms)
        .bind(through_seq)
        .execute(&mut *tx)
        .await?;
        sqlx::query::<Any>(concat!(
            "UPDATE audit_events SET request_id = '', actor_user_id = NULL, \
             source_addr = NULL, action = 'expired', object_type = 'expired', \
             object_id = NULL, reason = '', terminal_id = NULL, decision_digest = NULL \
             WHERE id IN (",
            expiring!(),
            ")"
        ))
        .bind(before_ms)
        .bind(through_seq)
        .execute(&mut *tx)
        .await?;
        // The content is gone, so the rows are found by the blanked action.
        let done = sqlx::query::<Any>(
            "UPDATE audit_leaves SET expired_at = $1 WHERE expired_at IS NULL AND seq <= $2 \
             AND event_id IN (SELECT id FROM audit_events WHERE action = 'expired')",
        )
        .bind(now_ms)
        .bind(through_seq)
        .execute(&mut *tx)
        .await?;
        // Closed alerts over entries this old go the same way: their key
        // (a user id or an address) and notes are personal data too. Alerts
        // still being handled keep theirs.
        let alerts = sqlx::query::<Any>(
            "UPDATE alerts SET alert_key = '', acknowledge_note = NULL, close_note = NULL \
             WHERE status = 'closed' AND last_at < $1 AND alert_key <> ''",
        )
        .bind(before_ms)
        .execute(&mut *tx)
        .await?;
        let expired = Expired {
            entries: done.rows_affected(),
            from_seq,
            through_seq,
            alerts: alerts.rows_affected(),
        };
        tx.commit(now_ms, &record(expired)).await?;
        Ok(Some(expired))
    }
}
