//! The operators' account page: states, unlock/disable/enable, enrolment
//! links, authenticator resets with a second approver, failed-login trend.

use axum::extract::Path;
use axum::response::Response;
use dsg_crypto::SecretString;
use maud::html;

use super::identity::step_up_or_error;
use super::labels::account_state_badge;
use super::layout::{confirmed, csrf_field, error_page, ok, page, page_in, Confirm, Marked};
use super::notice::{done, Notice};
use super::secret::{secret_box, Secret};
use super::{Lang, Text};
use crate::http::context::Ctx;
use dsg_app::AccountChange;

/// Shows a one-time enrolment link to hand to the user.
pub(super) fn enrolment_link_page(ctx: &Ctx, username: &str, path: &SecretString) -> Response {
    let lang = ctx.lang;
    let origin = ctx.app.config().rp_origin();
    let link = format!("{origin}{}", path.expose());
    let body = html! {
        div class="card" id="enrolment-link-card" {
            p { strong { (username) } }
            (secret_box(lang, &Secret {
                id: "enrolment-link",
                label: lang.t(Text::EnrolmentLink),
                text: &link,
                file: "dsg-enrolment-link.txt",
                path: Some(path.expose()),
            }))
        }
        p { a href="/admin/accounts" { (lang.t(Text::Accounts)) } " · " a href="/admin" { (lang.t(Text::Admin)) } }
    };
    ok(page(ctx, lang.t(Text::EnrolmentLink), Marked::Plain, body))
}

