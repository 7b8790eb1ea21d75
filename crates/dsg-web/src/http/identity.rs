//! The JSON API of identity: login steps, enrolment, step-up, self-service
//! and account management. Browser-facing WebAuthn options and answers are
//! the JSON `webauthn-rs` defines (base64url binary fields).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_crypto::SecretString;
use serde::Deserialize;
use serde_json::Value;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use dsg_proto::identity as wire_identity;
use dsg_proto::identity::{
    Account, AccountList, Authenticator, AuthenticatorList, EnrolmentLink, EnrolmentStarted,
    FactorRegistered, FailureDay, FailureTrend, LoginAttempt, LoginHistory, LoginNext,
    LoginStarted, PendingReset, RecoveryCodes, RecoveryUse, ResetApproved, ResetList,
    ResetRequested, SessionList, SessionOpened, SessionsEnded, StepUpOptions, TotpOptions,
    WebauthnChallenge,
};

use super::context::Ctx;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::session_cookie;
use super::wire;
use dsg_app::{AccountChange, AppError, LoginOutcome, LoginStep, SecondFactor};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(e.to_string()))
}

fn session_opened(outcome: &LoginOutcome) -> SessionOpened {
    SessionOpened {
        user: wire::user(&outcome.user),
        csrf_token: outcome.csrf_token.clone(),
        mfa: outcome.mfa.as_str().to_owned(),
    }
}

/// `body` with the session cookie set.
fn with_session<T: serde::Serialize>(outcome: &LoginOutcome, body: T) -> Response {
    (
        [(header::SET_COOKIE, session_cookie(&outcome.token))],
        Json(body),
    )
        .into_response()
}

/// `POST /api/v1/session`: the password step. The answer says what comes
/// next: `enrol` (no authenticator yet) or `second_factor`, with the
/// WebAuthn challenge for the account's passkeys.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    summary = "Log in, step 1: the password",
    request_body = dsg_proto::identity::Login,
    responses(
        (status = 200, description = "Password accepted; sets a password-step session cookie (it reaches nothing yet). `next` is `enrol` (no authenticator yet) or `second_factor`, with `webauthn` (options for navigator.credentials.get, allowCredentials of the account's passkeys), `totp` (whether a TOTP code is accepted) and `recovery`.", body = dsg_proto::identity::LoginStarted),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "invalid_credentials (same answer for unknown user, wrong password, locked and disabled)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
        (status = 429, description = "rate_limited (too many attempts from this address)", body = dsg_proto::ErrorBody),
    ),
    security(()),
)]
pub async fn login(ctx: Ctx, ApiJson(body): ApiJson<dsg_proto::identity::Login>) -> ApiResult {
    let (outcome, step) = ctx
        .app
        .login(&ctx.meta, &body.username, SecretString::new(body.password))
        .await?;
    let next = match step {
        LoginStep::Enrol => LoginNext::Enrol,
        LoginStep::SecondFactor { webauthn, totp } => LoginNext::SecondFactor {
            webauthn: webauthn.as_ref().map(to_json).transpose()?,
            totp,
            recovery: true,
        },
    };
    let started = LoginStarted {
        next,
        session: session_opened(&outcome),
    };
    Ok(with_session(&outcome, started))
}

/// A second factor as the API receives it: exactly one of the fields.
#[derive(Deserialize)]
pub struct FactorBody {
    webauthn: Option<Box<PublicKeyCredential>>,
    totp: Option<String>,
    recovery: Option<String>,
}

impl FactorBody {
    fn into_factor(self) -> Result<SecondFactor, AppError> {
        match (self.webauthn, self.totp, self.recovery) {
            (Some(c), None, None) => Ok(SecondFactor::Webauthn(c)),
            (None, Some(code), None) => Ok(SecondFactor::Totp(SecretString::new(code))),
            (None, None, Some(code)) => Ok(SecondFactor::Recovery(SecretString::new(code))),
            _ => Err(AppError::Invalid(
                "send exactly one of webauthn, totp, recovery".into(),
            )),
        }
    }
}

