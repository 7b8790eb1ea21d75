//! Streaming, verifying download.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use dsg_crypto::{ct_eq, BlobContext, BlobDecryptor, ChunkSpan, SecretKey};
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, GetResult, GetResultPayload, ObjectStoreExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::mpsc;
use tokio_util::io::ReaderStream;

use crate::digest::Hasher;
use crate::{BlobError, BlobStore};

/// Verified plaintext of one blob, chunk by chunk. Each item has passed its
/// chunk's authentication; the stream ends with an error instead of its last
/// item if the blob was truncated (or, when a digest was asked for, its
/// SHA-256 does not match).
///
/// Reading and decrypting run in their own task (and hashing, if asked
/// for, on a blocking thread), so on a multi-core machine they overlap with
/// each other and with sending (TLS) instead of adding up. Bounded channels
/// keep memory constant.
pub struct DecryptedStream {
    receiver: mpsc::Receiver<Result<Bytes, BlobError>>,
}

/// Plaintext pieces in flight between the stages.
const PIPELINE_DEPTH: usize = 4;

type Source = BoxStream<'static, Result<Bytes, object_store::Error>>;

impl BlobStore {
    /// Opens a blob for streaming decryption.
    ///
    /// The chunks' AES-GCM tags prove the plaintext is the one written
    /// under `data_key` and `context`, complete and in order: a data key is
    /// random per blob, and every chunk's nonce and AAD bind its index, the
    /// final flag, compartment, file and version. So a blob altered,
    /// truncated, extended or swapped for any other (even another upload
    /// of the same version) fails. `expected_sha256` additionally checks
    /// the plaintext against the digest recorded at upload (a second,
    /// independent check for the scrub); `None` skips that work, which was
    /// ~40 % of a download's CPU.
    pub async fn get_decrypted(
        &self,
        key: &str,
        data_key: &SecretKey,
        context: BlobContext,
        expected_sha256: Option<[u8; 32]>,
    ) -> Result<DecryptedStream, BlobError> {
        let decryptor = BlobDecryptor::new(data_key, context)?;
        let source = read_stream(self.inner.get(&ObjectPath::from(key)).await?).await?;
        let (sender, receiver) = mpsc::channel(PIPELINE_DEPTH);
        tokio::spawn(async move {
            if let Err(error) = decrypt(source, decryptor, expected_sha256, &sender).await {
                // The reader may have gone away already; nothing to tell then.
                let _ = sender.send(Err(error)).await;
            }
        });
        Ok(DecryptedStream { receiver })
    }

    /// Opens the plaintext bytes of `span` of a blob: only the chunks that
    /// hold them are read, and each is authenticated as in
    /// [`get_decrypted`](Self::get_decrypted) (its index and final flag are
    /// bound, so bytes from any other place fail). Yields exactly
    /// `span.len` bytes, or ends with an error.
    pub async fn get_decrypted_span(
        &self,
        key: &str,
        data_key: &SecretKey,
        context: BlobContext,
        span: &ChunkSpan,
    ) -> Result<DecryptedStream, BlobError> {
        let decryptor = BlobDecryptor::for_span(data_key, context, span)?;
        let options = GetOptions {
            range: Some(GetRange::Bounded(span.ciphertext.clone())),
            ..GetOptions::default()
        };
        let source =
            read_stream(self.inner.get_opts(&ObjectPath::from(key), options).await?).await?;
        let (sender, receiver) = mpsc::channel(PIPELINE_DEPTH);
        let mut trim = Trim {
            skip: span.skip,
            left: span.len,
        };
        tokio::spawn(async move {
            let (plain_sender, mut plain) = mpsc::channel(PIPELINE_DEPTH);
            let decrypting = async move {
                if let Err(error) = decrypt(source, decryptor, None, &plain_sender).await {
                    let _ = plain_sender.send(Err(error)).await;
                }
            };
            let forwarding = async {
                while let Some(piece) = plain.recv().await {
                    let piece = match piece {
                        Ok(bytes) => Ok(trim.apply(bytes)),
                        Err(error) => Err(error),
                    };
                    let failed = piece.is_err();
                    if matches!(&piece, Ok(bytes) if bytes.is_empty()) {
                        continue;
                    }
                    if sender.send(piece).await.is_err() || failed {
                        return; // the reader went away, or was told
                    }
                }
                if trim.left > 0 {
                    // Authenticated chunks, but fewer bytes than the span
                    // needs: the store returned a short range.
                    let short = BlobError::Crypto(dsg_crypto::CryptoError::Integrity);
                    let _ = sender.send(Err(short)).await;
                }
            };
            tokio::join!(decrypting, forwarding);
        });
        Ok(DecryptedStream { receiver })
    }
}

