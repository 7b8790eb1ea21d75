//! `/api/v1/applications/membership` and `/api/v1/inbox/memberships`:
//! membership applications (加入申請), their schedule and their
//! completion notice.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::membership::{MembershipAction, MembershipForm};
use dsg_proto::memberships::{
    Membership, MembershipDetail, MembershipList, MembershipNotice, MembershipStepBody,
    NewMembership, ScheduleAdjustment, ScheduleLine,
};

use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use dsg_app::AppError;

type ApiResult = Result<Response, ApiError>;

/// The wire form of a membership.
pub fn membership(v: dsg_app::MembershipView) -> Membership {
    let a = v.row.application;
    let f = v.row.form;
    Membership {
        id: a.id,
        company_id: a.company_id.to_string(),
        requested_by: a.requested_by.to_string(),
        provider_id: v.row.provider_id.map(|p| p.to_string()),
        state: v.state.as_str().to_owned(),
        step: v.state.step().map(|s| s.number()),
        reason: a.reason,
        submitted_at: a.submitted_at,
        due_on: a.due_on,
        overdue: v.overdue,
        closed_at: a.closed_at,
        company_name: f.company_name,
        company_address: f.company_address,
        site_name: f.site_name,
        site_prefecture: f.site_prefecture,
        site_address: f.site_address,
        contact: f.contact,
        contracts_evidence: f.contracts_evidence,
        facility_evidence: f.facility_evidence,
        equipment_evidence: f.equipment_evidence,
        location_evidence: f.location_evidence,
        audit_result: f.audit_result,
        schedule_wish: f.schedule_wish,
        actions: v.actions.iter().map(|a| a.as_str().to_owned()).collect(),
        may_adjust: v.may_adjust,
    }
}

/// The wire form of a completion notice.
pub fn notice(n: dsg_app::MembershipNotice) -> MembershipNotice {
    let a = n.membership.application;
    let f = n.membership.form;
    MembershipNotice {
        number: n.number,
        issued_on: n.issued_on,
        application_id: a.id,
        company_id: a.company_id.to_string(),
        company_name: f.company_name,
        site_name: f.site_name,
        site_prefecture: f.site_prefecture,
        site_address: f.site_address,
    }
}

/// The wire form of a membership with its schedule, timeline and notice.
pub fn detail(d: dsg_app::MembershipDetail) -> MembershipDetail {
    MembershipDetail {
        membership: membership(d.membership),
        schedule: d
            .schedule
            .into_iter()
            .map(|l| ScheduleLine {
                step: l.step.as_str().to_owned(),
                number: l.step.number(),
                owner: l.owner.as_str().to_owned(),
                due_on: l.due_on,
                adjusted: l.adjusted,
            })
            .collect(),
        works_within_a_month: d.works_within_a_month,
        steps: super::applications::steps!(d.steps),
        notice: d.notice.map(notice),
    }
}

/// The form of a request body.
pub fn membership_form(b: &NewMembership) -> MembershipForm {
    MembershipForm {
        company_name: b.company_name.clone(),
        company_address: b.company_address.clone(),
        site_name: b.site_name.clone(),
        site_prefecture: b.site_prefecture.clone(),
        site_address: b.site_address.clone(),
        contact: b.contact.clone(),
        contracts_evidence: b.contracts_evidence.clone(),
        facility_evidence: b.facility_evidence.clone(),
        equipment_evidence: b.equipment_evidence.clone(),
        location_evidence: b.location_evidence.clone(),
        audit_result: b.audit_result.clone(),
        schedule_wish: b.schedule_wish.clone(),
    }
}

/// `POST /api/v1/applications/membership`: file a membership application.
#[utoipa::path(
    post,
    path = "/api/v1/applications/membership",
    summary = "File a membership application (加入申請): the company and its site (in Japan: one of the 47 prefectures), the four requirements each answered with evidence, the latest ministry audit result if any, a schedule wish. dsg generates the schedule to completion (steps 1-7, typical durations, counted in working days: weekends, Japanese public holidays and the 29 Dec - 3 Jan closure skipped) and the application waits for the agency. Needs application.file: a contractor's security administrator for their own company, or an agency operator naming company_id. Recorded (application.file).",
    request_body = dsg_proto::memberships::NewMembership,
    responses(
        (status = 201, description = "filed, with its schedule", body = dsg_proto::memberships::MembershipDetail),
        (status = 400, description = "invalid_input (a field, a site outside Japan), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found (no such company, or another company)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn file(ctx: Ctx, ApiJson(body): ApiJson<NewMembership>) -> ApiResult {
    let d = ctx
        .app
        .file_membership(
            &ctx.meta,
            &ctx.caller,
            body.company_id.as_deref(),
            &membership_form(&body),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(detail(d))).into_response())
}

