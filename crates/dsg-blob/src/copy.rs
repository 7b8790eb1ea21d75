//! Copying stored blobs out as they are (ciphertext), for backups: the
//! bytes are never decrypted, only hashed on the way so the backup's
//! manifest can name their SHA-256.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use dsg_crypto::Sha256Stream;
use futures::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::ObjectStoreExt;

use crate::{BlobError, BlobStore};

/// Bytes read and written per step of a local copy.
const COPY_BUFFER: usize = 1024 * 1024;

/// What was copied: its length and the SHA-256 of its stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopiedBlob {
    /// Bytes written.
    pub bytes: u64,
    /// SHA-256 of them.
    pub sha256: [u8; 32],
}

fn io(what: &Path) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |e| BlobError::Config(format!("{}: {e}", what.display()))
}

/// Copies `from` to `to` (created, or truncated), hashing what passes and
/// fsyncing `to` before returning. The caller fsyncs the directory.
pub fn copy_file_hashed(from: &Path, to: &Path) -> Result<CopiedBlob, std::io::Error> {
    let mut src = std::fs::File::open(from)?;
    let mut dst = std::fs::File::create(to)?;
    let mut hash = Sha256Stream::new();
    let mut buf = vec![0u8; COPY_BUFFER];
    let mut bytes: u64 = 0;
    loop {
        let n = src.read(&mut buf)?;
        let Some(chunk) = buf.get(..n) else { break };
        if chunk.is_empty() {
            break;
        }
        hash.update(chunk);
        dst.write_all(chunk)?;
        bytes = bytes.saturating_add(n as u64);
    }
    dst.sync_all()?;
    Ok(CopiedBlob {
        bytes,
        sha256: hash.finish(),
    })
}

impl BlobStore {
    /// Copies the stored bytes of `key` into the file `dest` (its parent
    /// must exist), fsynced. A missing blob is `BlobError::Store(NotFound)`
    /// (see [`BlobError::damage`]).
    pub async fn copy_stored_to(&self, key: &str, dest: &Path) -> Result<CopiedBlob, BlobError> {
        if let Some(root) = &self.local_root {
            let from: PathBuf = root.join(key);
            let to = dest.to_path_buf();
            let key = key.to_owned();
            return tokio::task::spawn_blocking(move || match copy_file_hashed(&from, &to) {
                Ok(copied) => Ok(copied),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !from.exists() => {
                    Err(BlobError::Store(object_store::Error::NotFound {
                        path: key,
                        source: Box::new(e),
                    }))
                }
                Err(e) => Err(io(&to)(e)),
            })
            .await
            .map_err(|e| BlobError::Config(format!("copy task: {e}")))?;
        }
        let got = self.inner.get(&ObjectPath::from(key)).await?;
        let mut stream = got.into_stream();
        let mut file = tokio::fs::File::create(dest).await.map_err(io(dest))?;
        let mut hash = Sha256Stream::new();
        let mut bytes: u64 = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            hash.update(&chunk);
            tokio::io::AsyncWriteExt::write_all(&mut file, &chunk)
                .await
                .map_err(io(dest))?;
            bytes = bytes.saturating_add(chunk.len() as u64);
        }
        file.sync_all().await.map_err(io(dest))?;
        Ok(CopiedBlob {
            bytes,
            sha256: hash.finish(),
        })
    }
}
