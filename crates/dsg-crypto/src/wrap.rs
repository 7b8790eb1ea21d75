//! Key wrapping (master key -> compartment key -> data key) with AES-256-GCM.
//!
//! Wrapped format (61 bytes):
//! `[WRAP_FORMAT_VERSION] ‖ nonce (12, random) ‖ ciphertext (32) ‖ tag (16)`.
//!
//! The AAD binds the wrapped key to its purpose, owner and key version:
//! `b"dsg-key-wrap/v1" ‖ u32be(len purpose) ‖ purpose ‖ u32be(len owner) ‖
//! owner ‖ u32be(key_version)`.
//!
//! [`seal`] / [`open`] do the same for a secret of any length (e.g. a PKCS#8
//! signing key): `[SEAL_FORMAT_VERSION = 2] ‖ nonce (12, random) ‖
//! ciphertext ‖ tag (16)`, with the AAD built the same way under the label
//! `b"dsg-seal/v1"`, so a sealed blob and a wrapped key never open as each
//! other.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::SecureRandom;
use zeroize::{Zeroize, Zeroizing};

use crate::{CryptoError, SecretKey};

const WRAP_FORMAT_VERSION: u8 = 1;
const WRAP_AAD_LABEL: &[u8] = b"dsg-key-wrap/v1";
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;
const WRAPPED_LEN: usize = 1 + NONCE_LEN + KEY_LEN + TAG_LEN;
const SEAL_FORMAT_VERSION: u8 = 2;
const SEAL_AAD_LABEL: &[u8] = b"dsg-seal/v1";

/// What a wrapped key is bound to. Unwrapping with any different field fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrapContext<'a> {
    /// What the key is for, e.g. `"compartment"` or `"data"`.
    pub purpose: &'a str,
    /// Identifier of the object owning the key (compartment id, file id, ...).
    pub owner: &'a str,
    /// Version of the wrapped key (bumped on rotation).
    pub key_version: u32,
}

fn aead_key(kek: &SecretKey) -> Result<LessSafeKey, CryptoError> {
    let unbound = UnboundKey::new(&AES_256_GCM, kek.expose())
        .map_err(|_| CryptoError::Format("invalid AES-256 key".to_string()))?;
    Ok(LessSafeKey::new(unbound))
}

fn wrap_aad(ctx: &WrapContext<'_>) -> Result<Vec<u8>, CryptoError> {
    context_aad(WRAP_AAD_LABEL, ctx)
}

fn context_aad(label: &[u8], ctx: &WrapContext<'_>) -> Result<Vec<u8>, CryptoError> {
    let too_long = |what: &str| CryptoError::Format(format!("wrap context {what} too long"));
    let purpose_len = u32::try_from(ctx.purpose.len()).map_err(|_| too_long("purpose"))?;
    let owner_len = u32::try_from(ctx.owner.len()).map_err(|_| too_long("owner"))?;
    let mut aad = Vec::with_capacity(label.len() + 12 + ctx.purpose.len() + ctx.owner.len());
    aad.extend_from_slice(label);
    aad.extend_from_slice(&purpose_len.to_be_bytes());
    aad.extend_from_slice(ctx.purpose.as_bytes());
    aad.extend_from_slice(&owner_len.to_be_bytes());
    aad.extend_from_slice(ctx.owner.as_bytes());
    aad.extend_from_slice(&ctx.key_version.to_be_bytes());
    Ok(aad)
}

/// `version ‖ nonce ‖ AES-256-GCM(plaintext) ‖ tag`, the shared layout of
/// wrapped keys and sealed secrets; `version` and `aad` keep them apart.
fn seal_versioned(
    kek: &SecretKey,
    version: u8,
    aad: &[u8],
    plaintext: &[u8],
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    let aead = aead_key(kek)?;
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce).map_err(|_| CryptoError::Rng)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.push(version);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = aead
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut out[1 + NONCE_LEN..],
        )
        .map_err(|_| {
            out.zeroize();
            CryptoError::Integrity
        })?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Opens what [`seal_versioned`] produced; any mismatch is `Integrity`.
