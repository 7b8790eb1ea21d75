//! `/api/v1/applications/software`, `/api/v1/software-lists` and
//! `/api/v1/inbox`: software installation requests, the agency's software
//! lists, and what waits for the caller.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::software::{Delivery, SoftwareAction, SoftwareEntry, SoftwareForm};
use dsg_proto::applications::{
    ApplicationStepBody, NewSoftwareLists, NewSoftwareRequest, SoftwareListEntry,
    SoftwareListVersion, SoftwareLists, SoftwareListsChanged, SoftwareRequest,
    SoftwareRequestDetail, SoftwareRequestList,
};

use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use dsg_app::AppError;

/// The wire form of a timeline, whatever the kind (a macro: the store's
/// row type is not named above the use cases).
macro_rules! steps {
    ($rows:expr) => {
        $rows
            .into_iter()
            .map(|s| dsg_proto::applications::ApplicationStep {
                seq: s.seq,
                action: s.action,
                from_state: s.from_state,
                to_state: s.to_state,
                actor: s.actor.to_string(),
                reason: s.reason,
                at: s.at,
            })
            .collect::<Vec<_>>()
    };
}
pub(super) use steps;

type ApiResult = Result<Response, ApiError>;

/// The wire form of a software request.
pub fn software_request(v: dsg_app::SoftwareRequestView) -> SoftwareRequest {
    let a = v.row.application;
    let f = v.row.form;
    SoftwareRequest {
        id: a.id,
        company_id: a.company_id.to_string(),
        requested_by: a.requested_by.to_string(),
        state: v.state.as_str().to_owned(),
        reason: a.reason,
        submitted_at: a.submitted_at,
        due_on: a.due_on,
        overdue: v.overdue,
        closed_at: a.closed_at,
        product: f.product,
        version: f.version,
        vendor: f.vendor,
        purpose: f.purpose,
        installation: f.installation.as_str().to_owned(),
        updates: f.updates.as_str().to_owned(),
        preinstalled: f.preinstalled,
        do_not_start: v.do_not_start,
        list_version: v.row.list_version,
        actions: v.actions.iter().map(|a| a.as_str().to_owned()).collect(),
    }
}

fn entry(e: SoftwareEntry) -> SoftwareListEntry {
    SoftwareListEntry {
        product: e.product,
        vendor: e.vendor,
        version: e.version,
    }
}

fn domain_entry(e: &SoftwareListEntry) -> SoftwareEntry {
    SoftwareEntry {
        product: e.product.clone(),
        vendor: e.vendor.clone(),
        version: e.version.clone(),
    }
}

fn delivery(field: &'static str, raw: &str) -> Result<Delivery, AppError> {
    Delivery::parse(raw).map_err(|_| AppError::Invalid(format!("{field}: offline, online or none")))
}

/// The form of a request body.
pub fn software_form(body: &NewSoftwareRequest) -> Result<SoftwareForm, AppError> {
    Ok(SoftwareForm {
        product: body.product.clone(),
        version: body.version.clone(),
        vendor: body.vendor.clone(),
        purpose: body.purpose.clone(),
        installation: delivery("installation", &body.installation)?,
        updates: delivery("updates", &body.updates)?,
        preinstalled: body.preinstalled,
    })
}

