//! Login: the password, then a second factor, each step with a new session
//! token. Every answer to a refused password is the same.

use dsg_core::{AccountState, AuditAction, AuditObject, MfaMethod, Outcome, User, Username};
use dsg_crypto::{csrf_token_for, random_token, token_hash, SecretString};
use dsg_store::{SessionRow, THROTTLED_REASON};
use webauthn_rs::prelude::{Passkey, PublicKeyCredential, RequestChallengeResponse};

use super::super::{App, AppError, Caller, LoginOutcome, RequestMeta, SessionUser};
use super::ceremony::Ceremony;

/// What the user must do after the password was accepted.
#[derive(Debug)]
pub enum LoginStep {
    /// The account has no second factor yet: enrol one (the session may
    /// only do that).
    Enrol,
    /// Present a second factor. `webauthn` carries the challenge with the
    /// account's credentials (sent only now that the password verified).
    SecondFactor {
        /// Options for `navigator.credentials.get()`, when a passkey exists.
        webauthn: Option<Box<RequestChallengeResponse>>,
        /// Whether a TOTP code is accepted.
        totp: bool,
    },
}

/// A second factor presented at login or step-up.
pub enum SecondFactor {
    /// The browser's answer to the WebAuthn challenge.
    Webauthn(Box<PublicKeyCredential>),
    /// A six-digit TOTP code.
    Totp(SecretString),
    /// A one-time recovery code (login only).
    Recovery(SecretString),
}

impl SecondFactor {
    fn name(&self) -> &'static str {
        match self {
            Self::Webauthn(_) => "webauthn",
            Self::Totp(_) => "totp",
            Self::Recovery(_) => "recovery",
        }
    }
}

impl App {
    /// First step of a login: the password. Unknown user, wrong password,
    /// locked, disabled and expired all give the same error after the same
    /// work (one argon2 verification, one attempt written).
    pub async fn login(
        &self,
        meta: &RequestMeta,
        username: &str,
        password: SecretString,
    ) -> Result<(LoginOutcome, LoginStep), AppError> {
        self.check_login_rate(meta).await?;
        let credentials = match Username::parse(username) {
            Ok(name) => self.inner.org.credentials(name.as_str()).await?,
            Err(_) => None,
        };
        let throttled = match &credentials {
            Some(c) => self.login_throttled(meta, c.user.id).await?,
            None => false,
        };
        // A throttled attempt is not checked, but costs the same work and
        // gets the same answer, so it tells nothing about the password.
        let phc = credentials
            .as_ref()
            .filter(|_| !throttled)
            .and_then(|c| c.password_hash.clone());
        let password_ok = self.verify_password(password, phc).await?;
        let now = self.now();
        let refusal = match &credentials {
            None => Some("unknown_user"),
            Some(_) if throttled => Some(THROTTLED_REASON),
            Some(_) if !password_ok => Some("bad_password"),
            Some(c) => match c.user.state(now) {
                AccountState::Active | AccountState::Pending => None,
                AccountState::Locked => Some("locked"),
                AccountState::Disabled => Some("disabled"),
                AccountState::Expired => Some("expired"),
            },
        };
        let user_id = credentials.as_ref().map(|c| c.user.id);
        if let Some(reason) = refusal {
            // Only a wrong password counts towards the lockout: refusing a
            // locked account must not extend its lock. A throttled attempt
            // is kept with its account (the owner is told) but not counted.
            let counts = reason == "bad_password" || reason == THROTTLED_REASON;
            self.record_attempt(meta, user_id.filter(|_| counts), "password", false, reason)
                .await?;
            return Err(AppError::InvalidCredentials);
        }
        let Some(credentials) = credentials else {
            return Err(AppError::InvalidCredentials);
        };
        let user = credentials.user;
        self.record_attempt(meta, Some(user.id), "password", true, "")
            .await?;
        let outcome = self
            .new_session(meta, &user, MfaMethod::None, None, SECOND_STEP_MS)
            .await?;
        let step = if user.state(now) == AccountState::Pending {
            LoginStep::Enrol
        } else {
            let passkeys = self.passkeys_of(&user).await?;
            let webauthn = if passkeys.is_empty() {
                None
            } else {
                let hash = token_hash(outcome.token.expose());
                Some(Box::new(
                    self.passkey_challenge(&hash, &passkeys, false).await?,
                ))
            };
            let totp = self.totp_usable(user.id).await?;
            LoginStep::SecondFactor { webauthn, totp }
        };
        Ok((outcome, step))
    }

