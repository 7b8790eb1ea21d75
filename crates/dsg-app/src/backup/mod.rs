//! Online backup, verification and restore (`dsg admin backup …`).
//!
//! A backup is taken by the `dsg admin` process on the gateway host while
//! the gateway serves, on the same database file (as every `dsg admin`
//! command): the database is copied as of one commit (`VACUUM INTO`), then
//! every blob that snapshot refers to is copied as stored (ciphertext;
//! blobs are write-once, so the snapshot's set is complete whatever is
//! uploaded meanwhile), then a manifest of every file's SHA-256 is written
//! and signed with the audit log's checkpoint key. Blobs already in the
//! target are not copied again. The master key is never copied: every key
//! in the snapshot is wrapped under it, and it stays in the key directory.
//! The backup is recorded as one audit entry and, in the same transaction,
//! a `copy` event on every inventory item it holds.
//!
//! See `docs/design/backup.md`.

mod manifest;
mod restore;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dsg_audit::KeyPair;
use dsg_core::{AuditAction, AuditObject, Outcome};
use futures::{StreamExt, TryStreamExt};

pub use manifest::{backup_ids, Manifest, ManifestFile};
pub use restore::{restore_backup, verify_backup, RestoreReport, VerifyReport};

use manifest::{backup_dir, hash_file, previous_files, relative, sync_dir, BACKUPS, DATABASE};

use super::{App, AppError, Caller};

/// Blobs copied at once (S3 round trips overlap; a local disk is kept busy).
const PARALLEL_COPIES: usize = 4;

/// What a backup did.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// Its id (a folder under `backups/`).
    pub id: String,
    /// Files the manifest names (the snapshot and every blob).
    pub files: u64,
    /// Blobs copied now.
    pub blobs_copied: u64,
    /// Blobs already in the target from an earlier backup.
    pub blobs_kept: u64,
    /// Blobs of the snapshot disposed of before they could be copied (their
    /// keys are destroyed: nothing to restore).
    pub blobs_gone: u64,
    /// Bytes written (snapshot and copied blobs).
    pub bytes_written: u64,
    /// Inventory items the backup holds (a copy event on each).
    pub items: u64,
    /// Audit entries in the snapshot.
    pub audit_entries: u64,
    /// SHA-256 of the manifest (hex), as the audit entry records it.
    pub manifest_sha256: String,
}

/// One blob of the snapshot, once handled.
enum BlobOutcome {
    Copied(String, u64, [u8; 32]),
    Kept(String, u64, String),
    Gone,
}

fn io(what: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |e| AppError::Internal(format!("{}: {e}", what.display()))
}

fn create_private_dir(path: &Path) -> Result<(), AppError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(io(path))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("backup task: {e}")))?
}