/// `POST /api/v1/session/second-factor`: completes the login with a new
/// session token.
#[utoipa::path(
    post,
    path = "/api/v1/session/second-factor",
    summary = "Log in, step 2: a passkey assertion, TOTP code or recovery code (exactly one). Replaces the session with a new one (new cookie).",
    request_body = dsg_proto::identity::SecondFactor,
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::SessionOpened),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "second_factor_refused (counts towards the lockout)", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused: no login is waiting for a second factor", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 429, description = "rate_limited: too many attempts from this source", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn second_factor(ctx: Ctx, ApiJson(body): ApiJson<FactorBody>) -> ApiResult {
    let outcome = ctx
        .app
        .login_second_factor(&ctx.meta, &ctx.caller, body.into_factor()?)
        .await?;
    Ok(with_session(&outcome, session_opened(&outcome)))
}

/// `POST /api/v1/session/webauthn-options`: a fresh challenge for the
/// waiting login (for pages that were reloaded).
#[utoipa::path(
    post,
    path = "/api/v1/session/webauthn-options",
    summary = "A fresh WebAuthn challenge for the login waiting for its second factor",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::WebauthnChallenge),
        (status = 409, description = "refused: no login is waiting for a second factor", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn login_webauthn_options(ctx: Ctx) -> ApiResult {
    let challenge = ctx.app.login_webauthn_options(&ctx.caller).await?;
    Ok(Json(WebauthnChallenge {
        webauthn: to_json(&challenge)?,
    })
    .into_response())
}

/// `POST /api/v1/enrolment`: follows an enrolment link, sets the password
/// and opens an enrolment session.
#[utoipa::path(
    post,
    path = "/api/v1/enrolment",
    summary = "Follow an enrolment link: set the password, get an enrolment session",
    request_body = dsg_proto::identity::Enrolment,
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::EnrolmentStarted),
        (status = 400, description = "invalid_input (password too short or guessable), invalid_json", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused: the link is invalid or has expired (the same answer for both)", body = dsg_proto::ErrorBody),
        (status = 429, description = "rate_limited: too many attempts from this address", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(()),
)]
pub async fn start_enrolment(
    ctx: Ctx,
    ApiJson(body): ApiJson<dsg_proto::identity::Enrolment>,
) -> ApiResult {
    let started = ctx
        .app
        .start_enrolment(&ctx.meta, &body.token, SecretString::new(body.password))
        .await?;
    let body = EnrolmentStarted {
        next: "enrol".to_owned(),
        totp_allowed: started.totp_allowed,
        session: session_opened(&started.session),
    };
    Ok(with_session(&started.session, body))
}

/// `POST /api/v1/me/passkeys/options`
#[utoipa::path(
    post,
    path = "/api/v1/me/passkeys/options",
    summary = "Start registering a passkey (user verification required)",
    request_body = dsg_proto::identity::PasskeyName,
    responses(
        (status = 200, description = "OK", body = dsg_proto::Object),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 403, description = "step_up_required (adding a passkey to an active account needs a fresh login)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn passkey_options(
    ctx: Ctx,
    ApiJson(body): ApiJson<dsg_proto::identity::PasskeyName>,
) -> ApiResult {
    let options = ctx
        .app
        .passkey_registration_options(&ctx.meta, &ctx.caller, &body.name)
        .await?;
    Ok(Json(to_json(&options)?).into_response())
}

fn codes_json(codes: Option<Vec<SecretString>>) -> FactorRegistered {
    FactorRegistered {
        signed_out: codes.is_some(),
        recovery_codes: codes.map(|c| c.iter().map(|c| c.expose().to_owned()).collect()),
    }
}

