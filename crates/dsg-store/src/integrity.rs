//! Damaged file versions: the mark an integrity failure leaves, and the
//! scrub's walk over every stored version.

use dsg_core::{AuditRecord, CompartmentId, FileId, FileVersion};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::{rows, Store, StoreError};

/// A stored version with its compartment, for the scrub.
#[derive(Debug, Clone)]
pub struct StoredVersion {
    /// The compartment the file belongs to.
    pub compartment_id: CompartmentId,
    /// The version (blob key, digest, wrapped key).
    pub version: FileVersion,
    /// What made it damaged, when it is.
    pub damage: Option<String>,
}

/// A version marked damaged, for operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedVersion {
    /// The file.
    pub file_id: FileId,
    /// The version.
    pub version: u32,
    /// When it was marked (Unix ms).
    pub damaged_at: i64,
    /// What failed, as found.
    pub damage: String,
}

fn stored_version(row: &AnyRow) -> Result<StoredVersion, StoreError> {
    Ok(StoredVersion {
        compartment_id: rows::id(row, "compartment_id")?,
        version: rows::file_version(row)?,
        damage: row.try_get("damage")?,
    })
}

impl Store {
    /// What made a version damaged, if it is.
    pub async fn version_damage(
        &self,
        file: FileId,
        version: u32,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT damage FROM file_versions WHERE file_id = $1 AND version = $2",
        )
        .bind(file.to_string())
        .bind(i64::from(version))
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => row.try_get("damage")?,
            None => None,
        })
    }

    /// Marks a version damaged with its `file.integrity_failure` entry, in
    /// one transaction. The entry is written even when the version was
    /// marked already (two readers can meet the same damage); the first
    /// finding's text is kept. Returns whether the mark is new.
    pub async fn mark_damaged(
        &self,
        file: FileId,
        version: u32,
        now_ms: i64,
        damage: &str,
        record: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        let marked = sqlx::query::<Any>(
            "UPDATE file_versions SET damaged_at = $1, damage = $2 \
             WHERE file_id = $3 AND version = $4 AND damaged_at IS NULL",
        )
        .bind(now_ms)
        .bind(damage.to_owned())
        .bind(file.to_string())
        .bind(i64::from(version))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit(now_ms, record).await?;
        Ok(marked > 0)
    }

    /// Up to `limit` stored versions after `after` (file id, version), in
    /// that order, for a scrub to walk every version in pages.
    pub async fn stored_versions(
        &self,
        after: Option<(FileId, u32)>,
        limit: i64,
    ) -> Result<Vec<StoredVersion>, StoreError> {
        let (file, version) =
            after.map_or((String::new(), -1), |(f, v)| (f.to_string(), i64::from(v)));
        let rows = sqlx::query::<Any>(
            "SELECT f.compartment_id, v.file_id, v.version, v.blob_key, v.size_bytes, v.sha256, \
             v.wrapped_key, v.created_by, v.created_at, v.damage \
             FROM file_versions v JOIN files f ON f.id = v.file_id \
             WHERE (v.file_id > $1 OR (v.file_id = $1 AND v.version > $2)) \
             AND v.key_destroyed_at IS NULL \
             ORDER BY v.file_id, v.version LIMIT $3",
        )
        .bind(file)
        .bind(version)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, stored_version)
    }

    /// Every version marked damaged, oldest mark first.
    pub async fn damaged_versions(&self) -> Result<Vec<DamagedVersion>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT file_id, version, damaged_at, damage FROM file_versions \
             WHERE damaged_at IS NOT NULL ORDER BY damaged_at, file_id, version",
        )
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, |row| {
            Ok(DamagedVersion {
                file_id: rows::id(row, "file_id")?,
                version: rows::version(row, "version")?,
                damaged_at: row.try_get("damaged_at")?,
                damage: row.try_get("damage")?,
            })
        })
    }
}