/// Cuts a span's plaintext down to the requested bytes.
struct Trim {
    /// Bytes still to drop from the front.
    skip: u64,
    /// Bytes still to pass on.
    left: u64,
}

impl Trim {
    fn apply(&mut self, mut piece: Bytes) -> Bytes {
        let drop = usize::try_from(self.skip)
            .unwrap_or(usize::MAX)
            .min(piece.len());
        let _ = piece.split_to(drop);
        self.skip -= drop as u64;
        let keep = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(piece.len());
        piece.truncate(keep);
        self.left -= keep as u64;
        piece
    }
}

impl DecryptedStream {
    /// Reads the stream to its end, keeping nothing: `Ok` with the number of
    /// plaintext bytes when every chunk authenticated (and the SHA-256
    /// matched, if asked for), else the first error.
    pub async fn verify_to_end(mut self) -> Result<u64, BlobError> {
        let mut total: u64 = 0;
        while let Some(piece) = self.receiver.recv().await {
            total = total.saturating_add(piece?.len() as u64);
        }
        Ok(total)
    }
}

/// Decrypts `source` into `sender`, holding back the last piece until the
/// final chunk authenticated (and the SHA-256 of everything matched).
async fn decrypt(
    mut source: Source,
    mut decryptor: BlobDecryptor,
    expected_sha256: Option<[u8; 32]>,
    sender: &mpsc::Sender<Result<Bytes, BlobError>>,
) -> Result<(), BlobError> {
    let mut hasher = expected_sha256.map(|expected| (Hasher::spawn(2 * PIPELINE_DEPTH), expected));
    while let Some(ciphertext) = source.next().await {
        let ciphertext = ciphertext?;
        // Room for this input plus the chunk held back from the last one.
        let mut plaintext = Vec::with_capacity(ciphertext.len() + dsg_crypto::CHUNK_SIZE + 16);
        decryptor.update(&ciphertext, &mut plaintext)?;
        if plaintext.is_empty() {
            continue;
        }
        let plaintext = Bytes::from(plaintext);
        if let Some((hasher, _)) = &hasher {
            hasher.update(plaintext.clone()).await?;
        }
        if sender.send(Ok(plaintext)).await.is_err() {
            return Ok(()); // the reader went away
        }
    }
    let mut last = Vec::new();
    decryptor.finish(&mut last)?;
    let last = Bytes::from(last);
    if let Some((hasher, expected)) = hasher.take() {
        hasher.update(last.clone()).await?;
        if !ct_eq(&hasher.finish().await?, &expected) {
            return Err(BlobError::DigestMismatch);
        }
    }
    if !last.is_empty() {
        let _ = sender.send(Ok(last)).await;
    }
    Ok(())
}

/// Bytes read per step from a local file. `object_store` reads local files
/// in 8 KiB steps, each a trip to the blocking pool, which made downloads
/// several times slower than the disk; large reads fix that.
const LOCAL_READ_SIZE: usize = 512 * 1024;

/// The object's bytes as a stream, read in large steps for local files.
async fn read_stream(result: GetResult) -> Result<Source, BlobError> {
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
        self.receiver.poll_recv(cx)
    }
}
