//! SHA-256 of a stream on its own thread.

use bytes::Bytes;
use dsg_crypto::Sha256Stream;
use tokio::sync::mpsc;

use crate::BlobError;

/// SHA-256 on a blocking thread, fed through a bounded channel, so hashing
/// overlaps with encryption, decryption and TLS on a multi-core machine
/// instead of adding to them. Pieces are shared (reference-counted), not
/// copied; the channel bounds how far the producer may run ahead. Dropping
/// the hasher (also on error) ends the thread.
pub(crate) struct Hasher {
    input: mpsc::Sender<Bytes>,
    digest: tokio::task::JoinHandle<[u8; 32]>,
}

impl Hasher {
    /// Starts the thread; at most `queue` pieces wait for it.
    pub(crate) fn spawn(queue: usize) -> Self {
        let (input, mut pieces) = mpsc::channel::<Bytes>(queue.max(1));
        let digest = tokio::task::spawn_blocking(move || {
            let mut digest = Sha256Stream::new();
            while let Some(piece) = pieces.blocking_recv() {
                digest.update(&piece);
            }
            digest.finish()
        });
        Self { input, digest }
    }

    /// Queues the next piece, waiting while the queue is full.
    pub(crate) async fn update(&self, piece: Bytes) -> Result<(), BlobError> {
        self.input
            .send(piece)
            .await
            .map_err(|_| BlobError::Config("digest worker stopped".into()))
    }

    /// The digest of every piece queued.
    pub(crate) async fn finish(self) -> Result<[u8; 32], BlobError> {
        drop(self.input);
        self.digest
            .await
            .map_err(|e| BlobError::Config(e.to_string()))
    }
}
