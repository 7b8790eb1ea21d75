//! Storage of the tamper-evident log: leaves (one per sequenced audit
//! event), signed checkpoints and the checkpoint signing key. The hashing
//! and signing happen elsewhere; this module only stores text.

use sqlx::{Any, Row};

use crate::audit::event_row as event;
use crate::{Store, StoreError, StoredAuditEvent};

/// A leaf to append: the event it covers, its salt and its hash (hex).
#[derive(Debug, Clone)]
pub struct NewLeaf {
    /// The audit event.
    pub event_id: String,
    /// Hex of the 32-byte salt.
    pub salt: String,
    /// Hex of the leaf hash.
    pub leaf_hash: String,
}

/// A stored signed checkpoint.
#[derive(Debug, Clone)]
pub struct StoredCheckpoint {
    /// Leaves covered.
    pub tree_size: i64,
    /// Hex root.
    pub root: String,
    /// When it was made (Unix ms).
    pub timestamp_ms: i64,
    /// The `SignedCheckpoint` JSON.
    pub signed: String,
}

/// The checkpoint signing key as stored.
#[derive(Debug, Clone)]
pub struct StoredAuditKey {
    /// Key id.
    pub id: String,
    /// The sealed PKCS#8 document (hex).
    pub wrapped_private_key: String,
    /// Public key (hex).
    pub public_key: String,
    /// When it was made (Unix ms).
    pub created_at: i64,
}

/// A sequenced entry: its leaf index, salt (hex) and event.
#[derive(Debug, Clone)]
pub struct SequencedEvent {
    /// Leaf index.
    pub seq: i64,
    /// Hex salt.
    pub salt: String,
    /// Hex leaf hash as stored.
    pub leaf_hash: String,
    /// When the content was dropped at the end of its retention period;
    /// then only `leaf_hash`, the id, the time and the company remain.
    pub expired_at: Option<i64>,
    /// The event content.
    pub event: StoredAuditEvent,
}

/// Reads a row of `tree_size, root, timestamp_ms, signed`.
pub(crate) fn checkpoint_row(r: &sqlx::any::AnyRow) -> Result<StoredCheckpoint, sqlx::Error> {
    Ok(StoredCheckpoint {
        tree_size: r.try_get("tree_size")?,
        root: r.try_get("root")?,
        timestamp_ms: r.try_get("timestamp_ms")?,
        signed: r.try_get("signed")?,
    })
}

/// Reads a row of `l.seq, l.salt, l.leaf_hash, l.expired_at` and the event
/// columns.
pub(crate) fn sequenced_row(r: &sqlx::any::AnyRow) -> Result<SequencedEvent, sqlx::Error> {
    Ok(SequencedEvent {
        seq: r.try_get("seq")?,
        salt: r.try_get("salt")?,
        leaf_hash: r.try_get("leaf_hash")?,
        expired_at: r.try_get("expired_at")?,
        event: event(r)?,
    })
}

/// The event columns, as a literal so queries stay `&'static str`.
macro_rules! event_columns {
    () => {
        "e.id, e.occurred_at, e.request_id, e.actor_user_id, e.source_addr, \
         e.action, e.object_type, e.object_id, e.outcome, e.reason, e.terminal_id, e.decision_digest, \
         e.company_id"
    };
}

