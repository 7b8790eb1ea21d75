//! Identity pages: second factor, enrolment, security settings, step-up.

use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::MfaMethod;
use dsg_crypto::SecretString;
use maud::{html, Markup};
use serde::Deserialize;

use super::labels::Label;
use super::layout::{confirmed, csrf_field, error_page, message_of, ok, page, Confirm, Marked};
use super::messages::in_lang;
use super::notice::{done, with_notice, Notice};
use super::secret::codes_box;
use super::Text;
use crate::http::context::Ctx;
use crate::http::error::status_and_code;
use crate::http::session::session_cookie;
use dsg_app::{AppError, Caller, LoginStep, PasswordVerdict, SecondFactor};

/// Where to go after the password step.
pub(super) fn after_password(step: &LoginStep) -> &'static str {
    match step {
        LoginStep::Enrol => "/enrol/authenticator",
        LoginStep::SecondFactor { .. } => "/login/verify",
    }
}

/// Only a path on this gateway is followed after a step-up (no open
/// redirect): one leading `/`, then printable ASCII other than a backslash.
/// Browsers drop tabs and line breaks from a URL, so `/<TAB>/host` would
/// lead to `//host`, another site; and a `Location` header cannot carry a
/// line break at all.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The error page, except that a needed step-up goes to the step-up page
/// and comes back to `next`, which then says plainly that the action was
/// not carried out (the form's contents are not kept across the step-up:
/// the person does it again, seeing the page as it is now).
pub(super) fn step_up_or_error(ctx: &Ctx, error: AppError, next: &str) -> Response {
    match error {
        AppError::StepUpRequired => {
            let next = with_notice(next, Notice::StepUpRedo);
            let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            Redirect::to(&format!("/step-up?next={next}")).into_response()
        }
        other => error_page(ctx, other),
    }
}

fn passkey_button(
    ctx: &Ctx,
    id: &str,
    options: &str,
    submit: &str,
    next: &str,
    label: Text,
) -> Markup {
    let lang = ctx.lang;
    html! {
        p {
            button type="button" id=(id) data-options-url=(options) data-submit-url=(submit) data-next=(next)
                data-text-working=(lang.t(Text::Working)) data-text-done=(lang.t(Text::Completed))
                data-text-failed=(lang.t(Text::SecondFactorFailed)) { (lang.t(label)) }
        }
        p class="status" id="passkey-status" aria-live="polite" {}
    }
}

/// `GET /login/verify`: the second step of a login.
pub(super) async fn verify_page(ctx: Ctx) -> Response {
    verify_form(&ctx, false).await
}

async fn verify_form(ctx: &Ctx, failed: bool) -> Response {
    let lang = ctx.lang;
    match &ctx.caller {
        Caller::User(u) if u.mfa == MfaMethod::None => {}
        Caller::User(_) => return Redirect::to("/").into_response(),
        Caller::Anonymous => return Redirect::to("/login").into_response(),
    }
    let (passkeys, totp) = match ctx.app.login_factors(&ctx.caller).await {
        Ok(f) => f,
        Err(e) => return error_page(ctx, e),
    };
    let body = html! {
        @if failed { p class="error" id="verify-error" { (lang.t(Text::SecondFactorFailed)) } }
        p { (lang.t(Text::VerifyIntro)) }
        @if passkeys {
            div class="card" {
                (passkey_button(ctx, "passkey-check", "/api/v1/session/webauthn-options", "/api/v1/session/second-factor", "/", Text::UsePasskey))
            }
        }
        @if totp {
            form method="post" action="/login/verify" class="card" id="totp-form" {
                (csrf_field(ctx))
                input type="hidden" name="kind" value="totp";
                label for="totp-code" { (lang.t(Text::TotpCode)) }
                input type="text" id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required;
                p { button type="submit" id="totp-submit" { (lang.t(Text::UseTotp)) } }
            }
        }
        details class="card" {
            summary { (lang.t(Text::UseRecovery)) }
            form method="post" action="/login/verify" id="recovery-form" {
                (csrf_field(ctx))
                input type="hidden" name="kind" value="recovery";
                label for="recovery-code" { (lang.t(Text::RecoveryCode)) }
                input type="text" id="recovery-code" name="code" autocomplete="off" required;
                p { button type="submit" id="recovery-submit" { (lang.t(Text::Continue)) } }
            }
        }
    };
    let status = if failed {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        Html(page(ctx, lang.t(Text::VerifyTitle), Marked::Plain, body).into_string()),
    )
        .into_response()
}

