//! Disposal of files marked for it (第6-6): the record by who performed it,
//! and its confirmation by another person, which destroys the versions'
//! data keys in the same transaction.

use dsg_core::{
    AuditRecord, CompartmentId, DisposalId, DisposalMethod, FileId, FileStatus, UserId,
};
use sqlx::{Any, Row};

use crate::files::StoredFile;
use crate::org::conflict_as;
use crate::{rows, Store, StoreError};

/// A disposal as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisposalRow {
    /// Its id.
    pub id: DisposalId,
    /// The compartment of the file.
    pub compartment_id: CompartmentId,
    /// The file disposed of (all its versions).
    pub file_id: FileId,
    /// How.
    pub method: DisposalMethod,
    /// Where.
    pub place: String,
    /// Who performed it.
    pub performed_by: UserId,
    /// When (Unix ms).
    pub performed_at: i64,
    /// Who checked it, once checked.
    pub checked_by: Option<UserId>,
    /// When it was checked (Unix ms).
    pub checked_at: Option<i64>,
}

/// A file marked for disposal and not yet disposed of.
#[derive(Debug, Clone)]
pub struct DisposalCandidate {
    /// The file, its name sealed.
    pub file: StoredFile,
    /// Its number of versions still holding a key.
    pub versions: u32,
    /// Who marked it.
    pub deleted_by: Option<UserId>,
    /// When (Unix ms).
    pub deleted_at: Option<i64>,
    /// Its disposal, once recorded (awaiting its checker).
    pub disposal: Option<DisposalRow>,
}

fn disposal_row(r: &sqlx::any::AnyRow) -> Result<DisposalRow, StoreError> {
    Ok(DisposalRow {
        id: rows::id(r, "id")?,
        compartment_id: rows::id(r, "compartment_id")?,
        file_id: rows::id(r, "file_id")?,
        method: DisposalMethod::parse(&r.try_get::<String, _>("method")?)?,
        place: r.try_get("place")?,
        performed_by: rows::id(r, "performed_by")?,
        performed_at: r.try_get("performed_at")?,
        checked_by: r
            .try_get::<Option<String>, _>("checked_by")?
            .map(|s| s.parse())
            .transpose()?,
        checked_at: r.try_get("checked_at")?,
    })
}

macro_rules! disposal_columns {
    () => {
        "SELECT id, compartment_id, file_id, method, place, performed_by, performed_at, \
         checked_by, checked_at FROM disposals "
    };
}

