//! `/requests`: terminal requests (端末登録・撤去申請) and removable-media
//! requests (可搬記憶媒体登録・撤去申請): the forms to file either, the
//! company's media list, and each request with its timeline and the steps
//! the caller may take. Forms and buttons come from the use cases' answers
//! (the policy point and the workflow engine), never from role checks.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::requests::{
    ApprovalAction, ApprovalState, MediaForm, MediaType, Operation, TerminalRequestForm,
};
use dsg_core::UserId;
use maud::{html, Markup};
use serde::Deserialize;

use super::inbox::{approval_state_label, kind_label};
use super::layout::{csrf_field, error_page, ok, page, Marked};
use super::request_pages::{due, step_buttons, step_lines, timeline};
use super::{segment, Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{AppError, RequestView};

/// A step of a request the agency approves, in words.
fn step_label(action: &str, lang: Lang) -> String {
    let text = match ApprovalAction::parse(action) {
        Ok(ApprovalAction::Approve) => Text::StepApprove,
        Ok(ApprovalAction::Return) => Text::StepReturn,
        Ok(ApprovalAction::Reject) => Text::StepReject,
        Ok(ApprovalAction::Resubmit) => Text::StepResubmit,
        Ok(ApprovalAction::Withdraw) => Text::StepWithdraw,
        Err(_) if action == "file" => Text::StepFile,
        Err(_) => return action.to_owned(),
    };
    lang.t(text).to_owned()
}

fn state_words(state: &str, lang: Lang) -> String {
    ApprovalState::parse(state).map_or_else(
        |_| state.to_owned(),
        |s| approval_state_label(s, lang).to_owned(),
    )
}

fn operation_label(op: Operation, lang: Lang) -> &'static str {
    lang.t(match op {
        Operation::Register => Text::OperationRegister,
        Operation::Remove => Text::OperationRemove,
    })
}

fn operation_select(lang: Lang, id: &str) -> Markup {
    html! {
        select name="operation" id=(id) {
            @for op in Operation::ALL { option value=(op.as_str()) { (operation_label(*op, lang)) } }
        }
    }
}

fn forms(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    html! {
        form method="post" action="/requests/terminal" class="card" id="terminal-request-form" {
            h2 { (lang.t(Text::KindTerminal)) }
            (csrf_field(ctx))
            (operation_select(lang, "trq-operation"))
            label for="trq-serial" { (lang.t(Text::Serial)) }
            input type="text" name="serial" id="trq-serial" maxlength="100";
            label for="trq-site" { (lang.t(Text::Site)) }
            input type="text" name="site" id="trq-site" maxlength="200";
            label for="trq-model" { (lang.t(Text::RequestModel)) }
            input type="text" name="model" id="trq-model" maxlength="200";
            label for="trq-csr" { (lang.t(Text::RequestCsr)) }
            textarea name="csr_pem" id="trq-csr" maxlength="16384" {}
            label for="trq-terminal" { (lang.t(Text::RequestTerminalId)) }
            input type="text" name="terminal_id" id="trq-terminal" maxlength="64";
            label for="trq-reason" { (lang.t(Text::Reason)) }
            textarea name="reason" id="trq-reason" maxlength="2000" {}
            button type="submit" { (lang.t(Text::FileRequest)) }
        }
        form method="post" action="/requests/media" class="card" id="media-request-form" {
            h2 { (lang.t(Text::KindMedia)) }
            (csrf_field(ctx))
            (operation_select(lang, "mrq-operation"))
            label for="mrq-media" { (lang.t(Text::RequestMediaId)) }
            input type="text" name="media_id" id="mrq-media" required maxlength="100";
            label for="mrq-type" { (lang.t(Text::RequestMediaType)) }
            select name="media_type" id="mrq-type" {
                @for t in MediaType::ALL { option value=(t.as_str()) { (t.as_str()) } }
            }
            label for="mrq-capacity" { (lang.t(Text::RequestCapacity)) }
            input type="number" name="capacity_mb" id="mrq-capacity" min="0";
            label for="mrq-purpose" { (lang.t(Text::Purpose)) }
            textarea name="purpose" id="mrq-purpose" maxlength="2000" {}
            label for="mrq-users" { (lang.t(Text::RequestPermittedUsers)) }
            input type="text" name="permitted_users" id="mrq-users";
            label for="mrq-reason" { (lang.t(Text::Reason)) }
            textarea name="reason" id="mrq-reason" maxlength="2000" {}
            button type="submit" { (lang.t(Text::FileRequest)) }
        }
    }
}

