//! Account lifecycle and the strength of a session's authentication.

use crate::{AccountStatus, DomainError, User, UserId};

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

crate::entities::string_enum!(
    /// An operator's change to an account's stored status.
    AccountChange {
        /// End a lockout and restart the failure count.
        Unlock => "unlock",
        /// Switch the account off; its sessions end at once.
        Disable => "disable",
        /// Switch it back on.
        Enable => "enable",
    }
);

impl AccountChange {
    /// The stored status and lockout end `user` has after `by` makes this
    /// change at `now_ms`.
    ///
    /// An operator may not disable their own account: the last operator
    /// could otherwise lock the agency out of its gateway, and a disabled
    /// account cannot be re-enabled by itself. Unlocking sets the lockout
    /// end to now, so that the failures before it no longer count; it
    /// leaves a disabled account disabled. Nothing here lifts an expiry:
    /// the validity period is not a status.
    pub fn apply(
        self,
        user: &User,
        by: UserId,
        now_ms: i64,
    ) -> Result<(AccountStatus, Option<i64>), DomainError> {
        match self {
            Self::Unlock => Ok((
                match user.status {
                    AccountStatus::Locked => AccountStatus::Active,
                    other => other,
                },
                Some(now_ms),
            )),
            Self::Disable if user.id == by => {
                Err(DomainError::refused("operators cannot disable themselves"))
            }
            Self::Disable => Ok((AccountStatus::Disabled, user.locked_until)),
            Self::Enable => Ok((AccountStatus::Active, user.locked_until)),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{CompanyId, Role};

    fn status() -> impl Strategy<Value = AccountStatus> {
        prop_oneof![
            Just(AccountStatus::Active),
            Just(AccountStatus::Locked),
            Just(AccountStatus::Disabled),
        ]
    }

    fn change() -> impl Strategy<Value = AccountChange> {
        prop_oneof![
            Just(AccountChange::Unlock),
            Just(AccountChange::Disable),
            Just(AccountChange::Enable),
        ]
    }

    prop_compose! {
        fn user()(
            status in status(),
            enrolled in proptest::option::of(0i64..2_000),
            valid_until in proptest::option::of(0i64..2_000),
            locked_until in proptest::option::of(0i64..2_000),
        ) -> User {
            User {
                id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
                company_id: CompanyId::from_uuid(uuid::Uuid::from_u128(2)),
                username: "u".into(),
                display_name: "u".into(),
                role: Role::Member,
                status,
                created_at: 0,
                enrolled_at: enrolled,
                valid_until,
                locked_until,
            }
        }
    }

    proptest! {
        /// Whatever an operator does, the state follows from the change:
        /// disabled after Disable, not disabled after Enable, not locked
        /// after Unlock (which leaves a disabled account disabled), and an
        /// expired account stays expired unless disabled.
        #[test]
        fn changes_lead_to_their_state(
            mut u in user(),
            changes in proptest::collection::vec(change(), 1..8),
            now in 0i64..2_000,
        ) {
            let operator = UserId::from_uuid(uuid::Uuid::from_u128(9));
            let expired = u.state(now) == AccountState::Expired;
            for change in changes {
                let before = u.status;
                let (status, locked_until) = change.apply(&u, operator, now)?;
                u.status = status;
                u.locked_until = locked_until;
                let state = u.state(now);
                match change {
                    AccountChange::Disable => prop_assert_eq!(state, AccountState::Disabled),
                    AccountChange::Enable => prop_assert_ne!(state, AccountState::Disabled),
                    AccountChange::Unlock => {
                        prop_assert_ne!(state, AccountState::Locked);
                        prop_assert_eq!(
                            state == AccountState::Disabled,
                            before == AccountStatus::Disabled
                        );
                    }
                }
                if expired {
                    prop_assert!(matches!(state, AccountState::Expired | AccountState::Disabled));
                }
            }
        }

        /// Nobody disables their own account, whatever its state.
        #[test]
        fn no_one_disables_themselves(u in user(), now in 0i64..2_000) {
            prop_assert!(AccountChange::Disable.apply(&u, u.id, now).is_err());
            prop_assert!(AccountChange::Unlock.apply(&u, u.id, now).is_ok());
        }

        /// A disabled account is disabled whatever else holds.
        #[test]
        fn disabled_dominates(mut u in user(), now in 0i64..2_000) {
            u.status = AccountStatus::Disabled;
            prop_assert_eq!(u.state(now), AccountState::Disabled);
        }
    }
}
