//! `/changes`: change requests after membership (変更申請): the requests
//! the caller may read, the form to file one, and each with its timeline,
//! the disposals a closure opened and the steps the caller may take. Forms
//! and buttons come from the use cases' answers, never from role checks.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::membership_change::{ChangeAction, ChangeKind, ChangeState, MembershipChangeForm};
use maud::{html, Markup};
use serde::Deserialize;

use super::inbox::{change_kind_label, change_state_label};
use super::layout::{csrf_field, error_page, ok, page, Marked};
use super::request_pages::{due, step_buttons, step_lines, timeline};
use super::{segment, Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{AppError, MembershipChangeView};

/// A step of a change request in words.
fn step_label(action: &str, lang: Lang) -> String {
    let text = match ChangeAction::parse(action) {
        Ok(ChangeAction::Complete) => Text::StepComplete,
        Ok(ChangeAction::Return) => Text::StepReturn,
        Ok(ChangeAction::RequireSiteCheck) => Text::StepRequireSiteCheck,
        Ok(ChangeAction::PassSiteCheck) => Text::StepPassSiteCheck,
        Ok(ChangeAction::Reject) => Text::StepReject,
        Ok(ChangeAction::Resubmit) => Text::StepResubmit,
        Ok(ChangeAction::Withdraw) => Text::StepWithdraw,
        Err(_) if action == "file" => Text::StepFile,
        Err(_) => return action.to_owned(),
    };
    lang.t(text).to_owned()
}

fn state_words(state: &str, lang: Lang) -> String {
    ChangeState::parse(state).map_or_else(
        |_| state.to_owned(),
        |s| change_state_label(s, lang).to_owned(),
    )
}

fn table(ctx: &Ctx, views: &[MembershipChangeView]) -> Markup {
    let lang = ctx.lang;
    html! {
        table id="change-requests" {
            thead { tr {
                th { (lang.t(Text::ChangeWhat)) } th { (lang.t(Text::SiteName)) }
                th { (lang.t(Text::Status)) } th { (lang.t(Text::DueOn)) }
                th { (lang.t(Text::Time)) }
            } }
            tbody { @for v in views {
                @let a = &v.row.application;
                tr class="application-row" data-id=(a.id) data-state=(v.state.as_str()) data-overdue=(v.overdue) {
                    td { a href={ "/changes/" (segment(&a.id)) } { (change_kind_label(v.row.form.change, lang)) } }
                    td { (v.row.form.site) }
                    td class="state" { (change_state_label(v.state, lang)) }
                    td { (due(a.due_on.as_deref(), v.overdue, lang)) }
                    td { (ctx.zone().when(a.submitted_at)) }
                }
            } }
        }
    }
}

fn filing_form(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    html! {
        form method="post" action="/changes" class="card" id="change-request-form" {
            h2 { (lang.t(Text::FileChangeRequest)) }
            (csrf_field(ctx))
            label for="chg-change" { (lang.t(Text::ChangeWhat)) }
            select name="change" id="chg-change" {
                @for k in ChangeKind::ALL { option value=(k.as_str()) { (change_kind_label(*k, lang)) } }
            }
            label for="chg-site" { (lang.t(Text::SiteName)) }
            input type="text" name="site" id="chg-site" maxlength="200";
            label for="chg-new-name" { (lang.t(Text::ChangeNewName)) }
            input type="text" name="new_name" id="chg-new-name" maxlength="200";
            label for="chg-details" { (lang.t(Text::ChangeDetails)) }
            textarea name="details" id="chg-details" required maxlength="4000" {}
            button type="submit" { (lang.t(Text::FileRequest)) }
        }
    }
}

/// `GET /changes`
pub(super) async fn changes_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let all = if ctx.app.may_read_applications(&ctx.caller) {
        match ctx.app.membership_changes(&ctx.meta, &ctx.caller).await {
            Ok(v) => v,
            Err(e) => return error_page(&ctx, e),
        }
    } else {
        Vec::new()
    };
    let body = html! {
        p class="note" { (lang.t(Text::ChangesIntro)) }
        @if ctx.app.may_file_application(&ctx.caller) { (filing_form(&ctx)) }
        h2 { (lang.t(Text::KindChange)) }
        @if all.is_empty() {
            p id="no-changes" { (lang.t(Text::NoChangeRequests)) }
        } @else {
            (table(&ctx, &all))
        }
        p { a href="/inbox" { (lang.t(Text::InboxTitle)) } }
    };
    ok(page(&ctx, lang.t(Text::KindChange), Marked::Plain, body))
}

