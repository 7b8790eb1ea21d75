//! Sealing the names of files stored before names were sealed (migration
//! `0016`). The gateway holds the compartment keys, so it seals; the store
//! hands it the plaintext names once and then replaces them all in one
//! transaction with its audit entry.

use dsg_core::{AuditRecord, FileId};
use sqlx::{Any, Row};

use crate::files::{PlainNamedFile, SealedName};
use crate::{rows, Backend, Store, StoreError};

impl Store {
    /// The files whose names are not sealed yet (stored before sealing).
    pub async fn plain_named_files(&self) -> Result<Vec<PlainNamedFile>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT id, compartment_id, name FROM files WHERE name_sealed IS NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, |row| {
            Ok(PlainNamedFile {
                id: rows::id(row, "id")?,
                compartment_id: rows::id(row, "compartment_id")?,
                name: row.try_get("name")?,
            })
        })
    }

    /// Stores each file's sealed name and hash and empties its plaintext
    /// name, all or nothing, with `audit`. A row sealed meanwhile (another
    /// gateway on the same database) is a `Conflict` and nothing changes.
    /// Afterwards the space the plaintext occupied is cleared as far as the
    /// database allows: on SQLite the rows were rewritten with
    /// `secure_delete` (see `writer.rs`) and the write-ahead log is
    /// truncated; on PostgreSQL the table is rewritten (`VACUUM FULL`).
    pub async fn seal_file_names(
        &self,
        names: &[(FileId, SealedName)],
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        for (file, name) in names {
            let done = sqlx::query::<Any>(
                "UPDATE files SET name_sealed = $1, name_hash = $2, name = '' \
                 WHERE id = $3 AND name_sealed IS NULL",
            )
            .bind(name.sealed.clone())
            .bind(name.hash.clone())
            .bind(file.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("a file name sealed meanwhile"));
            }
        }
        tx.commit(now_ms, audit).await?;
        // The plaintext is gone from the table once committed; what follows
        // removes old copies of pages, and failing it loses nothing.
        let purge = match self.backend {
            Backend::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE)",
            Backend::Postgres => "VACUUM FULL files",
        };
        if let Err(e) = sqlx::query::<Any>(purge).execute(&self.pool).await {
            tracing::warn!(error = %e, "clearing old copies of file names failed");
        }
        Ok(())
    }
}
