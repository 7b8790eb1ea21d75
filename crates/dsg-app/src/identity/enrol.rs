//! Enrolment: an account issued by an operator sets its own password through
//! a one-time link, then registers a passkey (user verification required) or,
//! where the agency allows it, a TOTP authenticator. Only then does it reach
//! anything. The same ceremonies add authenticators later.

use dsg_core::{AccountState, AuditAction, AuditObject, MfaMethod, Outcome, User};
use dsg_crypto::{token_hash, SecretString, WrapContext};
use dsg_identity::{generate_recovery_codes, hash_recovery_code, verify_totp, TotpSecret};
use dsg_policy::Action;
use dsg_store::{NewAuthenticator, WebauthnCredentialRow};
use webauthn_rs::prelude::{CreationChallengeResponse, RegisterPublicKeyCredential};

use super::super::{App, AppError, Caller, LoginOutcome, RequestMeta, SessionUser};
use super::ceremony::Ceremony;

/// What a started enrolment gives the browser.
#[derive(Debug)]
pub struct EnrolmentStarted {
    /// The enrolment session (may only enrol).
    pub session: LoginOutcome,
    /// Whether TOTP may be enrolled instead of a passkey.
    pub totp_allowed: bool,
}

/// zxcvbn's verdict on a password, as the gateway judged it: shown beside
/// the field after a refusal, so the person sees why and what would help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordVerdict {
    /// zxcvbn's score, 0 (guessed at once) to 4 (very unlikely guessed).
    pub score: u8,
    /// The lowest score the gateway accepts.
    pub required: u8,
    /// What makes it guessable (zxcvbn's English text), if anything.
    pub warning: Option<String>,
    /// What would help (zxcvbn's English texts).
    pub suggestions: Vec<String>,
}

/// The lowest zxcvbn score a password must reach.
const REQUIRED_SCORE: u8 = 3;

/// zxcvbn's estimate of `text` for `user`, whose own names count as
/// guessable words.
fn estimate(user: &User, text: &str) -> zxcvbn::Entropy {
    let inputs = [user.username.as_str(), user.display_name.as_str(), "dsg"];
    zxcvbn::zxcvbn(text, &inputs)
}

/// A TOTP seed to load into an authenticator app, shown once.
#[derive(Debug)]
pub struct TotpEnrolment {
    /// RFC 4648 base32.
    pub secret_base32: SecretString,
    /// `otpauth://` URI (for a QR code).
    pub otpauth_uri: SecretString,
}

pub(super) fn totp_context(user: &str) -> WrapContext<'_> {
    WrapContext {
        purpose: "totp-seed",
        owner: user,
        key_version: 1,
    }
}

impl App {
    /// Follows an enrolment link: checks it, sets the holder's password and
    /// opens an enrolment session.
    pub async fn start_enrolment(
        &self,
        meta: &RequestMeta,
        token: &str,
        password: SecretString,
    ) -> Result<EnrolmentStarted, AppError> {
        self.check_login_rate(meta).await?;
        let now = self.now();
        let user = match self
            .inner
            .credentials
            .enrolment_token_user(&token_hash(token), now)
            .await?
        {
            Some(id) => self.inner.org.user(id).await?,
            None => None,
        };
        let Some(user) = user.filter(|u| u.state(now) == AccountState::Pending) else {
            let record = Self::audit(
                meta,
                &Caller::Anonymous,
                AuditAction::PasswordSet,
                AuditObject::Enrolment,
                Outcome::Denied,
                "invalid-or-expired-link",
            );
            self.record(&record).await?;
            return Err(AppError::Refused(
                "the enrolment link is invalid or has expired".into(),
            ));
        };
        self.check_password_strength(&user, &password)?;
        let phc = self.hash_password(password).await?;
        let mut record = Self::audit(
            meta,
            &Caller::Anonymous,
            AuditAction::PasswordSet,
            AuditObject::User(user.id),
            Outcome::Success,
            "enrolment-link",
        );
        record.actor = Some(user.id.to_string());
        self.inner
            .credentials
            .set_password(user.id, &phc, None, now, &record)
            .await?;
        let session = self
            .new_session(
                meta,
                &user,
                MfaMethod::None,
                None,
                super::RECOVERY_SESSION_MS,
            )
            .await?;
        Ok(EnrolmentStarted {
            session,
            totp_allowed: self.inner.config.auth.totp_fallback,
        })
    }

    /// Refuses short passwords and ones zxcvbn rates guessable (score < 3),
    /// taking the account's own names into account.
    pub(crate) fn check_password_strength(
        &self,
        user: &User,
        password: &SecretString,
    ) -> Result<(), AppError> {
        let min = self.inner.config.auth.min_password_chars as usize;
        let text = password.expose();
        if text.chars().count() < min {
            return Err(AppError::Invalid(format!(
                "password must be at least {min} characters"
            )));
        }
        if (estimate(user, text).score() as u8) < REQUIRED_SCORE {
            return Err(AppError::Invalid("password is too easy to guess".into()));
        }
        Ok(())
    }

