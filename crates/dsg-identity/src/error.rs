//! Error type.

/// Errors from TOTP enrolment / verification and recovery-code generation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// The submitted code is not exactly six ASCII digits.
    #[error("malformed one-time code")]
    Malformed,
    /// The code does not match the current step or ±1 step of skew.
    #[error("invalid or expired one-time code")]
    Invalid,
    /// The code matches, but only for a step at or before the last
    /// accepted step: it was already used (or a later one was).
    #[error("one-time code already used")]
    Replayed,
    /// The stored / supplied secret has the wrong length or encoding.
    #[error("invalid TOTP secret")]
    InvalidSecret,
    /// The issuer or account name cannot be put in an `otpauth://` URI
    /// (empty, or contains `:`).
    #[error("invalid issuer or account name")]
    InvalidLabel,
    /// The random number generator failed.
    #[error("random number generator failure")]
    Rng,
}
