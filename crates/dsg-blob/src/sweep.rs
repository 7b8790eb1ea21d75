//! Removing blobs that no file version refers to: uploads whose metadata
//! commit failed, or that a crash interrupted.

use std::future::Future;
use std::path::Path;

use futures::StreamExt;
use object_store::path::Path as ObjectPath;

use crate::store::PREFIX;
use crate::{BlobError, BlobStore};

impl BlobStore {
    /// Deletes every blob older than `cutoff_ms` (Unix ms) for which
    /// `in_use` answers false, and, for a local store, multipart staging
    /// files older than the cutoff. Returns how many objects were removed.
    /// The cutoff must leave room for uploads still in progress.
    pub async fn sweep_orphans<F, Fut>(
        &self,
        cutoff_ms: i64,
        mut in_use: F,
    ) -> Result<usize, BlobError>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = Result<bool, BlobError>>,
    {
        let mut removed = 0;
        let prefix = ObjectPath::from(PREFIX);
        let mut listing = self.inner.list(Some(&prefix));
        let mut candidates = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            if meta.last_modified.timestamp_millis() < cutoff_ms {
                candidates.push(meta.location.to_string());
            }
        }
        for key in candidates {
            if !in_use(key.clone()).await? {
                self.delete(&key).await?;
                tracing::info!(blob = %key, "removed orphaned blob");
                removed += 1;
            }
        }
        if let Some(root) = self.local_root.clone() {
            let dir = root.join(PREFIX);
            removed += tokio::task::spawn_blocking(move || remove_staging(&dir, Some(cutoff_ms)))
                .await
                .map_err(|e| BlobError::Config(e.to_string()))?;
        }
        Ok(removed)
    }

    /// Removes every multipart staging file of a local store, whatever its
    /// age; returns how many. For the gateway's start: no upload survives a
    /// restart, so what is staged then was left by a crash. (Another
    /// gateway sharing the directory would only see its upload in flight
    /// fail: completing it renames the staging file, which is then gone,
    /// and nothing is committed.) Blobs themselves are left to
    /// [`BlobStore::sweep_orphans`] and its age rule. Nothing to do for S3,
    /// where an unfinished multipart upload is never an object.
    pub async fn remove_staging_files(&self) -> Result<usize, BlobError> {
        let Some(root) = self.local_root.clone() else {
            return Ok(0);
        };
        let dir = root.join(PREFIX);
        tokio::task::spawn_blocking(move || remove_staging(&dir, None))
            .await
            .map_err(|e| BlobError::Config(e.to_string()))
    }
}

/// Local multipart uploads stage parts in `<key>#<n>` files that the object
/// store's listing hides; remove those older than `cutoff_ms` (all of them
/// for `None`) directly.
fn remove_staging(dir: &Path, cutoff_ms: Option<i64>) -> usize {
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            removed += remove_staging(&path, cutoff_ms);
            continue;
        }
        let staged = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split_once('#'))
            .is_some_and(|(_, suffix)| {
                !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit())
            });
        if !staged {
            continue;
        }
        let old_enough = cutoff_ms.is_none_or(|cutoff_ms| {
            meta.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_millis()).ok())
                .is_some_and(|modified_ms| modified_ms < cutoff_ms)
        });
        if old_enough && std::fs::remove_file(&path).is_ok() {
            tracing::info!(path = %path.display(), "removed stale upload staging file");
            removed += 1;
        }
    }
    removed
}
