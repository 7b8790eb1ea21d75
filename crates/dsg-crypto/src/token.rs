//! Random bearer tokens and their storage hashes.

use aws_lc_rs::rand::SecureRandom;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use zeroize::Zeroize;

use crate::{hmac_sha256, sha256, CryptoError, SecretString};

/// Number of random bytes in a token.
const TOKEN_BYTES: usize = 32;

/// A fresh 256-bit random token, base64url without padding (43 chars).
pub fn random_token(rng: &dyn SecureRandom) -> Result<SecretString, CryptoError> {
    let mut raw = [0u8; TOKEN_BYTES];
    rng.fill(&mut raw).map_err(|_| CryptoError::Rng)?;
    let token = URL_SAFE_NO_PAD.encode(raw);
    raw.zeroize();
    Ok(SecretString::new(token))
}

/// Lower-case hex SHA-256 of `token`, for storing session tokens hashed.
pub fn token_hash(token: &str) -> String {
    hex::encode(sha256(token.as_bytes()))
}

/// What a session's CSRF token is derived from, besides the session token.
const CSRF_LABEL: &[u8] = b"dsg-csrf-token/v1";

/// The CSRF token of the session whose token is `session_token`: HMAC-SHA-256
/// keyed with the session token, base64url. Only someone holding the session
/// token can compute it, and it need not be stored: the server derives it
/// again from the cookie of each request.
pub fn csrf_token_for(session_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(hmac_sha256(session_token.as_bytes(), CSRF_LABEL))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use std::collections::HashSet;

    #[test]
    fn tokens_are_unique_and_well_formed() {
        let rng = SystemRandom::new();
        let mut seen = HashSet::new();
        for _ in 0..1000 {
            let t = random_token(&rng).unwrap();
            assert_eq!(t.expose().len(), 43);
            assert!(t
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            let decoded = URL_SAFE_NO_PAD.decode(t.expose()).unwrap();
            assert_eq!(decoded.len(), TOKEN_BYTES);
            assert!(seen.insert(t.expose().to_string()));
        }
    }

    #[test]
    fn token_uses_rng() {
        let rng = aws_lc_rs::test::rand::FixedByteRandom { byte: 0xFF };
        let t = random_token(&rng).unwrap();
        assert_eq!(t.expose(), "_".repeat(42) + "8");
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(token_hash("abc"), token_hash("abd"));
        assert_eq!(token_hash("x").len(), 64);
    }

    #[test]
    fn csrf_tokens_are_derived_from_the_session_token_alone() {
        let a = csrf_token_for("session-a");
        assert_eq!(a, csrf_token_for("session-a"));
        assert_ne!(a, csrf_token_for("session-b"));
        // Neither the token itself nor its stored hash.
        assert_ne!(a, "session-a");
        assert_ne!(a, token_hash("session-a"));
        assert_eq!(a.len(), 43);
    }
}
