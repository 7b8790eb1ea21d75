//! The page frame, error pages and the embedded assets.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup, DOCTYPE};

use super::messages::in_lang;
use super::{Lang, Text};
use crate::http::context::Ctx;
use crate::http::error::{public_message, status_and_code};
use dsg_app::{AppError, Caller};

/// Whether a page carries protected information and must be marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marked {
    /// Shows protected data: the 保護すべき情報 banner is shown.
    Protected,
    /// Shows no protected data.
    Plain,
}

/// A whole page.
pub(super) fn page(ctx: &Ctx, title: &str, marked: Marked, body: Markup) -> Markup {
    page_in(ctx, &[], title, marked, body)
}

/// A whole page below others: `trail` (address, label) leads from the home
/// page to it, shown as breadcrumbs above the title.
pub(super) fn page_in(
    ctx: &Ctx,
    trail: &[(&str, &str)],
    title: &str,
    marked: Marked,
    body: Markup,
) -> Markup {
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
                            @let work = nav.applications || nav.memberships || nav.records;
                            @if work {
                                span class="nav-group" role="group" aria-label=(lang.t(Text::NavWork)) {
                                    @if nav.applications || nav.memberships {
                                        a href="/inbox" id="inbox-link" { (lang.t(Text::InboxTitle)) }
                                    }
                                    @if nav.applications {
                                        a href="/applications" id="applications-link" { (lang.t(Text::Applications)) }
                                    }
                                    @if nav.memberships {
                                        a href="/memberships" id="memberships-nav" { (lang.t(Text::Memberships)) }
                                    }
                                    @if nav.records {
                                        a href="/records" id="records-link" { (lang.t(Text::Records)) }
                                        a href="/compliance" id="compliance-link" { (lang.t(Text::Compliance)) }
                                    }
                                }
                            }
                            @let oversight = nav.audit_log || nav.alerts || (!nav.admin && (nav.policies || nav.access_review));
                            @if oversight {
                                span class="nav-group" role="group" aria-label=(lang.t(Text::NavOversight)) {
                                    @if nav.audit_log {
                                        a href="/audit" id="audit-link" { (lang.t(Text::AuditLog)) }
                                    }
                                    @if nav.alerts {
                                        a href="/alerts" id="alerts-link" { (lang.t(Text::Alerts)) }
                                    }
                                    // The registers an audit needs; operators reach
                                    // them from /admin.
                                    @if nav.policies && !nav.admin {
                                        a href="/admin/policies" id="policies-link" { (lang.t(Text::Policies)) }
                                    }
                                    @if nav.access_review && !nav.admin {
                                        a href="/admin/access" id="access-link" { (lang.t(Text::AccessReview)) }
                                    }
                                }
                            }
                            @if nav.admin {
                                span class="nav-group" role="group" aria-label=(lang.t(Text::NavRegisters)) {
                                    a href="/admin" id="admin-nav-link" { (lang.t(Text::Admin)) }
                                }
                            }
                            form method="post" action="/logout" class="inline" {
                                input type="hidden" name="csrf" value=(csrf.clone().unwrap_or_default());
                                button type="submit" id="logout" { (lang.t(Text::Logout)) }
                            }
                        }
                    }
                }
                main {
                    @if !trail.is_empty() {
                        nav class="breadcrumbs" aria-label=(lang.t(Text::Breadcrumbs)) {
                            ol {
                                @for (href, label) in trail { li { a href=(href) { (label) } } }
                                li aria-current="page" { (title) }
                            }
                        }
                    }
                    h1 { (title) }
                    @if let Some(notice) = ctx.notice {
                        p class="notice" id="notice" role="status" data-notice=(notice.as_str()) { (notice.text(lang)) }
                    }
                    (body)
                }
                @if marked == Marked::Protected {
                    footer class="protected-marking" { (lang.t(Text::Marking)) }
                }
            }
        }
    }
}