    /// The verdict on `password` for the holder of the enrolment link
    /// `token` (none for a link that is not valid), judged as
    /// [`Self::start_enrolment`] judges it. Nothing is recorded: the page
    /// asks this only after that use case refused the password, which
    /// counted and recorded the attempt.
    pub async fn enrolment_password_verdict(
        &self,
        token: &str,
        password: &SecretString,
    ) -> Result<Option<PasswordVerdict>, AppError> {
        let now = self.now();
        let Some(id) = self
            .inner
            .credentials
            .enrolment_token_user(&token_hash(token), now)
            .await?
        else {
            return Ok(None);
        };
        let Some(user) = self
            .inner
            .org
            .user(id)
            .await?
            .filter(|u| u.state(now) == AccountState::Pending)
        else {
            return Ok(None);
        };
        let found = estimate(&user, password.expose());
        let feedback = found.feedback();
        Ok(Some(PasswordVerdict {
            score: found.score() as u8,
            required: REQUIRED_SCORE,
            warning: feedback.and_then(|f| f.warning()).map(|w| w.to_string()),
            suggestions: feedback
                .map(|f| f.suggestions().iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
        }))
    }

    async fn authorize_self_enrol(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Box<SessionUser>, AppError> {
        self.authorize_self(
            meta,
            caller,
            Action::SelfEnrol,
            AuditAction::AuthenticatorAdd,
        )
        .await
    }

    /// Starts registering a passkey: the options for
    /// `navigator.credentials.create()`.
    pub async fn passkey_registration_options(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        name: &str,
    ) -> Result<CreationChallengeResponse, AppError> {
        let session = self.authorize_self_enrol(meta, caller).await?;
        let name = dsg_core::names::label("authenticator name", name, 60)?;
        let existing: Vec<_> = self
            .passkeys_of(&session.user)
            .await?
            .iter()
            .map(|p| p.cred_id().clone())
            .collect();
        let (challenge, state) = self
            .inner
            .webauthn
            .start_passkey_registration(
                *session.user.id.as_uuid(),
                &session.user.username,
                &session.user.display_name,
                Some(existing),
            )
            .map_err(|e| AppError::Internal(format!("webauthn: {e}")))?;
        self.start_ceremony(&session.token_hash, &Ceremony::Register { state, name })
            .await?;
        Ok(challenge)
    }

    /// Finishes registering a passkey. When this completes an enrolment the
    /// fresh recovery codes are returned (shown once) and every session of
    /// the account ends: the holder then signs in with the new passkey.
    pub async fn finish_passkey_registration(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        credential: &RegisterPublicKeyCredential,
    ) -> Result<Option<Vec<SecretString>>, AppError> {
        let session = self.authorize_self_enrol(meta, caller).await?;
        let (state, name) = match self.take_ceremony(&session.token_hash).await? {
            Ceremony::Register { state, name } => (state, name),
            _ => return Err(AppError::SecondFactorRefused),
        };
        let passkey = self
            .inner
            .webauthn
            .finish_passkey_registration(credential, &state)
            .map_err(|e| {
                tracing::info!(error = %e, "passkey registration refused");
                AppError::SecondFactorRefused
            })?;
        let now = self.now();
        let row = WebauthnCredentialRow {
            id: dsg_core::RequestId::new().to_string(),
            user_id: session.user.id,
            credential_id: base64url(passkey.cred_id().as_ref()),
            name,
            passkey: serde_json::to_string(&passkey)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            created_at: now,
            last_used_at: None,
        };
        self.store_authenticator(meta, caller, &session, Some(row), None)
            .await
    }

    /// Starts enrolling TOTP, where the agency allows it: a fresh seed to
    /// load into an authenticator app, confirmed by a first code.
    pub async fn totp_enrolment_options(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<TotpEnrolment, AppError> {
        if !self.inner.config.auth.totp_fallback {
            return Err(AppError::NotOffered("TOTP is not allowed here"));
        }
        let session = self.authorize_self_enrol(meta, caller).await?;
        let rng = self.inner.rng.as_ref();
        let secret = TotpSecret::generate(rng).map_err(|e| AppError::Internal(e.to_string()))?;
        let user = session.user.id.to_string();
        let sealed = dsg_crypto::seal(
            &self.inner.master_key,
            secret.expose(),
            &totp_context(&user),
            rng,
        )?;
        self.start_ceremony(
            &session.token_hash,
            &Ceremony::Totp {
                sealed_secret: base64url(&sealed),
            },
        )
        .await?;
        Ok(TotpEnrolment {
            secret_base32: secret.to_base32(),
            otpauth_uri: secret
                .otpauth_uri("dsg", &session.user.username)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    /// Confirms the TOTP seed with a first code and stores it.
    pub async fn finish_totp_enrolment(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        code: &SecretString,
    ) -> Result<Option<Vec<SecretString>>, AppError> {
        if !self.inner.config.auth.totp_fallback {
            return Err(AppError::NotOffered("TOTP is not allowed here"));
        }
        let session = self.authorize_self_enrol(meta, caller).await?;
        let sealed = match self.take_ceremony(&session.token_hash).await? {
            Ceremony::Totp { sealed_secret } => sealed_secret,
            _ => return Err(AppError::SecondFactorRefused),
        };
        let secret = self.open_totp_seed(session.user.id, &sealed)?;
        let now_s = u64::try_from(self.now() / 1000).unwrap_or(0);
        let step = verify_totp(&secret, code.expose(), now_s, None)
            .map_err(|_| AppError::SecondFactorRefused)?;
        self.store_authenticator(meta, caller, &session, None, Some((sealed, step)))
            .await
    }

    /// Stores a verified authenticator. Completing enrolment issues recovery
    /// codes and ends every session (sign in again with the new factor); a
    /// recovery session also ends; otherwise only the other sessions end.
    async fn store_authenticator(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        session: &SessionUser,
        credential: Option<WebauthnCredentialRow>,
        totp: Option<(String, u64)>,
    ) -> Result<Option<Vec<SecretString>>, AppError> {
        let completes_enrolment = session.state == AccountState::Pending;
        let codes = if completes_enrolment {
            Some(
                generate_recovery_codes(self.inner.rng.as_ref(), super::RECOVERY_CODES)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            )
        } else {
            None
        };
        let keep = match session.mfa {
            MfaMethod::Webauthn | MfaMethod::Totp => Some(session.token_hash.as_str()),
            MfaMethod::None | MfaMethod::Recovery => None,
        };
        let kind = if credential.is_some() {
            "passkey"
        } else {
            "totp"
        };
        let object = credential.as_ref().map(|c| c.id.clone());
        let new = NewAuthenticator {
            credential,
            totp,
            recovery_hashes: codes.as_ref().map(|c| {
                c.iter()
                    .map(|code| hash_recovery_code(code.expose()))
                    .collect()
            }),
        };
        let record = Self::audit(
            meta,
            caller,
            AuditAction::AuthenticatorAdd,
            AuditObject::Authenticator(object),
            Outcome::Success,
            format!(
                "{kind}{}",
                if completes_enrolment {
                    ":enrolment-complete"
                } else {
                    ""
                }
            ),
        );
        self.inner
            .credentials
            .add_authenticator(session.user.id, &new, keep, self.now(), &record)
            .await?;
        Ok(codes)
    }

    pub(super) fn open_totp_seed(
        &self,
        user: dsg_core::UserId,
        sealed_b64: &str,
    ) -> Result<TotpSecret, AppError> {
        let sealed = base64url_decode(sealed_b64)?;
        let user = user.to_string();
        let plain = dsg_crypto::open(&self.inner.master_key, &sealed, &totp_context(&user))?;
        let bytes: [u8; dsg_identity::TOTP_SECRET_LEN] = plain
            .as_slice()
            .try_into()
            .map_err(|_| AppError::Internal("stored TOTP seed has the wrong length".into()))?;
        Ok(TotpSecret::from_bytes(bytes))
    }

    /// Whether the user may log in with TOTP here.
    pub(super) async fn totp_usable(&self, user: dsg_core::UserId) -> Result<bool, AppError> {
        Ok(self.inner.config.auth.totp_fallback
            && self.inner.credentials.totp(user).await?.is_some())
    }

    /// Checks a TOTP code and claims its time step (each code works once).
    pub(super) async fn check_totp(
        &self,
        user: dsg_core::UserId,
        code: &str,
    ) -> Result<(), AppError> {
        let stored = self
            .inner
            .credentials
            .totp(user)
            .await?
            .ok_or(AppError::SecondFactorRefused)?;
        let secret = self.open_totp_seed(user, &stored.sealed_secret)?;
        let now = self.now();
        let now_s = u64::try_from(now / 1000).unwrap_or(0);
        let step = verify_totp(&secret, code, now_s, stored.last_used_step)
            .map_err(|_| AppError::SecondFactorRefused)?;
        if self
            .inner
            .credentials
            .claim_totp_step(user, step, now)
            .await?
        {
            Ok(())
        } else {
            Err(AppError::SecondFactorRefused)
        }
    }
}

pub(super) fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn base64url_decode(text: &str) -> Result<Vec<u8>, AppError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| AppError::Internal("stored value is not base64url".into()))
}