/// The filing form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct FilingForm {
    change: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    new_name: String,
    details: String,
}

/// `POST /changes`: files the request, then shows it.
pub(super) async fn file(ctx: Ctx, Form(f): Form<FilingForm>) -> Response {
    let Ok(change) = ChangeKind::parse(&f.change) else {
        return error_page(&ctx, AppError::Invalid("change: an unknown kind".into()));
    };
    let form = MembershipChangeForm {
        change,
        site: f.site,
        new_name: f.new_name,
        details: f.details,
    };
    match ctx
        .app
        .file_membership_change(&ctx.meta, &ctx.caller, None, &form)
        .await
    {
        Ok(v) => {
            Redirect::to(&format!("/changes/{}", segment(&v.row.application.id))).into_response()
        }
        Err(e) => error_page(&ctx, e),
    }
}

/// `GET /changes/{id}`: the request, its timeline and its steps.
pub(super) async fn change_page(ctx: Ctx, Path(id): Path<String>) -> Response {
    let lang = ctx.lang;
    let v = match ctx.app.membership_change(&ctx.meta, &ctx.caller, &id).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let a = &v.row.application;
    let f = &v.row.form;
    let actions: Vec<&'static str> = v.actions.iter().map(|a| a.as_str()).collect();
    let body = html! {
        div class="card" id="change" data-id=(a.id) data-state=(v.state.as_str()) {
            p { strong class="state" { (change_state_label(v.state, lang)) } }
            dl {
                dt { (lang.t(Text::ChangeWhat)) } dd { (change_kind_label(f.change, lang)) }
                @if !f.site.is_empty() { dt { (lang.t(Text::SiteName)) } dd { (f.site) } }
                @if !f.new_name.is_empty() { dt { (lang.t(Text::ChangeNewName)) } dd { (f.new_name) } }
                dt { (lang.t(Text::ChangeDetails)) } dd { (f.details) }
                dt { (lang.t(Text::DueOn)) } dd { (due(a.due_on.as_deref(), v.overdue, lang)) }
            }
            (step_buttons(&ctx, ("/changes", &a.id), &actions, step_label))
        }
        @if !v.row.disposals.is_empty() {
            h2 { (lang.t(Text::ChangeDisposals)) }
            ul id="change-disposals" { @for d in &v.row.disposals {
                li data-terminal=(d.terminal_id) {
                    (d.terminal_id) " — " (ctx.zone().when(d.opened_at))
                }
            } }
        }
        (timeline(&ctx, &step_lines!(v.steps), (step_label, state_words)))
        p { a href="/changes" { (lang.t(Text::Back)) } }
    };
    let title = format!(
        "{} — {}",
        lang.t(Text::KindChange),
        change_kind_label(f.change, lang)
    );
    ok(page(&ctx, &title, Marked::Plain, body))
}

/// The reason field of a step's form.
#[derive(Debug, Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    reason: String,
}

/// `POST /changes/{id}/{action}`: back to the request.
pub(super) async fn step(
    ctx: Ctx,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<StepForm>,
) -> Response {
    let Ok(action) = ChangeAction::parse(&action) else {
        return error_page(&ctx, AppError::NotFound);
    };
    match ctx
        .app
        .act_on_membership_change(&ctx.meta, &ctx.caller, &id, action, &form.reason)
        .await
    {
        Ok(v) => {
            Redirect::to(&format!("/changes/{}", segment(&v.row.application.id))).into_response()
        }
        Err(e) => error_page(&ctx, e),
    }
}
