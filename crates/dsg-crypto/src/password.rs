//! Password hashing with Argon2id (PHC string format).

use std::fmt;
use std::sync::Mutex;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use aws_lc_rs::rand::SecureRandom;
use zeroize::Zeroize;

use crate::{ct_eq, CryptoError, SecretString};

const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;
const DUMMY_PASSWORD: &[u8] = b"dsg-dummy-password-never-valid";
const DUMMY_SALT: &[u8; SALT_LEN] = b"dsg-dummy-salt!!";
/// Working memories kept for reuse. Callers bound how many hashes run at
/// once; this bounds how many memories are kept between them.
const POOLED_MEMORIES: usize = 4;

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
///
/// The working memory of each run (the memory cost, 19 MiB by default) is
/// taken from a small pool and returned wiped, instead of being allocated
/// and freed per login: the system allocator tends to keep such freed
/// blocks resident per thread, which made the gateway's memory grow with the
/// number of threads that ever hashed a password.
pub struct PasswordHasher {
    params: PasswordParams,
    argon2_params: Params,
    dummy_phc: String,
    memories: Mutex<Vec<Vec<Block>>>,
}

fn password_error(e: impl fmt::Display) -> CryptoError {
    CryptoError::Password(e.to_string())
}

impl PasswordHasher {
    /// Creates a hasher with `params`; also precomputes the dummy hash used
    /// by [`verify_dummy`](Self::verify_dummy).
    pub fn new(params: PasswordParams) -> Result<Self, CryptoError> {
        let argon2_params = Params::new(
            params.m_cost_kib,
            params.t_cost,
            params.p_cost,
            Some(HASH_LEN),
        )
        .map_err(password_error)?;
        let mut hasher = PasswordHasher {
            params,
            argon2_params,
            dummy_phc: String::new(),
            memories: Mutex::new(Vec::new()),
        };
        hasher.dummy_phc = hasher.hash_with_salt(DUMMY_PASSWORD, DUMMY_SALT)?;
        Ok(hasher)
    }

    /// The parameters new hashes are created with.
    pub fn params(&self) -> PasswordParams {
        self.params
    }

    /// Runs Argon2id with pooled working memory.
    fn compute(
        &self,
        version: Version,
        params: &Params,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let blocks = params.block_count();
        let pooled = self.memories.lock().ok().and_then(|mut pool| {
            let index = pool.iter().position(|m| m.len() == blocks)?;
            Some(pool.swap_remove(index))
        });
        let mut memory = pooled.unwrap_or_else(|| vec![Block::default(); blocks]);
        let argon2 = Argon2::new(Algorithm::Argon2id, version, params.clone());
        let result = argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..]);
        // The memory holds values derived from the password: wipe it.
        memory
            .iter_mut()
            .for_each(|block| *block = Block::default());
        if let Ok(mut pool) = self.memories.lock() {
            if pool.len() < POOLED_MEMORIES {
                pool.push(memory);
            }
        }
        result.map_err(password_error)
    }

    fn hash_with_salt(&self, password: &[u8], salt: &[u8]) -> Result<String, CryptoError> {
        let mut out = [0u8; HASH_LEN];
        self.compute(
            Version::V0x13,
            &self.argon2_params,
            password,
            salt,
            &mut out,
        )?;
        let salt = SaltString::encode_b64(salt).map_err(password_error)?;
        let output = Output::new(&out).map_err(password_error);
        out.zeroize();
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.argon2_params).map_err(password_error)?,
            salt: Some(salt.as_salt()),
            hash: Some(output?),
        };
        Ok(phc.to_string())
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
        let phc = self.hash_with_salt(password.expose().as_bytes(), &salt_bytes);
        salt_bytes.zeroize();
        phc
    }

    /// Verifies `password` against an Argon2id PHC string (using the cost
    /// parameters recorded in it). Returns `false` on mismatch or on any
    /// parse error; never panics. The PHC string is assumed to come from
    /// our own store (its cost parameters are trusted).
    pub fn verify(&self, password: &SecretString, phc: &str) -> bool {
        self.try_verify(password.expose().as_bytes(), phc)
            .unwrap_or(false)
    }

    fn try_verify(&self, password: &[u8], phc: &str) -> Result<bool, CryptoError> {
        let parsed = PasswordHash::new(phc).map_err(password_error)?;
        if parsed.algorithm != Algorithm::Argon2id.ident() {
            return Ok(false);
        }
        let version = match parsed.version {
            Some(v) => Version::try_from(v).map_err(password_error)?,
            None => Version::V0x13,
        };
        let Some(expected) = parsed.hash else {
            return Ok(false);
        };
        let mut params = Params::try_from(&parsed).map_err(password_error)?;
        if params.output_len() != Some(expected.len()) {
            params = Params::new(
                params.m_cost(),
                params.t_cost(),
                params.p_cost(),
                Some(expected.len()),
            )
            .map_err(password_error)?;
        }
        let mut salt_buf = [0u8; 64];
        let salt = parsed
            .salt
            .ok_or_else(|| password_error("no salt"))?
            .decode_b64(&mut salt_buf)
            .map_err(password_error)?;
        let mut out = vec![0u8; expected.len()];
        self.compute(version, &params, password, salt, &mut out)?;
        let matches = ct_eq(&out, expected.as_bytes());
        out.zeroize();
        Ok(matches)
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
#[allow(clippy::string_slice, reason = "tests cut ASCII text they made")]
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

    #[test]
    fn hashes_interoperate_with_the_reference_implementation() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let rng = SystemRandom::new();
        let ours = PasswordHasher::new(PasswordParams::TEST_MINIMUM).unwrap();
        let p = PasswordParams::TEST_MINIMUM;
        let reference = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(p.m_cost_kib, p.t_cost, p.p_cost, None).unwrap(),
        );
        // Ours verifies with the reference...
        let phc = ours.hash(&pw("correct horse"), &rng).unwrap();
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(reference.verify_password(b"correct horse", &parsed).is_ok());
        assert!(reference.verify_password(b"wrong horse", &parsed).is_err());
        // ...and the reference's verifies with ours.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = reference
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(ours.verify(&pw("battery staple"), &theirs));
        assert!(!ours.verify(&pw("battery stable"), &theirs));
    }
}