/// `GET /admin/accounts`
pub(super) async fn accounts_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let accounts = match ctx.app.accounts(&ctx.meta, &ctx.caller).await {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, e),
    };
    let resets = match ctx.app.pending_resets(&ctx.meta, &ctx.caller).await {
        Ok(r) => r,
        Err(e) => return error_page(&ctx, e),
    };
    let recovery = match ctx.app.recovery_code_uses(&ctx.meta, &ctx.caller).await {
        Ok(r) => r,
        Err(e) => return error_page(&ctx, e),
    };
    let trend = match ctx.app.failed_login_trend(&ctx.meta, &ctx.caller, 14).await {
        Ok(t) => t,
        Err(e) => return error_page(&ctx, e),
    };
    let offers = ctx.app.admin_offers(&ctx.caller);
    let name = |id: dsg_core::UserId| {
        accounts
            .iter()
            .find(|a| a.user.id == id)
            .map(|a| a.user.username.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let action = |id: &dsg_core::UserId, what: &str, label: Text| {
        html! {
            form method="post" action={ "/admin/accounts/" (id) "/" (what) } class="inline" {
                (csrf_field(&ctx))
                button type="submit" class={ "account-" (what) } { (lang.t(label)) }
            }
        }
    };
    let body = html! {
        @if !recovery.is_empty() {
            div class="card alert" id="recovery-alerts" role="alert" {
                p { strong { (lang.t(Text::RecoveryAlert)) } }
                ul {
                    @for r in &recovery {
                        li class="recovery-alert" {
                            (ctx.zone().when(r.at)) " — " (r.user_id.parse().map(&name).unwrap_or_else(|_| r.user_id.clone()))
                            " (" (r.source_addr.clone().unwrap_or_default()) ")"
                        }
                    }
                }
            }
        }
        div class="table-scroll" tabindex="0" {
            table id="accounts" {
                thead { tr {
                    th { (lang.t(Text::Username)) } th { (lang.t(Text::State)) } th { (lang.t(Text::Factors)) }
                    th { (lang.t(Text::RecentFailures)) } th { (lang.t(Text::ValidUntil)) }
                    th { (lang.t(Text::Duties)) } th {}
                } }
                tbody {
                    @for a in &accounts {
                        tr class="account-row" data-username=(a.user.username) data-state=(a.state.as_str()) {
                            td { (a.user.username) " " small { (a.user.display_name) } }
                            td class="state" { (account_state_badge(a.state, lang)) }
                            td { (a.passkeys) " passkey" @if a.totp { " + TOTP" } }
                            td { (a.recent_failures) }
                            td { (a.user.valid_until.map(|t| ctx.zone().last_day(t)).unwrap_or_default()) }
                            td class="duties" {
                                @for d in &a.duties {
                                    span class="duty" data-duty=(d.as_str()) { (duty_label(*d, lang)) }
                                    @if a.offers.revoke.contains(d) {
                                        (action(&a.user.id, &format!("revoke-{}", d.as_str()), Text::RevokeDuty))
                                    }
                                    br;
                                }
                                @for d in &a.offers.grant {
                                    form method="post" action={ "/admin/accounts/" (a.user.id) "/grant-" (d.as_str()) } class="inline" {
                                        (csrf_field(&ctx))
                                        button type="submit" class={ "grant-" (d.as_str()) } { (lang.t(Text::GrantDuty)) ": " (duty_label(*d, lang)) }
                                    }
                                }
                            }
                            td {
                              @if offers.manage_accounts {
                                (action(&a.user.id, "unlock", Text::Unlock))
                                @if a.user.status == dsg_core::AccountStatus::Disabled {
                                    (action(&a.user.id, "enable", Text::Enable))
                                } @else {
                                    (confirmed(&ctx, &Confirm {
                                        action: &format!("/admin/accounts/{}/disable", a.user.id),
                                        label: lang.t(Text::Disable),
                                        class: "account-disable",
                                        warning: lang.t(Text::WarnDisableAccount),
                                    }, &html! {}))
                                }
                                @if a.state == dsg_core::AccountState::Pending {
                                    (action(&a.user.id, "enrolment-link", Text::NewEnrolmentLink))
                                } @else {
                                    (action(&a.user.id, "reset", Text::ResetAuthenticators))
                                }
                              }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.t(Text::PendingResets)) }
        div class="table-scroll" tabindex="0" {
            table id="resets" {
                thead { tr { th { (lang.t(Text::Username)) } th { (lang.t(Text::RequestedBy)) } th { (lang.t(Text::Started)) } th {} } }
                tbody {
                    @for r in &resets {
                        tr class="reset-row" {
                            td { (name(r.user_id)) }
                            td { (r.requested_by.parse().map(&name).unwrap_or_else(|_| r.requested_by.clone())) }
                            td { (ctx.zone().when(r.requested_at)) }
                            td {
                                @if ctx.app.may_approve_reset(&ctx.caller, &r.id, &r.requested_by) {
                                    form method="post" action={ "/admin/resets/" (r.id) "/approve" } class="inline" {
                                        (csrf_field(&ctx))
                                        button type="submit" class="approve-reset" { (lang.t(Text::Approve)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.t(Text::FailedLogins)) }
        div class="table-scroll" tabindex="0" {
            table id="failed-logins" {
                thead { tr { th { (lang.t(Text::Day)) } th { (lang.t(Text::Count)) } th { (lang.t(Text::Accounts)) } th { (lang.t(Text::Address)) } } }
                tbody {
                    @for d in &trend {
                        tr { td { (dsg_core::CalendarDate::of_unix_ms(d.day.saturating_mul(86_400_000))) } td { (d.failures) } td { (d.accounts) } td { (d.sources) } }
                    }
                }
            }
        }
    };
    ok(page_in(
        &ctx,
        &[("/", lang.t(Text::Home)), ("/admin", lang.t(Text::Admin))],
        lang.t(Text::Accounts),
        Marked::Plain,
        body,
    ))
}

/// A duty's name in the page's language.
pub(super) fn duty_label(duty: dsg_core::Duty, lang: Lang) -> &'static str {
    match duty {
        dsg_core::Duty::Auditor => lang.t(Text::DutyAuditor),
        dsg_core::Duty::SecurityAdmin => lang.t(Text::DutySecurityAdmin),
        dsg_core::Duty::SiteSurvey => lang.t(Text::DutySiteSurvey),
        dsg_core::Duty::TerminalSetup => lang.t(Text::DutyTerminalSetup),
    }
}

/// `POST /admin/accounts/{id}/{unlock|disable|enable|enrolment-link|reset}`,
/// and `grant-<duty>` / `revoke-<duty>`.
pub(super) async fn account_action(ctx: Ctx, Path((id, what)): Path<(String, String)>) -> Response {
    let back = "/admin/accounts";
    let change = match what.as_str() {
        "unlock" => AccountChange::Unlock,
        "disable" => AccountChange::Disable,
        "enable" => AccountChange::Enable,
        "enrolment-link" => {
            return match ctx
                .app
                .reissue_enrolment_link(&ctx.meta, &ctx.caller, &id)
                .await
            {
                Ok(token) => enrolment_link_page(&ctx, "", &crate::enrolment_path(&token)),
                Err(e) => step_up_or_error(&ctx, e, back),
            };
        }
        "reset" => {
            return match ctx
                .app
                .request_authenticator_reset(&ctx.meta, &ctx.caller, &id)
                .await
            {
                Ok(_) => done(back, Notice::Saved),
                Err(e) => step_up_or_error(&ctx, e, back),
            };
        }
        change => {
            let (grant, duty) = match change.split_once('-') {
                Some(("grant", duty)) => (true, duty),
                Some(("revoke", duty)) => (false, duty),
                _ => return error_page(&ctx, dsg_app::AppError::NotFound),
            };
            return match ctx
                .app
                .change_duty(&ctx.meta, &ctx.caller, &id, duty, grant)
                .await
            {
                Ok(()) => done(back, Notice::AccountChanged),
                Err(e) => step_up_or_error(&ctx, e, back),
            };
        }
    };
    match ctx
        .app
        .set_account_status(&ctx.meta, &ctx.caller, &id, change)
        .await
    {
        Ok(_) => done(back, Notice::AccountChanged),
        Err(e) => step_up_or_error(&ctx, e, back),
    }
}

/// `POST /admin/resets/{id}/approve`: shows the new enrolment link.
pub(super) async fn approve_reset(ctx: Ctx, Path(id): Path<String>) -> Response {
    match ctx
        .app
        .approve_authenticator_reset(&ctx.meta, &ctx.caller, &id)
        .await
    {
        Ok((_, token)) => enrolment_link_page(&ctx, "", &crate::enrolment_path(&token)),
        Err(e) => step_up_or_error(&ctx, e, "/admin/accounts"),
    }
}
