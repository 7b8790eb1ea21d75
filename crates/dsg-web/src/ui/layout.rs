//! The page frame, error pages and the embedded assets.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup, DOCTYPE};

use super::{Lang, Text};
use crate::http::context::Ctx;
use crate::http::error::{public_message, status_and_code};
use dsg_app::{AppError, Caller};

const SCRIPT: &str = include_str!("../../assets/app.js");
const STYLESHEET: &str = include_str!("../../assets/app.css");

/// `GET /assets/app.js`
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// `GET /assets/app.css`
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
        .into_response()
}

/// Whether a page carries protected information and must be marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    /// Shows protected data: the 保護すべき情報 banner is shown.
    Protected,
    /// Shows no protected data.
    Plain,
}

/// A whole page.
pub fn page(ctx: &Ctx, title: &str, marked: Marked, body: Markup) -> Markup {
    let lang = ctx.lang;
    let csrf = csrf_token(&ctx.caller);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(token) = &csrf { meta name="csrf-token" content=(token); }
                title { (title) " — " (lang.t(Text::AppName)) }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body {
                @if marked == Marked::Protected {
                    div class="protected-marking" role="note" { (lang.t(Text::Marking)) }
                }
                header class="top" {
                    a href="/" class="brand" { (lang.t(Text::AppName)) }
                    nav {
                        a href={ "/lang/" (if lang == Lang::Ja { "en" } else { "ja" }) } id="lang-switch" { (lang.t(Text::Language)) }
                        @if let Caller::User(user) = &ctx.caller {
                            span class="who" { (user.user.display_name) " (" (user.user.username) ")" }
                            @if matches!(user.mfa, dsg_core::MfaMethod::Webauthn | dsg_core::MfaMethod::Totp) {
                                a href="/account/security" id="security-link" { (lang.t(Text::Security)) }
                            }
                            // Each link only where the policy point would let
                            // this person open the page (the page asks again).
                            @let nav = ctx.app.navigation(&ctx.caller);
                            @if nav.admin {
                                a href="/admin" { (lang.t(Text::Admin)) }
                            }
                            @if nav.audit_log {
                                a href="/audit" id="audit-link" { (lang.t(Text::AuditLog)) }
                            }
                            @if nav.alerts {
                                a href="/alerts" id="alerts-link" { (lang.t(Text::Alerts)) }
                            }
                            @if nav.records {
                                a href="/records" id="records-link" { (lang.t(Text::Records)) }
                            }
                            // The registers an audit needs; operators reach them
                            // from /admin.
                            @if nav.policies && !nav.admin {
                                a href="/admin/policies" id="policies-link" { (lang.t(Text::Policies)) }
                            }
                            @if nav.access_review && !nav.admin {
                                a href="/admin/access" id="access-link" { (lang.t(Text::AccessReview)) }
                            }
                            form method="post" action="/logout" class="inline" {
                                input type="hidden" name="csrf" value=(csrf.clone().unwrap_or_default());
                                button type="submit" id="logout" { (lang.t(Text::Logout)) }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
                @if marked == Marked::Protected {
                    footer class="protected-marking" { (lang.t(Text::Marking)) }
                }
            }
        }
    }
}

/// The CSRF token forms must carry.
pub fn csrf_token(caller: &Caller) -> Option<String> {
    match caller {
        Caller::User(u) => Some(u.csrf_token.clone()),
        Caller::Anonymous => None,
    }
}

/// A hidden CSRF field for a form.
pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf_token(&ctx.caller).unwrap_or_default()); }
}

/// The UI's rendering of an error: anonymous callers go to the login page,
/// everyone else gets a page with the uniform message.
pub fn error_page(ctx: &Ctx, error: AppError) -> Response {
    if matches!(error, AppError::Unauthenticated) {
        return Redirect::to("/login").into_response();
    }
    let (status, code) = status_and_code(&error);
    if let AppError::Internal(detail) = &error {
        tracing::error!(%detail, "internal error");
    }
    let lang = ctx.lang;
    let message = match &error {
        AppError::NotFound => lang.t(Text::NotFound).to_owned(),
        AppError::Forbidden => lang.t(Text::Forbidden).to_owned(),
        // The validation text names the field and the rule (in English).
        AppError::Invalid(_) => {
            format!("{}: {}", lang.t(Text::InvalidInput), public_message(&error))
        }
        AppError::Conflict(_) => format!(
            "{}: {}",
            lang.t(Text::AlreadyExists),
            public_message(&error)
        ),
        AppError::TooLarge => lang.t(Text::TooLarge).to_owned(),
        AppError::QuotaExceeded => lang.t(Text::QuotaExceeded).to_owned(),
        AppError::InsufficientStorage => lang.t(Text::InsufficientStorage).to_owned(),
        AppError::CsrfRefused => lang.t(Text::CsrfRefused).to_owned(),
        AppError::Internal(_) => lang.t(Text::InternalError).to_owned(),
        AppError::Denied(reason) => reason.text(lang == Lang::Ja).to_owned(),
        other => public_message(other),
    };
    let body = html! {
        p class="error" data-code=(code) { (message) }
        p { a href="/" { (lang.t(Text::Back)) } }
    };
    (
        status,
        Html(page(ctx, lang.t(Text::ErrorTitle), Marked::Plain, body).into_string()),
    )
        .into_response()
}

/// Renders a page as a 200 response.
pub fn ok(markup: Markup) -> Response {
    (StatusCode::OK, Html(markup.into_string())).into_response()
}

/// Formats Unix milliseconds as UTC date and time.
pub fn when(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// Formats a byte count for people.
pub fn size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss, reason = "display only")]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