/// `POST /api/v1/applications/software`: file a software request.
#[utoipa::path(
    post,
    path = "/api/v1/applications/software",
    summary = "File a software installation request (ソフトウェアインストール申請). Screened on filing: software needing an online installation or online updates is refused (state refused, reason online_installation / online_updates), blacklisted software is refused (blacklisted), whitelisted software is recorded without approval (recorded, whitelisted), anything else waits for the agency (submitted, due in 5 working days; pre-installed software always waits and carries do_not_start). Needs application.file: a contractor's security administrator for their own company, or an agency operator naming company_id. Recorded (application.file).",
    request_body = dsg_proto::applications::NewSoftwareRequest,
    responses(
        (status = 201, description = "filed (whatever the screening decided)", body = dsg_proto::applications::SoftwareRequest),
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
pub async fn file(ctx: Ctx, ApiJson(body): ApiJson<NewSoftwareRequest>) -> ApiResult {
    let form = software_form(&body)?;
    let view = ctx
        .app
        .file_software_request(&ctx.meta, &ctx.caller, body.company_id.as_deref(), &form)
        .await?;
    Ok((StatusCode::CREATED, Json(software_request(view))).into_response())
}

/// `GET /api/v1/applications/software`: the requests the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/applications/software",
    summary = "The software requests the caller may read, those due first, then the newest; at most 500. Agency operators and auditors see every company's, a contractor's security administrator their company's. Needs application.read; recorded (application.view).",
    responses(
        (status = 200, description = "{requests: [...]}", body = dsg_proto::applications::SoftwareRequestList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn list(ctx: Ctx) -> ApiResult {
    let views = ctx.app.software_requests(&ctx.meta, &ctx.caller).await?;
    Ok(Json(SoftwareRequestList {
        requests: views.into_iter().map(software_request).collect(),
    })
    .into_response())
}

/// `GET /api/v1/applications/software/{id}`: one request and its timeline.
#[utoipa::path(
    get,
    path = "/api/v1/applications/software/{id}",
    summary = "One software request with its timeline (every step, its actor and reason). Needs application.read; another company's request is not_found like a missing one. Recorded (application.view).",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "the request and steps", body = dsg_proto::applications::SoftwareRequestDetail),
        (status = 400, description = "invalid_input (not an id)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let detail = ctx
        .app
        .software_request(&ctx.meta, &ctx.caller, &id)
        .await?;
    Ok(Json(SoftwareRequestDetail {
        request: software_request(detail.request),
        steps: steps!(detail.steps),
    })
    .into_response())
}

/// The reason of an optional JSON body.
pub(super) fn reason_of(body: &[u8]) -> Result<String, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    serde_json::from_slice::<Option<ApplicationStepBody>>(body)
        .map(|b| b.map(|b| b.reason).unwrap_or_default())
        .map_err(|_| AppError::Invalid("body: expected {\"reason\": \"…\"} or nothing".into()))
}

/// `POST /api/v1/applications/software/{id}/{action}`: take a step.
#[utoipa::path(
    post,
    path = "/api/v1/applications/software/{id}/{action}",
    summary = "Take a step on a software request. The agency (operators, application.decide) approves, returns (for more material) or rejects a submitted request, never one it filed itself (self_approval); the company's security administrator (application.act) resubmits a returned one or withdraws it. Body optional: {\"reason\": \"…\"}, required for return and reject. A step the request's state does not allow is refused (409). Recorded (application.approve / return / reject / resubmit / withdraw), one entry per step.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("action" = dsg_proto::params::ApplicationStepAction, Path),
    ),
    request_body = Option<dsg_proto::applications::ApplicationStepBody>,
    responses(
        (status = 200, description = "the request after the step", body = dsg_proto::applications::SoftwareRequest),
        (status = 400, description = "invalid_input (bad body, missing reason), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden, self_approval", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (the state does not allow it), conflict", body = dsg_proto::ErrorBody),
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
    let action = SoftwareAction::parse(&action).map_err(|_| AppError::NotFound)?;
    let view = ctx
        .app
        .act_on_software_request(&ctx.meta, &ctx.caller, &id, action, &reason_of(&body)?)
        .await?;
    Ok(Json(software_request(view)).into_response())
}

/// `GET /api/v1/inbox`: what waits for the caller.
#[utoipa::path(
    get,
    path = "/api/v1/inbox",
    summary = "What waits for the caller: open applications whose next step the caller may take (the workflow's owner of the step and the policy point agree), those due first, each with its due date (working days, Japanese public holidays and the 29 Dec – 3 Jan closure skipped) and an overdue mark. Empty for someone nothing waits for. Recorded (application.view) when the caller may read applications.",
    responses(
        (status = 200, description = "{requests: [...]}", body = dsg_proto::applications::SoftwareRequestList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn inbox(ctx: Ctx) -> ApiResult {
    let views = ctx.app.inbox(&ctx.meta, &ctx.caller).await?;
    Ok(Json(SoftwareRequestList {
        requests: views.into_iter().map(software_request).collect(),
    })
    .into_response())
}

/// `GET /api/v1/software-lists`: the lists in force and their history.
#[utoipa::path(
    get,
    path = "/api/v1/software-lists",
    summary = "The agency's software lists in force (whitelist: allowed, blacklist: denied; an entry with an empty version names every version) and every earlier version. Readable by everyone signed in (software_list.read); recorded (software_list.view).",
    responses(
        (status = 200, description = "the lists", body = dsg_proto::applications::SoftwareLists),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn lists(ctx: Ctx) -> ApiResult {
    let view = ctx.app.software_lists(&ctx.meta, &ctx.caller).await?;
    Ok(Json(SoftwareLists {
        version: view.version,
        allowed: view.lists.allowed.into_iter().map(entry).collect(),
        denied: view.lists.denied.into_iter().map(entry).collect(),
        history: view
            .history
            .into_iter()
            .map(|h| SoftwareListVersion {
                version: h.version,
                changed_by: h.changed_by.to_string(),
                changed_at: h.changed_at,
                note: h.note,
            })
            .collect(),
    })
    .into_response())
}

/// `PUT /api/v1/software-lists`: a new version of both lists.
#[utoipa::path(
    put,
    path = "/api/v1/software-lists",
    summary = "Put a new version of the software lists in force: the whole of both lists, based_on the version edited from (a change made since is a conflict), with a note saying why. Software on both lists is refused. Agency operators (software_list.manage); recorded (software_list.change).",
    request_body = dsg_proto::applications::NewSoftwareLists,
    responses(
        (status = 200, description = "the new version", body = dsg_proto::applications::SoftwareListsChanged),
        (status = 400, description = "invalid_input (an entry, the note, an entry on both lists), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (changed since based_on)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn change_lists(ctx: Ctx, ApiJson(body): ApiJson<NewSoftwareLists>) -> ApiResult {
    let version = ctx
        .app
        .change_software_lists(
            &ctx.meta,
            &ctx.caller,
            &dsg_app::NewSoftwareLists {
                based_on: body.based_on,
                allowed: body.allowed.iter().map(domain_entry).collect(),
                denied: body.denied.iter().map(domain_entry).collect(),
                note: body.note,
            },
        )
        .await?;
    Ok(Json(SoftwareListsChanged { version }).into_response())
}
