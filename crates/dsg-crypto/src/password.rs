//! Password hashing with Argon2id (PHC string format).

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use aws_lc_rs::rand::SecureRandom;
use zeroize::Zeroize;

use crate::{CryptoError, SecretString};

const SALT_LEN: usize = 16;
const DUMMY_PASSWORD: &[u8] = b"dsg-dummy-password-never-valid";
const DUMMY_SALT: &[u8; SALT_LEN] = b"dsg-dummy-salt!!";

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    /// Memory cost in KiB.
    pub m_cost_kib: u32,
    /// Number of iterations.
    pub t_cost: u32,
    /// Degree of parallelism.
    pub p_cost: u32,
}

impl PasswordParams {
    /// OWASP recommended Argon2id parameters (19 MiB, 2 iterations, 1 lane).
    pub const OWASP: Self = PasswordParams {
        m_cost_kib: 19456,
        t_cost: 2,
        p_cost: 1,
    };
    /// Smallest valid parameters. For tests only: offers no real protection.
    pub const TEST_MINIMUM: Self = PasswordParams {
        m_cost_kib: 8,
        t_cost: 1,
        p_cost: 1,
    };
}

/// Hashes and verifies passwords with Argon2id.
pub struct PasswordHasher {
    params: PasswordParams,
    argon2: Argon2<'static>,
    dummy_phc: String,
}

