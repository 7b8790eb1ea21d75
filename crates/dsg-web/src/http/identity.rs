//! The JSON API of identity: login steps, enrolment, step-up, self-service
//! and account management. Browser-facing WebAuthn options and answers are
//! the JSON `webauthn-rs` defines (base64url binary fields).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_crypto::SecretString;
use serde::Deserialize;
use serde_json::{json, Value};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::api::user_json;
use super::context::Ctx;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::session_cookie;
use dsg_app::{AccountChange, AppError, LoginOutcome, LoginStep, SecondFactor};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(e.to_string()))
}

fn with_session(outcome: &LoginOutcome, mut body: Value) -> Response {
    body["user"] = user_json(&outcome.user);
    body["csrf_token"] = json!(outcome.csrf_token);
    body["mfa"] = json!(outcome.mfa.as_str());
    (
        [(header::SET_COOKIE, session_cookie(&outcome.token))],
        Json(body),
    )
        .into_response()
}

/// Login body.
#[derive(Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

/// `POST /api/v1/session`: the password step. The answer says what comes
/// next: `enrol` (no authenticator yet) or `second_factor`, with the
/// WebAuthn challenge for the account's passkeys.
pub async fn login(ctx: Ctx, ApiJson(body): ApiJson<LoginBody>) -> ApiResult {
    let (outcome, step) = ctx
        .app
        .login(&ctx.meta, &body.username, SecretString::new(body.password))
        .await?;
    let next = match step {
        LoginStep::Enrol => json!({ "next": "enrol" }),
        LoginStep::SecondFactor { webauthn, totp } => json!({
            "next": "second_factor",
            "webauthn": webauthn.as_ref().map(to_json).transpose()?,
            "totp": totp,
            "recovery": true,
        }),
    };
    Ok(with_session(&outcome, next))
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
pub async fn second_factor(ctx: Ctx, ApiJson(body): ApiJson<FactorBody>) -> ApiResult {
    let outcome = ctx
        .app
        .login_second_factor(&ctx.meta, &ctx.caller, body.into_factor()?)
        .await?;
    Ok(with_session(&outcome, json!({})))
}

/// `POST /api/v1/session/webauthn-options`: a fresh challenge for the
/// waiting login (for pages that were reloaded).
pub async fn login_webauthn_options(ctx: Ctx) -> ApiResult {
    let challenge = ctx.app.login_webauthn_options(&ctx.caller).await?;
    Ok(Json(json!({ "webauthn": to_json(&challenge)? })).into_response())
}

/// Enrolment-link body.
#[derive(Deserialize)]
pub struct EnrolmentBody {
    token: String,
    password: String,
}

/// `POST /api/v1/enrolment`: follows an enrolment link, sets the password
/// and opens an enrolment session.
pub async fn start_enrolment(ctx: Ctx, ApiJson(body): ApiJson<EnrolmentBody>) -> ApiResult {
    let started = ctx
        .app
        .start_enrolment(&ctx.meta, &body.token, SecretString::new(body.password))
        .await?;
    Ok(with_session(
        &started.session,
        json!({ "next": "enrol", "totp_allowed": started.totp_allowed }),
    ))
}

/// Passkey registration options body.
#[derive(Deserialize)]
pub struct PasskeyOptionsBody {
    name: String,
}

/// `POST /api/v1/me/passkeys/options`
pub async fn passkey_options(ctx: Ctx, ApiJson(body): ApiJson<PasskeyOptionsBody>) -> ApiResult {
    let options = ctx
        .app
        .passkey_registration_options(&ctx.meta, &ctx.caller, &body.name)
        .await?;
    Ok(Json(to_json(&options)?).into_response())
}

fn codes_json(codes: Option<Vec<SecretString>>) -> Value {
    let signed_out = codes.is_some();
    json!({
        "recovery_codes": codes.map(|c| c.iter().map(|c| c.expose().to_owned()).collect::<Vec<_>>()),
        "signed_out": signed_out,
    })
}

/// `POST /api/v1/me/passkeys`: registers the passkey. Completing enrolment
/// returns the recovery codes (shown once) and ends the session.
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
pub async fn totp_options(ctx: Ctx) -> ApiResult {
    let t = ctx
        .app
        .totp_enrolment_options(&ctx.meta, &ctx.caller)
        .await?;
    Ok(Json(json!({
        "secret": t.secret_base32.expose(),
        "otpauth_uri": t.otpauth_uri.expose(),
    }))
    .into_response())
}

/// A TOTP code.
#[derive(Deserialize)]
pub struct CodeBody {
    code: String,
}

/// `POST /api/v1/me/totp`: confirms and stores the TOTP seed.
pub async fn register_totp(ctx: Ctx, ApiJson(body): ApiJson<CodeBody>) -> ApiResult {
    let codes = ctx
        .app
        .finish_totp_enrolment(&ctx.meta, &ctx.caller, &SecretString::new(body.code))
        .await?;
    Ok((StatusCode::CREATED, Json(codes_json(codes))).into_response())
}

/// `GET /api/v1/me/authenticators`
pub async fn authenticators(ctx: Ctx) -> ApiResult {
    let (list, codes_left) = ctx.app.my_authenticators(&ctx.meta, &ctx.caller).await?;
    let items: Vec<Value> = list
        .iter()
        .map(|a| json!({ "id": a.id, "kind": a.kind, "name": a.name, "created_at": a.created_at, "last_used_at": a.last_used_at }))
        .collect();
    Ok(Json(json!({ "authenticators": items, "recovery_codes_left": codes_left })).into_response())
}

/// `DELETE /api/v1/me/authenticators/{id}`
pub async fn remove_authenticator(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    ctx.app
        .remove_my_authenticator(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/me/sessions`
pub async fn sessions(ctx: Ctx) -> ApiResult {
    let list = ctx.app.my_sessions(&ctx.meta, &ctx.caller).await?;
    let items: Vec<Value> = list
        .iter()
        .map(|s| json!({
            "id": s.id, "current": s.current, "mfa": s.mfa.as_str(), "user_agent": s.user_agent,
            "source_addr": s.source_addr, "created_at": s.created_at, "last_seen_at": s.last_seen_at,
        }))
        .collect();
    Ok(Json(json!({ "sessions": items })).into_response())
}

/// `DELETE /api/v1/me/sessions/{id}`
pub async fn revoke_session(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    ctx.app
        .revoke_my_session(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/me/sessions/revoke-others`
pub async fn revoke_other_sessions(ctx: Ctx) -> ApiResult {
    let ended = ctx
        .app
        .revoke_my_other_sessions(&ctx.meta, &ctx.caller)
        .await?;
    Ok(Json(json!({ "ended": ended })).into_response())
}

/// `GET /api/v1/me/logins`
pub async fn login_history(ctx: Ctx) -> ApiResult {
    let list = ctx.app.my_login_history(&ctx.meta, &ctx.caller).await?;
    let items: Vec<Value> = list
        .iter()
        .map(|a| {
            json!({
                "at": a.at, "factor": a.factor, "success": a.success, "reason": a.reason,
                "source_addr": a.source_addr, "user_agent": a.user_agent,
            })
        })
        .collect();
    Ok(Json(json!({ "logins": items })).into_response())
}

/// New password body.
#[derive(Deserialize)]
pub struct PasswordBody {
    password: String,
}

/// `PUT /api/v1/me/password` (step-up required; other sessions end)
pub async fn change_password(ctx: Ctx, ApiJson(body): ApiJson<PasswordBody>) -> ApiResult {
    ctx.app
        .change_my_password(&ctx.meta, &ctx.caller, SecretString::new(body.password))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/me/recovery-codes` (step-up required; shown once)
pub async fn renew_recovery_codes(ctx: Ctx) -> ApiResult {
    let codes = ctx
        .app
        .renew_my_recovery_codes(&ctx.meta, &ctx.caller)
        .await?;
    let codes: Vec<&str> = codes.iter().map(SecretString::expose).collect();
    Ok(Json(json!({ "recovery_codes": codes })).into_response())
}

/// `POST /api/v1/session/step-up/options`
pub async fn step_up_options(ctx: Ctx) -> ApiResult {
    let challenge = ctx.app.step_up_options(&ctx.caller).await?;
    let totp = challenge.is_none();
    Ok(Json(json!({
        "webauthn": challenge.as_ref().map(to_json).transpose()?,
        "totp": totp,
    }))
    .into_response())
}

/// `POST /api/v1/session/step-up`
pub async fn step_up(ctx: Ctx, ApiJson(body): ApiJson<FactorBody>) -> ApiResult {
    ctx.app
        .step_up(&ctx.meta, &ctx.caller, body.into_factor()?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/admin/accounts`
pub async fn accounts(ctx: Ctx) -> ApiResult {
    let list = ctx.app.accounts(&ctx.meta, &ctx.caller).await?;
    let recovery: Vec<Value> = ctx
        .app
        .recovery_code_uses(&ctx.meta, &ctx.caller)
        .await?
        .iter()
        .map(|r| json!({ "at": r.at, "user_id": r.user_id, "source_addr": r.source_addr }))
        .collect();
    let items: Vec<Value> = list
        .iter()
        .map(|a| {
            let mut user = user_json(&a.user);
            user["state"] = json!(a.state.as_str());
            user["passkeys"] = json!(a.passkeys);
            user["totp"] = json!(a.totp);
            user["recent_failures"] = json!(a.recent_failures);
            user["duties"] = json!(a.duties.iter().map(|d| d.as_str()).collect::<Vec<_>>());
            user
        })
        .collect();
    Ok(Json(json!({ "accounts": items, "recovery_code_uses": recovery })).into_response())
}

/// `POST /api/v1/admin/accounts/{id}/{unlock|disable|enable}`
pub async fn account_status(
    ctx: Ctx,
    ApiPath((id, change)): ApiPath<(String, String)>,
) -> ApiResult {
    let change = match change.as_str() {
        "unlock" => AccountChange::Unlock,
        "disable" => AccountChange::Disable,
        "enable" => AccountChange::Enable,
        _ => return Err(AppError::NotFound.into()),
    };
    let user = ctx
        .app
        .set_account_status(&ctx.meta, &ctx.caller, &id, change)
        .await?;
    Ok(Json(user_json(&user)).into_response())
}

/// `POST /api/v1/admin/accounts/{id}/enrolment-link`
pub async fn reissue_enrolment_link(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let token = ctx
        .app
        .reissue_enrolment_link(&ctx.meta, &ctx.caller, &id)
        .await?;
    let path = crate::enrolment_path(&token);
    Ok(Json(json!({ "enrolment_path": path.expose() })).into_response())
}

/// `POST /api/v1/admin/accounts/{id}/reset`: asks for a reset; a second
/// operator approves.
pub async fn request_reset(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let reset = ctx
        .app
        .request_authenticator_reset(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": reset.id, "user_id": reset.user_id.to_string(), "requested_by": reset.requested_by })),
    )
        .into_response())
}

/// `GET /api/v1/admin/resets`
pub async fn pending_resets(ctx: Ctx) -> ApiResult {
    let list = ctx.app.pending_resets(&ctx.meta, &ctx.caller).await?;
    let items: Vec<Value> = list
        .iter()
        .map(|r| json!({ "id": r.id, "user_id": r.user_id.to_string(), "requested_by": r.requested_by, "requested_at": r.requested_at }))
        .collect();
    Ok(Json(json!({ "resets": items })).into_response())
}

/// `POST /api/v1/admin/resets/{id}/approve`
pub async fn approve_reset(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let (user, token) = ctx
        .app
        .approve_authenticator_reset(&ctx.meta, &ctx.caller, &id)
        .await?;
    let path = crate::enrolment_path(&token);
    Ok(
        Json(json!({ "user_id": user.to_string(), "enrolment_path": path.expose() }))
            .into_response(),
    )
}

/// Trend window.
#[derive(Deserialize)]
pub struct TrendQuery {
    days: Option<i64>,
}

/// `GET /api/v1/admin/login-failures?days=N`
pub async fn login_failures(ctx: Ctx, ApiQuery(q): ApiQuery<TrendQuery>) -> ApiResult {
    let days = ctx
        .app
        .failed_login_trend(&ctx.meta, &ctx.caller, q.days.unwrap_or(14))
        .await?;
    let items: Vec<Value> = days
        .iter()
        .map(|d| json!({ "day": d.day, "failures": d.failures, "accounts": d.accounts, "sources": d.sources }))
        .collect();
    Ok(Json(json!({ "days": items })).into_response())
}