/// A TOTP or recovery code from a form.
#[derive(Deserialize)]
pub(super) struct CodeForm {
    kind: String,
    code: String,
}

/// `POST /login/verify`: TOTP or recovery code.
pub(super) async fn verify_submit(ctx: Ctx, Form(form): Form<CodeForm>) -> Response {
    let factor = match form.kind.as_str() {
        "totp" => SecondFactor::Totp(SecretString::new(form.code)),
        "recovery" => SecondFactor::Recovery(SecretString::new(form.code)),
        _ => return error_page(&ctx, AppError::Invalid("unknown factor".into())),
    };
    match ctx
        .app
        .login_second_factor(&ctx.meta, &ctx.caller, factor)
        .await
    {
        Ok(outcome) => {
            let next = if outcome.mfa == MfaMethod::Recovery {
                "/enrol/authenticator"
            } else {
                "/"
            };
            (
                [(header::SET_COOKIE, session_cookie(&outcome.token))],
                Redirect::to(next),
            )
                .into_response()
        }
        Err(AppError::SecondFactorRefused) => verify_form(&ctx, true).await,
        Err(e) => error_page(&ctx, e),
    }
}

/// The enrolment link's query.
#[derive(Deserialize)]
pub(super) struct EnrolQuery {
    token: Option<String>,
}

/// `GET /enrol?token=…`: choose a password.
pub(super) async fn enrol_page(ctx: Ctx, Query(q): Query<EnrolQuery>) -> Response {
    enrol_form(&ctx, &q.token.unwrap_or_default(), None, None)
}

/// The label of zxcvbn's `score` (0–4).
fn strength_label(score: u8) -> Text {
    match score {
        0 => Text::StrengthVeryWeak,
        1 => Text::StrengthWeak,
        2 => Text::StrengthFair,
        3 => Text::StrengthGood,
        _ => Text::StrengthStrong,
    }
}

/// The gateway's verdict on a refused password: a meter, its label in
/// words (colour is not the only signal) and zxcvbn's advice.
fn verdict_box(lang: super::Lang, verdict: &PasswordVerdict) -> Markup {
    let required = lang
        .t(Text::StrengthRequired)
        .replace("{}", lang.t(strength_label(verdict.required)));
    html! {
        div id="password-strength" class="strength" data-score=(verdict.score) data-required=(verdict.required) {
            p {
                label for="password-meter" { (lang.t(Text::PasswordStrength)) }
                " "
                meter id="password-meter" min="0" max="4" low=(verdict.required) high="4" optimum="4"
                    value=(verdict.score) aria-describedby="password-strength-label" {
                    (verdict.score) "/4"
                }
                " "
                strong id="password-strength-label" { (lang.t(strength_label(verdict.score))) }
                " (" (required) ")"
            }
            @if let Some(warning) = &verdict.warning {
                p id="password-warning" { (in_lang(warning, lang)) }
            }
            @if !verdict.suggestions.is_empty() {
                ul id="password-suggestions" {
                    @for s in &verdict.suggestions { li { (in_lang(s, lang)) } }
                }
            }
        }
    }
}

/// The password form of the enrolment link, with the rules it must meet
/// and, after a refused attempt, the reason next to the field (the same
/// page, the link kept; the password is never sent back).
fn enrol_form(
    ctx: &Ctx,
    token: &str,
    refused: Option<(StatusCode, String)>,
    verdict: Option<&PasswordVerdict>,
) -> Response {
    let lang = ctx.lang;
    let min = ctx.app.config().auth.min_password_chars;
    let body = html! {
        p { (lang.t(Text::EnrolIntro)) }
        form method="post" action="/enrol" class="card" id="enrol-form" {
            input type="hidden" name="token" value=(token);
            ul id="password-rules" class="note" {
                li { (lang.t(Text::PasswordRuleLength).replace("{}", &min.to_string())) }
                li { (lang.t(Text::PasswordRuleGuess)) }
            }
            label for="new-password" { (lang.t(Text::NewPassword)) }
            input type="password" id="new-password" name="password" autocomplete="new-password"
                minlength=(min) required aria-describedby="password-rules"
                aria-invalid=[refused.as_ref().map(|_| "true")];
            @if let Some(v) = verdict { (verdict_box(lang, v)) }
            label for="confirm-password" { (lang.t(Text::ConfirmPassword)) }
            input type="password" id="confirm-password" name="password_confirm" autocomplete="new-password"
                minlength=(min) required;
            @if let Some((_, message)) = &refused {
                p class="error field-error" id="enrol-error" role="alert" { (message) }
            }
            p { button type="submit" id="enrol-submit" { (lang.t(Text::Continue)) } }
        }
    };
    let markup = page(ctx, lang.t(Text::EnrolTitle), Marked::Plain, body);
    let status = refused.map_or(StatusCode::OK, |(status, _)| status);
    (status, Html(markup.into_string())).into_response()
}