/// The CSRF token forms must carry.
pub(super) fn csrf_token(caller: &Caller) -> Option<String> {
    match caller {
        Caller::User(u) => Some(u.csrf_token.clone()),
        Caller::Anonymous => None,
    }
}

/// A hidden CSRF field for a form.
pub(super) fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf_token(&ctx.caller).unwrap_or_default()); }
}

/// The UI's rendering of an error: anonymous callers go to the login page,
/// everyone else gets a page with the uniform message.
pub(crate) fn error_page(ctx: &Ctx, error: AppError) -> Response {
    if matches!(error, AppError::Unauthenticated) {
        return Redirect::to("/login").into_response();
    }
    let (status, code) = status_and_code(&error);
    if let AppError::Internal(detail) = &error {
        tracing::error!(%detail, "internal error");
    }
    let lang = ctx.lang;
    let message = message_of(lang, &error);
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

/// What a person reads for `error`, in `lang` only.
pub(super) fn message_of(lang: Lang, error: &AppError) -> String {
    match error {
        AppError::NotFound => lang.t(Text::NotFound).to_owned(),
        AppError::Forbidden => lang.t(Text::Forbidden).to_owned(),
        // The validation text names the field and the rule, translated.
        AppError::Invalid(_) | AppError::PolicyInvalid(_) => format!(
            "{}: {}",
            lang.t(Text::InvalidInput),
            in_lang(&public_message(error), lang)
        ),
        AppError::Conflict(_) => in_lang(&public_message(error), lang),
        AppError::TooLarge => lang.t(Text::TooLarge).to_owned(),
        AppError::QuotaExceeded => lang.t(Text::QuotaExceeded).to_owned(),
        AppError::InsufficientStorage => lang.t(Text::InsufficientStorage).to_owned(),
        AppError::CsrfRefused => lang.t(Text::CsrfRefused).to_owned(),
        AppError::Internal(_) => lang.t(Text::InternalError).to_owned(),
        AppError::Denied(reason) => reason.text(lang == Lang::Ja).to_owned(),
        other => in_lang(&public_message(other), lang),
    }
}

/// An irreversible or destructive action, asked twice: the button opens a
/// panel that says what will happen, and only its own button (in the
/// danger style) submits. Plain HTML (`details`), so it needs no script.
pub(super) struct Confirm<'a> {
    /// Where the form posts.
    pub action: &'a str,
    /// The action's name, on both buttons.
    pub label: &'a str,
    /// A class naming the action (`roster-remove`): the opening button
    /// carries it, the submitting one `confirm-` and it.
    pub class: &'a str,
    /// What will happen, in the reader's language.
    pub warning: &'a str,
}

/// The markup of `confirm`, with `fields` (such as a reason) in its form.
pub(super) fn confirmed(ctx: &Ctx, confirm: &Confirm<'_>, fields: &Markup) -> Markup {
    html! {
        details class="confirm" {
            summary class={ "danger " (confirm.class) } { (confirm.label) }
            form method="post" action=(confirm.action) class="confirm-form" {
                (csrf_field(ctx))
                p class="warning" { (confirm.warning) }
                (fields)
                button type="submit" class={ "danger confirm-" (confirm.class) } {
                    (ctx.lang.t(Text::ConfirmAction)) ": " (confirm.label)
                }
            }
        }
    }
}

/// How a status badge is coloured; its words carry the meaning, the
/// colour (and border) only repeat it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tone {
    /// Normal operation (active, success).
    Success,
    /// For information (pending, acknowledged).
    Info,
    /// Needs attention (quarantined, failure).
    Warning,
    /// Refused or ended (revoked, denied, high severity).
    Danger,
    /// Neither (closed, superseded).
    Neutral,
}

impl Tone {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Danger => "danger",
            Self::Neutral => "neutral",
        }
    }
}

