//! `/applications`: what waits for the caller, the software installation
//! requests they may read, the form to file one, and each request with its
//! timeline and the steps the caller may take. Forms and buttons come from
//! the use cases' answers (the policy point and the workflow engine), never
//! from role checks; the use case decides again when one is pressed.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::software::{Delivery, SoftwareAction, SoftwareForm, SoftwareState};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, error_page, ok, page, Marked};
use super::{segment, Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{AppError, SoftwareRequestView};

pub(super) fn state_label(state: SoftwareState, lang: Lang) -> &'static str {
    lang.t(match state {
        SoftwareState::Submitted => Text::StateSubmitted,
        SoftwareState::Returned => Text::StateReturned,
        SoftwareState::Approved => Text::StateApproved,
        SoftwareState::Rejected => Text::StateRejected,
        SoftwareState::Refused => Text::StateRefused,
        SoftwareState::Recorded => Text::StateRecorded,
        SoftwareState::Withdrawn => Text::StateWithdrawn,
    })
}

fn step_label(action: &str, lang: Lang) -> String {
    let text = match SoftwareAction::parse(action) {
        Ok(SoftwareAction::Approve) => Text::StepApprove,
        Ok(SoftwareAction::Return) => Text::StepReturn,
        Ok(SoftwareAction::Reject) => Text::StepReject,
        Ok(SoftwareAction::Resubmit) => Text::StepResubmit,
        Ok(SoftwareAction::Withdraw) => Text::StepWithdraw,
        Err(_) if action == "file" => Text::StepFile,
        Err(_) => return action.to_owned(),
    };
    lang.t(text).to_owned()
}

/// The screening's stable reasons in words; a person's reason as typed.
fn reason_label(reason: &str, lang: Lang) -> String {
    let text = match reason {
        "online_installation" => Text::ReasonOnlineInstallation,
        "online_updates" => Text::ReasonOnlineUpdates,
        "blacklisted" => Text::ReasonBlacklisted,
        "whitelisted" => Text::ReasonWhitelisted,
        "awaiting_agency" => Text::ReasonAwaitingAgency,
        other => return other.to_owned(),
    };
    lang.t(text).to_owned()
}

fn delivery_label(d: Delivery, lang: Lang) -> &'static str {
    lang.t(match d {
        Delivery::Offline => Text::DeliveryOffline,
        Delivery::Online => Text::DeliveryOnline,
        Delivery::None => Text::DeliveryNone,
    })
}

fn due(v: &SoftwareRequestView, lang: Lang) -> Markup {
    html! {
        @if let Some(due) = &v.row.application.due_on {
            (due)
            @if v.overdue { " " strong class="overdue" { (lang.t(Text::Overdue)) } }
        }
    }
}

fn table(ctx: &Ctx, id: &str, views: &[SoftwareRequestView]) -> Markup {
    let lang = ctx.lang;
    html! {
        table id=(id) {
            thead { tr {
                th { (lang.t(Text::Product)) } th { (lang.t(Text::ProductVersion)) }
                th { (lang.t(Text::Vendor)) } th { (lang.t(Text::Status)) }
                th { (lang.t(Text::DueOn)) } th { (lang.t(Text::Time)) }
            } }
            tbody { @for v in views {
                @let a = &v.row.application;
                tr class="application-row" data-id=(a.id) data-state=(v.state.as_str()) data-overdue=(v.overdue) {
                    td { a href={ "/applications/" (segment(&a.id)) } { (v.row.form.product) } }
                    td { (v.row.form.version) }
                    td { (v.row.form.vendor) }
                    td class="state" {
                        (state_label(v.state, lang))
                        @if v.do_not_start { br; small class="do-not-start" { (lang.t(Text::DoNotStart)) } }
                    }
                    td { (due(v, lang)) }
                    td { (ctx.zone().when(a.submitted_at)) }
                }
            } }
        }
    }
}