fn open_versioned(
    kek: &SecretKey,
    version: u8,
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != version {
        return Err(CryptoError::Integrity);
    }
    let aead = aead_key(kek)?;
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&sealed[1..1 + NONCE_LEN]);
    let mut buf = Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
    let len = aead
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf[..],
        )
        .map_err(|_| CryptoError::Integrity)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// Encrypts `key` under `kek`, bound to `ctx`. Output is 61 bytes.
pub fn wrap_key(
    kek: &SecretKey,
    key: &SecretKey,
    ctx: &WrapContext<'_>,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    seal_versioned(kek, WRAP_FORMAT_VERSION, &wrap_aad(ctx)?, key.expose(), rng)
}

/// Decrypts a key produced by [`wrap_key`]. Any mismatch (key, context,
/// length, version byte, tampering) yields [`CryptoError::Integrity`].
pub fn unwrap_key(
    kek: &SecretKey,
    wrapped: &[u8],
    ctx: &WrapContext<'_>,
) -> Result<SecretKey, CryptoError> {
    if wrapped.len() != WRAPPED_LEN {
        return Err(CryptoError::Integrity);
    }
    let aad = wrap_aad(ctx).map_err(|_| CryptoError::Integrity)?;
    let plain = open_versioned(kek, WRAP_FORMAT_VERSION, &aad, wrapped)?;
    let mut bytes: [u8; KEY_LEN] = plain
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::Integrity)?;
    let key = SecretKey::from_bytes(bytes);
    bytes.zeroize();
    Ok(key)
}

/// Encrypts `plaintext` (any length) under `kek`, bound to `ctx`. Output
/// is `29 + plaintext.len()` bytes.
pub fn seal(
    kek: &SecretKey,
    plaintext: &[u8],
    ctx: &WrapContext<'_>,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    seal_versioned(
        kek,
        SEAL_FORMAT_VERSION,
        &context_aad(SEAL_AAD_LABEL, ctx)?,
        plaintext,
        rng,
    )
}

