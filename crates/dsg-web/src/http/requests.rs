//! `/api/v1/applications/terminal`, `/api/v1/applications/media`,
//! `/api/v1/removable-media` and `/api/v1/inbox/all`: terminal and
//! removable-media requests, the media list, and everything that waits for
//! the caller. The steps of both kinds go through one path
//! (`dsg_app` `application_path`); here only the wire shapes differ.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::requests::{ApprovalAction, MediaForm, MediaType, Operation, TerminalRequestForm};
use dsg_core::UserId;
use dsg_proto::requests::{
    Inbox, InboxItem, MediaList, MediaRequest, Medium, NewMediaRequest, NewTerminalRequest,
    TerminalRequest,
};

use super::applications::{reason_of, steps};
use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use dsg_app::AppError;

type ApiResult = Result<Response, ApiError>;

fn operation(raw: &str) -> Result<Operation, AppError> {
    Operation::parse(raw).map_err(|_| AppError::Invalid("operation: register or remove".into()))
}

fn approval_action(raw: &str) -> Result<ApprovalAction, AppError> {
    ApprovalAction::parse(raw).map_err(|_| AppError::NotFound)
}

/// The wire form of a terminal request.
pub fn terminal_request(v: dsg_app::TerminalRequestView) -> TerminalRequest {
    let a = v.row.application;
    let f = v.row.form;
    TerminalRequest {
        id: a.id,
        company_id: a.company_id.to_string(),
        requested_by: a.requested_by.to_string(),
        state: v.state.as_str().to_owned(),
        reason: a.reason,
        submitted_at: a.submitted_at,
        due_on: a.due_on,
        overdue: v.overdue,
        closed_at: a.closed_at,
        operation: f.operation.as_str().to_owned(),
        serial: f.serial,
        site: f.site,
        model: f.model,
        terminal_id: v.row.terminal_id,
        certificate_pem: v.row.certificate_pem,
        cert_serial: v.row.cert_serial,
        actions: v.actions.iter().map(|a| a.as_str().to_owned()).collect(),
        steps: steps!(v.steps),
    }
}

/// The wire form of a media request.
pub fn media_request(v: dsg_app::MediaRequestView) -> MediaRequest {
    let a = v.row.application;
    let f = v.row.form;
    MediaRequest {
        id: a.id,
        company_id: a.company_id.to_string(),
        requested_by: a.requested_by.to_string(),
        state: v.state.as_str().to_owned(),
        reason: a.reason,
        submitted_at: a.submitted_at,
        due_on: a.due_on,
        overdue: v.overdue,
        closed_at: a.closed_at,
        operation: f.operation.as_str().to_owned(),
        media_id: f.media_id,
        media_type: f.media_type.map(|t| t.as_str().to_owned()),
        capacity_mb: f.capacity_mb,
        purpose: f.purpose,
        permitted_users: f.permitted_users.iter().map(ToString::to_string).collect(),
        form_reason: f.reason,
        actions: v.actions.iter().map(|a| a.as_str().to_owned()).collect(),
        steps: steps!(v.steps),
    }
}

/// The wire form of an inbox item.
pub fn inbox_item(i: dsg_app::InboxItem) -> InboxItem {
    let a = i.row.application;
    InboxItem {
        id: a.id,
        kind: a.kind,
        company_id: a.company_id.to_string(),
        company_name: i.row.company_name,
        state: a.state,
        submitted_at: a.submitted_at,
        due_on: a.due_on,
        overdue: i.overdue,
        actions: i.actions.iter().map(|a| (*a).to_owned()).collect(),
    }
}

/// The form of a terminal request body.
pub fn terminal_form(b: &NewTerminalRequest) -> Result<TerminalRequestForm, AppError> {
    Ok(TerminalRequestForm {
        operation: operation(&b.operation)?,
        serial: b.serial.clone(),
        site: b.site.clone(),
        model: b.model.clone(),
        csr_pem: b.csr_pem.clone(),
        terminal_id: b.terminal_id.clone(),
        reason: b.reason.clone(),
    })
}

