//! `/alerts`: what the analysis rules raised, open alerts first, with
//! their entries; operators acknowledge and close them. The pages ask the
//! policy through the use cases (`alert.read`, `alert.manage`).

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::{AlertChange, AlertSeverity, AlertStatus};
use maud::{html, Markup};
use serde::Deserialize;

use super::labels::{action_label, outcome_badge};
use super::layout::{badge, csrf_field, error_page, ok, page, page_in, Marked, Tone};
use super::{Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{AlertRule, AlertView, AppError, AuditScope};

/// The rule's name in the page's language (the stable name if unknown,
/// e.g. a rule of a later release).
pub(super) fn rule_label(rule: &str, lang: Lang) -> String {
    let text = match AlertRule::parse(rule) {
        Some(AlertRule::FailedLoginsAccount) => Text::RuleFailedLoginsAccount,
        Some(AlertRule::FailedLoginsSource) => Text::RuleFailedLoginsSource,
        Some(AlertRule::Lockout) => Text::RuleLockout,
        Some(AlertRule::DownloadBurst) => Text::RuleDownloadBurst,
        Some(AlertRule::OffHours) => Text::RuleOffHours,
        Some(AlertRule::Terminal) => Text::RuleTerminal,
        Some(AlertRule::PrivilegeChange) => Text::RulePrivilegeChange,
        Some(AlertRule::RecoveryCode) => Text::RuleRecoveryCode,
        Some(AlertRule::Integrity) => Text::RuleIntegrity,
        Some(AlertRule::LogConsistency) => Text::RuleLogConsistency,
        None => return rule.to_owned(),
    };
    lang.t(text).to_owned()
}

fn severity_label(severity: AlertSeverity, lang: Lang) -> &'static str {
    lang.t(match severity {
        AlertSeverity::High => Text::SeverityHigh,
        AlertSeverity::Medium => Text::SeverityMedium,
        AlertSeverity::Low => Text::SeverityLow,
    })
}

fn severity_tone(severity: AlertSeverity) -> Tone {
    match severity {
        AlertSeverity::High => Tone::Danger,
        AlertSeverity::Medium => Tone::Warning,
        AlertSeverity::Low => Tone::Info,
    }
}

fn status_tone(status: AlertStatus) -> Tone {
    match status {
        AlertStatus::Open => Tone::Warning,
        AlertStatus::Acknowledged => Tone::Info,
        AlertStatus::Closed => Tone::Neutral,
    }
}

fn status_label(status: AlertStatus, lang: Lang) -> &'static str {
    lang.t(match status {
        AlertStatus::Open => Text::AlertOpen,
        AlertStatus::Acknowledged => Text::AlertAcknowledged,
        AlertStatus::Closed => Text::AlertClosed,
    })
}

fn subject(a: &AlertView) -> Markup {
    html! {
        @match &a.key_name {
            Some(name) => { (name) br; small { (a.key) } }
            None => { (a.key) }
        }
    }
}

/// Whether the caller may be offered the buttons (asked of the policy
/// point; the use case decides again when one is pressed).
fn manages(ctx: &Ctx) -> bool {
    ctx.app.may_manage_alerts(&ctx.caller)
}

/// Acknowledge and close, as the alert's status allows.
fn actions(ctx: &Ctx, a: &AlertView) -> Markup {
    let lang = ctx.lang;
    let form = |what: &str, label: Text| {
        html! {
            form method="post" action={ "/alerts/" (a.id) "/" (what) } class="inline" {
                (csrf_field(ctx))
                input type="text" name="note" placeholder=(lang.t(Text::NoteOptional)) maxlength="1000";
                button type="submit" class={ "alert-" (what) } { (lang.t(label)) }
            }
        }
    };
    html! {
        @if manages(ctx) {
            @if a.status.after(AlertChange::Acknowledge).is_some() { (form("acknowledge", Text::Acknowledge)) }
            @if a.status.after(AlertChange::Close).is_some() { (form("close", Text::CloseAlert)) }
        }
    }
}

/// The list's filter.
#[derive(Debug, Deserialize, Default)]
pub(super) struct AlertsQuery {
    #[serde(default)]
    status: Option<String>,
}

/// `GET /alerts`
pub(super) async fn alerts_page(ctx: Ctx, Query(q): Query<AlertsQuery>) -> Response {
    let lang = ctx.lang;
    let status = q.status.clone().unwrap_or_else(|| "all".to_owned());
    let alerts = match ctx.app.alerts(&ctx.meta, &ctx.caller, Some(&status)).await {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, e),
    };
    let body = html! {
        p class="note" { (lang.t(Text::AlertsIntro)) }
        form method="get" action="/alerts" class="card" id="alert-filter" {
            label for="alert-status" { (lang.t(Text::Status)) }
            select name="status" id="alert-status" {
                option value="all" selected[status == "all"] { (lang.t(Text::Any)) }
                @for s in [AlertStatus::Open, AlertStatus::Acknowledged, AlertStatus::Closed] {
                    option value=(s.as_str()) selected[status == s.as_str()] { (status_label(s, lang)) }
                }
            }
            button type="submit" { (lang.t(Text::Search)) }
        }
        @if alerts.is_empty() {
            p id="no-alerts" { (lang.t(Text::NoAlerts)) }
        } @else {
            div class="table-scroll" tabindex="0" {
                table id="alerts" {
                    thead { tr {
                        th { (lang.t(Text::Severity)) } th { (lang.t(Text::Rule)) }
                        th { (lang.t(Text::AlertSubject)) } th { (lang.t(Text::EntryCount)) }
                        th { (lang.t(Text::FirstAt)) } th { (lang.t(Text::LastAt)) }
                        th { (lang.t(Text::Status)) } th {}
                    } }
                    tbody { @for a in &alerts {
                        tr class="alert-row" data-id=(a.id) data-rule=(a.rule) data-status=(a.status.as_str()) data-severity=(a.severity.as_str()) {
                            td class={ "severity-" (a.severity.as_str()) } { (badge(severity_tone(a.severity), severity_label(a.severity, lang))) }
                            td { (rule_label(&a.rule, lang)) }
                            td { (subject(a)) }
                            td { (a.entry_count) }
                            td { (ctx.zone().when(a.first_at)) }
                            td { (ctx.zone().when(a.last_at)) }
                            td class="status" { (badge(status_tone(a.status), status_label(a.status, lang))) }
                            td {
                                a class="alert-entries" href={ "/alerts/" (a.id) } { (lang.t(Text::ShowEntries)) }
                                (actions(&ctx, a))
                            }
                        }
                    } }
                }
            }
        }
    };
    ok(page(&ctx, lang.t(Text::Alerts), Marked::Plain, body))
}

