//! `/api/v1/tickets`: help-desk tickets between a company's users and the
//! desk. The steps go through the one application path (`dsg_app`
//! `helpdesk`); here only the wire shapes.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_app::AppError;
use dsg_core::helpdesk::{TicketAction, TicketCategory, TicketForm, TicketPriority};
use dsg_proto::helpdesk::{FileLink, NewTicket, Ticket, TicketList, TicketStepBody};

use super::applications::steps;
use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};

type ApiResult = Result<Response, ApiError>;

/// The wire form of a ticket.
pub fn ticket(v: dsg_app::TicketView) -> Ticket {
    let a = v.row.application;
    let f = v.row.form;
    Ticket {
        id: a.id,
        company_id: a.company_id.to_string(),
        requested_by: a.requested_by.to_string(),
        state: v.state.as_str().to_owned(),
        category: f.category.as_str().to_owned(),
        priority: f.priority.as_str().to_owned(),
        subject: f.subject,
        body: f.body,
        submitted_at: a.submitted_at,
        first_response_due_at: v.row.first_response_due_at,
        resolution_due_at: v.row.resolution_due_at,
        first_response_at: v.row.first_response_at,
        resolved_at: v.row.resolved_at,
        first_response_overdue: v.first_response_overdue,
        resolution_overdue: v.resolution_overdue,
        closed_at: a.closed_at,
        linked_file: v.linked_file.map(|(c, f)| FileLink {
            compartment_id: c.to_string(),
            file_id: f.to_string(),
        }),
        actions: v.actions.iter().map(|a| a.as_str().to_owned()).collect(),
        steps: steps!(v.steps),
    }
}

/// What a ticket body asks to file.
pub fn new_ticket(b: &NewTicket) -> Result<dsg_app::NewTicket, AppError> {
    Ok(dsg_app::NewTicket {
        form: TicketForm {
            category: TicketCategory::parse(&b.category)
                .map_err(|_| AppError::Invalid("category: an unknown category".into()))?,
            priority: TicketPriority::parse(&b.priority)
                .map_err(|_| AppError::Invalid("priority: an unknown priority".into()))?,
            subject: b.subject.clone(),
            body: b.body.clone(),
        },
        linked_file: b
            .linked_file
            .as_ref()
            .map(|l| (l.compartment_id.clone(), l.file_id.clone())),
    })
}

fn message_of(body: &[u8]) -> Result<String, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    serde_json::from_slice::<Option<TicketStepBody>>(body)
        .map(|b| b.map(|b| b.message).unwrap_or_default())
        .map_err(|_| AppError::Invalid("body: expected {\"message\": \"…\"} or nothing".into()))
}

/// `POST /api/v1/tickets`: file a ticket.
#[utoipa::path(
    post,
    path = "/api/v1/tickets",
    summary = "File a help-desk ticket (問合せ): category, priority, subject, body, and optionally a compartment file by id (never its content; the filer must be able to read it). Any user of a contractor files for their own company; the desk (agency operators) names company_id. The service levels (first answer, resolution) run from now in working hours by priority. Needs ticket.file; recorded (ticket.file).",
    request_body = dsg_proto::helpdesk::NewTicket,
    responses(
        (status = 201, description = "filed", body = dsg_proto::helpdesk::Ticket),
        (status = 400, description = "invalid_input (a field, a file the filer may not read), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found (no such company, or another company)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn file(ctx: Ctx, ApiJson(body): ApiJson<NewTicket>) -> ApiResult {
    let new = new_ticket(&body)?;
    let view = ctx
        .app
        .file_ticket(&ctx.meta, &ctx.caller, body.company_id.as_deref(), &new)
        .await?;
    Ok((StatusCode::CREATED, Json(ticket(view))).into_response())
}

/// `GET /api/v1/tickets`: the tickets the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/tickets",
    summary = "The help-desk tickets the caller may read, newest first, at most 500: their company's for a contractor's users, every company's for the desk. Recorded (ticket.view).",
    responses(
        (status = 200, description = "{tickets: [...]}", body = dsg_proto::helpdesk::TicketList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn list(ctx: Ctx) -> ApiResult {
    let views = ctx.app.tickets(&ctx.meta, &ctx.caller, false).await?;
    Ok(Json(TicketList {
        tickets: views.into_iter().map(ticket).collect(),
    })
    .into_response())
}

/// `GET /api/v1/tickets/{id}`: one ticket and its thread.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}",
    summary = "One ticket with its thread; the linked file shown only to whom the policy point lets read that file. Needs ticket.read: the ticket's company and the desk; another company's ticket is not_found like a missing one. Recorded (ticket.view).",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "the ticket", body = dsg_proto::helpdesk::Ticket),
        (status = 400, description = "invalid_input (not an id)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let view = ctx.app.ticket(&ctx.meta, &ctx.caller, &id).await?;
    Ok(Json(ticket(view)).into_response())
}

/// `POST /api/v1/tickets/{id}/{action}`: take a step.
#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/{action}",
    summary = "Take a step on a ticket. The desk (agency operators) answers, asks for information or resolves it; the company's users reply, reopen a resolved ticket within five working days, or close it. Body: {\"message\": \"…\"}, required for answer, request_info and reply (the thread's text). A step the ticket's state does not allow is refused (409). Needs ticket.act; recorded (ticket.step), one entry per step.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("action" = dsg_proto::params::TicketStepAction, Path),
    ),
    request_body = Option<dsg_proto::helpdesk::TicketStepBody>,
    responses(
        (status = 200, description = "the ticket after the step", body = dsg_proto::helpdesk::Ticket),
        (status = 400, description = "invalid_input (bad body, missing message), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (the state does not allow it, reopening too late), conflict (moved on)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn step(
    ctx: Ctx,
    ApiPath((id, action)): ApiPath<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let action = TicketAction::parse(&action).map_err(|_| AppError::NotFound)?;
    let view = ctx
        .app
        .act_on_ticket(&ctx.meta, &ctx.caller, &id, action, &message_of(&body)?)
        .await?;
    Ok(Json(ticket(view)).into_response())
}
