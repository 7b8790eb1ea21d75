//! Sign-in, enrolment, second factors, sessions and accounts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::files::User;
use crate::Object;

/// Body of `POST /api/v1/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Login {
    pub username: String,
    pub password: String,
}

/// The session a sign-in step opened (its cookie is set alongside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionOpened {
    pub user: User,
    /// Send as `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
    /// The factor the session was opened with so far.
    pub mfa: String,
}

/// What the sign-in needs next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "next", rename_all = "snake_case")]
pub enum LoginNext {
    /// The account has no second factor yet: enrol one.
    Enrol,
    /// Answer one of the offered second factors.
    SecondFactor {
        /// WebAuthn request options, when the account has a passkey.
        #[schema(value_type = Option<Object>)]
        webauthn: Option<Object>,
        totp: bool,
        recovery: bool,
    },
}

/// Answer of `POST /api/v1/session`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoginStarted {
    #[serde(flatten)]
    pub next: LoginNext,
    #[serde(flatten)]
    pub session: SessionOpened,
}

/// A second factor: exactly one of the fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(min_properties = 1, max_properties = 1)]
pub struct SecondFactor {
    /// A WebAuthn assertion (`PublicKeyCredential`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::webauthn::Assertion>, nullable = false)]
    pub webauthn: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub totp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recovery: Option<String>,
}

/// WebAuthn request options (`{"webauthn": …}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebauthnChallenge {
    #[schema(value_type = Object)]
    pub webauthn: Object,
}

/// Body of `POST /api/v1/enrolment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Enrolment {
    /// The token of the enrolment link.
    pub token: String,
    pub password: String,
}

/// Answer of `POST /api/v1/enrolment`: an enrolment session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnrolmentStarted {
    /// Always `enrol`.
    pub next: String,
    pub totp_allowed: bool,
    #[serde(flatten)]
    pub session: SessionOpened,
}

/// Body of `POST /api/v1/me/passkeys/options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PasskeyName {
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub name: String,
}

/// Recovery codes, when registering a factor completed the enrolment (the
/// session then ends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FactorRegistered {
    /// Shown once.
    pub recovery_codes: Option<Vec<String>>,
    pub signed_out: bool,
}

/// TOTP enrolment options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TotpOptions {
    /// Base32 secret.
    pub secret: String,
    pub otpauth_uri: String,
}

/// A TOTP code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TotpCode {
    pub code: String,
}

/// One of the caller's authenticators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Authenticator {
    pub id: String,
    /// `passkey` or `totp`.
    pub kind: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// `GET /api/v1/me/authenticators`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthenticatorList {
    pub authenticators: Vec<Authenticator>,
    pub recovery_codes_left: i64,
}

/// One of the caller's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub id: String,
    pub current: bool,
    pub mfa: String,
    pub user_agent: Option<String>,
    pub source_addr: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// `GET /api/v1/me/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<Session>,
}

/// Answer of `POST /api/v1/me/sessions/revoke-others`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionsEnded {
    pub ended: u64,
}

/// One sign-in attempt on the caller's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginAttempt {
    pub at: i64,
    pub factor: String,
    pub success: bool,
    pub reason: String,
    pub source_addr: Option<String>,
    pub user_agent: Option<String>,
}

/// `GET /api/v1/me/logins`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginHistory {
    pub logins: Vec<LoginAttempt>,
}

/// Body of `PUT /api/v1/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewPassword {
    pub password: String,
}

/// Fresh recovery codes (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Answer of `POST /api/v1/session/step-up/options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StepUpOptions {
    #[schema(value_type = Option<Object>)]
    pub webauthn: Option<Object>,
    pub totp: bool,
}

/// Failed sign-ins since the previous login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginNotice {
    pub failed_attempts: i64,
    pub sources: i64,
    pub last_failed_at: Option<i64>,
    pub locked_until: Option<i64>,
    pub message: String,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user: User,
    pub csrf_token: String,
    pub state: String,
    pub mfa: String,
    pub step_up_fresh: bool,
    pub login_notice: Option<LoginNotice>,
}

/// An account as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    #[serde(flatten)]
    pub user: User,
    pub state: String,
    pub passkeys: u64,
    pub totp: bool,
    pub recent_failures: i64,
    pub duties: Vec<String>,
}

/// A use of a recovery code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryUse {
    pub at: i64,
    pub user_id: String,
    pub source_addr: Option<String>,
}

/// `GET /api/v1/admin/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountList {
    pub accounts: Vec<Account>,
    pub recovery_code_uses: Vec<RecoveryUse>,
}

/// A new enrolment link (shown only here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnrolmentLink {
    pub enrolment_path: String,
}

/// An authenticator reset waiting for a second operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResetRequested {
    pub id: String,
    pub user_id: String,
    pub requested_by: String,
}

/// A pending reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PendingReset {
    pub id: String,
    pub user_id: String,
    pub requested_by: String,
    pub requested_at: i64,
}

/// `GET /api/v1/admin/resets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResetList {
    pub resets: Vec<PendingReset>,
}

/// An approved reset: the account's new enrolment link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResetApproved {
    pub user_id: String,
    pub enrolment_path: String,
}

/// Query of `GET /api/v1/admin/login-failures`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrendQuery {
    /// How many days back.
    pub days: Option<i64>,
}

/// Failed sign-ins of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FailureDay {
    pub day: String,
    pub failures: i64,
    pub accounts: i64,
    pub sources: i64,
}

/// `GET /api/v1/admin/login-failures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FailureTrend {
    pub days: Vec<FailureDay>,
}
