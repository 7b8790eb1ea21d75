//! The application layer's one error type, with its stable codes. The web
//! layer maps each to an HTTP status; nothing here knows about HTTP.

use dsg_blob::BlobError;
use dsg_core::DomainError;
use dsg_crypto::CryptoError;
use dsg_store::StoreError;

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid session.
    #[error("authentication required")]
    Unauthenticated,
    /// Login refused (unknown user, wrong password, locked and disabled alike).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Missing or not allowed to know it exists: one answer for both.
    #[error("not found")]
    NotFound,
    /// An administrative action the caller may not take.
    #[error("forbidden")]
    Forbidden,
    /// Allowed, but only after a fresh re-authentication (step-up).
    #[error("re-authentication required")]
    StepUpRequired,
    /// A second factor could not be verified (wrong code, refused passkey,
    /// expired challenge).
    #[error("second factor not accepted")]
    SecondFactorRefused,
    /// Too many attempts from this source; try again later.
    #[error("too many attempts")]
    RateLimited,
    /// Refused, and the caller is entitled to know why (see
    /// [`super::DenialReason`]).
    #[error("{}", .0.text(false))]
    Denied(super::DenialReason),
    /// Separation of duties: the requester cannot approve their own request.
    #[error("the requester cannot approve their own request")]
    SelfApproval,
    /// The request's CSRF token or origin is wrong.
    #[error("cross-site request refused")]
    CsrfRefused,
    /// Bad input; the text is safe to show.
    #[error("{0}")]
    Invalid(String),
    /// A proposed policy does not parse or validate against the schema; the
    /// text is the validator's message about the proposer's own text.
    #[error("{0}")]
    PolicyInvalid(String),
    /// Not offered by this deployment (e.g. TOTP without
    /// `auth.totp_fallback`); the text is safe to show.
    #[error("{0}")]
    NotOffered(&'static str),
    /// Well-formed, but not possible in the current state of things or by
    /// a rule relating them (a second factor when no login is waiting, an
    /// operator of a contractor, a revoked terminal revoked again): what
    /// no request schema can state. The text is safe to show.
    #[error("{0}")]
    Refused(String),
    /// A text in another format carried in the body (a certificate
    /// request) does not parse: what a JSON schema cannot state. The text
    /// is safe to show.
    #[error("{0}")]
    InvalidContent(String),
    /// Something with that identity exists already.
    #[error("already exists: {0}")]
    Conflict(&'static str),
    /// The file is larger than allowed.
    #[error("file too large")]
    TooLarge,
    /// The compartment's quota is used up.
    #[error("compartment quota exceeded")]
    QuotaExceeded,
    /// The data volume is at its free-space reserve.
    #[error("insufficient storage")]
    InsufficientStorage,
    /// The stored file version failed its integrity check; it is marked
    /// damaged and the operators are alerted.
    #[error("this version of the file is damaged; the operators have been alerted")]
    Damaged,
    /// The byte range asked for names no byte of the version, which has
    /// `size` bytes.
    #[error("requested range not satisfiable")]
    RangeNotSatisfiable {
        /// The version's size, for `Content-Range: bytes */size`.
        size: u64,
    },
    /// The gateway cannot serve now (its audit log cannot be written); it
    /// recovers by itself once the cause is gone.
    #[error("service unavailable")]
    Unavailable,
    /// A failure the user cannot fix; details are logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The stable, machine-readable code of this error: the `code` of the
    /// JSON error answer, and the reason stored in failure entries of the
    /// audit log. Never changes meaning once released.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::StepUpRequired => "step_up_required",
            Self::SecondFactorRefused => "second_factor_refused",
            Self::RateLimited => "rate_limited",
            Self::SelfApproval => "self_approval",
            Self::Denied(reason) => reason.code(),
            Self::CsrfRefused => "csrf_refused",
            Self::Invalid(_) => "invalid_input",
            Self::PolicyInvalid(_) => "policy_invalid",
            Self::Conflict(_) => "conflict",
            Self::NotOffered(_) => "not_offered",
            Self::Refused(_) => "refused",
            Self::InvalidContent(_) => "invalid_content",
            Self::TooLarge => "too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::InsufficientStorage => "insufficient_storage",
            Self::Damaged => "file_damaged",
            Self::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Refused(rule) => Self::Refused(rule.to_owned()),
            invalid @ DomainError::Invalid { .. } => Self::Invalid(invalid.to_string()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::Conflict(what),
            StoreError::NotFound(_) => Self::NotFound,
            StoreError::QuotaExceeded => Self::QuotaExceeded,
            // A full volume is the storage's answer to a write, whichever
            // write met it first.
            other if other.is_storage_full() => Self::InsufficientStorage,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<BlobError> for AppError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::TooLarge => Self::TooLarge,
            BlobError::Interrupted(why) => Self::Invalid(format!("upload interrupted: {why}")),
            other if other.is_storage_full() => Self::InsufficientStorage,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<CryptoError> for AppError {
    fn from(e: CryptoError) -> Self {
        Self::Internal(e.to_string())
    }
}
