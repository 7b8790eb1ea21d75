//! Keys derived for one purpose, and keyed digests under them.
//!
//! [`derive_key`] is HKDF-SHA-256 (RFC 5869) with an empty salt (the input
//! is already a uniformly random key) and the info
//! `b"dsg-derive/v1" ‖ u32be(len label) ‖ label ‖ u32be(len context) ‖
//! context`, so keys for different purposes or owners are independent of
//! each other and of the key they come from.
//!
//! [`keyed_digest`] is HMAC-SHA-256 under such a derived key: a digest that
//! is the same for the same input and owner (so it can serve as a unique
//! key or a lookup in a database), yet reveals nothing about the input to
//! whoever does not hold the key, unlike a plain hash of a guessable text.

use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
use zeroize::Zeroize;

use crate::{hmac_sha256, CryptoError, SecretKey};

const DERIVE_INFO_LABEL: &[u8] = b"dsg-derive/v1";

fn info(label: &str, context: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let too_long = |what: &str| CryptoError::Format(format!("derivation {what} too long"));
    let label_len = u32::try_from(label.len()).map_err(|_| too_long("label"))?;
    let context_len = u32::try_from(context.len()).map_err(|_| too_long("context"))?;
    let mut info = Vec::with_capacity(DERIVE_INFO_LABEL.len() + 8 + label.len() + context.len());
    info.extend_from_slice(DERIVE_INFO_LABEL);
    info.extend_from_slice(&label_len.to_be_bytes());
    info.extend_from_slice(label.as_bytes());
    info.extend_from_slice(&context_len.to_be_bytes());
    info.extend_from_slice(context);
    Ok(info)
}

/// A 256-bit key for `label` (the purpose) and `context` (its owner),
/// derived from `key` with HKDF-SHA-256.
pub fn derive_key(key: &SecretKey, label: &str, context: &[u8]) -> Result<SecretKey, CryptoError> {
    let info = info(label, context)?;
    let prk = Salt::new(HKDF_SHA256, &[]).extract(key.expose());
    let parts = [info.as_slice()];
    let okm = prk
        .expand(&parts, HKDF_SHA256)
        .map_err(|_| CryptoError::Format("key derivation failed".into()))?;
    let mut bytes = [0u8; 32];
    okm.fill(&mut bytes)
        .map_err(|_| CryptoError::Format("key derivation failed".into()))?;
    let derived = SecretKey::from_bytes(bytes);
    bytes.zeroize();
    Ok(derived)
}

/// HMAC-SHA-256 of `data` under the key derived from `key` for `label` and
/// `context` (see [`derive_key`]).
pub fn keyed_digest(
    key: &SecretKey,
    label: &str,
    context: &[u8],
    data: &[u8],
) -> Result<[u8; 32], CryptoError> {
    let derived = derive_key(key, label, context)?;
    Ok(hmac_sha256(derived.expose(), data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;

    fn key() -> SecretKey {
        SecretKey::generate(&SystemRandom::new()).unwrap()
    }

    #[test]
    fn the_same_input_gives_the_same_digest() {
        let k = key();
        let a = keyed_digest(&k, "file-name", b"c-1", "次期救難機".as_bytes()).unwrap();
        let b = keyed_digest(&k, "file-name", b"c-1", "次期救難機".as_bytes()).unwrap();
        assert_eq!(a, b);
        assert_ne!(
            a,
            keyed_digest(&k, "file-name", b"c-1", "次期救難機2".as_bytes()).unwrap()
        );
    }

    #[test]
    fn owners_keys_and_purposes_are_kept_apart() {
        let k = key();
        let name = "油圧系統.pdf".as_bytes();
        let base = keyed_digest(&k, "file-name", b"c-1", name).unwrap();
        // Another compartment under the same key, or another key.
        assert_ne!(base, keyed_digest(&k, "file-name", b"c-2", name).unwrap());
        assert_ne!(
            base,
            keyed_digest(&key(), "file-name", b"c-1", name).unwrap()
        );
        // Another purpose, and no shifting of the boundary between fields.
        assert_ne!(base, keyed_digest(&k, "file-nam", b"c-1", name).unwrap());
        assert_ne!(base, keyed_digest(&k, "file-name", b"", name).unwrap());
        assert_ne!(
            keyed_digest(&k, "ab", b"c", name).unwrap(),
            keyed_digest(&k, "a", b"bc", name).unwrap()
        );
        // Neither a plain hash nor an HMAC under the key itself.
        assert_ne!(base, crate::sha256(name));
        assert_ne!(base, hmac_sha256(k.expose(), name));
    }

    #[test]
    fn derived_keys_differ_from_their_source_and_each_other() {
        let k = key();
        let a = derive_key(&k, "file-name", b"c-1").unwrap();
        let b = derive_key(&k, "file-name", b"c-2").unwrap();
        assert_ne!(a.expose(), k.expose());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(
            a.expose(),
            derive_key(&k, "file-name", b"c-1").unwrap().expose()
        );
    }

    /// RFC 5869 test case 3 (SHA-256, empty salt and info), checked with
    /// the same HKDF calls as `derive_key` so the primitive is the one
    /// the RFC specifies.
    #[test]
    fn hkdf_known_answer() {
        let ikm = [0x0bu8; 22];
        let prk = Salt::new(HKDF_SHA256, &[]).extract(&ikm);
        let okm = prk.expand(&[], HKDF_SHA256).unwrap();
        let mut out = [0u8; 32];
        okm.fill(&mut out).unwrap();
        assert_eq!(
            hex::encode(out),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
        );
    }
}