    /// Second step of a login. On success the password-step session is
    /// replaced by a new one (new token) carrying the factor's strength.
    pub async fn login_second_factor(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        factor: SecondFactor,
    ) -> Result<LoginOutcome, AppError> {
        self.check_login_rate(meta).await?;
        let Caller::User(session) = caller else {
            return Err(AppError::Unauthenticated);
        };
        if session.mfa != MfaMethod::None || session.state != AccountState::Active {
            return Err(AppError::Refused(
                "no login is waiting for a second factor".into(),
            ));
        }
        let name = factor.name();
        if self.login_throttled(meta, session.user.id).await? {
            self.record_attempt(meta, Some(session.user.id), name, false, THROTTLED_REASON)
                .await?;
            return Err(AppError::SecondFactorRefused);
        }
        let method = match self.verify_factor(session, factor, true).await {
            Ok(method) => method,
            Err(AppError::SecondFactorRefused) => {
                self.record_attempt(meta, Some(session.user.id), name, false, "refused")
                    .await?;
                return Err(AppError::SecondFactorRefused);
            }
            Err(other) => return Err(other),
        };
        self.record_attempt(meta, Some(session.user.id), name, true, "")
            .await?;
        let lifetime = match method {
            MfaMethod::Recovery => super::RECOVERY_SESSION_MS,
            _ => i64::from(self.inner.config.auth.session_absolute_hours) * 3_600_000,
        };
        if method == MfaMethod::Recovery {
            let mut record = Self::audit(
                meta,
                caller,
                AuditAction::RecoveryCodeUse,
                AuditObject::User(session.user.id),
                Outcome::Success,
                "recovery-session-may-only-enrol",
            );
            record.actor = Some(session.user.id.to_string());
            self.record(&record).await?;
        }
        self.new_session(
            meta,
            &session.user,
            method,
            Some(&session.token_hash),
            lifetime,
        )
        .await
    }

    /// Checks a second factor for `session`'s user. `login` allows a
    /// recovery code. Returns the strength the session gets.
    pub(super) async fn verify_factor(
        &self,
        session: &SessionUser,
        factor: SecondFactor,
        login: bool,
    ) -> Result<MfaMethod, AppError> {
        let user = session.user.id;
        match factor {
            SecondFactor::Webauthn(credential) => {
                let state = match self.take_ceremony(&session.token_hash).await? {
                    Ceremony::Login { state } if login => state,
                    Ceremony::StepUp { state } if !login => state,
                    _ => return Err(AppError::SecondFactorRefused),
                };
                let result = self
                    .inner
                    .webauthn
                    .finish_passkey_authentication(&credential, &state)
                    .map_err(|e| {
                        tracing::info!(error = %e, "passkey assertion refused");
                        AppError::SecondFactorRefused
                    })?;
                if !result.user_verified() {
                    return Err(AppError::SecondFactorRefused);
                }
                // The credential must be this user's (webauthn-rs checked it
                // against the list we offered); store its new counter.
                let now = self.now();
                for row in self.inner.credentials.credentials_of(user).await? {
                    let mut passkey: Passkey = parse_passkey(&row.passkey)?;
                    if passkey.cred_id() == result.cred_id() {
                        passkey.update_credential(&result);
                        let json = serde_json::to_string(&passkey)
                            .map_err(|e| AppError::Internal(e.to_string()))?;
                        self.inner
                            .credentials
                            .credential_used(&row.credential_id, &json, now)
                            .await?;
                        return Ok(MfaMethod::Webauthn);
                    }
                }
                Err(AppError::SecondFactorRefused)
            }
            SecondFactor::Totp(code) => {
                if !self.totp_usable(user).await? {
                    return Err(AppError::SecondFactorRefused);
                }
                self.check_totp(user, code.expose()).await?;
                Ok(MfaMethod::Totp)
            }
            SecondFactor::Recovery(code) if login => {
                let hash = dsg_identity::hash_recovery_code(code.expose());
                if self
                    .inner
                    .credentials
                    .claim_recovery_code(user, &hash, self.now())
                    .await?
                {
                    Ok(MfaMethod::Recovery)
                } else {
                    Err(AppError::SecondFactorRefused)
                }
            }
            SecondFactor::Recovery(_) => Err(AppError::SecondFactorRefused),
        }
    }