/// Decrypts what [`seal`] produced. Any mismatch (key, context, version
/// byte, truncation, tampering) yields [`CryptoError::Integrity`].
pub fn open(
    kek: &SecretKey,
    sealed: &[u8],
    ctx: &WrapContext<'_>,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let aad = context_aad(SEAL_AAD_LABEL, ctx).map_err(|_| CryptoError::Integrity)?;
    open_versioned(kek, SEAL_FORMAT_VERSION, &aad, sealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;

    const CTX: WrapContext<'static> = WrapContext {
        purpose: "compartment",
        owner: "c-123",
        key_version: 3,
    };

    fn setup() -> (SystemRandom, SecretKey, SecretKey, Vec<u8>) {
        let rng = SystemRandom::new();
        let kek = SecretKey::generate(&rng).unwrap();
        let key = SecretKey::generate(&rng).unwrap();
        let wrapped = wrap_key(&kek, &key, &CTX, &rng).unwrap();
        (rng, kek, key, wrapped)
    }

    #[test]
    fn round_trip() {
        let (_rng, kek, key, wrapped) = setup();
        assert_eq!(wrapped.len(), WRAPPED_LEN);
        assert_eq!(wrapped[0], 1);
        let back = unwrap_key(&kek, &wrapped, &CTX).unwrap();
        assert_eq!(back.expose(), key.expose());
        // The raw key must not appear in the wrapped output.
        assert!(!wrapped.windows(32).any(|w| w == key.expose()));
    }

    #[test]
    fn nonces_are_random() {
        let (rng, kek, key, wrapped) = setup();
        let again = wrap_key(&kek, &key, &CTX, &rng).unwrap();
        assert_ne!(wrapped, again);
    }

    #[test]
    fn wrong_kek() {
        let (rng, _kek, _key, wrapped) = setup();
        let other = SecretKey::generate(&rng).unwrap();
        assert_eq!(
            unwrap_key(&other, &wrapped, &CTX).unwrap_err(),
            CryptoError::Integrity
        );
    }

    #[test]
    fn wrong_context_fields() {
        let (_rng, kek, _key, wrapped) = setup();
        let variants = [
            WrapContext {
                purpose: "data",
                ..CTX
            },
            WrapContext {
                owner: "c-124",
                ..CTX
            },
            WrapContext {
                key_version: 4,
                ..CTX
            },
            // Length-prefixing prevents boundary shifting between fields.
            WrapContext {
                purpose: "compartmentc",
                owner: "-123",
                ..CTX
            },
            WrapContext {
                purpose: "",
                owner: "",
                key_version: 3,
            },
        ];
        for ctx in variants {
            assert_eq!(
                unwrap_key(&kek, &wrapped, &ctx).unwrap_err(),
                CryptoError::Integrity,
                "{ctx:?}"
            );
        }
    }

    #[test]
    fn flipped_bytes_and_bad_lengths() {
        let (_rng, kek, _key, wrapped) = setup();
        for i in 0..wrapped.len() {
            let mut w = wrapped.clone();
            w[i] ^= 0x01;
            assert_eq!(
                unwrap_key(&kek, &w, &CTX).unwrap_err(),
                CryptoError::Integrity,
                "byte {i}"
            );
        }
        for len in 0..wrapped.len() {
            assert_eq!(
                unwrap_key(&kek, &wrapped[..len], &CTX).unwrap_err(),
                CryptoError::Integrity
            );
        }
        let mut longer = wrapped.clone();
        longer.push(0);
        assert_eq!(
            unwrap_key(&kek, &longer, &CTX).unwrap_err(),
            CryptoError::Integrity
        );
    }

    #[test]
    fn seal_round_trip_and_failures() {
        let rng = SystemRandom::new();
        let kek = SecretKey::generate(&rng).unwrap();
        let secret = b"a PKCS#8 document of some length, not 32 bytes".to_vec();
        let sealed = seal(&kek, &secret, &CTX, &rng).unwrap();
        assert_eq!(sealed[0], 2);
        assert_eq!(sealed.len(), 1 + NONCE_LEN + secret.len() + TAG_LEN);
        assert_eq!(open(&kek, &sealed, &CTX).unwrap().as_slice(), secret);
        assert!(!sealed.windows(secret.len()).any(|w| w == secret));
        assert_ne!(sealed, seal(&kek, &secret, &CTX, &rng).unwrap());
        // Empty plaintext works too.
        let empty = seal(&kek, b"", &CTX, &rng).unwrap();
        assert!(open(&kek, &empty, &CTX).unwrap().is_empty());

        let other = SecretKey::generate(&rng).unwrap();
        assert_eq!(
            open(&other, &sealed, &CTX).unwrap_err(),
            CryptoError::Integrity
        );
        for ctx in [
            WrapContext {
                purpose: "data",
                ..CTX
            },
            WrapContext {
                owner: "c-124",
                ..CTX
            },
            WrapContext {
                key_version: 4,
                ..CTX
            },
        ] {
            assert_eq!(
                open(&kek, &sealed, &ctx).unwrap_err(),
                CryptoError::Integrity
            );
        }
        for i in 0..sealed.len() {
            let mut s = sealed.clone();
            s[i] ^= 0x01;
            assert_eq!(
                open(&kek, &s, &CTX).unwrap_err(),
                CryptoError::Integrity,
                "byte {i}"
            );
        }
        for len in 0..sealed.len() {
            assert_eq!(
                open(&kek, &sealed[..len], &CTX).unwrap_err(),
                CryptoError::Integrity
            );
        }
    }

    #[test]
    fn sealed_and_wrapped_do_not_cross() {
        let (_rng, kek, key, wrapped) = setup();
        // A wrapped key does not open as a sealed blob, even with its
        // version byte changed, and vice versa.
        let mut as_sealed = wrapped.clone();
        as_sealed[0] = 2;
        assert_eq!(
            open(&kek, &as_sealed, &CTX).unwrap_err(),
            CryptoError::Integrity
        );
        let sealed = seal(&kek, key.expose(), &CTX, &SystemRandom::new()).unwrap();
        let mut as_wrapped = sealed.clone();
        as_wrapped[0] = 1;
        assert_eq!(
            unwrap_key(&kek, &as_wrapped, &CTX).unwrap_err(),
            CryptoError::Integrity
        );
    }
}
