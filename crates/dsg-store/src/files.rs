//! Files and their versions. An upload becomes visible only when its
//! version row commits, together with the quota charge and the audit entry.

use dsg_core::{
    AuditRecord, CompartmentId, EndInstruction, FileDirection, FileId, FileStatus, FileVersion,
    UserId,
};
use sqlx::{Any, Row};

use crate::{rows, Store, StoreError};

/// Where a finished upload goes.
#[derive(Debug, Clone)]
pub enum UploadTarget {
    /// A new file in a compartment.
    NewFile {
        /// The file's fresh id.
        file_id: FileId,
        /// Its name, sealed.
        name: SealedName,
        /// Which way it travels (from the uploader's organisation).
        direction: FileDirection,
        /// On a provided file, what becomes of it at the contract's end.
        end_instruction: Option<EndInstruction>,
    },
    /// The next version of an existing, active file.
    NextVersion {
        /// The file.
        file_id: FileId,
    },
}

/// A stored, encrypted blob to register as a file version.
#[derive(Debug, Clone)]
pub struct NewFileVersion {
    /// 1-based version number the blob was encrypted for.
    pub version: u32,
    /// Object-store key.
    pub blob_key: String,
    /// Plaintext size.
    pub size_bytes: i64,
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
    /// Data key wrapped by the compartment key.
    pub wrapped_key: String,
    /// Uploader.
    pub created_by: UserId,
    /// The terminal it was uploaded from, for the inventory.
    pub terminal: Option<String>,
}

/// A file's name as stored: sealed under its compartment's key, and its
/// keyed hash (see migration `0016`). The gateway seals and opens it; the
/// store never sees the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedName {
    /// AES-256-GCM of the name, bound to the compartment and file (base64).
    pub sealed: String,
    /// HMAC-SHA-256 of the NFC name under a key of the compartment (hex):
    /// equal for equal names of one compartment, so it keeps one active
    /// file per name.
    pub hash: String,
}

/// A file as stored: [`dsg_core::FileRecord`] with its name still sealed.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// Its id.
    pub id: FileId,
    /// Where it lives.
    pub compartment_id: CompartmentId,
    /// Its name, sealed (base64; see [`SealedName`]).
    pub name_sealed: String,
    /// Number of the newest version (1-based).
    pub current_version: u32,
    /// Size of the newest version in bytes.
    pub size_bytes: i64,
    /// Active or awaiting disposal.
    pub status: FileStatus,
    /// Provided by the agency or submitted by the company.
    pub direction: FileDirection,
    /// On a provided file, what becomes of it at the contract's end.
    pub end_instruction: Option<EndInstruction>,
    /// When the first version was uploaded (Unix ms).
    pub created_at: i64,
    /// When the newest version was uploaded (Unix ms).
    pub updated_at: i64,
    /// Who uploaded the newest version.
    pub updated_by: UserId,
    /// Their display name.
    pub updated_by_name: String,
}

/// A file whose name was stored before names were sealed.
#[derive(Debug, Clone)]
pub struct PlainNamedFile {
    /// The file.
    pub id: FileId,
    /// Its compartment, whose key seals the name.
    pub compartment_id: CompartmentId,
    /// The name as stored.
    pub name: String,
}

