//! Online backups of the metadata database: a consistent snapshot taken
//! while the gateway serves, what that snapshot refers to, and the copy
//! events of the inventory written with the backup's audit entry.
//!
//! SQLite: `VACUUM INTO` on a connection of its own. It reads in one read
//! transaction, so the copy is the database as of one commit, whatever the
//! writer does meanwhile (WAL lets both run), and the copy is a plain
//! database file with no WAL to carry. PostgreSQL: the operator's tool is
//! `pg_dump` (see `docs/design/backup.md`); this store refuses rather than
//! pretends.

use std::path::Path;

use dsg_core::{AuditRecord, LedgerEventId, LedgerItemId};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Any, Connection, Row, Sqlite};

use crate::{Backend, Store, StoreError};

/// What a database snapshot holds that a backup must carry with it.
#[derive(Debug, Clone, Default)]
pub struct SnapshotContents {
    /// The key of every blob a live file version refers to (versions whose
    /// key was destroyed need no blob).
    pub blob_keys: Vec<String>,
    /// The inventory items of stored versions still held (not closed):
    /// the backup is a copy of each.
    pub items: Vec<LedgerItemId>,
    /// Audit entries in the snapshot.
    pub audit_entries: u64,
    /// Leaves covered by its newest signed checkpoint.
    pub checkpointed: u64,
}

fn count(row: &sqlx::sqlite::SqliteRow) -> Result<u64, StoreError> {
    let n: Option<i64> = row.try_get("n")?;
    Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
}

/// Reads what `snapshot` (a SQLite database file written by
/// [`Store::snapshot_into`]) refers to, opening it read-only.
pub async fn snapshot_contents(snapshot: &Path) -> Result<SnapshotContents, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(snapshot)
        .read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let keys = sqlx::query::<Sqlite>(
        "SELECT blob_key FROM file_versions WHERE key_destroyed_at IS NULL ORDER BY blob_key",
    )
    .fetch_all(&mut conn)
    .await?;
    let blob_keys = keys
        .iter()
        .map(|r| r.try_get::<String, _>("blob_key"))
        .collect::<Result<Vec<_>, _>>()?;
    let items = sqlx::query::<Sqlite>(
        "SELECT id FROM ledger_items WHERE kind = 'file_version' AND state <> 'closed' \
         ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await?;
    let items = items
        .iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            id.parse()
                .map_err(|_| StoreError::Corrupt(format!("ledger item id {id:?}")))
        })
        .collect::<Result<Vec<LedgerItemId>, StoreError>>()?;
    let entries = sqlx::query::<Sqlite>("SELECT COUNT(*) AS n FROM audit_events")
        .fetch_one(&mut conn)
        .await?;
    let checkpointed = sqlx::query::<Sqlite>("SELECT MAX(tree_size) AS n FROM audit_checkpoints")
        .fetch_one(&mut conn)
        .await?;
    let contents = SnapshotContents {
        blob_keys,
        items,
        audit_entries: count(&entries)?,
        checkpointed: count(&checkpointed)?,
    };
    conn.close().await?;
    Ok(contents)
}

impl Store {
    /// Writes a consistent copy of the database to `dest` (which must not
    /// exist) while the gateway keeps serving. SQLite only.
    pub async fn snapshot_into(&self, dest: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config(
                "an online snapshot of PostgreSQL is pg_dump's job (see docs/design/backup.md)"
                    .into(),
            ));
        }
        let dest = dest
            .to_str()
            .ok_or_else(|| StoreError::Config("the backup path is not UTF-8".into()))?
            .to_owned();
        // A reader of the pool, taken out of it: its `query_only` is lifted
        // for VACUUM INTO (which writes only the new file), and it is closed
        // rather than handed back that way.
        let mut conn = self.pool.acquire().await?.detach();
        let result = async {
            sqlx::query::<Any>("PRAGMA query_only = OFF")
                .execute(&mut conn)
                .await?;
            sqlx::query::<Any>("VACUUM INTO $1")
                .bind(dest)
                .execute(&mut conn)
                .await?;
            Ok::<_, StoreError>(())
        }
        .await;
        let closed = conn.close().await;
        result?;
        closed?;
        Ok(())
    }

    /// Records a backup: one `copy` event on each of `items` still held
    /// (its site names the backup), with the backup's audit entry, in one
    /// transaction. Returns how many events were written.
    pub async fn record_backup(
        &self,
        items: &[LedgerItemId],
        site: &str,
        at_ms: i64,
        audit: &AuditRecord,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_audited().await?;
        let mut written = 0u64;
        for item in items {
            let done = sqlx::query::<Any>(
                "INSERT INTO ledger_events (id, item_id, seq, kind, site, at) \
                 SELECT $1, i.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger_events \
                 WHERE item_id = i.id), 'copy', $2, $3 FROM ledger_items i \
                 WHERE i.id = $4 AND i.state <> 'closed'",
            )
            .bind(LedgerEventId::random().to_string())
            .bind(site.to_owned())
            .bind(at_ms)
            .bind(item.to_string())
            .execute(&mut *tx)
            .await?;
            written = written.saturating_add(done.rows_affected());
        }
        tx.commit(at_ms, audit).await?;
        Ok(written)
    }
}
