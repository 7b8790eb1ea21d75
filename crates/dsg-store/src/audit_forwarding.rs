//! What the audit forwarder reads and remembers: batches of sequenced
//! entries and checkpoints from a position, and one durable cursor per sink
//! (migration `0007_audit_forwarding.sql`). Only text and numbers here; the
//! forwarding itself is `dsg-app` `audit_forward.rs`.

use sqlx::Any;

use crate::{SequencedEvent, Store, StoreError, StoredCheckpoint};

impl Store {
    /// Up to `limit` sequenced entries from leaf index `seq` on, in leaf
    /// order, with their salts.
    pub async fn sequenced_events_from(
        &self,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<SequencedEvent>, StoreError> {
        // `e.*` rather than a column list: `event_row` reads by name, so
        // this follows the audit table when it gains columns. Neither
        // `seq` nor `salt` is a column of audit_events.
        let rows = sqlx::query::<Any>(
            "SELECT l.seq, l.salt, l.leaf_hash, l.expired_at, e.* FROM audit_leaves l \
             JOIN audit_events e ON e.id = l.event_id \
             WHERE l.seq >= $1 ORDER BY l.seq LIMIT $2",
        )
        .bind(seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(crate::audit_log::sequenced_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Up to `limit` checkpoints with `tree_size >= min_tree_size`,
    /// smallest first.
    pub async fn checkpoints_from(
        &self,
        min_tree_size: i64,
        limit: i64,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT tree_size, root, timestamp_ms, signed FROM audit_checkpoints \
             WHERE tree_size >= $1 ORDER BY tree_size LIMIT $2",
        )
        .bind(min_tree_size)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(crate::audit_log::checkpoint_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The first position `sink` has not yet delivered (0 for a sink that
    /// never delivered anything).
    pub async fn forwarding_cursor(&self, sink: &str) -> Result<i64, StoreError> {
        let next: Option<i64> =
            sqlx::query_scalar::<Any, i64>("SELECT next_seq FROM audit_forwarding WHERE sink = $1")
                .bind(sink.to_owned())
                .fetch_optional(&self.pool)
                .await?;
        Ok(next.unwrap_or(0))
    }

    /// Records that `sink` delivered everything before `next_seq`. The
    /// cursor never moves back: should two gateways share the database,
    /// the slower one cannot make the other re-send what it delivered.
    pub async fn set_forwarding_cursor(
        &self,
        sink: &str,
        next_seq: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query::<Any>(
                "INSERT INTO audit_forwarding (sink, next_seq, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (sink) DO UPDATE SET next_seq = excluded.next_seq, \
             updated_at = excluded.updated_at \
             WHERE audit_forwarding.next_seq < excluded.next_seq",
            )
            .bind(sink.to_owned())
            .bind(next_seq)
            .bind(now_ms),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cursors_start_at_zero_and_only_move_forward() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        assert_eq!(store.forwarding_cursor("siem").await.unwrap(), 0);
        store.set_forwarding_cursor("siem", 7, 1).await.unwrap();
        store.set_forwarding_cursor("siem", 3, 2).await.unwrap();
        assert_eq!(store.forwarding_cursor("siem").await.unwrap(), 7);
        store.set_forwarding_cursor("siem", 9, 3).await.unwrap();
        assert_eq!(store.forwarding_cursor("siem").await.unwrap(), 9);
        // Sinks are independent.
        assert_eq!(store.forwarding_cursor("checkpoint_dir").await.unwrap(), 0);
        assert!(store.sequenced_events_from(0, 10).await.unwrap().is_empty());
        assert!(store.checkpoints_from(0, 10).await.unwrap().is_empty());
        store.close().await;
    }
}
