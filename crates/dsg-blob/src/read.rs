//! Streaming, verifying download.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use dsg_crypto::{ct_eq, BlobContext, BlobDecryptor, SecretKey, Sha256Stream};
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{GetResult, GetResultPayload, ObjectStoreExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::{BlobError, BlobStore};

/// Verified plaintext of one blob, chunk by chunk. Each item has passed its
/// chunk's authentication; the stream ends with an error instead of its last
/// item if the blob was truncated or its SHA-256 does not match.
pub struct DecryptedStream {
    source: BoxStream<'static, Result<Bytes, object_store::Error>>,
    state: Option<(BlobDecryptor, Sha256Stream)>,
    expected_sha256: [u8; 32],
}

impl BlobStore {
    /// Opens a blob for streaming decryption.
    pub async fn get_decrypted(
        &self,
        key: &str,
        data_key: &SecretKey,
        context: BlobContext,
        expected_sha256: [u8; 32],
    ) -> Result<DecryptedStream, BlobError> {
        let decryptor = BlobDecryptor::new(data_key, context)?;
        let source = read_stream(self.inner.get(&ObjectPath::from(key)).await?).await?;
        Ok(DecryptedStream {
            source,
            state: Some((decryptor, Sha256Stream::new())),
            expected_sha256,
        })
    }
}

/// Bytes read per step from a local file. `object_store` reads local files
/// in 8 KiB steps, each a trip to the blocking pool, which made downloads
/// several times slower than the disk; large reads fix that.
const LOCAL_READ_SIZE: usize = 512 * 1024;

/// The object's bytes as a stream, read in large steps for local files.
async fn read_stream(
    result: GetResult,
) -> Result<BoxStream<'static, Result<Bytes, object_store::Error>>, BlobError> {
    match result.payload {
        GetResultPayload::File(file, path) => {
            let mut file = tokio::fs::File::from_std(file);
            let to_store_error = move |source: std::io::Error| object_store::Error::Generic {
                store: "LocalFileSystem",
                source: format!("{}: {source}", path.display()).into(),
            };
            file.seek(std::io::SeekFrom::Start(result.range.start))
                .await
                .map_err(|e| BlobError::Store(to_store_error.clone()(e)))?;
            let len = result.range.end - result.range.start;
            Ok(ReaderStream::with_capacity(file.take(len), LOCAL_READ_SIZE)
                .map(move |r| r.map_err(to_store_error.clone()))
                .boxed())
        }
        GetResultPayload::Stream(stream) => Ok(stream),
    }
}

impl Stream for DecryptedStream {
    type Item = Result<Bytes, BlobError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if self.state.is_none() {
                return Poll::Ready(None);
            }
            let next = match self.source.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(next) => next,
            };
            let mut out = Vec::new();
            let result = match next {
                Some(Ok(ciphertext)) => match self.state.as_mut() {
                    Some((decryptor, digest)) => decryptor
                        .update(&ciphertext, &mut out)
                        .map(|()| digest.update(&out))
                        .map_err(BlobError::from),
                    None => Ok(()),
                },
                Some(Err(e)) => Err(BlobError::from(e)),
                None => {
                    let expected = self.expected_sha256;
                    match self.state.take() {
                        Some((decryptor, mut digest)) => decryptor
                            .finish(&mut out)
                            .map_err(BlobError::from)
                            .and_then(|()| {
                                digest.update(&out);
                                if ct_eq(&digest.finish(), &expected) {
                                    Ok(())
                                } else {
                                    Err(BlobError::DigestMismatch)
                                }
                            }),
                        None => Ok(()),
                    }
                }
            };
            match result {
                Err(e) => {
                    self.state = None;
                    return Poll::Ready(Some(Err(e)));
                }
                Ok(()) if !out.is_empty() => return Poll::Ready(Some(Ok(Bytes::from(out)))),
                Ok(()) => continue,
            }
        }
    }
}
