//! Cryptographic building blocks for the defense security gateway.
//!
//! All primitives come from `aws-lc-rs` (AES-256-GCM, SHA-256, system RNG);
//! passwords use Argon2id. Randomness is always passed in as
//! `&dyn SecureRandom` so callers (and tests) control it.
//!
//! * [`wrap_key`] / [`unwrap_key`]: key hierarchy (master → compartment → data key).
//! * [`BlobEncryptor`] / [`BlobDecryptor`]: chunked, streaming blob encryption.
//! * [`PasswordHasher`]: Argon2id PHC hashes.
//! * [`derive_key`] / [`keyed_digest`]: HKDF-derived keys, HMAC-SHA-256 under them.
//! * [`random_token`] / [`token_hash`]: bearer tokens.
//! * [`FileKeyProvider`]: master key loaded from a 0600 file.
#![deny(missing_docs)]

mod error;
mod keyed;
mod keyfile;
mod password;
mod pkcs11;
mod secret;
mod stream;
mod token;
mod wrap;

pub use error::CryptoError;
pub use keyed::{derive_key, keyed_digest};
pub use keyfile::{FileKeyProvider, KeyProvider};
pub use password::{PasswordHasher, PasswordParams};
pub use pkcs11::{Pkcs11KeyProvider, Pkcs11Settings};
pub use secret::{ct_eq, hmac_sha256, sha256, SecretKey, SecretString, Sha256Stream};
pub use stream::{
    encrypted_len, BlobContext, BlobDecryptor, BlobEncryptor, ChunkSpan, BLOB_FORMAT_VERSION,
    CHUNK_SIZE, HEADER_LEN,
};
pub use token::{csrf_token_for, random_token, token_hash};
pub use wrap::{open, seal, unwrap_key, wrap_key, WrapContext};

/// Re-export so callers can name the RNG trait and type without a direct dependency.
pub use aws_lc_rs::rand::{SecureRandom, SystemRandom};