impl App {
    /// Takes a backup into `root` (created if missing) while the gateway
    /// serves; see the module documentation.
    pub async fn backup_create(&self, root: &Path) -> Result<BackupReport, AppError> {
        let id = uuid::Uuid::now_v7().to_string();
        let dir = backup_dir(root, &id)?;
        create_private_dir(&dir)?;
        let signer = self.audit_signer().await?;
        let public_key = hex::encode(signer.key.public_key().as_ref());
        let previous = {
            let (root, key) = (root.to_path_buf(), public_key.clone());
            blocking(move || Ok(previous_files(&root, &key))).await?
        };

        let db = dir.join(DATABASE);
        self.inner.backups.snapshot_into(&db).await?;
        let (db_bytes, db_sha) = {
            let db = db.clone();
            blocking(move || {
                std::fs::File::open(&db)
                    .and_then(|f| f.sync_all())
                    .map_err(io(&db))?;
                hash_file(&db).map_err(io(&db))
            })
            .await?
        };
        let contents = dsg_store::snapshot_contents(&db).await?;

        let outcomes: Vec<BlobOutcome> = futures::stream::iter(contents.blob_keys.iter())
            .map(|key| self.back_up_blob(root, key, &previous))
            .buffer_unordered(PARALLEL_COPIES)
            .try_collect()
            .await?;

        let database = format!("{BACKUPS}/{id}/{DATABASE}");
        let mut files = vec![ManifestFile {
            path: database.clone(),
            bytes: db_bytes,
            sha256: hex::encode(db_sha),
        }];
        let mut report = BackupReport {
            id: id.clone(),
            files: 1,
            blobs_copied: 0,
            blobs_kept: 0,
            blobs_gone: 0,
            bytes_written: db_bytes,
            items: 0,
            audit_entries: contents.audit_entries,
            manifest_sha256: String::new(),
        };
        let mut dirs = BTreeSet::new();
        for outcome in outcomes {
            match outcome {
                BlobOutcome::Copied(path, bytes, sha) => {
                    report.blobs_copied += 1;
                    report.bytes_written = report.bytes_written.saturating_add(bytes);
                    if let Some(parent) = root.join(&path).parent() {
                        dirs.insert(parent.to_path_buf());
                    }
                    files.push(ManifestFile {
                        path,
                        bytes,
                        sha256: hex::encode(sha),
                    });
                }
                BlobOutcome::Kept(path, bytes, sha256) => {
                    report.blobs_kept += 1;
                    files.push(ManifestFile {
                        path,
                        bytes,
                        sha256,
                    });
                }
                BlobOutcome::Gone => report.blobs_gone += 1,
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        report.files = files.len() as u64;
        // The copies' directory entries are durable before the manifest
        // that names them exists.
        dirs.insert(dir.clone());
        dirs.insert(root.join(BACKUPS));
        for d in &dirs {
            sync_dir(d)?;
        }

        let manifest = Manifest {
            format: manifest::FORMAT.to_owned(),
            id: id.clone(),
            created_at_ms: self.now(),
            log_id: signer.log_id.clone(),
            public_key,
            database,
            audit_entries: contents.audit_entries,
            checkpointed: contents.checkpointed,
            items: contents.items.len() as u64,
            files,
        };
        let rng = self.inner.rng.clone();
        let sha = manifest::write_signed(&dir, &manifest, |body| {
            signer
                .key
                .sign(rng.as_ref(), body)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| AppError::Internal("cannot sign the backup manifest".into()))
        })?;
        report.manifest_sha256 = hex::encode(sha);

        let now = self.now();
        let record = Self::audit(
            &super::policies::host_meta(),
            &Caller::Anonymous,
            AuditAction::BackupCreate,
            AuditObject::Gateway,
            Outcome::Success,
            format!(
                "backup={id} files={} blobs_copied={} blobs_kept={} items={} audit_entries={} \
                 manifest_sha256={}",
                report.files,
                report.blobs_copied,
                report.blobs_kept,
                contents.items.len(),
                report.audit_entries,
                report.manifest_sha256
            ),
        );
        report.items = self
            .inner
            .backups
            .record_backup(&contents.items, &format!("backup {id}"), now, &record)
            .await?;
        Ok(report)
    }

    /// Copies one blob of the snapshot into the root unless an earlier
    /// backup holds it already.
    async fn back_up_blob(
        &self,
        root: &Path,
        key: &str,
        previous: &std::collections::HashMap<String, ManifestFile>,
    ) -> Result<BlobOutcome, AppError> {
        let dest: PathBuf = root.join(relative(key)?);
        if let Ok(meta) = tokio::fs::metadata(&dest).await {
            // Blobs are write-once under a fresh key: one of the same key
            // and length that a signed manifest vouched for is this blob.
            if let Some(known) = previous.get(key).filter(|f| f.bytes == meta.len()) {
                return Ok(BlobOutcome::Kept(
                    key.to_owned(),
                    known.bytes,
                    known.sha256.clone(),
                ));
            }
            let (path, at) = (key.to_owned(), dest.clone());
            let (bytes, sha) = blocking(move || hash_file(&at).map_err(io(&at))).await?;
            return Ok(BlobOutcome::Kept(path, bytes, hex::encode(sha)));
        }
        if let Some(parent) = dest.parent() {
            create_private_dir(parent)?;
        }
        let partial = dest.with_extension("partial");
        match self.inner.blobs.copy_stored_to(key, &partial).await {
            Ok(copied) => {
                tokio::fs::rename(&partial, &dest)
                    .await
                    .map_err(io(&dest))?;
                Ok(BlobOutcome::Copied(
                    key.to_owned(),
                    copied.bytes,
                    copied.sha256,
                ))
            }
            Err(e) if e.damage() == Some("blob missing") => {
                let _ = tokio::fs::remove_file(&partial).await;
                // Disposed of since the snapshot (its key destroyed, its
                // blob deleted): nothing of it could be restored anyway.
                if self.inner.files.blob_in_use(key).await? {
                    Err(AppError::Internal(format!(
                        "blob {key} is referenced but missing from the store"
                    )))
                } else {
                    Ok(BlobOutcome::Gone)
                }
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(e.into())
            }
        }
    }

    /// Records a restore test's result (the evidence the compliance view
    /// can read): which backup, and what held or did not.
    pub async fn record_restore_test(
        &self,
        backup_id: &str,
        passed: bool,
        detail: &str,
    ) -> Result<(), AppError> {
        let record = Self::audit(
            &super::policies::host_meta(),
            &Caller::Anonymous,
            AuditAction::BackupRestoreTest,
            AuditObject::Gateway,
            if passed {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            dsg_core::text::clip_owned(&format!("backup={backup_id} {detail}"), 1000),
        );
        self.record(&record).await
    }
}