/// The enrolment form.
#[derive(Deserialize)]
pub(super) struct EnrolForm {
    token: String,
    password: String,
    /// The password typed again; checked here only, since it is the
    /// form's way to catch a typo, not a rule of the account.
    #[serde(default)]
    password_confirm: Option<String>,
}

/// `POST /enrol`
pub(super) async fn enrol_submit(ctx: Ctx, Form(form): Form<EnrolForm>) -> Response {
    if form
        .password_confirm
        .as_deref()
        .is_some_and(|again| again != form.password)
    {
        let message = ctx.lang.t(Text::PasswordsDiffer).to_owned();
        return enrol_form(
            &ctx,
            &form.token,
            Some((StatusCode::BAD_REQUEST, message)),
            None,
        );
    }
    let password = SecretString::new(form.password);
    match ctx
        .app
        .start_enrolment(&ctx.meta, &form.token, password.clone())
        .await
    {
        Ok(started) => (
            [(header::SET_COOKIE, session_cookie(&started.session.token))],
            Redirect::to("/enrol/authenticator"),
        )
            .into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Refused(_))) => {
            let status = status_and_code(&e).0;
            let message = message_of(ctx.lang, &e);
            // Only a password refusal gets the verdict: a dead link has
            // no holder to judge it for.
            let verdict = match e {
                AppError::Invalid(_) => ctx
                    .app
                    .enrolment_password_verdict(&form.token, &password)
                    .await
                    .ok()
                    .flatten(),
                _ => None,
            };
            enrol_form(&ctx, &form.token, Some((status, message)), verdict.as_ref())
        }
        Err(e) => error_page(&ctx, e),
    }
}

/// `GET /enrol/authenticator`: register a passkey (or TOTP where allowed).
pub(super) async fn authenticator_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let Caller::User(user) = &ctx.caller else {
        return Redirect::to("/login").into_response();
    };
    let signs_out = matches!(user.mfa, MfaMethod::None | MfaMethod::Recovery);
    let next = if signs_out { "" } else { "/account/security" };
    let totp_allowed = ctx.app.config().auth.totp_fallback;
    let body = html! {
        p { (lang.t(Text::AuthenticatorIntro)) }
        div class="card" {
            label for="passkey-name" { (lang.t(Text::PasskeyName)) }
            input type="text" id="passkey-name" value="passkey" maxlength="60";
            p {
                button type="button" id="passkey-register" data-next=(next)
                    data-text-working=(lang.t(Text::Working)) data-text-done=(lang.t(Text::Completed))
                    data-text-failed=(lang.t(Text::Failed)) { (lang.t(Text::RegisterPasskey)) }
            }
        }
        p class="status" id="register-status" aria-live="polite" {}
        @if totp_allowed {
            div class="card" {
                p { (lang.t(Text::TotpAlternative)) }
                button type="button" id="totp-start" data-next=(next)
                    data-text-done=(lang.t(Text::Completed)) data-text-failed=(lang.t(Text::Failed)) { (lang.t(Text::StartTotp)) }
                div id="totp-panel" hidden {
                    p { (lang.t(Text::TotpSecret)) ": " code id="totp-secret" {} }
                    p { code id="totp-uri" class="wrap" {} }
                    form id="totp-confirm" {
                        label for="totp-code" { (lang.t(Text::TotpCode)) }
                        input type="text" id="totp-code" inputmode="numeric" pattern="[0-9]{6}" required;
                        button type="submit" id="totp-confirm-submit" { (lang.t(Text::ConfirmCode)) }
                    }
                }
            }
            p class="status" id="totp-status" aria-live="polite" {}
        }
        (codes_box(lang, &[], true))
        div id="after-enrolment" hidden {
            p id="enrolment-done" { (lang.t(Text::EnrolmentDone)) }
            p { a href="/login" id="to-login" { (lang.t(Text::ToLogin)) } }
        }
    };
    ok(page(
        &ctx,
        lang.t(Text::AuthenticatorTitle),
        Marked::Plain,
        body,
    ))
}