/// A status as a labelled badge.
pub(super) fn badge(tone: Tone, label: &str) -> Markup {
    html! { span class="badge" data-tone=(tone.as_str()) { (label) } }
}

/// Renders a page as a 200 response.
pub(super) fn ok(markup: Markup) -> Response {
    (StatusCode::OK, Html(markup.into_string())).into_response()
}

/// How pages show instants and dates: in the deployment's time zone
/// (`zero_trust.utc_offset_minutes`, JST by default), with the zone named,
/// since a Japanese agency reads its own time, not UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    offset: time::UtcOffset,
}

impl Zone {
    /// The zone `utc_offset_minutes` east of UTC (UTC if out of range;
    /// the configuration refuses such offsets at start).
    pub fn new(utc_offset_minutes: i32) -> Self {
        let offset = time::UtcOffset::from_whole_seconds(utc_offset_minutes.saturating_mul(60))
            .unwrap_or(time::UtcOffset::UTC);
        Self { offset }
    }

    /// The zone's name as shown: `JST` for +09:00, `UTC`, else `UTC+hh:mm`.
    pub fn name(self) -> String {
        let (h, m, _) = self.offset.as_hms();
        match (h, m) {
            (9, 0) => "JST".to_owned(),
            (0, 0) => "UTC".to_owned(),
            _ => format!(
                "UTC{}{:02}:{:02}",
                if self.offset.is_negative() { '-' } else { '+' },
                h.unsigned_abs(),
                m.unsigned_abs()
            ),
        }
    }

    fn local(self, ms: i64) -> Option<time::OffsetDateTime> {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .map(|t| t.to_offset(self.offset))
    }

    /// Unix milliseconds as local date and time, with the zone:
    /// `2027-03-31 09:00 JST`.
    pub fn when(self, ms: i64) -> String {
        self.local(ms)
            .and_then(|t| {
                t.format(&time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]"
                ))
                .ok()
            })
            .map(|t| format!("{t} {}", self.name()))
            .unwrap_or_default()
    }

    /// The local date of Unix milliseconds: `2027-03-31`.
    pub fn day(self, ms: i64) -> String {
        self.local(ms)
            .and_then(|t| {
                t.format(&time::macros::format_description!("[year]-[month]-[day]"))
                    .ok()
            })
            .unwrap_or_default()
    }

    /// The last day of a period that ends (exclusively) at `end_ms`, as
    /// the date it was entered as: a validity "until 2027-03-31" is stored
    /// as the local midnight that starts 2027-04-01, and shows as the date
    /// typed, not as an instant.
    pub fn last_day(self, end_ms: i64) -> String {
        self.day(end_ms.saturating_sub(1))
    }
}

/// Formats a byte count for people.
pub(super) fn size(bytes: i64) -> String {
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

impl Ctx {
    /// The deployment's time zone, for showing instants and dates.
    pub fn zone(&self) -> Zone {
        Zone::new(self.app.config().zero_trust.utc_offset_minutes)
    }
}

#[cfg(test)]
mod zone_tests {
    use super::Zone;

    /// 2027-03-31T15:00Z: the start of 2027-04-01 in Japan.
    const APRIL_FIRST_JST: i64 = 1_806_505_200_000;

    #[test]
    fn instants_show_in_the_configured_zone_with_its_name() {
        assert_eq!(Zone::new(540).when(APRIL_FIRST_JST), "2027-04-01 00:00 JST");
        assert_eq!(Zone::new(0).when(APRIL_FIRST_JST), "2027-03-31 15:00 UTC");
        assert_eq!(
            Zone::new(-210).when(APRIL_FIRST_JST),
            "2027-03-31 11:30 UTC-03:30"
        );
    }

    #[test]
    fn an_end_date_shows_as_the_date_entered() {
        assert_eq!(Zone::new(540).last_day(APRIL_FIRST_JST), "2027-03-31");
        assert_eq!(Zone::new(540).day(APRIL_FIRST_JST), "2027-04-01");
    }
}
