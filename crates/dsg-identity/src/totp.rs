//! RFC 6238 time-based one-time passwords (SHA-1, 6 digits, 30 s).

use std::fmt;

use dsg_crypto::{SecretString, SecureRandom};
use totp_rs::{Algorithm, Builder, Secret, Totp};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::TotpError;

/// Length of a TOTP shared secret in bytes (160 bits, as RFC 4226 §4 recommends).
pub const TOTP_SECRET_LEN: usize = 20;
/// Number of digits in a code.
pub const TOTP_DIGITS: usize = 6;
/// Length of a time step in seconds.
pub const TOTP_STEP_SECONDS: u64 = 30;
/// Steps of clock skew accepted either side of the current step.
pub const TOTP_SKEW_STEPS: u64 = 1;

/// A TOTP shared secret. Zeroized on drop; `Debug` is redacted.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct TotpSecret([u8; TOTP_SECRET_LEN]);

impl TotpSecret {
    /// Generates a fresh 160-bit random secret.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, TotpError> {
        let mut secret = TotpSecret([0u8; TOTP_SECRET_LEN]);
        rng.fill(&mut secret.0).map_err(|_| TotpError::Rng)?;
        Ok(secret)
    }

    /// Wraps existing secret bytes (e.g. after decrypting them from
    /// storage). The caller is responsible for zeroizing its own copy.
    pub fn from_bytes(bytes: [u8; TOTP_SECRET_LEN]) -> Self {
        TotpSecret(bytes)
    }

    /// Parses an RFC 4648 base32 secret (case-insensitive; spaces and
    /// `=` padding ignored). It must decode to exactly
    /// [`TOTP_SECRET_LEN`] bytes.
    pub fn from_base32(encoded: &str) -> Result<Self, TotpError> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            encoded
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '=')
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let decoded =
            Secret::try_from_base32(cleaned.as_str()).map_err(|_| TotpError::InvalidSecret)?;
        let bytes: [u8; TOTP_SECRET_LEN] = decoded
            .as_bytes()
            .try_into()
            .map_err(|_| TotpError::InvalidSecret)?;
        Ok(TotpSecret(bytes))
    }

    /// Exposes the raw secret bytes (to encrypt them for storage).
    pub fn expose(&self) -> &[u8; TOTP_SECRET_LEN] {
        &self.0
    }

    /// RFC 4648 base32 without padding (32 characters), for manual
    /// entry into an authenticator app at enrolment.
    pub fn to_base32(&self) -> SecretString {
        SecretString::new(Secret::from(self.0).to_base32())
    }

    /// `otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER` key URI
    /// (usually rendered as a QR code at enrolment). SHA-1, 6 digits and
    /// 30 s are the defaults and therefore not spelled out.
    ///
    /// Fails with [`TotpError::InvalidLabel`] if `issuer` or `account`
    /// is empty or contains `:`.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<SecretString, TotpError> {
        if issuer.is_empty() || account.is_empty() || issuer.contains(':') || account.contains(':')
        {
            return Err(TotpError::InvalidLabel);
        }
        let totp = self
            .builder()
            .with_issuer(Some(issuer))
            .with_account_name(account)
            .build()
            .map_err(|_| TotpError::InvalidLabel)?;
        totp.to_url()
            .map(SecretString::new)
            .map_err(|_| TotpError::InvalidLabel)
    }

    fn builder(&self) -> Builder {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(TOTP_DIGITS as u8)
            .with_step_duration(TOTP_STEP_SECONDS)
            // Skew is handled by `verify_totp` step by step, so that a
            // replayed step can be told apart from a wrong code.
            .with_skew(0)
            .with_secret(Secret::from(self.0))
    }

    fn totp(&self) -> Result<Totp, TotpError> {
        self.builder().build().map_err(|_| TotpError::InvalidSecret)
    }

    /// The code an authenticator app shows at `unix_time` (for the demo
    /// seeding and tests, which play the user's app).
    pub fn code_at(&self, unix_time: u64) -> Result<SecretString, TotpError> {
        Ok(SecretString::new(
            self.totp()?.generate(unix_time).to_string(),
        ))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(REDACTED)")
    }
}

