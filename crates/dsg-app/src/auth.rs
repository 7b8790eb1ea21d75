//! Login, sessions and the caller of a request.

use dsg_core::{
    AccountState, AccountStatus, AuditAction, AuditObject, MfaMethod, Outcome, User, UserId,
};
use dsg_crypto::{csrf_token_for, ct_eq, token_hash, SecretString};
use dsg_policy::{DeviceFacts, UserFacts};
use dsg_store::{FactGeneration, PersonFacts};

use super::{App, AppError, ClientCertificate, Device, RequestMeta};

/// Sessions are touched at most this often, so reads do not turn into writes.
const TOUCH_INTERVAL_MS: i64 = 30_000;

/// A signed-in user, with the facts the policy decides on, read fresh for
/// this request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The account.
    pub user: User,
    /// What the policy sees.
    pub facts: UserFacts,
    /// Hash of the session token.
    pub token_hash: String,
    /// The session's CSRF token (derived from the session token, never
    /// stored).
    pub csrf_token: String,
    /// The session's public id.
    pub session_id: String,
    /// How the session was authenticated beyond the password.
    pub mfa: MfaMethod,
    /// Whether the last login or step-up is recent enough for sensitive actions.
    pub step_up_fresh: bool,
    /// The account's state now.
    pub state: AccountState,
    /// The device the request came from.
    pub device: Device,
    /// The device as the policy sees it.
    pub device_facts: DeviceFacts,
    /// Seconds since the factor was last proved (login or step-up).
    pub auth_age_secs: i64,
    /// Seconds since the session began.
    pub session_age_secs: i64,
    /// The client address of this request.
    pub source: Option<std::net::IpAddr>,
    /// The fact generation the request started at: the facts it reads
    /// later (the compartment) are read as of it.
    pub generation: FactGeneration,
}

/// What a request read first (see [`App::start_request`]).
#[derive(Debug, Clone)]
pub struct RequestStart {
    /// The session its token names, if there is one.
    session: Option<PresentedSession>,
    /// The fact generation the request's facts must be current at (read
    /// only when there are facts to read).
    generation: Option<FactGeneration>,
}

#[derive(Debug, Clone)]
struct PresentedSession {
    hash: String,
    row: dsg_store::SessionRow,
    csrf_token: String,
}

impl RequestStart {
    /// The fact generation the request started at, if it read one.
    pub fn generation(&self) -> Option<FactGeneration> {
        self.generation
    }
}

impl SessionUser {
    /// The login factor name of the session's method (for login attempts).
    pub fn mfa_factor(&self) -> &'static str {
        match self.mfa {
            MfaMethod::None => "password",
            MfaMethod::Webauthn => "webauthn",
            MfaMethod::Totp => "totp",
            MfaMethod::Recovery => "recovery",
        }
    }
}

/// Who is making a request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No valid session.
    Anonymous,
    /// A signed-in user.
    User(Box<SessionUser>),
}

impl Caller {
    /// The user's id, if signed in.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::Anonymous => None,
            Self::User(u) => Some(u.user.id),
        }
    }
}

/// A successful login.
#[derive(Debug)]
pub struct LoginOutcome {
    /// The new session token, for the cookie. Shown once, stored hashed.
    pub token: SecretString,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Who signed in.
    pub user: User,
    /// How strongly.
    pub mfa: MfaMethod,
}

impl App {
    /// Runs argon2 work on the bounded worker pool: at most one job per
    /// core holds its memory cost at a time, however many logins arrive.
    async fn on_hash_pool<T: Send + 'static>(
        &self,
        job: impl FnOnce(&App) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .inner
            .hash_permits
            .acquire()
            .await
            .map_err(|_| AppError::Internal("password workers closed".into()))?;
        let app = self.clone();
        tokio::task::spawn_blocking(move || job(&app))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// Verifies a password, or a dummy hash when there is no account.
    pub(super) async fn verify_password(
        &self,
        password: SecretString,
        phc: Option<String>,
    ) -> Result<bool, AppError> {
        self.on_hash_pool(move |app| match phc {
            Some(phc) => app.inner.hasher.verify(&password, &phc),
            None => app.inner.hasher.verify_dummy(&password),
        })
        .await
    }

    /// Hashes a new password.
    pub(super) async fn hash_password(&self, password: SecretString) -> Result<String, AppError> {
        self.on_hash_pool(move |app| app.inner.hasher.hash(&password, app.inner.rng.as_ref()))
            .await?
            .map_err(AppError::from)
    }

