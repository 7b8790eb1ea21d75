//! Streaming, encrypting upload.

use crate::digest::Hasher;
use crate::{BlobError, BlobStore};
use bytes::Bytes;
use dsg_crypto::{BlobContext, BlobEncryptor, SecretKey, CHUNK_SIZE};
use futures::{Stream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, WriteMultipart};

/// Parts in flight at once besides the one being filled; with the store's
/// part size this bounds an upload's memory (3 parts).
const PARTS_IN_FLIGHT: usize = 2;
/// Ciphertext gathered before it is handed to the writer as one owned
/// buffer (no copy into the part).
const BATCH_BYTES: usize = 256 * 1024;
/// Body pieces queued for the hashing thread. Pieces are shared with the
/// encryption (reference-counted), so this adds no copies; it bounds how far
/// encryption may run ahead of the hash.
const HASH_QUEUE: usize = 16;

/// What was stored.
#[derive(Debug, Clone)]
pub struct StoredBlob {
    /// Object-store key.
    pub key: String,
    /// Plaintext bytes received.
    pub size_bytes: u64,
    /// SHA-256 of the plaintext.
    pub sha256: [u8; 32],
}

impl BlobStore {
    /// Encrypts `body` chunk by chunk with `data_key` and stores it under
    /// `key`. At most `max_bytes` of plaintext are accepted. On any error the
    /// partial upload is aborted, so nothing is left under `key`.
    pub async fn put_encrypted<S, E>(
        &self,
        key: &str,
        data_key: &SecretKey,
        context: BlobContext,
        body: S,
        max_bytes: u64,
    ) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let upload = self.inner.put_multipart(&ObjectPath::from(key)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let flusher = self.early_flusher(key).await;
        match encrypt_into(&mut writer, flusher, data_key, context, body, max_bytes).await {
            Ok((size_bytes, sha256)) => {
                writer.finish().await?;
                Ok(StoredBlob {
                    key: key.to_owned(),
                    size_bytes,
                    sha256,
                })
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "aborting a failed upload failed; the sweep will remove it");
                }
                Err(e)
            }
        }
    }
}

async fn encrypt_into<S, E>(
    writer: &mut WriteMultipart,
    mut flusher: EarlyFlush,
    data_key: &SecretKey,
    context: BlobContext,
    body: S,
    max_bytes: u64,
) -> Result<(u64, [u8; 32]), BlobError>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let mut encryptor = BlobEncryptor::new(data_key, context)?;
    // SHA-256 runs on its own thread, beside encryption and the TLS
    // reading of the body.
    let hasher = Hasher::spawn(HASH_QUEUE);
    let mut received: u64 = 0;
    let mut out = batch();
    writer.put(Bytes::copy_from_slice(&encryptor.header()));
    let mut body = std::pin::pin!(body);
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|e| BlobError::Interrupted(e.to_string()))?;
        received = received.saturating_add(piece.len() as u64);
        if received > max_bytes {
            return Err(BlobError::TooLarge);
        }
        encryptor.update(&piece, &mut out)?;
        hasher.update(piece).await?;
        if out.len() >= BATCH_BYTES {
            writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
            flusher.wrote(out.len());
            writer.put(Bytes::from(std::mem::replace(&mut out, batch())));
        }
    }
    encryptor.finish(&mut out)?;
    writer.put(Bytes::from(out));
    let sha256 = hasher.finish().await?;
    Ok((received, sha256))
}

/// An empty ciphertext buffer with room for a batch and the chunks one body
/// piece can complete on top of it.
fn batch() -> Vec<u8> {
    Vec::with_capacity(BATCH_BYTES + 2 * (CHUNK_SIZE + 16))
}

/// Ciphertext written between two early flushes of a local upload.
const FLUSH_EVERY: usize = 32 * 1024 * 1024;

/// Writes a local upload's staged bytes to disk while it is still arriving.
///
/// Completing the upload fsyncs the staging file before the rename, and the
/// row commits only after that: durability does not depend on this. But that
/// fsync alone would start writing the whole blob only once the last byte
/// has arrived, so the disk would idle during the transfer and then hold the
/// answer for as long as it takes to write everything. Flushing behind the
/// writer (an `fdatasync` of the staging file every [`FLUSH_EVERY`] bytes,
/// one at a time, on the blocking pool) overlaps the two, and the final fsync
/// finds little left to do. Best effort: without the file, nothing happens.
pub(crate) struct EarlyFlush {
    file: Option<std::sync::Arc<std::fs::File>>,
    since: usize,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl EarlyFlush {
    fn wrote(&mut self, bytes: usize) {
        let Some(file) = &self.file else { return };
        self.since = self.since.saturating_add(bytes);
        if self.since < FLUSH_EVERY || self.running.as_ref().is_some_and(|r| !r.is_finished()) {
            return;
        }
        self.since = 0;
        let file = file.clone();
        self.running = Some(tokio::task::spawn_blocking(move || {
            if let Err(error) = file.sync_data() {
                tracing::debug!(%error, "early flush of an upload failed; its final fsync remains");
            }
        }));
    }
}

impl BlobStore {
    /// The early flusher of a local upload just started under `key`. The
    /// store stages it in `<path>#1` (`#2`… only beside a stale staging file
    /// of the same fresh key, which then goes without early flushes).
    async fn early_flusher(&self, key: &str) -> EarlyFlush {
        let path = self
            .local_fs
            .as_ref()
            .and_then(|fs| fs.path_to_filesystem(&ObjectPath::from(key)).ok());
        let file = match path {
            Some(path) => {
                let mut staged = path.into_os_string();
                staged.push("#1");
                tokio::task::spawn_blocking(move || std::fs::File::open(staged).ok())
                    .await
                    .ok()
                    .flatten()
                    .map(std::sync::Arc::new)
            }
            None => None,
        };
        EarlyFlush {
            file,
            since: 0,
            running: None,
        }
    }
}
