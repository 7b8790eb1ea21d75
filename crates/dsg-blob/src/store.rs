//! Choosing and opening the object store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use uuid::Uuid;

use crate::BlobError;

/// Where an S3-compatible bucket is and how to sign in to it.
#[derive(Debug, Clone)]
pub struct S3Settings {
    /// Endpoint URL, e.g. `https://s3.example.internal`.
    pub endpoint: String,
    /// Bucket name.
    pub bucket: String,
    /// Region name (any value for most S3-compatible servers).
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Allow `http://` endpoints (test servers on loopback only).
    pub allow_http: bool,
}

/// Encrypted blob storage.
#[derive(Clone)]
pub struct BlobStore {
    pub(crate) inner: Arc<dyn ObjectStore>,
    /// The directory, for a local store (free-space checks and staging sweeps).
    pub(crate) local_root: Option<PathBuf>,
    /// Bytes per multipart part; an upload holds up to three in memory.
    pub(crate) part_size: usize,
    /// The same store as `inner` when it is local, for file paths.
    pub(crate) local_fs: Option<Arc<LocalFileSystem>>,
}

/// Part size for S3, whose parts must be at least 5 MiB.
const S3_PART_SIZE: usize = 8 * 1024 * 1024;
/// Part size for the local store, which writes each part at its offset in
/// one staging file: any size works, and small parts keep concurrent
/// uploads' memory low (8 uploads of 8 MiB parts held ~190 MiB).
const LOCAL_PART_SIZE: usize = 1024 * 1024;

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("local_root", &self.local_root)
            .finish()
    }
}

/// The local file system, with every write made durable before it reports
/// success.
///
/// An upload is acknowledged ("201 Created") only after its database row is
/// committed, and the row is committed only after the blob write returns. By
/// default `LocalFileSystem` never fsyncs, so after a power loss an
/// acknowledged file could be empty, partial or missing while its row says
/// otherwise. With fsync on, completing a multipart upload runs
/// fsync(staging file) → rename to the key → fsync(its directory), and every
/// directory created for the key is fsynced up to the first one that existed
/// (at worst the store root): the blob is on disk before the commit. The
/// calls run on the blocking pool (`object_store` uses `spawn_blocking`).
fn durable_local_fs(root: &Path) -> Result<LocalFileSystem, BlobError> {
    Ok(LocalFileSystem::new_with_prefix(root)?.with_fsync(true))
}

/// All blobs live under this prefix, one folder per compartment.
pub(crate) const PREFIX: &str = "blobs";

impl BlobStore {
    /// A store in a local directory (created if missing).
    pub fn local(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root)
            .map_err(|e| BlobError::Config(format!("cannot create {}: {e}", root.display())))?;
        let local_fs = Arc::new(durable_local_fs(root)?);
        Ok(Self {
            inner: local_fs.clone(),
            local_root: Some(root.to_path_buf()),
            part_size: LOCAL_PART_SIZE,
            local_fs: Some(local_fs),
        })
    }

    /// A store in an S3-compatible bucket. A multipart upload there is
    /// durable once its completion is acknowledged, before
    /// [`BlobStore::put_encrypted`] returns; nothing more to do.
    pub fn s3(settings: &S3Settings) -> Result<Self, BlobError> {
        let s3 = AmazonS3Builder::new()
            .with_endpoint(settings.endpoint.clone())
            .with_bucket_name(settings.bucket.clone())
            .with_region(settings.region.clone())
            .with_access_key_id(settings.access_key_id.clone())
            .with_secret_access_key(settings.secret_access_key.clone())
            .with_allow_http(settings.allow_http)
            .with_virtual_hosted_style_request(false)
            .build()?;
        Ok(Self {
            inner: Arc::new(s3),
            local_root: None,
            part_size: S3_PART_SIZE,
            local_fs: None,
        })
    }

    /// A fresh, server-generated key for a blob of `compartment`. Never
    /// derived from a file name.
    pub fn new_key(compartment: &str) -> String {
        format!("{PREFIX}/{compartment}/{}", Uuid::new_v4())
    }

    /// Bytes free on the file system holding a local store (`None` for S3).
    pub fn free_bytes(&self) -> Option<u64> {
        free_bytes_at(self.local_root.as_ref()?)
    }

    /// Size of the file system holding a local store (`None` for S3).
    pub fn volume_bytes(&self) -> Option<u64> {
        let root = self.local_root.as_ref()?;
        let stat = nix::sys::statvfs::statvfs(root).ok()?;
        #[allow(
            clippy::useless_conversion,
            reason = "field widths differ between platforms"
        )]
        let size = u64::from(stat.blocks()).saturating_mul(u64::from(stat.fragment_size()));
        Some(size)
    }

    /// Deletes a blob (missing is fine).
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.inner.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Bytes free (for an unprivileged writer) on the file system holding
/// `path`; `None` when it cannot be asked.
pub fn free_bytes_at(path: &std::path::Path) -> Option<u64> {
    let stat = nix::sys::statvfs::statvfs(path).ok()?;
    #[allow(
        clippy::useless_conversion,
        reason = "field widths differ between platforms"
    )]
    let free = u64::from(stat.blocks_available()).saturating_mul(u64::from(stat.fragment_size()));
    Some(free)
}