impl Store {
    /// Up to `limit` audit events that have no leaf yet, oldest first
    /// (by `occurred_at`, then id).
    pub async fn unsequenced_events(
        &self,
        limit: i64,
    ) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let sql = concat!(
            "SELECT ",
            event_columns!(),
            " FROM audit_events e WHERE NOT EXISTS \
             (SELECT 1 FROM audit_leaves l WHERE l.event_id = e.id) \
             ORDER BY e.occurred_at, e.id LIMIT $1"
        );
        let rows = sqlx::query::<Any>(sql)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(event)
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)
    }

    /// Appends `leaves` at `first_seq`, `first_seq + 1`, … in one
    /// transaction. Fails with [`StoreError::Conflict`] unless `first_seq`
    /// is exactly one past the stored maximum (another sequencer raced, or
    /// the table was changed behind the caller's back).
    pub async fn append_leaves(
        &self,
        first_seq: i64,
        leaves: &[NewLeaf],
    ) -> Result<(), StoreError> {
        // No audit entry: sequencing is how entries join the log; an entry
        // about it would itself wait to be sequenced, without end.
        let mut tx = self.begin_unaudited().await?;
        let row = sqlx::query::<Any>("SELECT COUNT(*) AS n, MAX(seq) AS m FROM audit_leaves")
            .fetch_one(&mut *tx)
            .await?;
        let count: i64 = row.try_get("n")?;
        let next = match row.try_get::<Option<i64>, _>("m")? {
            Some(max) => max + 1,
            None => 0,
        };
        if next != first_seq || count != first_seq {
            return Err(StoreError::Conflict("audit leaf sequence"));
        }
        for (offset, leaf) in (0i64..).zip(leaves) {
            sqlx::query::<Any>(
                "INSERT INTO audit_leaves (seq, event_id, salt, leaf_hash) VALUES ($1, $2, $3, $4)",
            )
            .bind(first_seq + offset)
            .bind(leaf.event_id.clone())
            .bind(leaf.salt.clone())
            .bind(leaf.leaf_hash.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every stored leaf hash (hex), in leaf order, with its seq.
    pub async fn leaf_hashes(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query::<Any>("SELECT seq, leaf_hash FROM audit_leaves ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("seq")?, r.try_get("leaf_hash")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Stores a signed checkpoint.
    pub async fn insert_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query::<Any>(
                "INSERT INTO audit_checkpoints (tree_size, root, timestamp_ms, signed) \
             VALUES ($1, $2, $3, $4)",
            )
            .bind(checkpoint.tree_size)
            .bind(checkpoint.root.clone())
            .bind(checkpoint.timestamp_ms)
            .bind(checkpoint.signed.clone()),
        )
        .await?;
        Ok(())
    }

    /// Every checkpoint, smallest tree first.
    pub async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT tree_size, root, timestamp_ms, signed FROM audit_checkpoints ORDER BY tree_size",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(checkpoint_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The newest checkpoint, if any.
    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT tree_size, root, timestamp_ms, signed FROM audit_checkpoints \
             ORDER BY tree_size DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(checkpoint_row)
            .transpose()
            .map_err(StoreError::from)
    }

    /// The signing key: the oldest stored one, if any.
    pub async fn audit_key(&self) -> Result<Option<StoredAuditKey>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT id, wrapped_private_key, public_key, created_at FROM audit_keys \
             ORDER BY created_at, id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StoredAuditKey {
                id: r.try_get("id")?,
                wrapped_private_key: r.try_get("wrapped_private_key")?,
                public_key: r.try_get("public_key")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| StoreError::from(e))
    }

    /// Stores a new signing key.
    pub async fn insert_audit_key(&self, key: &StoredAuditKey) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query::<Any>(
                "INSERT INTO audit_keys (id, wrapped_private_key, public_key, created_at) \
             VALUES ($1, $2, $3, $4)",
            )
            .bind(key.id.clone())
            .bind(key.wrapped_private_key.clone())
            .bind(key.public_key.clone())
            .bind(key.created_at),
        )
        .await?;
        Ok(())
    }

    /// The sequenced entry at leaf index `seq`, if there is one.
    pub async fn sequenced_event(&self, seq: i64) -> Result<Option<SequencedEvent>, StoreError> {
        let sql = concat!(
            "SELECT l.seq, l.salt, l.leaf_hash, l.expired_at, ",
            event_columns!(),
            " FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id WHERE l.seq = $1"
        );
        let row = sqlx::query::<Any>(sql)
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| sequenced_row(&r))
            .transpose()
            .map_err(|e: sqlx::Error| StoreError::from(e))
    }

    /// Every sequenced entry with its event and salt, in leaf order.
    pub async fn sequenced_events(&self) -> Result<Vec<SequencedEvent>, StoreError> {
        let sql = concat!(
            "SELECT l.seq, l.salt, l.leaf_hash, l.expired_at, ",
            event_columns!(),
            " FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id ORDER BY l.seq"
        );
        let rows = sqlx::query::<Any>(sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(sequenced_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