    /// What a request reads before anything else, in one query: the
    /// session its token names (if it presented one) and the fact
    /// generation. The request's facts are then read as of that generation
    /// ([`Self::resolve_device_at`], [`Self::resolve_session_at`]): from
    /// memory while nothing that could alter them has changed since, from
    /// the database otherwise. A request with neither a session token nor
    /// a client certificate has no facts to read and reads nothing.
    pub async fn start_request(
        &self,
        token: Option<&str>,
        certificate: Option<&ClientCertificate>,
    ) -> Result<RequestStart, AppError> {
        let Some(token) = token else {
            let generation = match certificate {
                Some(_) => Some(self.inner.sessions.fact_generation().await?),
                None => None,
            };
            return Ok(RequestStart {
                session: None,
                generation,
            });
        };
        let hash = token_hash(token);
        let (row, generation) = self.inner.sessions.session_at(&hash).await?;
        let generation = Some(generation);
        Ok(RequestStart {
            session: row.map(|row| PresentedSession {
                csrf_token: csrf_token_for(token),
                hash,
                row,
            }),
            generation,
        })
    }

    /// Finds the caller behind a session token, presented from `device`
    /// (see [`Self::resolve_session_at`]).
    pub async fn resolve_session(
        &self,
        token: Option<&str>,
        device: &Device,
        meta: &RequestMeta,
    ) -> Result<Caller, AppError> {
        let start = self.start_request(token, None).await?;
        self.resolve_session_at(start, device, meta).await
    }

    /// Finds the caller behind the session a request started with,
    /// presented from `device`.
    /// Expired, idle or unknown sessions are anonymous, as are sessions of
    /// accounts that are no longer active (a pending account keeps only its
    /// password-step session, which may enrol) and sessions presented with
    /// another client certificate than the one they were created with (a
    /// stolen cookie is useless from another terminal; that is recorded).
    pub async fn resolve_session_at(
        &self,
        start: RequestStart,
        device: &Device,
        meta: &RequestMeta,
    ) -> Result<Caller, AppError> {
        let (
            Some(PresentedSession {
                hash,
                row: session,
                csrf_token,
            }),
            Some(generation),
        ) = (start.session, start.generation)
        else {
            return Ok(Caller::Anonymous);
        };
        let now = self.now();
        let auth = &self.inner.config.auth;
        let idle_ms = i64::from(auth.session_idle_minutes) * 60_000;
        if now >= session.expires_at || now - session.last_seen_at >= idle_ms {
            self.inner.sessions.drop_expired_session(&hash).await?;
            return Ok(Caller::Anonymous);
        }
        let presented = device.fingerprint().unwrap_or("");
        if !ct_eq(
            presented.as_bytes(),
            session.terminal_fingerprint.as_bytes(),
        ) {
            let mut record = Self::audit(
                meta,
                &Caller::Anonymous,
                AuditAction::SessionTerminalMismatch,
                AuditObject::Session(session.public_id.clone()),
                Outcome::Denied,
                if presented.is_empty() {
                    "no-certificate"
                } else {
                    "other-certificate"
                },
            );
            record.actor = Some(session.user_id.to_string());
            self.record(&record).await?;
            return Ok(Caller::Anonymous);
        }
        let Some(person) = self
            .inner
            .records
            .person_at(generation, session.user_id)
            .await?
        else {
            return Ok(Caller::Anonymous);
        };
        let user = person.user;
        let state = match user.state(now) {
            AccountState::Locked if survives_lockout(&user, &session) => AccountState::Active,
            state => state,
        };
        let usable = match state {
            AccountState::Active => true,
            AccountState::Pending => session.mfa == MfaMethod::None,
            AccountState::Locked | AccountState::Disabled | AccountState::Expired => false,
        };
        if !usable {
            return Ok(Caller::Anonymous);
        }
        let facts = self.facts_of(&user, state, person.facts)?;
        if now - session.last_seen_at >= TOUCH_INTERVAL_MS {
            self.inner.sessions.touch_session(&hash, now).await?;
        }
        let fresh_since = session
            .step_up_at
            .unwrap_or(0)
            .max(session.authenticated_at);
        let step_up_fresh = session.mfa != MfaMethod::None
            && now - fresh_since < i64::from(auth.step_up_minutes) * 60_000;
        Ok(Caller::User(Box::new(SessionUser {
            user,
            facts,
            token_hash: hash,
            csrf_token,
            session_id: session.public_id,
            mfa: session.mfa,
            step_up_fresh,
            state,
            device_facts: device.facts(now),
            device: device.clone(),
            auth_age_secs: (now - fresh_since) / 1000,
            session_age_secs: (now - session.created_at) / 1000,
            source: meta.source.as_deref().and_then(|s| s.parse().ok()),
            generation,
        })))
    }