/// `GET /requests`
pub(super) async fn requests_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let media = if ctx.app.may_read_applications(&ctx.caller) {
        match ctx.app.removable_media(&ctx.meta, &ctx.caller).await {
            Ok(v) => v,
            Err(e) => return error_page(&ctx, e),
        }
    } else {
        Vec::new()
    };
    let body = html! {
        p class="note" { (lang.t(Text::RequestsIntro)) }
        @if ctx.app.may_file_application(&ctx.caller) { (forms(&ctx)) }
        h2 { (lang.t(Text::MediaList)) }
        table id="media-list" {
            thead { tr {
                th { (lang.t(Text::RequestMediaId)) } th { (lang.t(Text::RequestMediaType)) }
                th { (lang.t(Text::RequestCapacity)) } th { (lang.t(Text::Purpose)) }
                th { (lang.t(Text::Time)) }
            } }
            tbody { @for m in &media {
                tr data-removed=(m.removed_at.is_some()) {
                    td { (m.media_id) } td { (m.media_type.as_str()) }
                    td { (m.capacity_mb) } td { (m.purpose) }
                    td {
                        (ctx.zone().when(m.registered_at))
                        @if let Some(at) = m.removed_at { " — " (ctx.zone().when(at)) }
                    }
                }
            } }
        }
        p { a href="/inbox" { (lang.t(Text::InboxTitle)) } }
    };
    ok(page(&ctx, lang.t(Text::RequestsTitle), Marked::Plain, body))
}

/// The fields of both filing forms.
#[derive(Debug, Deserialize)]
pub(super) struct FilingForm {
    operation: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    csr_pem: String,
    #[serde(default)]
    terminal_id: String,
    #[serde(default)]
    media_id: String,
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    capacity_mb: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    permitted_users: String,
    #[serde(default)]
    reason: String,
}

fn operation(raw: &str) -> Result<Operation, AppError> {
    Operation::parse(raw).map_err(|_| AppError::Invalid("operation: register or remove".into()))
}

fn media_form(f: FilingForm) -> Result<MediaForm, AppError> {
    let operation = operation(&f.operation)?;
    let register = operation == Operation::Register;
    Ok(MediaForm {
        operation,
        media_id: f.media_id,
        media_type: register
            .then(|| MediaType::parse(&f.media_type))
            .transpose()
            .map_err(|_| AppError::Invalid("media_type: an unknown type".into()))?,
        capacity_mb: if register {
            f.capacity_mb
                .trim()
                .parse()
                .map_err(|_| AppError::Invalid("capacity_mb: a whole number".into()))?
        } else {
            0
        },
        purpose: f.purpose,
        permitted_users: f
            .permitted_users
            .split([',', ' ', '\n'])
            .filter(|u| !u.trim().is_empty())
            .map(|u| u.trim().parse::<UserId>())
            .collect::<Result<_, _>>()
            .map_err(|_| AppError::Invalid("permitted_users: user ids".into()))?,
        reason: f.reason,
    })
}

/// `POST /requests/{kind}`: files the request, then shows it.
pub(super) async fn file(
    ctx: Ctx,
    Path(kind): Path<String>,
    Form(f): Form<FilingForm>,
) -> Response {
    let filed = match kind.as_str() {
        "terminal" => match operation(&f.operation) {
            Ok(operation) => {
                let form = TerminalRequestForm {
                    operation,
                    serial: f.serial,
                    site: f.site,
                    model: f.model,
                    csr_pem: f.csr_pem,
                    terminal_id: f.terminal_id,
                    reason: f.reason,
                };
                ctx.app
                    .file_terminal_request(&ctx.meta, &ctx.caller, None, &form)
                    .await
                    .map(|v| v.row.application.id)
            }
            Err(e) => Err(e),
        },
        "media" => match media_form(f) {
            Ok(form) => ctx
                .app
                .file_media_request(&ctx.meta, &ctx.caller, None, &form)
                .await
                .map(|v| v.row.application.id),
            Err(e) => Err(e),
        },
        _ => Err(AppError::NotFound),
    };
    match filed {
        Ok(id) => Redirect::to(&format!("/requests/{kind}/{}", segment(&id))).into_response(),
        Err(e) => error_page(&ctx, e),
    }
}