impl Store {
    /// The active files of a compartment, by id (their names are sealed:
    /// the caller orders them once opened).
    pub async fn list_files(
        &self,
        compartment: CompartmentId,
    ) -> Result<Vec<StoredFile>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT f.id, f.compartment_id, f.name_sealed, f.current_version, v.size_bytes, \
             f.status, f.direction, f.end_instruction, f.created_at, f.updated_at, \
             v.created_by AS updated_by, u.display_name AS updated_by_name FROM files f \
             JOIN file_versions v ON v.file_id = f.id AND v.version = f.current_version \
             JOIN users u ON u.id = v.created_by \
             WHERE f.compartment_id = $1 AND f.status = 'active' ORDER BY f.id",
        )
        .bind(compartment.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, stored_file)
    }

    /// One file of a compartment, whatever its status. A file id from another
    /// compartment is not found.
    pub async fn file(
        &self,
        compartment: CompartmentId,
        file: FileId,
    ) -> Result<Option<StoredFile>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT f.id, f.compartment_id, f.name_sealed, f.current_version, v.size_bytes, \
             f.status, f.direction, f.end_instruction, f.created_at, f.updated_at, \
             v.created_by AS updated_by, u.display_name AS updated_by_name FROM files f \
             JOIN file_versions v ON v.file_id = f.id AND v.version = f.current_version \
             JOIN users u ON u.id = v.created_by \
             WHERE f.compartment_id = $1 AND f.id = $2",
        )
        .bind(compartment.to_string())
        .bind(file.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_file).transpose()
    }

    /// All versions of a file, newest first.
    pub async fn versions(&self, file: FileId) -> Result<Vec<FileVersion>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT file_id, version, blob_key, size_bytes, sha256, wrapped_key, created_by, \
             created_at FROM file_versions WHERE file_id = $1 ORDER BY version DESC",
        )
        .bind(file.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, rows::file_version)
    }

    /// One version of a file.
    pub async fn version(
        &self,
        file: FileId,
        version: u32,
    ) -> Result<Option<FileVersion>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT file_id, version, blob_key, size_bytes, sha256, wrapped_key, created_by, \
             created_at FROM file_versions WHERE file_id = $1 AND version = $2",
        )
        .bind(file.to_string())
        .bind(i64::from(version))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::file_version).transpose()
    }

    /// Registers an uploaded blob: charges the quota, creates the file or
    /// moves it to the next version, and writes the audit entry, all in one
    /// transaction. Fails with `Conflict` if another version won the race or an
    /// active file of the compartment has the new file's name, and
    /// `QuotaExceeded` if the compartment is full; the blob is then unused and
    /// the caller deletes it.
    pub async fn commit_upload(
        &self,
        compartment: CompartmentId,
        target: &UploadTarget,
        blob: &NewFileVersion,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let charged = sqlx::query::<Any>(
            "UPDATE compartments SET used_bytes = used_bytes + $1 \
             WHERE id = $2 AND used_bytes + $1 <= quota_bytes",
        )
        .bind(blob.size_bytes)
        .bind(compartment.to_string())
        .execute(&mut *tx)
        .await?;
        if charged.rows_affected() != 1 {
            return Err(StoreError::QuotaExceeded);
        }
        let file_id = match target {
            UploadTarget::NewFile {
                file_id,
                name,
                direction,
                end_instruction,
            } => {
                if blob.version != 1 {
                    return Err(StoreError::Corrupt("a new file starts at version 1".into()));
                }
                // One active file per name in a compartment, by the keyed
                // hash of the NFC name (`FileName`), so names differing only
                // in normalisation meet here as equal. The quota update
                // above holds the compartment's row, so concurrent uploads
                // into it check one after the other; the unique index
                // `files_active_name` holds it whatever the path.
                let taken = sqlx::query::<Any>(
                    "SELECT id FROM files WHERE compartment_id = $1 AND name_hash = $2 \
                     AND status = 'active'",
                )
                .bind(compartment.to_string())
                .bind(name.hash.clone())
                .fetch_optional(&mut *tx)
                .await?;
                if taken.is_some() {
                    return Err(StoreError::Conflict(
                        "a file with this name (upload a new version instead)",
                    ));
                }
                sqlx::query::<Any>(
                    "INSERT INTO files (id, compartment_id, name, name_sealed, name_hash, \
                     current_version, status, created_by, created_at, updated_at, direction, \
                     end_instruction) \
                     VALUES ($1, $2, '', $3, $4, 1, 'active', $5, $6, $6, $7, $8)",
                )
                .bind(file_id.to_string())
                .bind(compartment.to_string())
                .bind(name.sealed.clone())
                .bind(name.hash.clone())
                .bind(blob.created_by.to_string())
                .bind(now_ms)
                .bind(direction.as_str())
                .bind(end_instruction.map(EndInstruction::as_str))
                .execute(&mut *tx)
                .await?;
                *file_id
            }
            UploadTarget::NextVersion { file_id } => {
                let moved = sqlx::query::<Any>(
                    "UPDATE files SET current_version = $1, updated_at = $2 \
                     WHERE id = $3 AND compartment_id = $4 AND current_version = $5 \
                     AND status = 'active'",
                )
                .bind(i64::from(blob.version))
                .bind(now_ms)
                .bind(file_id.to_string())
                .bind(compartment.to_string())
                .bind(i64::from(blob.version) - 1)
                .execute(&mut *tx)
                .await?;
                if moved.rows_affected() != 1 {
                    return Err(StoreError::Conflict("a newer version of this file"));
                }
                *file_id
            }
        };
        sqlx::query::<Any>(
            "INSERT INTO file_versions (file_id, version, blob_key, size_bytes, sha256, \
             wrapped_key, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(file_id.to_string())
        .bind(i64::from(blob.version))
        .bind(blob.blob_key.clone())
        .bind(blob.size_bytes)
        .bind(blob.sha256.clone())
        .bind(blob.wrapped_key.clone())
        .bind(blob.created_by.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        // The inventory's receipt or creation, in the upload's own
        // transaction: an upload that fails leaves no event.
        crate::ledger::version_item(
            &mut tx,
            compartment,
            (file_id, blob.version),
            (blob.created_by, blob.terminal.clone()),
            now_ms,
        )
        .await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Marks an active file as a disposal candidate (soft delete). Its
    /// versions stay stored and counted until a recorded disposal.
    pub async fn mark_for_disposal(
        &self,
        compartment: CompartmentId,
        file: FileId,
        by: UserId,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(
            "UPDATE files SET status = 'disposal_candidate', deleted_by = $1, deleted_at = $2 \
             WHERE id = $3 AND compartment_id = $4 AND status = 'active'",
        )
        .bind(by.to_string())
        .bind(now_ms)
        .bind(file.to_string())
        .bind(compartment.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound("file"));
        }
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Whether any file version refers to this blob key (for the orphan sweep).
    pub async fn blob_in_use(&self, blob_key: &str) -> Result<bool, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT COUNT(*) AS n FROM file_versions WHERE blob_key = $1 \
             AND key_destroyed_at IS NULL",
        )
        .bind(blob_key.to_owned())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

fn stored_file(row: &sqlx::any::AnyRow) -> Result<StoredFile, StoreError> {
    Ok(StoredFile {
        id: rows::id(row, "id")?,
        compartment_id: rows::id(row, "compartment_id")?,
        // Sealed at start for rows older than sealing (`App::seal_file_names`).
        name_sealed: row
            .try_get::<Option<String>, _>("name_sealed")?
            .ok_or_else(|| StoreError::Corrupt("a file name was never sealed".into()))?,
        current_version: rows::version(row, "current_version")?,
        size_bytes: row.try_get("size_bytes")?,
        status: FileStatus::parse(&row.try_get::<String, _>("status")?)?,
        direction: FileDirection::parse(&row.try_get::<String, _>("direction")?)?,
        end_instruction: row
            .try_get::<Option<String>, _>("end_instruction")?
            .map(|i| EndInstruction::parse(&i))
            .transpose()?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: rows::id(row, "updated_by")?,
        updated_by_name: row.try_get("updated_by_name")?,
    })
}
