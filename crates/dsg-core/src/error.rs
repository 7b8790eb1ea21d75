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
    /// Well-formed inputs that a rule does not allow together (an operator
    /// of a contractor, a handler of another company's contract); the
    /// text states the rule.
    #[error("{0}")]
    Refused(&'static str),
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, reason: &'static str) -> Self {
        Self::Invalid { field, reason }
    }

    /// Shorthand for [`DomainError::Refused`].
    pub fn refused(rule: &'static str) -> Self {
        Self::Refused(rule)
    }
}
