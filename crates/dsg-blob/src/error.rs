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