impl Store {
    /// The files of a compartment marked for disposal whose disposal is not
    /// confirmed yet, with their pending records.
    pub async fn disposal_candidates(
        &self,
        compartment: CompartmentId,
    ) -> Result<Vec<DisposalCandidate>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT f.id FROM files f WHERE f.compartment_id = $1 \
             AND f.status = 'disposal_candidate' AND NOT EXISTS (SELECT 1 FROM disposals d \
             WHERE d.file_id = f.id AND d.checked_by IS NOT NULL) ORDER BY f.deleted_at, f.id",
        )
        .bind(compartment.to_string())
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<FileId> = rows::all(&rows, |r| rows::id(r, "id"))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(file) = self.file(compartment, id).await? else {
                continue;
            };
            let row = sqlx::query::<Any>(
                "SELECT f.deleted_by, f.deleted_at, (SELECT COUNT(*) FROM file_versions v \
                 WHERE v.file_id = f.id AND v.key_destroyed_at IS NULL) AS n \
                 FROM files f WHERE f.id = $1",
            )
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await?;
            let disposal = sqlx::query::<Any>(concat!(disposal_columns!(), "WHERE file_id = $1"))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
            out.push(DisposalCandidate {
                file,
                versions: u32::try_from(row.try_get::<i64, _>("n")?)
                    .map_err(|_| StoreError::Corrupt("version count".into()))?,
                deleted_by: row
                    .try_get::<Option<String>, _>("deleted_by")?
                    .map(|s| s.parse())
                    .transpose()?,
                deleted_at: row.try_get("deleted_at")?,
                disposal: disposal.as_ref().map(disposal_row).transpose()?,
            });
        }
        Ok(out)
    }

    /// One disposal record of a compartment.
    pub async fn disposal(
        &self,
        compartment: CompartmentId,
        id: DisposalId,
    ) -> Result<Option<DisposalRow>, StoreError> {
        let row = sqlx::query::<Any>(concat!(
            disposal_columns!(),
            "WHERE id = $1 AND compartment_id = $2"
        ))
        .bind(id.to_string())
        .bind(compartment.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(disposal_row).transpose()
    }

    /// Records a disposal of a file marked for it (one per file).
    pub async fn record_disposal(
        &self,
        disposal: &DisposalRow,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        // Only a file still marked (never an active one, which would be
        // destroyed from under its handlers on confirmation).
        let marked =
            sqlx::query::<Any>("SELECT status FROM files WHERE id = $1 AND compartment_id = $2")
                .bind(disposal.file_id.to_string())
                .bind(disposal.compartment_id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let status = match marked {
            Some(row) => FileStatus::parse(&row.try_get::<String, _>("status")?)?,
            None => return Err(StoreError::NotFound("file")),
        };
        if status != FileStatus::DisposalCandidate {
            return Err(StoreError::NotFound("file"));
        }
        sqlx::query::<Any>(
            "INSERT INTO disposals (id, compartment_id, file_id, method, place, performed_by, \
             performed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(disposal.id.to_string())
        .bind(disposal.compartment_id.to_string())
        .bind(disposal.file_id.to_string())
        .bind(disposal.method.as_str())
        .bind(disposal.place.clone())
        .bind(disposal.performed_by.to_string())
        .bind(disposal.performed_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_as(e, "a disposal record for this file"))?;
        tx.commit(disposal.performed_at, audit).await?;
        Ok(())
    }

    /// Confirms a recorded disposal by `checker` and, in the same
    /// transaction, destroys the data keys of the file's versions and takes
    /// their bytes off the compartment's quota. Returns the blob keys, for
    /// the caller to delete once committed. A record already confirmed, or
    /// one `checker` performed, is not confirmed (`NotFound`, `Conflict`).
    pub async fn confirm_disposal(
        &self,
        compartment: CompartmentId,
        id: DisposalId,
        checker: UserId,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_audited().await?;
        let row = sqlx::query::<Any>(concat!(
            disposal_columns!(),
            "WHERE id = $1 AND compartment_id = $2 AND checked_by IS NULL"
        ))
        .bind(id.to_string())
        .bind(compartment.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(disposal) = row.as_ref().map(disposal_row).transpose()? else {
            return Err(StoreError::NotFound("disposal record"));
        };
        if disposal.performed_by == checker {
            return Err(StoreError::Conflict(
                "a disposal checked by who performed it",
            ));
        }
        sqlx::query::<Any>(
            "UPDATE disposals SET checked_by = $1, checked_at = $2 \
             WHERE id = $3 AND checked_by IS NULL",
        )
        .bind(checker.to_string())
        .bind(now_ms)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let versions = sqlx::query::<Any>(
            "SELECT blob_key, size_bytes FROM file_versions \
             WHERE file_id = $1 AND key_destroyed_at IS NULL",
        )
        .bind(disposal.file_id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        crate::ledger::close_disposed_versions(
            &mut tx,
            compartment,
            disposal.file_id,
            (disposal.performed_by, disposal.performed_at),
            checker,
            now_ms,
        )
        .await?;
        let mut keys = Vec::with_capacity(versions.len());
        let mut freed: i64 = 0;
        for v in &versions {
            keys.push(v.try_get::<String, _>("blob_key")?);
            freed = freed.saturating_add(v.try_get::<i64, _>("size_bytes")?);
        }
        sqlx::query::<Any>(
            "UPDATE file_versions SET wrapped_key = '', key_destroyed_at = $1 \
             WHERE file_id = $2 AND key_destroyed_at IS NULL",
        )
        .bind(now_ms)
        .bind(disposal.file_id.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query::<Any>(
            "UPDATE compartments SET used_bytes = CASE WHEN used_bytes > $1 \
             THEN used_bytes - $1 ELSE 0 END WHERE id = $2",
        )
        .bind(freed)
        .bind(compartment.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit(now_ms, audit).await?;
        Ok(keys)
    }
}
