//! Error type shared by every module of this crate.

/// Errors returned by `dsg-crypto`.
///
/// Messages never contain key material, plaintext or passwords.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Authentication failed: wrong key or context, tampered, truncated,
    /// reordered or extended ciphertext, or a malformed header.
    #[error("integrity check failed")]
    Integrity,
    /// The master key file could not be created, read, parsed or is insecure.
    #[error("key file: {0}")]
    KeyFile(String),
    /// The system random number generator failed.
    #[error("random number generator failure")]
    Rng,
    /// Input was structurally invalid (e.g. unsupported format version).
    #[error("invalid format: {0}")]
    Format(String),
    /// Password hashing failed or parameters were invalid.
    #[error("password hashing: {0}")]
    Password(String),
    /// A PKCS#11 token could not be loaded, logged into or used.
    #[error("PKCS#11 token: {0}")]
    Token(String),
}
