//! Streaming, encrypting upload.

use bytes::Bytes;
use dsg_crypto::{BlobContext, BlobEncryptor, SecretKey, Sha256Stream, CHUNK_SIZE};
use futures::{Stream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, WriteMultipart};

use crate::{BlobError, BlobStore};

/// Parts of a multipart upload (S3 requires at least 5 MiB per part).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once; with [`PART_SIZE`] this bounds upload memory.
const PARTS_IN_FLIGHT: usize = 2;

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
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        match encrypt_into(&mut writer, data_key, context, body, max_bytes).await {
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
    let mut digest = Sha256Stream::new();
    let mut received: u64 = 0;
    let mut out = Vec::with_capacity(2 * CHUNK_SIZE);
    writer.write(&encryptor.header());
    let mut body = std::pin::pin!(body);
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|e| BlobError::Interrupted(e.to_string()))?;
        received = received.saturating_add(piece.len() as u64);
        if received > max_bytes {
            return Err(BlobError::TooLarge);
        }
        digest.update(&piece);
        out.clear();
        encryptor.update(&piece, &mut out)?;
        if !out.is_empty() {
            writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
            writer.write(&out);
        }
    }
    out.clear();
    encryptor.finish(&mut out)?;
    writer.write(&out);
    Ok((received, digest.finish()))
}
