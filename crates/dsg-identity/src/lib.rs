//! Second-factor building blocks for the defense security gateway.
//!
//! TOTP (RFC 6238) is a fallback second factor; recovery codes are the
//! last resort when the authenticator is lost.
//!
//! * [`TotpSecret`]: a 160-bit shared secret, zeroized on drop, with
//!   base32 / `otpauth://` export for enrolment.
//! * [`verify_totp`]: SHA-1, 6 digits, 30 s steps, ±1 step of skew, with
//!   replay protection driven by the caller-stored last accepted step.
//! * [`generate_recovery_codes`] / [`hash_recovery_code`] /
//!   [`recovery_code_matches`]: 80-bit one-shot recovery codes stored hashed.
//!
//! No IO happens here: the current time (Unix seconds) and the random
//! number generator are always passed in.
#![deny(missing_docs)]

mod error;
mod recovery;
mod totp;

pub use error::TotpError;
pub use recovery::{
    generate_recovery_codes, hash_recovery_code, recovery_code_matches, RECOVERY_CODE_BYTES,
};
pub use totp::{
    verify_totp, TotpSecret, TOTP_DIGITS, TOTP_SECRET_LEN, TOTP_SKEW_STEPS, TOTP_STEP_SECONDS,
};