impl PasswordHasher {
    /// Creates a hasher with `params`; also precomputes the dummy hash used
    /// by [`verify_dummy`](Self::verify_dummy).
    pub fn new(params: PasswordParams) -> Result<Self, CryptoError> {
        let p = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, None)
            .map_err(|e| CryptoError::Password(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
        let salt =
            SaltString::encode_b64(DUMMY_SALT).map_err(|e| CryptoError::Password(e.to_string()))?;
        let dummy_phc = argon2
            .hash_password(DUMMY_PASSWORD, &salt)
            .map_err(|e| CryptoError::Password(e.to_string()))?
            .to_string();
        Ok(PasswordHasher {
            params,
            argon2,
            dummy_phc,
        })
    }

    /// The parameters new hashes are created with.
    pub fn params(&self) -> PasswordParams {
        self.params
    }

    /// Hashes `password` with a fresh 16-byte salt; returns a PHC string
    /// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
    pub fn hash(
        &self,
        password: &SecretString,
        rng: &dyn SecureRandom,
    ) -> Result<String, CryptoError> {
        let mut salt_bytes = [0u8; SALT_LEN];
        rng.fill(&mut salt_bytes).map_err(|_| CryptoError::Rng)?;
        let salt = SaltString::encode_b64(&salt_bytes);
        salt_bytes.zeroize();
        let salt = salt.map_err(|e| CryptoError::Password(e.to_string()))?;
        let phc = self
            .argon2
            .hash_password(password.expose().as_bytes(), &salt)
            .map_err(|e| CryptoError::Password(e.to_string()))?
            .to_string();
        Ok(phc)
    }

    /// Verifies `password` against an Argon2id PHC string (using the cost
    /// parameters recorded in it). Returns `false` on mismatch or on any
    /// parse error; never panics. The PHC string is assumed to come from
    /// our own store (its cost parameters are trusted).
    pub fn verify(&self, password: &SecretString, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        if parsed.algorithm != Algorithm::Argon2id.ident() {
            return false;
        }
        self.argon2
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok()
    }

    /// Runs a full verification against a fixed dummy hash so that requests
    /// for unknown users cost the same time as for known ones. Always
    /// returns `false`.
    pub fn verify_dummy(&self, password: &SecretString) -> bool {
        let result = self.verify(password, &self.dummy_phc);
        let _ = std::hint::black_box(result);
        false
    }
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;

    fn pw(s: &str) -> SecretString {
        SecretString::new(s.to_string())
    }

    #[test]
    fn hash_and_verify() {
        let rng = SystemRandom::new();
        let h = PasswordHasher::new(PasswordParams::TEST_MINIMUM).unwrap();
        let phc = h.hash(&pw("correct horse"), &rng).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(h.verify(&pw("correct horse"), &phc));
        assert!(!h.verify(&pw("correct horsf"), &phc));
        assert!(!h.verify(&pw(""), &phc));
    }

    #[test]
    fn salts_are_random() {
        let rng = SystemRandom::new();
        let h = PasswordHasher::new(PasswordParams::TEST_MINIMUM).unwrap();
        let a = h.hash(&pw("pw"), &rng).unwrap();
        let b = h.hash(&pw("pw"), &rng).unwrap();
        assert_ne!(a, b);
        assert!(h.verify(&pw("pw"), &a) && h.verify(&pw("pw"), &b));
    }

    #[test]
    fn salt_comes_from_rng() {
        let rng = aws_lc_rs::test::rand::FixedByteRandom { byte: 0x42 };
        let h = PasswordHasher::new(PasswordParams::TEST_MINIMUM).unwrap();
        let a = h.hash(&pw("pw"), &rng).unwrap();
        let b = h.hash(&pw("pw"), &rng).unwrap();
        assert_eq!(a, b);
        // base64 (no padding) of sixteen 0x42 bytes.
        assert!(a.contains("$QkJCQkJCQkJCQkJCQkJCQg$"), "{a}");
    }

    #[test]
    fn verify_with_other_params_uses_hash_params() {
        let rng = SystemRandom::new();
        let weak = PasswordHasher::new(PasswordParams::TEST_MINIMUM).unwrap();
        let other = PasswordHasher::new(PasswordParams {
            m_cost_kib: 16,
            t_cost: 2,
            p_cost: 1,
        })
        .unwrap();
        let phc = weak.hash(&pw("pw"), &rng).unwrap();
        assert!(other.verify(&pw("pw"), &phc));
    }

    #[test]
    fn garbage_phc_is_false() {
        let h = PasswordHasher::new(PasswordParams::TEST_MINIMUM).unwrap();
        let rng = SystemRandom::new();
        let good = h.hash(&pw("pw"), &rng).unwrap();
        let mut cases = vec![
            String::new(),
            "$".to_string(),
            "not a hash".to_string(),
            "$argon2id$".to_string(),
            "$argon2id$v=19$m=8,t=1,p=1$$".to_string(),
            "$argon2id$v=19$m=0,t=0,p=0$QkJCQkJCQkJCQkJCQkJCQg$AAAA".to_string(),
            good.replace("argon2id", "argon2i"),
            good.replace("argon2id", "pbkdf2-sha256"),
            good[..good.len() - 5].to_string(),
        ];
        // Every prefix of a valid hash.
        cases.extend((0..good.len()).map(|i| good[..i].to_string()));
        for c in cases {
            assert!(!h.verify(&pw("pw"), &c), "{c:?}");
        }
    }

    #[test]
    fn verify_dummy_is_false() {
        let h = PasswordHasher::new(PasswordParams::TEST_MINIMUM).unwrap();
        assert!(!h.verify_dummy(&pw("dsg-dummy-password-never-valid")));
        assert!(!h.verify_dummy(&pw("anything")));
        assert!(h.dummy_phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
    }

    #[test]
    fn invalid_params_rejected() {
        let bad = PasswordParams {
            m_cost_kib: 1,
            t_cost: 0,
            p_cost: 0,
        };
        assert!(matches!(
            PasswordHasher::new(bad),
            Err(CryptoError::Password(_))
        ));
    }

    #[test]
    fn owasp_defaults_work() {
        let rng = SystemRandom::new();
        let h = PasswordHasher::new(PasswordParams::OWASP).unwrap();
        let phc = h.hash(&pw("s3cret"), &rng).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(h.verify(&pw("s3cret"), &phc));
        assert!(!h.verify(&pw("s3creT"), &phc));
    }
}