fn filing_form(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let delivery = |name: &str, options: &[Delivery]| {
        html! {
            select name=(name) id={ "sw-" (name) } {
                @for d in options { option value=(d.as_str()) { (delivery_label(*d, lang)) } }
            }
        }
    };
    html! {
        form method="post" action="/applications" class="card" id="software-request-form" {
            h2 { (lang.t(Text::FileSoftwareRequest)) }
            (csrf_field(ctx))
            label for="sw-product" { (lang.t(Text::Product)) }
            input type="text" name="product" id="sw-product" required maxlength="200";
            label for="sw-version" { (lang.t(Text::ProductVersion)) }
            input type="text" name="version" id="sw-version" required maxlength="100";
            label for="sw-vendor" { (lang.t(Text::Vendor)) }
            input type="text" name="vendor" id="sw-vendor" required maxlength="200";
            label for="sw-purpose" { (lang.t(Text::Purpose)) }
            textarea name="purpose" id="sw-purpose" required maxlength="2000" {}
            label for="sw-installation" { (lang.t(Text::Installation)) }
            (delivery("installation", &[Delivery::Offline, Delivery::Online]))
            label for="sw-updates" { (lang.t(Text::Updates)) }
            (delivery("updates", &[Delivery::Offline, Delivery::Online, Delivery::None]))
            label { input type="checkbox" name="preinstalled" value="true"; " " (lang.t(Text::Preinstalled)) }
            button type="submit" { (lang.t(Text::FileRequest)) }
        }
    }
}

/// `GET /applications`
pub(super) async fn applications_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let inbox = match ctx.app.inbox(&ctx.meta, &ctx.caller).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let all = if ctx.app.may_read_applications(&ctx.caller) {
        match ctx.app.software_requests(&ctx.meta, &ctx.caller).await {
            Ok(v) => v,
            Err(e) => return error_page(&ctx, e),
        }
    } else {
        Vec::new()
    };
    let body = html! {
        p class="note" { (lang.t(Text::ApplicationsIntro)) }
        h2 { (lang.t(Text::Inbox)) }
        @if inbox.is_empty() {
            p id="inbox-empty" { (lang.t(Text::InboxEmpty)) }
        } @else {
            (table(&ctx, "inbox", &inbox))
        }
        @if ctx.app.may_file_application(&ctx.caller) { (filing_form(&ctx)) }
        h2 { (lang.t(Text::SoftwareRequests)) }
        @if all.is_empty() {
            p id="no-requests" { (lang.t(Text::NoSoftwareRequests)) }
        } @else {
            (table(&ctx, "software-requests", &all))
        }
        p { a href="/applications/software-lists" id="software-lists-link" { (lang.t(Text::SoftwareLists)) } }
        p { a href="/memberships" id="memberships-link" { (lang.t(Text::Memberships)) } }
        p { a href="/changes" id="changes-link" { (lang.t(Text::KindChange)) } }
        p { a href="/requests" id="requests-link" { (lang.t(Text::RequestsTitle)) } }
    };
    ok(page(&ctx, lang.t(Text::Applications), Marked::Plain, body))
}

/// The filing form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct FilingForm {
    product: String,
    version: String,
    vendor: String,
    purpose: String,
    installation: String,
    updates: String,
    #[serde(default)]
    preinstalled: Option<String>,
}

/// `POST /applications`: files the request, then shows it.
pub(super) async fn file(ctx: Ctx, Form(f): Form<FilingForm>) -> Response {
    let delivery = |raw: &str| {
        Delivery::parse(raw).map_err(|_| AppError::Invalid("offline, online or none".into()))
    };
    let form = match (delivery(&f.installation), delivery(&f.updates)) {
        (Ok(installation), Ok(updates)) => SoftwareForm {
            product: f.product,
            version: f.version,
            vendor: f.vendor,
            purpose: f.purpose,
            installation,
            updates,
            preinstalled: f.preinstalled.is_some(),
        },
        (Err(e), _) | (_, Err(e)) => return error_page(&ctx, e),
    };
    match ctx
        .app
        .file_software_request(&ctx.meta, &ctx.caller, None, &form)
        .await
    {
        Ok(v) => Redirect::to(&format!("/applications/{}", segment(&v.row.application.id)))
            .into_response(),
        Err(e) => error_page(&ctx, e),
    }
}

