//! The domain's one error type.

/// Why a domain rule refused an input. The message is safe to show a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// An input broke a validation rule; the text names the field and rule.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field that was refused.
        field: &'static str,
        /// What rule it broke.
        reason: &'static str,
    },
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, reason: &'static str) -> Self {
        Self::Invalid { field, reason }
    }
}
