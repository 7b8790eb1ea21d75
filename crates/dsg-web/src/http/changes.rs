//! `/api/v1/applications/change`: change requests after membership
//! (変更申請). Their steps go through the one application path
//! (`dsg_app` `application_path`); here only the wire shapes.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::membership_change::{ChangeAction, ChangeKind, MembershipChangeForm};
use dsg_proto::changes::{
    ChangeDisposal, MembershipChange, MembershipChangeList, NewMembershipChange,
};

use super::applications::{reason_of, steps};
use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use dsg_app::AppError;

type ApiResult = Result<Response, ApiError>;

/// The wire form of a change request.
pub fn membership_change(v: dsg_app::MembershipChangeView) -> MembershipChange {
    let a = v.row.application;
    let f = v.row.form;
    MembershipChange {
        id: a.id,
        company_id: a.company_id.to_string(),
        requested_by: a.requested_by.to_string(),
        state: v.state.as_str().to_owned(),
        reason: a.reason,
        submitted_at: a.submitted_at,
        due_on: a.due_on,
        overdue: v.overdue,
        closed_at: a.closed_at,
        change: f.change.as_str().to_owned(),
        site: f.site,
        new_name: f.new_name,
        details: f.details,
        disposals: v
            .row
            .disposals
            .into_iter()
            .map(|d| ChangeDisposal {
                terminal_id: d.terminal_id,
                opened_at: d.opened_at,
                performed_by: d.performed_by,
                checked_by: d.checked_by,
            })
            .collect(),
        actions: v.actions.iter().map(|a| a.as_str().to_owned()).collect(),
        steps: steps!(v.steps),
    }
}

/// The form of a change request body.
pub fn change_form(b: &NewMembershipChange) -> Result<MembershipChangeForm, AppError> {
    Ok(MembershipChangeForm {
        change: ChangeKind::parse(&b.change).map_err(|_| {
            AppError::Invalid("change: layout, move, closure, company_name or contacts".into())
        })?,
        site: b.site.clone(),
        new_name: b.new_name.clone(),
        details: b.details.clone(),
    })
}

/// `POST /api/v1/applications/change`: file a change request.
#[utoipa::path(
    post,
    path = "/api/v1/applications/change",
    summary = "File a change request after membership (変更申請): a layout change, a move or a site closure (naming the site), a new company name (new_name) or new contacts, with details. Waits for the agency, due in 5 working days. Needs application.file: a contractor's security administrator for their own company, or an agency operator naming company_id. Recorded (application.file).",
    request_body = dsg_proto::changes::NewMembershipChange,
    responses(
        (status = 201, description = "filed", body = dsg_proto::changes::MembershipChange),
        (status = 400, description = "invalid_input (a field), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found (no such company, or another company)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn file(ctx: Ctx, ApiJson(body): ApiJson<NewMembershipChange>) -> ApiResult {
    let form = change_form(&body)?;
    let view = ctx
        .app
        .file_membership_change(&ctx.meta, &ctx.caller, body.company_id.as_deref(), &form)
        .await?;
    Ok((StatusCode::CREATED, Json(membership_change(view))).into_response())
}

/// `GET /api/v1/applications/change`: the change requests the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/applications/change",
    summary = "The change requests the caller may read, those due first, then the newest; at most 500. The agency's readers see every company's, a contractor's security administrator their company's. Needs application.read; recorded (application.view).",
    responses(
        (status = 200, description = "{changes: [...]}", body = dsg_proto::changes::MembershipChangeList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn list(ctx: Ctx) -> ApiResult {
    let views = ctx.app.membership_changes(&ctx.meta, &ctx.caller).await?;
    Ok(Json(MembershipChangeList {
        changes: views.into_iter().map(membership_change).collect(),
    })
    .into_response())
}

/// `GET /api/v1/applications/change/{id}`: one request and its timeline.
#[utoipa::path(
    get,
    path = "/api/v1/applications/change/{id}",
    summary = "One change request with its timeline and, once a closure is completed, the terminals it revoked with the disposals of their data. Needs application.read; another company's request is not_found like a missing one. Recorded (application.view).",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "the request", body = dsg_proto::changes::MembershipChange),
        (status = 400, description = "invalid_input (not an id)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let view = ctx
        .app
        .membership_change(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok(Json(membership_change(view)).into_response())
}

/// `POST /api/v1/applications/change/{id}/{action}`: take a step.
#[utoipa::path(
    post,
    path = "/api/v1/applications/change/{id}/{action}",
    summary = "Take a step on a change request. The agency (operators, application.decide) completes it, returns it for more material, requires a new site check (then records it passed), or rejects it, never one it filed itself (self_approval). Completing a closure revokes the site's terminals, closes their connections and opens the disposal of each one's data; completing a new name renames the company (needs company.rename, recorded as such); all in the completion's transaction. The company's security administrator resubmits or withdraws. Body optional: {\"reason\": \"…\"}, required for return, reject and require_site_check. Recorded, one entry per step.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("action" = dsg_proto::params::ChangeStepAction, Path),
    ),
    request_body = Option<dsg_proto::applications::ApplicationStepBody>,
    responses(
        (status = 200, description = "the request after the step", body = dsg_proto::changes::MembershipChange),
        (status = 400, description = "invalid_input (bad body, missing reason), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden, self_approval", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (the state does not allow it), conflict (moved on, name taken)", body = dsg_proto::ErrorBody),
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
    let action = ChangeAction::parse(&action).map_err(|_| AppError::NotFound)?;
    let view = ctx
        .app
        .act_on_membership_change(&ctx.meta, &ctx.caller, &id, action, &reason_of(&body)?)
        .await?;
    Ok(Json(membership_change(view)).into_response())
}