/// `GET /applications/{id}`: the request, its timeline and its steps.
pub(super) async fn application_page(ctx: Ctx, Path(id): Path<String>) -> Response {
    let lang = ctx.lang;
    let detail = match ctx.app.software_request(&ctx.meta, &ctx.caller, &id).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, e),
    };
    let v = &detail.request;
    let a = &v.row.application;
    let f = &v.row.form;
    let body = html! {
        div class="card" id="application" data-id=(a.id) data-state=(v.state.as_str()) {
            p { strong class="state" { (state_label(v.state, lang)) } ": " (reason_label(&a.reason, lang)) }
            @if v.do_not_start { p class="do-not-start" { strong { (lang.t(Text::DoNotStart)) } } }
            dl {
                dt { (lang.t(Text::Product)) } dd { (f.product) }
                dt { (lang.t(Text::ProductVersion)) } dd { (f.version) }
                dt { (lang.t(Text::Vendor)) } dd { (f.vendor) }
                dt { (lang.t(Text::Purpose)) } dd { (f.purpose) }
                dt { (lang.t(Text::Installation)) } dd { (delivery_label(f.installation, lang)) }
                dt { (lang.t(Text::Updates)) } dd { (delivery_label(f.updates, lang)) }
                dt { (lang.t(Text::Preinstalled)) } dd { (if f.preinstalled { "✔" } else { "—" }) }
                dt { (lang.t(Text::DueOn)) } dd { (due(v, lang)) }
            }
            @for action in &v.actions {
                form method="post" action={ "/applications/" (segment(&a.id)) "/" (action.as_str()) } class="inline" {
                    (csrf_field(&ctx))
                    input type="text" name="reason" placeholder=(lang.t(Text::ReasonOptional)) maxlength="2000";
                    button type="submit" class={ "step-" (action.as_str()) } { (step_label(action.as_str(), lang)) }
                }
            }
        }
        h2 { (lang.t(Text::Timeline)) }
        table id="timeline" {
            thead { tr {
                th { (lang.t(Text::Time)) } th { (lang.t(Text::Action)) }
                th { (lang.t(Text::Status)) } th { (lang.t(Text::ReasonOptional)) }
            } }
            tbody { @for s in &detail.steps {
                tr class="step" data-action=(s.action) {
                    td { (ctx.zone().when(s.at)) }
                    td { (step_label(&s.action, lang)) }
                    td { (SoftwareState::parse(&s.to_state).map_or(s.to_state.clone(), |st| state_label(st, lang).to_owned())) }
                    td { (reason_label(&s.reason, lang)) }
                }
            } }
        }
        p { a href="/applications" { (lang.t(Text::Back)) } }
    };
    let title = format!("{} — {}", lang.t(Text::SoftwareRequests), f.product);
    ok(page(&ctx, &title, Marked::Plain, body))
}

/// The reason field of a step's form.
#[derive(Debug, Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    reason: String,
}

/// `POST /applications/{id}/{action}`: back to the request.
pub(super) async fn step(
    ctx: Ctx,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<StepForm>,
) -> Response {
    let Ok(action) = SoftwareAction::parse(&action) else {
        return error_page(&ctx, AppError::NotFound);
    };
    match ctx
        .app
        .act_on_software_request(&ctx.meta, &ctx.caller, &id, action, &form.reason)
        .await
    {
        Ok(v) => Redirect::to(&format!("/applications/{}", segment(&v.row.application.id)))
            .into_response(),
        Err(e) => error_page(&ctx, e),
    }
}

/// `GET /applications/software-lists`: the lists in force and their history.
pub(super) async fn lists_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let view = match ctx.app.software_lists(&ctx.meta, &ctx.caller).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let list = |id: &str, title: Text, entries: &[dsg_core::software::SoftwareEntry]| {
        html! {
            h2 { (lang.t(title)) }
            table id=(id) {
                thead { tr { th { (lang.t(Text::Product)) } th { (lang.t(Text::Vendor)) } th { (lang.t(Text::ProductVersion)) } } }
                tbody { @for e in entries {
                    tr { td { (e.product) } td { (e.vendor) }
                         td { @if e.version.is_empty() { (lang.t(Text::AnyVersion)) } @else { (e.version) } } }
                } }
            }
        }
    };
    let body = html! {
        p { (lang.t(Text::Version)) ": " span id="lists-version" { (view.version) } }
        (list("whitelist", Text::Whitelist, &view.lists.allowed))
        (list("blacklist", Text::Blacklist, &view.lists.denied))
        h2 { (lang.t(Text::Timeline)) }
        ul id="lists-history" { @for h in &view.history {
            li { (h.version) " — " (ctx.zone().when(h.changed_at)) ": " (h.note) }
        } }
        p { a href="/applications" { (lang.t(Text::Back)) } }
    };
    ok(page(&ctx, lang.t(Text::SoftwareLists), Marked::Plain, body))
}