/// Verifies a 6-digit RFC 6238 code (HMAC-SHA-1, 30 s steps) at
/// `now_unix` (seconds since the Unix epoch).
///
/// Accepts the current step and one step either side (clock skew), and
/// nothing further. Each step can be used only once: pass the step
/// returned by the last successful call as `last_used_step` (persist it
/// with the enrolment); a code matching a step `<= last_used_step` is
/// refused with [`TotpError::Replayed`].
///
/// On success returns the accepted step (`unix_time / 30`), which the
/// caller must store as the new `last_used_step` before granting access.
///
/// Errors: [`TotpError::Malformed`] unless `code` is exactly six ASCII
/// digits; [`TotpError::Invalid`] for a wrong or expired code;
/// [`TotpError::Replayed`] as above. Candidate codes are compared in
/// constant time and every step in the window is always checked.
pub fn verify_totp(
    secret: &TotpSecret,
    code: &str,
    now_unix: u64,
    last_used_step: Option<u64>,
) -> Result<u64, TotpError> {
    if code.len() != TOTP_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::Malformed);
    }
    let totp = secret.totp()?;
    let current = now_unix / TOTP_STEP_SECONDS;
    let first = current.saturating_sub(TOTP_SKEW_STEPS);
    let last = current.saturating_add(TOTP_SKEW_STEPS);

    let mut fresh: Option<u64> = None;
    let mut replayed = false;
    for step in first..=last {
        let Some(step_start) = step.checked_mul(TOTP_STEP_SECONDS) else {
            continue;
        };
        // Skew 0: `check` compares (in constant time) against this step only.
        if totp.check(code, step_start).is_none() {
            continue;
        }
        if last_used_step.is_some_and(|used| step <= used) {
            replayed = true;
        } else {
            // Ascending order: keep the latest matching step, so a
            // (vanishingly unlikely) code collision cannot be used twice.
            fresh = Some(step);
        }
    }
    match (fresh, replayed) {
        (Some(step), _) => Ok(step),
        (None, true) => Err(TotpError::Replayed),
        (None, false) => Err(TotpError::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dsg_crypto::SystemRandom;

    const RFC_SECRET: &[u8; 20] = b"12345678901234567890";

    #[test]
    fn debug_is_redacted() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        assert_eq!(format!("{s:?}"), "TotpSecret(REDACTED)");
    }

    #[test]
    fn base32_round_trip() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        let b32 = s.to_base32();
        assert_eq!(b32.expose(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let back = TotpSecret::from_base32(b32.expose()).unwrap();
        assert_eq!(back.expose(), RFC_SECRET);
        let lower = TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        assert_eq!(lower.expose(), RFC_SECRET);
    }

    #[test]
    fn from_base32_rejects_bad_input() {
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBV").unwrap_err(),
            TotpError::InvalidSecret
        );
        assert_eq!(
            TotpSecret::from_base32("not base32!!").unwrap_err(),
            TotpError::InvalidSecret
        );
    }

    #[test]
    fn generated_secrets_are_random() {
        let rng = SystemRandom::new();
        let a = TotpSecret::generate(&rng).unwrap();
        let b = TotpSecret::generate(&rng).unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.expose(), &[0u8; 20]);
        assert_eq!(a.to_base32().expose().len(), 32);
    }

    #[test]
    fn otpauth_uri_format() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        let uri = s.otpauth_uri("DSG", "alice@example.mil").unwrap();
        let uri = uri.expose();
        assert!(uri.starts_with("otpauth://totp/DSG:alice"), "{uri}");
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(uri.contains("issuer=DSG"), "{uri}");
        // Defaults (SHA1 / 6 digits / 30 s) are implied, never overridden.
        assert!(!uri.contains("algorithm="), "{uri}");
        assert!(!uri.contains("digits="), "{uri}");
        assert!(!uri.contains("period="), "{uri}");
    }

    #[test]
    fn otpauth_uri_rejects_bad_labels() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        for (issuer, account) in [
            ("", "alice"),
            ("DSG", ""),
            ("D:SG", "alice"),
            ("DSG", "a:b"),
        ] {
            assert_eq!(
                s.otpauth_uri(issuer, account).unwrap_err(),
                TotpError::InvalidLabel,
                "{issuer:?} {account:?}"
            );
        }
    }
}