/// The part of a request's page every kind shares.
fn request_body<R>(
    ctx: &Ctx,
    kind: &str,
    v: &RequestView<R>,
    (id, due_on): (&str, Option<&str>),
    fields: Markup,
) -> Markup {
    let lang = ctx.lang;
    let actions: Vec<&'static str> = v.actions.iter().map(|a| a.as_str()).collect();
    html! {
        div class="card" id="request" data-id=(id) data-kind=(kind) data-state=(v.state.as_str()) {
            p { strong class="state" { (approval_state_label(v.state, lang)) } }
            dl {
                (fields)
                dt { (lang.t(Text::DueOn)) } dd { (due(due_on, v.overdue, lang)) }
            }
            (step_buttons(ctx, (&format!("/requests/{kind}"), id), &actions, step_label))
        }
        (timeline(ctx, &step_lines!(v.steps), (step_label, state_words)))
        p { a href="/requests" { (lang.t(Text::Back)) } }
    }
}

/// `GET /requests/{kind}/{id}`: the request, its timeline and its steps.
pub(super) async fn request_page(ctx: Ctx, Path((kind, id)): Path<(String, String)>) -> Response {
    let lang = ctx.lang;
    let body = match kind.as_str() {
        "terminal" => match ctx.app.terminal_request(&ctx.meta, &ctx.caller, &id).await {
            Ok(v) => {
                let f = &v.row.form;
                let a = &v.row.application;
                let fields = html! {
                    dt { (lang.t(Text::Action)) } dd { (operation_label(f.operation, lang)) }
                    @if f.operation == Operation::Register {
                        dt { (lang.t(Text::Serial)) } dd { (f.serial) }
                        dt { (lang.t(Text::Site)) } dd { (f.site) }
                        dt { (lang.t(Text::RequestModel)) } dd { (f.model) }
                    }
                    @if let Some(t) = &v.row.terminal_id { dt { (lang.t(Text::RequestTerminalId)) } dd { (t) } }
                    @if !f.reason.is_empty() { dt { (lang.t(Text::Reason)) } dd { (f.reason) } }
                };
                request_body(&ctx, "terminal", &v, (&a.id, a.due_on.as_deref()), fields)
            }
            Err(e) => return error_page(&ctx, e),
        },
        "media" => match ctx.app.media_request(&ctx.meta, &ctx.caller, &id).await {
            Ok(v) => {
                let f = &v.row.form;
                let a = &v.row.application;
                let fields = html! {
                    dt { (lang.t(Text::Action)) } dd { (operation_label(f.operation, lang)) }
                    dt { (lang.t(Text::RequestMediaId)) } dd { (f.media_id) }
                    @if let Some(t) = f.media_type {
                        dt { (lang.t(Text::RequestMediaType)) } dd { (t.as_str()) }
                        dt { (lang.t(Text::RequestCapacity)) } dd { (f.capacity_mb) }
                        dt { (lang.t(Text::Purpose)) } dd { (f.purpose) }
                    }
                    @if !f.reason.is_empty() { dt { (lang.t(Text::Reason)) } dd { (f.reason) } }
                };
                request_body(&ctx, "media", &v, (&a.id, a.due_on.as_deref()), fields)
            }
            Err(e) => return error_page(&ctx, e),
        },
        _ => return error_page(&ctx, AppError::NotFound),
    };
    let title = kind_label(&kind, lang);
    ok(page(&ctx, &title, Marked::Plain, body))
}

/// The reason field of a step's form.
#[derive(Debug, Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    reason: String,
}

/// `POST /requests/{kind}/{id}/{action}`: back to the request.
pub(super) async fn step(
    ctx: Ctx,
    Path((kind, id, action)): Path<(String, String, String)>,
    Form(form): Form<StepForm>,
) -> Response {
    let Ok(action) = ApprovalAction::parse(&action) else {
        return error_page(&ctx, AppError::NotFound);
    };
    let done = match kind.as_str() {
        "terminal" => ctx
            .app
            .act_on_terminal_request(&ctx.meta, &ctx.caller, &id, action, &form.reason)
            .await
            .map(|_| ()),
        "media" => ctx
            .app
            .act_on_media_request(&ctx.meta, &ctx.caller, &id, action, &form.reason)
            .await
            .map(|_| ()),
        _ => Err(AppError::NotFound),
    };
    match done {
        Ok(()) => Redirect::to(&format!("/requests/{kind}/{}", segment(&id))).into_response(),
        Err(e) => error_page(&ctx, e),
    }
}
