//! Account lifecycle and the strength of a session's authentication.

use crate::{AccountStatus, User};

crate::entities::string_enum!(
    /// The state an account is in at a given moment, derived from its stored
    /// status, enrolment, lockout and validity period. This is what the
    /// policy point and the operators see.
    AccountState {
        /// Issued, but no second factor enrolled yet: it may only enrol.
        Pending => "pending",
        /// May sign in.
        Active => "active",
        /// Locked after failed logins (for a period, or until an operator unlocks).
        Locked => "locked",
        /// Switched off by an operator or by the rosters.
        Disabled => "disabled",
        /// Past the end of its validity period (the contract period).
        Expired => "expired",
    }
);

impl User {
    /// The account's state at `now_ms`. A disabled account is disabled
    /// whatever else holds; an expired one stays expired even when unlocked.
    pub fn state(&self, now_ms: i64) -> AccountState {
        match self.status {
            AccountStatus::Disabled => AccountState::Disabled,
            _ if self.valid_until.is_some_and(|end| now_ms >= end) => AccountState::Expired,
            AccountStatus::Locked => AccountState::Locked,
            _ if self.locked_until.is_some_and(|end| now_ms < end) => AccountState::Locked,
            _ if self.enrolled_at.is_none() => AccountState::Pending,
            AccountStatus::Active => AccountState::Active,
        }
    }
}

crate::entities::string_enum!(
    /// How the session's user proved who they are beyond the password.
    MfaMethod {
        /// Password only: the second factor is still to come, or the
        /// account is pending enrolment.
        None => "none",
        /// WebAuthn with user verification (biometric or PIN): phishing-resistant.
        Webauthn => "webauthn",
        /// An RFC 6238 one-time code, where the agency allows it.
        Totp => "totp",
        /// A one-time recovery code: may only enrol a new authenticator.
        Recovery => "recovery",
    }
);