    pub(super) async fn user_facts(
        &self,
        user: &User,
        state: AccountState,
    ) -> Result<UserFacts, AppError> {
        let facts = self
            .inner
            .records
            .person_facts(user.id, user.company_id)
            .await?;
        self.facts_of(user, state, facts)
    }

    /// What the policy sees of `user`, from the facts read about them.
    fn facts_of(
        &self,
        user: &User,
        state: AccountState,
        facts: PersonFacts,
    ) -> Result<UserFacts, AppError> {
        let company_kind = facts
            .company_kind
            .ok_or_else(|| AppError::Internal("user without company".into()))?;
        let (roster, training_age_secs) =
            super::records::standing_facts(facts.standing, self.now());
        Ok(UserFacts {
            id: user.id,
            company: user.company_id,
            company_kind,
            role: user.role,
            state,
            handler_of: facts.handler_of,
            participant_of: facts.participant_of,
            duties: facts.duties,
            roster,
            training_age_secs,
            designation_trained_for: facts.designation_trained_for,
            consented: facts.standing.consented,
            company_roles: facts.company_roles,
        })
    }

    /// Ends the caller's session.
    pub async fn logout(&self, meta: &RequestMeta, caller: &Caller) -> Result<(), AppError> {
        let Caller::User(user) = caller else {
            return Ok(());
        };
        let record = Self::audit(
            meta,
            caller,
            AuditAction::Logout,
            AuditObject::User(user.user.id),
            Outcome::Success,
            "",
        );
        self.inner
            .sessions
            .delete_session(&user.token_hash, self.now(), &record)
            .await?;
        Ok(())
    }

    /// Records that a request ended in a fault of the gateway (a caught
    /// panic): the caller is not known at that depth, the path is.
    pub async fn record_request_fault(
        &self,
        meta: &RequestMeta,
        path: &str,
    ) -> Result<(), AppError> {
        let event = (AuditAction::RequestFault, Outcome::Failure, "internal");
        self.record_on_path(meta, path, event).await
    }

    /// Records that a request needing a session arrived without one.
    pub async fn record_unauthenticated(
        &self,
        meta: &RequestMeta,
        path: &str,
    ) -> Result<(), AppError> {
        let event = (AuditAction::Unauthenticated, Outcome::Denied, "no-session");
        self.record_on_path(meta, path, event).await
    }

    /// An entry about a request known only by its path (at most 200 bytes
    /// of it, cut at a character boundary).
    async fn record_on_path(
        &self,
        meta: &RequestMeta,
        path: &str,
        (action, outcome, reason): (AuditAction, Outcome, &str),
    ) -> Result<(), AppError> {
        let path = dsg_core::text::clip_owned(path, 200);
        let record = Self::audit(
            meta,
            &Caller::Anonymous,
            action,
            AuditObject::Path(path),
            outcome,
            reason,
        );
        self.record(&record).await
    }

    /// Records that the gateway started (its configuration in force is
    /// implied by the release; the reason names the storage backends).
    pub async fn record_gateway_start(&self) -> Result<(), AppError> {
        let meta = RequestMeta {
            request_id: dsg_core::RequestId::new().to_string(),
            source: None,
            user_agent: None,
            terminal: None,
            certificate: None,
        };
        let backend = format!("{:?}", self.inner.backend).to_lowercase();
        let record = Self::audit(
            &meta,
            &Caller::Anonymous,
            AuditAction::GatewayStart,
            AuditObject::Gateway,
            Outcome::Success,
            format!("db={backend}"),
        );
        self.record(&record).await
    }
}

/// Whether a session stays usable while its account is locked after failed
/// logins: a full login (passkey or TOTP) bound to a terminal certificate.
/// No login succeeds during a lock, so such a session was opened before it,
/// by someone holding the terminal and the second factor; failed guesses
/// from elsewhere must not sign that person out. A lock set by an operator
/// (status `locked`) ends every session.
fn survives_lockout(user: &User, session: &dsg_store::SessionRow) -> bool {
    user.status == AccountStatus::Active
        && user.enrolled_at.is_some()
        && matches!(session.mfa, MfaMethod::Webauthn | MfaMethod::Totp)
        && !session.terminal_fingerprint.is_empty()
}