/// `GET /api/v1/applications/membership`: the memberships the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/applications/membership",
    summary = "The membership applications the caller may read, those due first; at most 500. The agency's operators and auditors see every company's, a contractor's security administrator their company's, the service provider's staff (site-survey, terminal-setup duties) those assigned to their organisation. Needs application.read; recorded (application.view).",
    responses(
        (status = 200, description = "{memberships: [...]}", body = dsg_proto::memberships::MembershipList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn list(ctx: Ctx) -> ApiResult {
    let views = ctx.app.memberships(&ctx.meta, &ctx.caller, false).await?;
    Ok(Json(MembershipList {
        memberships: views.into_iter().map(membership).collect(),
    })
    .into_response())
}

/// `GET /api/v1/inbox/memberships`: the memberships waiting for the caller.
#[utoipa::path(
    get,
    path = "/api/v1/inbox/memberships",
    summary = "The open membership applications whose current step the caller may take (the step's owner party and duty, and the policy point, agree), those due first, with an overdue mark. Empty for someone nothing waits for. Recorded (application.view) when the caller may read applications.",
    responses(
        (status = 200, description = "{memberships: [...]}", body = dsg_proto::memberships::MembershipList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn inbox(ctx: Ctx) -> ApiResult {
    let views = ctx.app.memberships(&ctx.meta, &ctx.caller, true).await?;
    Ok(Json(MembershipList {
        memberships: views.into_iter().map(membership).collect(),
    })
    .into_response())
}

/// `GET /api/v1/applications/membership/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/applications/membership/{id}",
    summary = "One membership application with its schedule, timeline (every step, its actor and reason) and completion notice. Needs application.read; another company's (or, for the provider, one not assigned to it) is not_found like a missing one. Recorded (application.view).",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "the membership", body = dsg_proto::memberships::MembershipDetail),
        (status = 400, description = "invalid_input (not an id)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let d = ctx.app.membership(&ctx.meta, &ctx.caller, &id).await?;
    Ok(Json(detail(d)).into_response())
}

/// `GET /api/v1/applications/membership/{id}/notice`.
#[utoipa::path(
    get,
    path = "/api/v1/applications/membership/{id}/notice",
    summary = "The membership-completion notice (加入完了通知書) of a completed membership: its number (YYYY-NNNN, per year in issue order) and date (JST). not_found until issued. Needs application.read; recorded (application.view).",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "the notice", body = dsg_proto::memberships::MembershipNotice),
        (status = 400, description = "invalid_input (not an id)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show_notice(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let n = ctx
        .app
        .membership_notice(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok(Json(notice(n)).into_response())
}

/// The body of a step: optional.
fn step_body(body: &[u8]) -> Result<MembershipStepBody, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(MembershipStepBody::default());
    }
    serde_json::from_slice::<Option<MembershipStepBody>>(body)
        .map(Option::unwrap_or_default)
        .map_err(|_| {
            AppError::Invalid(
                "body: expected {\"reason\": \"…\", \"provider_id\": \"…\"} or nothing".into(),
            )
        })
}

/// `POST /api/v1/applications/membership/{id}/{action}`: take a step.
#[utoipa::path(
    post,
    path = "/api/v1/applications/membership/{id}/{action}",
    summary = "Take a step on a membership. The agency's operators (application.decide, never on one they filed: self_approval) accept it naming provider_id (the service provider assigned), reject it, pass a site or final check, find deficiencies (reason required), or accept a recent ministry audit result instead of the site check; the company's security administrator (application.act) reports remediation, requests the final check after the connection test, or withdraws; the assigned provider's staff (application.act) complete the line survey, line works and router (site-survey) and terminal setup (terminal-setup). Passing the final check issues the numbered completion notice. A step the state, party or duty does not allow is refused (409). Recorded, one entry per step.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("action" = dsg_proto::params::MembershipStepAction, Path),
    ),
    request_body = Option<dsg_proto::memberships::MembershipStepBody>,
    responses(
        (status = 200, description = "the membership after the step", body = dsg_proto::memberships::MembershipDetail),
        (status = 400, description = "invalid_input (bad body, missing reason or provider), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden, self_approval", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (the state, party or duty does not allow it), conflict", body = dsg_proto::ErrorBody),
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
    let action = MembershipAction::parse(&action).map_err(|_| AppError::NotFound)?;
    let body = step_body(&body)?;
    let d = ctx
        .app
        .act_on_membership(
            &ctx.meta,
            &ctx.caller,
            &id,
            action,
            &body.reason,
            body.provider_id.as_deref(),
        )
        .await?;
    Ok(Json(detail(d)).into_response())
}

/// `PUT /api/v1/applications/membership/{id}/schedule`: adjust a due date.
#[utoipa::path(
    put,
    path = "/api/v1/applications/membership/{id}/schedule",
    summary = "The agency adjusts the schedule: step is due on due_on (a working day, not before the step ahead of it); the steps after it follow with their typical durations. Agency operators (application.decide), never on one they filed. Recorded (application.schedule.adjust).",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    request_body = dsg_proto::memberships::ScheduleAdjustment,
    responses(
        (status = 200, description = "the membership with its new schedule", body = dsg_proto::memberships::MembershipDetail),
        (status = 400, description = "invalid_input (not a working day, before the step ahead, closed), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden, self_approval", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (changed since read)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn adjust(
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ScheduleAdjustment>,
) -> ApiResult {
    let d = ctx
        .app
        .adjust_membership_schedule(&ctx.meta, &ctx.caller, &id, &body.step, &body.due_on)
        .await?;
    Ok(Json(detail(d)).into_response())
}
