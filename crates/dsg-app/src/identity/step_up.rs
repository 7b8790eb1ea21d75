//! Step-up: a fresh re-authentication before sensitive actions. A login
//! counts as fresh for `auth.step_up_minutes`; after that the user presents
//! their factor again (a passkey, or a TOTP code in a TOTP session).

use dsg_core::{AuditAction, AuditObject, MfaMethod, Outcome};
use webauthn_rs::prelude::RequestChallengeResponse;

use super::super::{App, AppError, Caller, RequestMeta};
use super::login::SecondFactor;

impl App {
    /// Starts a step-up: a WebAuthn challenge for a passkey session, nothing
    /// (a TOTP code is expected) for a TOTP session.
    pub async fn step_up_options(
        &self,
        caller: &Caller,
    ) -> Result<Option<RequestChallengeResponse>, AppError> {
        let Caller::User(session) = caller else {
            return Err(AppError::Unauthenticated);
        };
        match session.mfa {
            MfaMethod::Webauthn => {
                let passkeys = self.passkeys_of(&session.user).await?;
                Ok(Some(
                    self.passkey_challenge(&session.token_hash, &passkeys, true)
                        .await?,
                ))
            }
            MfaMethod::Totp => Ok(None),
            MfaMethod::None | MfaMethod::Recovery => Err(AppError::StepUpRequired),
        }
    }

    /// Completes a step-up with the session's own kind of factor. A failure
    /// counts towards the lockout like a failed login.
    pub async fn step_up(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        factor: SecondFactor,
    ) -> Result<(), AppError> {
        self.check_login_rate(meta).await?;
        let Caller::User(session) = caller else {
            return Err(AppError::Unauthenticated);
        };
        let matches_session = matches!(
            (&factor, session.mfa),
            (SecondFactor::Webauthn(_), MfaMethod::Webauthn)
                | (SecondFactor::Totp(_), MfaMethod::Totp)
        );
        let verified = if matches_session {
            self.verify_factor(session, factor, false).await
        } else {
            Err(AppError::SecondFactorRefused)
        };
        match verified {
            Ok(_) => {
                let record = Self::audit(
                    meta,
                    caller,
                    AuditAction::StepUp,
                    AuditObject::Session(session.session_id.clone()),
                    Outcome::Success,
                    session.mfa.as_str(),
                );
                self.inner
                    .sessions
                    .record_step_up(&session.token_hash, self.now(), &record)
                    .await?;
                Ok(())
            }
            Err(AppError::SecondFactorRefused) => {
                self.record_attempt(
                    meta,
                    Some(session.user.id),
                    session.mfa_factor(),
                    false,
                    "step-up",
                )
                .await?;
                Err(AppError::SecondFactorRefused)
            }
            Err(other) => Err(other),
        }
    }
}
