//! Login, sessions and the caller of a request.

use dsg_core::{AccountStatus, AuditAction, Outcome, User, UserId, Username};
use dsg_crypto::{random_token, token_hash, SecretString};
use dsg_policy::UserFacts;
use dsg_store::SessionRow;

use super::{App, AppError, RequestMeta};

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
    /// The session's CSRF token.
    pub csrf_token: String,
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
}

impl App {
    /// Checks a username and password. Unknown user, wrong password, locked
    /// and disabled all give the same error after the same work: one argon2
    /// verification (against a dummy hash when the user is unknown).
    pub async fn login(
        &self,
        meta: &RequestMeta,
        username: &str,
        password: SecretString,
    ) -> Result<LoginOutcome, AppError> {
        let credentials = match Username::parse(username) {
            Ok(name) => self.inner.store.credentials(name.as_str()).await?,
            Err(_) => None,
        };
        let phc = credentials.as_ref().map(|c| c.password_hash.clone());
        let password_ok = self.verify_password(password, phc).await?;
        let (user, reason) = match credentials {
            None => (None, "unknown_user"),
            Some(c) if !password_ok => (Some(c.user), "bad_password"),
            Some(c) if c.user.status != AccountStatus::Active => {
                (Some(c.user), "account_not_active")
            }
            Some(c) => (Some(c.user), ""),
        };
        let user = match user {
            Some(user) if reason.is_empty() => user,
            user => {
                let mut record = Self::audit(
                    meta,
                    &super::Caller::Anonymous,
                    AuditAction::Login,
                    ("user", None),
                    Outcome::Failure,
                    reason,
                );
                record.actor = user.map(|u| u.id.to_string());
                self.record(&record).await?;
                return Err(AppError::InvalidCredentials);
            }
        };
        let rng = self.inner.rng.as_ref();
        let token = random_token(rng)?;
        let csrf_token = random_token(rng)?.expose().to_owned();
        let now = self.now();
        let absolute_ms = i64::from(self.inner.config.auth.session_absolute_hours) * 3_600_000;
        let session = SessionRow {
            token_hash: token_hash(token.expose()),
            user_id: user.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + absolute_ms,
        };
        let mut record = Self::audit(
            meta,
            &super::Caller::Anonymous,
            AuditAction::Login,
            ("user", Some(user.id.to_string())),
            Outcome::Success,
            "password",
        );
        record.actor = Some(user.id.to_string());
        self.inner.store.create_session(&session, &record).await?;
        Ok(LoginOutcome {
            token,
            csrf_token,
            user,
        })
    }

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
    async fn verify_password(
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

    /// Finds the caller behind a session token. Expired, idle or unknown
    /// sessions, and accounts no longer active, are anonymous.
    pub async fn resolve_session(&self, token: Option<&str>) -> Result<Caller, AppError> {
        let Some(token) = token else {
            return Ok(Caller::Anonymous);
        };
        let hash = token_hash(token);
        let Some(session) = self.inner.store.session(&hash).await? else {
            return Ok(Caller::Anonymous);
        };
        let now = self.now();
        let idle_ms = i64::from(self.inner.config.auth.session_idle_minutes) * 60_000;
        if now >= session.expires_at || now - session.last_seen_at >= idle_ms {
            self.inner.store.delete_session(&hash, now, None).await?;
            return Ok(Caller::Anonymous);
        }
        let Some(user) = self.inner.store.user(session.user_id).await? else {
            return Ok(Caller::Anonymous);
        };
        if user.status != AccountStatus::Active {
            return Ok(Caller::Anonymous);
        }
        let facts = self.user_facts(&user).await?;
        if now - session.last_seen_at >= TOUCH_INTERVAL_MS {
            self.inner.store.touch_session(&hash, now).await?;
        }
        Ok(Caller::User(Box::new(SessionUser {
            user,
            facts,
            token_hash: hash,
            csrf_token: session.csrf_token,
        })))
    }

    async fn user_facts(&self, user: &User) -> Result<UserFacts, AppError> {
        let company = self
            .inner
            .store
            .company(user.company_id)
            .await?
            .ok_or_else(|| AppError::Internal("user without company".into()))?;
        Ok(UserFacts {
            id: user.id,
            company: user.company_id,
            company_kind: company.kind,
            role: user.role,
            status: user.status,
            handler_of: self.inner.store.contracts_handled_by(user.id).await?,
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
            ("user", Some(user.user.id.to_string())),
            Outcome::Success,
            "",
        );
        self.inner
            .store
            .delete_session(&user.token_hash, self.now(), Some(&record))
            .await?;
        Ok(())
    }

    /// Records that a request needing a session arrived without one.
    pub async fn record_unauthenticated(
        &self,
        meta: &RequestMeta,
        path: &str,
    ) -> Result<(), AppError> {
        let mut path = path.to_owned();
        path.truncate(200);
        let record = Self::audit(
            meta,
            &Caller::Anonymous,
            AuditAction::Unauthenticated,
            ("path", Some(path)),
            Outcome::Denied,
            "no-session",
        );
        self.record(&record).await
    }

    /// Records that the gateway started (its configuration in force is
    /// implied by the release; the reason names the storage backends).
    pub async fn record_gateway_start(&self) -> Result<(), AppError> {
        let meta = RequestMeta {
            request_id: dsg_core::RequestId::new().to_string(),
            source: None,
        };
        let backend = format!("{:?}", self.inner.store.backend()).to_lowercase();
        let record = Self::audit(
            &meta,
            &Caller::Anonymous,
            AuditAction::GatewayStart,
            ("gateway", None),
            Outcome::Success,
            format!("db={backend}"),
        );
        self.record(&record).await
    }
}