/// `GET /alerts/{id}`: the alert and the entries that raised it.
pub(super) async fn alert_page(ctx: Ctx, Path(id): Path<String>) -> Response {
    let lang = ctx.lang;
    let detail = match ctx.app.alert(&ctx.meta, &ctx.caller, &id).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, e),
    };
    // Names for the entries' ids: alert readers are the agency's, who
    // may know every account.
    let directory = match ctx.app.audit_directory(&AuditScope::All).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, e),
    };
    let user = |id: &str| {
        directory
            .users
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    };
    let a = &detail.alert;
    let title = format!("{} — {}", lang.t(Text::Alerts), rule_label(&a.rule, lang));
    let handled = [
        (
            a.acknowledged_at,
            &a.acknowledge_note,
            Text::AlertAcknowledged,
        ),
        (a.closed_at, &a.close_note, Text::AlertClosed),
    ];
    let body = html! {
        div class="card" id="alert" data-id=(a.id) data-rule=(a.rule) data-status=(a.status.as_str()) {
            p {
                span class={ "severity-" (a.severity.as_str()) } { (lang.t(Text::Severity)) ": " (badge(severity_tone(a.severity), severity_label(a.severity, lang))) }
                " · " (lang.t(Text::Status)) ": " span class="status" { (badge(status_tone(a.status), status_label(a.status, lang))) }
            }
            p { (lang.t(Text::AlertSubject)) ": " (subject(a)) }
            p {
                (lang.t(Text::EntryCount)) ": " (a.entry_count) " · "
                (lang.t(Text::FirstAt)) ": " (ctx.zone().when(a.first_at)) " · "
                (lang.t(Text::LastAt)) ": " (ctx.zone().when(a.last_at))
            }
            @for (at, note, label) in handled {
                @if let Some(at) = at {
                    p class="handled" { (lang.t(label)) " " (ctx.zone().when(at)) @if let Some(n) = note { ": " (n) } }
                }
            }
            (actions(&ctx, a))
        }
        h2 { (lang.t(Text::AlertEntries)) }
        @if detail.truncated { p class="note" { (lang.t(Text::MoreEntries)) } }
        div class="table-scroll" tabindex="0" {
            table id="alert-entries" {
                thead { tr {
                    th { (lang.t(Text::Time)) } th { (lang.t(Text::Actor)) } th { (lang.t(Text::Action)) }
                    th { (lang.t(Text::Object)) } th { (lang.t(Text::Outcome)) } th { (lang.t(Text::WhyColumn)) }
                    th { (lang.t(Text::Proof)) }
                } }
                tbody { @for e in &detail.entries {
                    tr class="alert-entry" data-id=(e.entry.id) data-action=(e.entry.action) {
                        td { (ctx.zone().when(e.entry.occurred_at)) }
                        td { (user(e.entry.actor.as_deref().unwrap_or_default())) br; small { (e.entry.source.as_deref().unwrap_or_default()) } }
                        td title=(e.entry.action) { (action_label(&e.entry.action, lang)) }
                        td { (e.entry.object_type) " " small { (e.entry.object_id.as_deref().unwrap_or_default()) } }
                        td class={ "outcome-" (e.entry.outcome) } { (outcome_badge(&e.entry.outcome, lang)) }
                        td { small { (e.entry.reason) } }
                        td { @if let Some(seq) = e.seq.filter(|s| *s >= 0) {
                            a href={ "/api/v1/audit/entries/" (seq) "/proof" } { "#" (seq) }
                        } }
                    }
                } }
            }
        }
        p { a href="/alerts" { (lang.t(Text::Back)) } }
    };
    ok(page_in(
        &ctx,
        &[("/", lang.t(Text::Home)), ("/alerts", lang.t(Text::Alerts))],
        &title,
        Marked::Plain,
        body,
    ))
}

/// The note field of the forms.
#[derive(Debug, Deserialize)]
pub(super) struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /alerts/{id}/{acknowledge|close}`: back to the alert.
pub(super) async fn change(
    ctx: Ctx,
    Path((id, what)): Path<(String, String)>,
    Form(form): Form<NoteForm>,
) -> Response {
    let change = match what.as_str() {
        "acknowledge" => AlertChange::Acknowledge,
        "close" => AlertChange::Close,
        _ => return error_page(&ctx, AppError::NotFound),
    };
    match ctx
        .app
        .change_alert(&ctx.meta, &ctx.caller, &id, change, Ok(Some(form.note)))
        .await
    {
        Ok(a) => Redirect::to(&format!("/alerts/{}", a.id)).into_response(),
        Err(e) => error_page(&ctx, e),
    }
}