/// `GET /account/security`: authenticators, sessions, login history.
pub(super) async fn security_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let (authenticators, codes_left) = match ctx.app.my_authenticators(&ctx.meta, &ctx.caller).await
    {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let sessions = match ctx.app.my_sessions(&ctx.meta, &ctx.caller).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let history = match ctx.app.my_login_history(&ctx.meta, &ctx.caller).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let body = html! {
        h2 { (lang.t(Text::Authenticators)) }
        div class="table-scroll" tabindex="0" {
            table id="authenticators" {
                thead { tr { th { (lang.t(Text::PasskeyName)) } th { (lang.t(Text::Method)) } th { (lang.t(Text::Added)) } th { (lang.t(Text::LastUsed)) } th {} } }
                tbody {
                    @for a in &authenticators {
                        tr class="authenticator-row" {
                            td { (a.name) } td { (a.kind) } td { (ctx.zone().when(a.created_at)) }
                            td { (a.last_used_at.map(|t| ctx.zone().last_day(t)).unwrap_or_default()) }
                            td {
                                (confirmed(&ctx, &Confirm {
                                    action: &format!("/account/authenticators/{}/remove", a.id),
                                    label: lang.t(Text::RemoveAuthenticator),
                                    class: "authenticator-remove",
                                    warning: lang.t(Text::WarnRemoveAuthenticator),
                                }, &html! {}))
                            }
                        }
                    }
                }
            }
        }
        p { a href="/enrol/authenticator" id="add-passkey" { (lang.t(Text::AddPasskey)) } }
        p { (lang.t(Text::RecoveryCodesLeft)) ": " span id="recovery-left" { (codes_left) } }
        form method="post" action="/account/recovery-codes" class="inline" {
            (csrf_field(&ctx))
            button type="submit" id="renew-codes" { (lang.t(Text::RenewRecoveryCodes)) }
        }
        h2 { (lang.t(Text::Sessions)) }
        div class="table-scroll" tabindex="0" {
            table id="sessions" {
                thead { tr { th { (lang.t(Text::Device)) } th { (lang.t(Text::Address)) } th { (lang.t(Text::Method)) } th { (lang.t(Text::Started)) } th { (lang.t(Text::LastActivity)) } th {} } }
                tbody {
                    @for s in &sessions {
                        tr class="session-row" data-current=(s.current) {
                            td { (s.user_agent.clone().unwrap_or_default()) }
                            td { (s.source_addr.clone().unwrap_or_default()) }
                            td data-mfa=(s.mfa.as_str()) { (s.mfa.label(lang)) }
                            td { (ctx.zone().when(s.created_at)) }
                            td { (ctx.zone().when(s.last_seen_at)) }
                            td {
                                @if s.current { (lang.t(Text::ThisSession)) } @else {
                                    form method="post" action={ "/account/sessions/" (s.id) "/revoke" } class="inline" {
                                        (csrf_field(&ctx))
                                        button type="submit" { (lang.t(Text::Revoke)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        form method="post" action="/account/sessions/revoke-others" class="inline" {
            (csrf_field(&ctx))
            button type="submit" id="revoke-others" { (lang.t(Text::RevokeOthers)) }
        }
        h2 { (lang.t(Text::LoginHistory)) }
        div class="table-scroll" tabindex="0" {
            table id="login-history" {
                thead { tr { th { (lang.t(Text::Started)) } th { (lang.t(Text::Method)) } th { (lang.t(Text::Result)) } th { (lang.t(Text::Address)) } th { (lang.t(Text::Device)) } } }
                tbody {
                    @for h in &history {
                        tr {
                            td { (ctx.zone().when(h.at)) } td { (h.factor) }
                            td { (if h.success { lang.t(Text::Success) } else { lang.t(Text::Failure) }) " " (h.reason) }
                            td { (h.source_addr.clone().unwrap_or_default()) }
                            td { (h.user_agent.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    ok(page(&ctx, lang.t(Text::Security), Marked::Plain, body))
}

/// `POST /account/authenticators/{id}/remove`
pub(super) async fn remove_authenticator(ctx: Ctx, Path(id): Path<String>) -> Response {
    match ctx
        .app
        .remove_my_authenticator(&ctx.meta, &ctx.caller, &id)
        .await
    {
        Ok(()) => done("/account/security", Notice::AuthenticatorRemoved),
        Err(e) => step_up_or_error(&ctx, e, "/account/security"),
    }
}

/// `POST /account/sessions/{id}/revoke`
pub(super) async fn revoke_session(ctx: Ctx, Path(id): Path<String>) -> Response {
    match ctx.app.revoke_my_session(&ctx.meta, &ctx.caller, &id).await {
        Ok(()) => done("/account/security", Notice::SessionEnded),
        Err(e) => error_page(&ctx, e),
    }
}

/// `POST /account/sessions/revoke-others`
pub(super) async fn revoke_others(ctx: Ctx) -> Response {
    match ctx
        .app
        .revoke_my_other_sessions(&ctx.meta, &ctx.caller)
        .await
    {
        Ok(_) => done("/account/security", Notice::SessionEnded),
        Err(e) => error_page(&ctx, e),
    }
}

/// `POST /account/recovery-codes`: shows the new codes once.
pub(super) async fn renew_codes(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    match ctx
        .app
        .renew_my_recovery_codes(&ctx.meta, &ctx.caller)
        .await
    {
        Ok(codes) => {
            let body = html! {
                (codes_box(lang, &codes.iter().map(|c| c.expose().to_owned()).collect::<Vec<_>>(), false))
                p { a href="/account/security" { (lang.t(Text::Back)) } }
            };
            ok(page(&ctx, lang.t(Text::Security), Marked::Plain, body))
        }
        Err(e) => step_up_or_error(&ctx, e, "/account/security"),
    }
}

/// Where a step-up returns to.
#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

/// `GET /step-up?next=…`
pub(super) async fn step_up_page(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    let lang = ctx.lang;
    let Caller::User(user) = &ctx.caller else {
        return Redirect::to("/login").into_response();
    };
    let next = local_path(q.next.as_deref());
    let body = html! {
        p { (lang.t(Text::StepUpIntro)) }
        @if user.mfa == MfaMethod::Totp {
            form method="post" action="/step-up" class="card" id="step-up-totp" {
                (csrf_field(&ctx))
                input type="hidden" name="next" value=(next);
                label for="totp-code" { (lang.t(Text::TotpCode)) }
                input type="text" id="totp-code" name="code" inputmode="numeric" pattern="[0-9]{6}" required;
                p { button type="submit" id="step-up-submit" { (lang.t(Text::UseTotp)) } }
            }
        } @else {
            div class="card" {
                (passkey_button(&ctx, "passkey-check", "/api/v1/session/step-up/options", "/api/v1/session/step-up", &next, Text::UsePasskey))
            }
        }
    };
    ok(page(&ctx, lang.t(Text::StepUpTitle), Marked::Plain, body))
}

/// The TOTP step-up form.
#[derive(Deserialize)]
pub(super) struct StepUpForm {
    code: String,
    next: Option<String>,
}

/// `POST /step-up` (TOTP sessions)
pub(super) async fn step_up_submit(ctx: Ctx, Form(form): Form<StepUpForm>) -> Response {
    let next = local_path(form.next.as_deref());
    match ctx
        .app
        .step_up(
            &ctx.meta,
            &ctx.caller,
            SecondFactor::Totp(SecretString::new(form.code)),
        )
        .await
    {
        Ok(()) => Redirect::to(&next).into_response(),
        Err(e) => error_page(&ctx, e),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_gateway_are_followed() {
        for kept in ["/", "/records/abc?x=1", "/compartments/c%0A/files/f"] {
            assert_eq!(local_path(Some(kept)), kept);
        }
        for refused in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/名簿",
            "",
        ] {
            assert_eq!(local_path(Some(refused)), "/", "{refused:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