/// `POST /api/v1/me/passkeys`: registers the passkey. Completing enrolment
/// returns the recovery codes (shown once) and ends the session.
#[utoipa::path(
    post,
    path = "/api/v1/me/passkeys",
    summary = "Finish registering a passkey. Completing enrolment returns `recovery_codes` (shown once) and ends the session (`signed_out`).",
    request_body = dsg_proto::webauthn::Attestation,
    responses(
        (status = 201, description = "Registered", body = dsg_proto::identity::FactorRegistered),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn register_passkey(
    ctx: Ctx,
    ApiJson(credential): ApiJson<RegisterPublicKeyCredential>,
) -> ApiResult {
    let codes = ctx
        .app
        .finish_passkey_registration(&ctx.meta, &ctx.caller, &credential)
        .await?;
    Ok((StatusCode::CREATED, Json(codes_json(codes))).into_response())
}

/// `POST /api/v1/me/totp/options`: a TOTP seed to confirm (where allowed).
#[utoipa::path(
    post,
    path = "/api/v1/me/totp/options",
    summary = "Start enrolling TOTP (only where auth.totp_fallback allows it): `secret`, `otpauth_uri`",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::TotpOptions),
        (status = 403, description = "not_offered: TOTP is not allowed here", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn totp_options(ctx: Ctx) -> ApiResult {
    let t = ctx
        .app
        .totp_enrolment_options(&ctx.meta, &ctx.caller)
        .await?;
    Ok(Json(TotpOptions {
        secret: t.secret_base32.expose().to_owned(),
        otpauth_uri: t.otpauth_uri.expose().to_owned(),
    })
    .into_response())
}

/// `POST /api/v1/me/totp`: confirms and stores the TOTP seed.
#[utoipa::path(
    post,
    path = "/api/v1/me/totp",
    summary = "Confirm the TOTP seed with a first code",
    request_body = dsg_proto::identity::TotpCode,
    responses(
        (status = 201, description = "Enrolled", body = dsg_proto::identity::FactorRegistered),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 403, description = "not_offered: TOTP is not allowed here", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn register_totp(
    ctx: Ctx,
    ApiJson(body): ApiJson<dsg_proto::identity::TotpCode>,
) -> ApiResult {
    let codes = ctx
        .app
        .finish_totp_enrolment(&ctx.meta, &ctx.caller, &SecretString::new(body.code))
        .await?;
    Ok((StatusCode::CREATED, Json(codes_json(codes))).into_response())
}

/// `GET /api/v1/me/authenticators`
#[utoipa::path(
    get,
    path = "/api/v1/me/authenticators",
    summary = "Your passkeys and TOTP (name, added, last used) and how many recovery codes remain",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::AuthenticatorList),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn authenticators(ctx: Ctx) -> ApiResult {
    let (list, codes_left) = ctx.app.my_authenticators(&ctx.meta, &ctx.caller).await?;
    let authenticators = list
        .iter()
        .map(|a| Authenticator {
            id: a.id.clone(),
            kind: a.kind.to_owned(),
            name: a.name.clone(),
            created_at: a.created_at,
            last_used_at: a.last_used_at,
        })
        .collect();
    Ok(Json(AuthenticatorList {
        authenticators,
        recovery_codes_left: codes_left,
    })
    .into_response())
}

/// `DELETE /api/v1/me/authenticators/{id}`
#[utoipa::path(
    delete,
    path = "/api/v1/me/authenticators/{id}",
    summary = "Remove one of your authenticators (step-up; not the last one)",
    params(
        ("id" = String, Path, description = "Authenticator id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden, step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused: the last authenticator cannot be removed", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn remove_authenticator(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    ctx.app
        .remove_my_authenticator(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/me/sessions`
#[utoipa::path(
    get,
    path = "/api/v1/me/sessions",
    summary = "Your active sessions (browser, address, method, start, last activity)",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::SessionList),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn sessions(ctx: Ctx) -> ApiResult {
    let list = ctx.app.my_sessions(&ctx.meta, &ctx.caller).await?;
    let sessions = list
        .iter()
        .map(|s| wire_identity::Session {
            id: s.id.clone(),
            current: s.current,
            mfa: s.mfa.as_str().to_owned(),
            user_agent: s.user_agent.clone(),
            source_addr: s.source_addr.clone(),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
        })
        .collect();
    Ok(Json(SessionList { sessions }).into_response())
}

/// `DELETE /api/v1/me/sessions/{id}`
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions/{id}",
    summary = "Revoke one of your sessions",
    params(
        ("id" = String, Path, description = "Session id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn revoke_session(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    ctx.app
        .revoke_my_session(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/me/sessions/revoke-others`
#[utoipa::path(
    post,
    path = "/api/v1/me/sessions/revoke-others",
    summary = "End all your other sessions: `ended`",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::SessionsEnded),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn revoke_other_sessions(ctx: Ctx) -> ApiResult {
    let ended = ctx
        .app
        .revoke_my_other_sessions(&ctx.meta, &ctx.caller)
        .await?;
    Ok(Json(SessionsEnded { ended }).into_response())
}

/// `GET /api/v1/me/logins`
#[utoipa::path(
    get,
    path = "/api/v1/me/logins",
    summary = "Your login history (every step, success or failure)",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::LoginHistory),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn login_history(ctx: Ctx) -> ApiResult {
    let list = ctx.app.my_login_history(&ctx.meta, &ctx.caller).await?;
    let logins = list
        .iter()
        .map(|a| LoginAttempt {
            at: a.at,
            factor: a.factor.to_string(),
            success: a.success,
            reason: a.reason.clone(),
            source_addr: a.source_addr.clone(),
            user_agent: a.user_agent.clone(),
        })
        .collect();
    Ok(Json(LoginHistory { logins }).into_response())
}

/// `PUT /api/v1/me/password` (step-up required; other sessions end)
#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    summary = "Change your password (step-up; other sessions end)",
    request_body = dsg_proto::identity::NewPassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn change_password(
    ctx: Ctx,
    ApiJson(body): ApiJson<dsg_proto::identity::NewPassword>,
) -> ApiResult {
    ctx.app
        .change_my_password(&ctx.meta, &ctx.caller, SecretString::new(body.password))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/me/recovery-codes` (step-up required; shown once)
#[utoipa::path(
    post,
    path = "/api/v1/me/recovery-codes",
    summary = "Issue new recovery codes (step-up); shown once",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::RecoveryCodes),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn renew_recovery_codes(ctx: Ctx) -> ApiResult {
    let codes = ctx
        .app
        .renew_my_recovery_codes(&ctx.meta, &ctx.caller)
        .await?;
    let recovery_codes = codes.iter().map(|c| c.expose().to_owned()).collect();
    Ok(Json(RecoveryCodes { recovery_codes }).into_response())
}

/// `POST /api/v1/session/step-up/options`
#[utoipa::path(
    post,
    path = "/api/v1/session/step-up/options",
    summary = "Start a step-up: `webauthn` options for a passkey session, `totp: true` for a TOTP session",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::StepUpOptions),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn step_up_options(ctx: Ctx) -> ApiResult {
    let challenge = ctx.app.step_up_options(&ctx.caller).await?;
    let totp = challenge.is_none();
    Ok(Json(StepUpOptions {
        webauthn: challenge.as_ref().map(to_json).transpose()?,
        totp,
    })
    .into_response())
}

/// `POST /api/v1/session/step-up`
#[utoipa::path(
    post,
    path = "/api/v1/session/step-up",
    summary = "Complete a step-up (fresh re-authentication for sensitive actions)",
    request_body = dsg_proto::identity::SecondFactor,
    responses(
        (status = 204, description = "Fresh"),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 429, description = "rate_limited: too many attempts from this source", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn step_up(ctx: Ctx, ApiJson(body): ApiJson<FactorBody>) -> ApiResult {
    ctx.app
        .step_up(&ctx.meta, &ctx.caller, body.into_factor()?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/admin/accounts`
#[utoipa::path(
    get,
    path = "/api/v1/admin/accounts",
    summary = "Every account with its state (pending, active, locked, disabled, expired), factors and recent failures",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::AccountList),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn accounts(ctx: Ctx) -> ApiResult {
    let list = ctx.app.accounts(&ctx.meta, &ctx.caller).await?;
    let recovery_code_uses = ctx
        .app
        .recovery_code_uses(&ctx.meta, &ctx.caller)
        .await?
        .iter()
        .map(|r| RecoveryUse {
            at: r.at,
            user_id: r.user_id.to_string(),
            source_addr: r.source_addr.clone(),
        })
        .collect();
    let accounts = list
        .iter()
        .map(|a| Account {
            user: wire::user(&a.user),
            state: a.state.as_str().to_owned(),
            passkeys: a.passkeys as u64,
            totp: a.totp,
            recent_failures: a.recent_failures,
            duties: a.duties.iter().map(|d| d.as_str().to_owned()).collect(),
        })
        .collect();
    Ok(Json(AccountList {
        accounts,
        recovery_code_uses,
    })
    .into_response())
}

/// `POST /api/v1/admin/accounts/{id}/{unlock|disable|enable}`
#[utoipa::path(
    post,
    path = "/api/v1/admin/accounts/{id}/{change}",
    summary = "`change` = unlock, disable or enable (step-up). Disabling ends the account's sessions at once.",
    params(
        ("id" = String, Path, description = "User id", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("change" = dsg_proto::params::AccountChange, Path, description = "What to do"),
    ),
    responses(
        (status = 409, description = "refused: operators cannot disable themselves", body = dsg_proto::ErrorBody),
        (status = 200, description = "OK", body = dsg_proto::files::User),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn account_status(
    ctx: Ctx,
    ApiPath((id, change)): ApiPath<(String, String)>,
) -> ApiResult {
    let change = AccountChange::parse(&change).map_err(|_| AppError::NotFound)?;
    let user = ctx
        .app
        .set_account_status(&ctx.meta, &ctx.caller, &id, change)
        .await?;
    Ok(Json(wire::user(&user)).into_response())
}

/// `POST /api/v1/admin/accounts/{id}/enrolment-link`
#[utoipa::path(
    post,
    path = "/api/v1/admin/accounts/{id}/enrolment-link",
    summary = "A new enrolment link for a pending account: `enrolment_path`",
    params(
        ("id" = String, Path, description = "User id", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 409, description = "refused: the account has completed enrolment", body = dsg_proto::ErrorBody),
        (status = 200, description = "OK", body = dsg_proto::identity::EnrolmentLink),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn reissue_enrolment_link(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let token = ctx
        .app
        .reissue_enrolment_link(&ctx.meta, &ctx.caller, &id)
        .await?;
    let path = crate::enrolment_path(&token);
    Ok(Json(EnrolmentLink {
        enrolment_path: path.expose().to_owned(),
    })
    .into_response())
}

/// `POST /api/v1/admin/accounts/{id}/reset`: asks for a reset; a second
/// operator approves.
#[utoipa::path(
    post,
    path = "/api/v1/admin/accounts/{id}/reset",
    summary = "Request an authenticator reset (a second operator approves)",
    params(
        ("id" = String, Path, description = "User id", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 201, description = "Requested", body = dsg_proto::identity::ResetRequested),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn request_reset(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let reset = ctx
        .app
        .request_authenticator_reset(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ResetRequested {
            id: reset.id,
            user_id: reset.user_id.to_string(),
            requested_by: reset.requested_by,
        }),
    )
        .into_response())
}

/// `GET /api/v1/admin/resets`
#[utoipa::path(
    get,
    path = "/api/v1/admin/resets",
    summary = "Resets awaiting approval",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::ResetList),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn pending_resets(ctx: Ctx) -> ApiResult {
    let list = ctx.app.pending_resets(&ctx.meta, &ctx.caller).await?;
    let resets = list
        .iter()
        .map(|r| PendingReset {
            id: r.id.clone(),
            user_id: r.user_id.to_string(),
            requested_by: r.requested_by.clone(),
            requested_at: r.requested_at,
        })
        .collect();
    Ok(Json(ResetList { resets }).into_response())
}

/// `POST /api/v1/admin/resets/{id}/approve`
#[utoipa::path(
    post,
    path = "/api/v1/admin/resets/{id}/approve",
    summary = "Approve another operator's reset: the account returns to pending enrolment; `enrolment_path`",
    params(
        ("id" = String, Path, description = "Reset request id", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::ResetApproved),
        (status = 403, description = "self_approval (the requester cannot approve) or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn approve_reset(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let (user, token) = ctx
        .app
        .approve_authenticator_reset(&ctx.meta, &ctx.caller, &id)
        .await?;
    let path = crate::enrolment_path(&token);
    Ok(Json(ResetApproved {
        user_id: user.to_string(),
        enrolment_path: path.expose().to_owned(),
    })
    .into_response())
}

/// `GET /api/v1/admin/login-failures?days=N`
#[utoipa::path(
    get,
    path = "/api/v1/admin/login-failures",
    summary = "Failed login steps per day (`?days=N`, default 14)",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::FailureTrend),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn login_failures(
    ctx: Ctx,
    ApiQuery(q): ApiQuery<dsg_proto::identity::TrendQuery>,
) -> ApiResult {
    let days = ctx
        .app
        .failed_login_trend(&ctx.meta, &ctx.caller, q.days.unwrap_or(14))
        .await?;
    let days = days
        .iter()
        .map(|d| FailureDay {
            day: d.day.to_string(),
            failures: d.failures,
            accounts: d.accounts,
            sources: d.sources,
        })
        .collect();
    Ok(Json(FailureTrend { days }).into_response())
}
