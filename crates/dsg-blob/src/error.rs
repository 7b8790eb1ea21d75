//! The blob layer's one error type.

use dsg_crypto::CryptoError;

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The object store failed.
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    /// Encryption or decryption failed; on read this means the blob was
    /// altered, truncated or belongs elsewhere.
    #[error("blob crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// The decrypted content does not match the stored SHA-256.
    #[error("content digest mismatch")]
    DigestMismatch,
    /// The upload went past the size it was allowed.
    #[error("upload exceeds the allowed size")]
    TooLarge,
    /// The client's body stream failed (disconnect, malformed request).
    #[error("upload interrupted: {0}")]
    Interrupted(String),
    /// The configuration is unusable.
    #[error("blob configuration: {0}")]
    Config(String),
}

impl BlobError {
    /// What is wrong with the stored blob itself, when this error says it
    /// is damaged: missing, altered, truncated, swapped or of other content
    /// than recorded. `None` for failures that say nothing about the blob
    /// (a read that could not be done, a configuration).
    pub fn damage(&self) -> Option<&'static str> {
        match self {
            Self::Store(object_store::Error::NotFound { .. }) => Some("blob missing"),
            Self::Crypto(_) => Some("chunk authentication failed"),
            Self::DigestMismatch => Some("content digest mismatch"),
            _ => None,
        }
    }

    /// Whether the store refused a write because its volume is full
    /// (`ENOSPC` anywhere in the error's chain of causes).
    pub fn is_storage_full(&self) -> bool {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = cause {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::StorageFull {
                    return true;
                }
            }
            cause = error.source();
        }
        false
    }
}