/// The form of a media request body.
pub fn media_form(b: &NewMediaRequest) -> Result<MediaForm, AppError> {
    Ok(MediaForm {
        operation: operation(&b.operation)?,
        media_id: b.media_id.clone(),
        media_type: b
            .media_type
            .as_deref()
            .map(MediaType::parse)
            .transpose()
            .map_err(|_| AppError::Invalid("media_type: an unknown type".into()))?,
        capacity_mb: b.capacity_mb,
        purpose: b.purpose.clone(),
        permitted_users: b
            .permitted_users
            .iter()
            .map(|u| u.trim().parse::<UserId>())
            .collect::<Result<_, _>>()
            .map_err(|_| AppError::Invalid("permitted_users: user ids".into()))?,
        reason: b.reason.clone(),
    })
}

/// `POST /api/v1/applications/terminal`: file a terminal request.
#[utoipa::path(
    post,
    path = "/api/v1/applications/terminal",
    summary = "File a terminal registration (serial, site, model, CSR in PEM) or removal (terminal_id, reason) request (端末登録・撤去申請). Waits for the agency, due in 5 working days. Needs application.file: a contractor's security administrator for their own company, or an agency operator naming company_id. Recorded (application.file).",
    request_body = dsg_proto::requests::NewTerminalRequest,
    responses(
        (status = 201, description = "filed", body = dsg_proto::requests::TerminalRequest),
        (status = 400, description = "invalid_input (a field, not a CSR, not a terminal of the company), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found (no such company, or another company)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn file_terminal(ctx: Ctx, ApiJson(body): ApiJson<NewTerminalRequest>) -> ApiResult {
    let form = terminal_form(&body)?;
    let view = ctx
        .app
        .file_terminal_request(&ctx.meta, &ctx.caller, body.company_id.as_deref(), &form)
        .await?;
    Ok((StatusCode::CREATED, Json(terminal_request(view))).into_response())
}

/// `GET /api/v1/applications/terminal/{id}`: one request and its timeline.
#[utoipa::path(
    get,
    path = "/api/v1/applications/terminal/{id}",
    summary = "One terminal request with its timeline and, once a registration is approved, the terminal and its certificate. Needs application.read; another company's request is not_found like a missing one. Recorded (application.view).",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "the request", body = dsg_proto::requests::TerminalRequest),
        (status = 400, description = "invalid_input (not an id)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show_terminal(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let view = ctx
        .app
        .terminal_request(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok(Json(terminal_request(view)).into_response())
}

/// `POST /api/v1/applications/terminal/{id}/{action}`: take a step.
#[utoipa::path(
    post,
    path = "/api/v1/applications/terminal/{id}/{action}",
    summary = "Take a step on a terminal request. The agency (operators, application.decide) approves, returns or rejects it, never one it filed itself (self_approval): approving a registration registers the terminal and issues its certificate from the CSR; approving a removal revokes the terminal, closes its connections and opens the disposal of its data; all in the approval's transaction. The company's security administrator resubmits or withdraws. Body optional: {\"reason\": \"…\"}, required for return and reject. Recorded, one entry per step.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("action" = dsg_proto::params::ApplicationStepAction, Path),
    ),
    request_body = Option<dsg_proto::applications::ApplicationStepBody>,
    responses(
        (status = 200, description = "the request after the step", body = dsg_proto::requests::TerminalRequest),
        (status = 400, description = "invalid_input (bad body, missing reason, a CSR the CA refuses), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden, self_approval", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (the state does not allow it), conflict (moved on, terminal already revoked, serial taken)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn step_terminal(
    ctx: Ctx,
    ApiPath((id, action)): ApiPath<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let action = approval_action(&action)?;
    let view = ctx
        .app
        .act_on_terminal_request(&ctx.meta, &ctx.caller, &id, action, &reason_of(&body)?)
        .await?;
    Ok(Json(terminal_request(view)).into_response())
}

/// `POST /api/v1/applications/media`: file a media request.
#[utoipa::path(
    post,
    path = "/api/v1/applications/media",
    summary = "File a removable-media registration (media_id, media_type, capacity_mb, purpose, permitted_users of the same company) or removal (media_id, reason) request (可搬記憶媒体登録・撤去申請). Waits for the agency, due in 5 working days. Needs application.file as for terminal requests. Recorded (application.file).",
    request_body = dsg_proto::requests::NewMediaRequest,
    responses(
        (status = 201, description = "filed", body = dsg_proto::requests::MediaRequest),
        (status = 400, description = "invalid_input (a field, a user of another company), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found (no such company, or another company)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn file_media(ctx: Ctx, ApiJson(body): ApiJson<NewMediaRequest>) -> ApiResult {
    let form = media_form(&body)?;
    let view = ctx
        .app
        .file_media_request(&ctx.meta, &ctx.caller, body.company_id.as_deref(), &form)
        .await?;
    Ok((StatusCode::CREATED, Json(media_request(view))).into_response())
}

/// `GET /api/v1/applications/media/{id}`: one request and its timeline.
#[utoipa::path(
    get,
    path = "/api/v1/applications/media/{id}",
    summary = "One removable-media request with its timeline. Needs application.read; another company's request is not_found like a missing one. Recorded (application.view).",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "the request", body = dsg_proto::requests::MediaRequest),
        (status = 400, description = "invalid_input (not an id)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show_media(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let view = ctx.app.media_request(&ctx.meta, &ctx.caller, &id).await?;
    Ok(Json(media_request(view)).into_response())
}

/// `POST /api/v1/applications/media/{id}/{action}`: take a step.
#[utoipa::path(
    post,
    path = "/api/v1/applications/media/{id}/{action}",
    summary = "Take a step on a removable-media request, as on a terminal request: approving a registration lists the medium in the company's media list, approving a removal closes it with the request's reason. Never approved by its requester (self_approval). Recorded, one entry per step.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("action" = dsg_proto::params::ApplicationStepAction, Path),
    ),
    request_body = Option<dsg_proto::applications::ApplicationStepBody>,
    responses(
        (status = 200, description = "the request after the step", body = dsg_proto::requests::MediaRequest),
        (status = 400, description = "invalid_input (bad body, missing reason), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden, self_approval", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (the state does not allow it), conflict (moved on, medium already listed or not listed)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn step_media(
    ctx: Ctx,
    ApiPath((id, action)): ApiPath<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let action = approval_action(&action)?;
    let view = ctx
        .app
        .act_on_media_request(&ctx.meta, &ctx.caller, &id, action, &reason_of(&body)?)
        .await?;
    Ok(Json(media_request(view)).into_response())
}

/// `GET /api/v1/removable-media`: the media list.
#[utoipa::path(
    get,
    path = "/api/v1/removable-media",
    summary = "The media list (可搬記憶媒体一覧), written only by approved media requests: each medium with its type, capacity, purpose, permitted users and, once removed, when and why. The agency's readers see every company's, a company's administrator their company's. Needs application.read; recorded (application.view).",
    responses(
        (status = 200, description = "{media: [...]}", body = dsg_proto::requests::MediaList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn media_list(ctx: Ctx) -> ApiResult {
    let media = ctx.app.removable_media(&ctx.meta, &ctx.caller).await?;
    Ok(Json(MediaList {
        media: media
            .into_iter()
            .map(|m| Medium {
                company_id: m.company_id.to_string(),
                media_id: m.media_id,
                media_type: m.media_type.as_str().to_owned(),
                capacity_mb: m.capacity_mb,
                purpose: m.purpose,
                permitted_users: m.permitted_users.iter().map(ToString::to_string).collect(),
                registered_by: m.registered_by,
                registered_at: m.registered_at,
                removed_by: m.removed_by,
                removed_at: m.removed_at,
                removal_reason: m.removal_reason,
            })
            .collect(),
    })
    .into_response())
}

/// `GET /api/v1/inbox/all`: everything that waits for the caller.
#[utoipa::path(
    get,
    path = "/api/v1/inbox/all",
    summary = "Every open application of every kind (software, membership, terminal, media) whose next step waits for the caller: the workflow's owner of its state and the policy point's offers agree. Read in one query; the service provider's staff see only what is assigned to their organisation. Due first, with the due date (working days, the deployment's time zone) and an overdue mark; at most 500. Empty for someone who may read no application. Recorded (application.view) otherwise.",
    responses(
        (status = 200, description = "{items: [...]}", body = dsg_proto::requests::Inbox),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn inbox(ctx: Ctx) -> ApiResult {
    let items = ctx.app.inbox_items(&ctx.meta, &ctx.caller).await?;
    Ok(Json(Inbox {
        items: items.into_iter().map(inbox_item).collect(),
    })
    .into_response())
}