    /// The account's passkeys as the verifier needs them.
    pub(super) async fn passkeys_of(&self, user: &User) -> Result<Vec<Passkey>, AppError> {
        self.inner
            .credentials
            .credentials_of(user.id)
            .await?
            .iter()
            .map(|row| parse_passkey(&row.passkey))
            .collect()
    }

    /// Creates a session (new random token) for `user`, replacing `replaces`.
    pub(super) async fn new_session(
        &self,
        meta: &RequestMeta,
        user: &User,
        mfa: MfaMethod,
        replaces: Option<&str>,
        lifetime_ms: i64,
    ) -> Result<LoginOutcome, AppError> {
        let rng = self.inner.rng.as_ref();
        let token = random_token(rng)?;
        let csrf_token = csrf_token_for(token.expose());
        let public_id = random_token(rng)?
            .expose()
            .chars()
            .take(16)
            .collect::<String>();
        let now = self.now();
        let session = SessionRow {
            token_hash: token_hash(token.expose()),
            public_id,
            user_id: user.id,
            mfa,
            created_at: now,
            authenticated_at: now,
            step_up_at: None,
            last_seen_at: now,
            expires_at: now + lifetime_ms,
            source_addr: meta.source.clone(),
            user_agent: meta.user_agent.clone(),
            terminal_fingerprint: meta.certificate.clone().unwrap_or_default(),
        };
        let mut record = Self::audit(
            meta,
            &Caller::Anonymous,
            AuditAction::Login,
            AuditObject::Session(session.public_id.clone()),
            Outcome::Success,
            format!("session:{}", mfa.as_str()),
        );
        record.actor = Some(user.id.to_string());
        self.inner
            .sessions
            .create_session(
                &session,
                replaces,
                self.inner.config.auth.max_sessions_per_user,
                &record,
            )
            .await?;
        Ok(LoginOutcome {
            token,
            csrf_token,
            user: user.clone(),
            mfa,
        })
    }
}

/// How long the password step waits for the second factor.
const SECOND_STEP_MS: i64 = super::SECOND_FACTOR_WINDOW_MS;

pub(super) fn parse_passkey(json: &str) -> Result<Passkey, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("stored passkey: {e}")))
}

impl App {
    /// A fresh WebAuthn challenge for a login waiting for its second factor
    /// (the page may be reloaded; only the latest challenge can be answered).
    pub async fn login_webauthn_options(
        &self,
        caller: &Caller,
    ) -> Result<RequestChallengeResponse, AppError> {
        let Caller::User(session) = caller else {
            return Err(AppError::Unauthenticated);
        };
        if session.mfa != MfaMethod::None || session.state != AccountState::Active {
            return Err(AppError::Refused(
                "no login is waiting for a second factor".into(),
            ));
        }
        let passkeys = self.passkeys_of(&session.user).await?;
        self.passkey_challenge(&session.token_hash, &passkeys, false)
            .await
    }

    /// Starts a WebAuthn assertion for the session over `passkeys` (a login's
    /// second step, or a step-up) and remembers it in the session row.
    pub(super) async fn passkey_challenge(
        &self,
        token_hash: &str,
        passkeys: &[Passkey],
        step_up: bool,
    ) -> Result<RequestChallengeResponse, AppError> {
        if passkeys.is_empty() {
            return Err(AppError::SecondFactorRefused);
        }
        let (challenge, state) = self
            .inner
            .webauthn
            .start_passkey_authentication(passkeys)
            .map_err(|e| AppError::Internal(format!("webauthn: {e}")))?;
        let ceremony = if step_up {
            Ceremony::StepUp { state }
        } else {
            Ceremony::Login { state }
        };
        self.start_ceremony(token_hash, &ceremony).await?;
        Ok(challenge)
    }

    /// Which second factors the waiting login may use: (passkey, TOTP).
    pub async fn login_factors(&self, caller: &Caller) -> Result<(bool, bool), AppError> {
        let Caller::User(session) = caller else {
            return Err(AppError::Unauthenticated);
        };
        let passkeys = !self
            .inner
            .credentials
            .credentials_of(session.user.id)
            .await?
            .is_empty();
        Ok((passkeys, self.totp_usable(session.user.id).await?))
    }
}
