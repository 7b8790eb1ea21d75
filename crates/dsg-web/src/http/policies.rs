//! `/api/v1/admin/policies` and `/api/v1/admin/decisions`: policy versions,
//! proposals, what-if replays, approval, rollback, and decision records.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_proto::policies::{PolicyStatus, PolicyVersionList};

use super::context::Ctx;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::wire_views;
use dsg_app::AppError;

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

fn version_number(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::Invalid("version: not a number".into()))
}

/// `GET /api/v1/admin/policies`: every version, newest first, and the
/// version in force.
#[utoipa::path(
    get,
    path = "/api/v1/admin/policies",
    summary = "Policy versions, newest first, and `in_force` (the version deciding now). Operators (policy.read).",
    responses(
        (status = 200, description = "`{in_force, versions: [{version, status, origin, summary, based_on, proposed_by, proposed_at, decided_by, decided_at, activated_at, digest, policies}]}`", body = dsg_proto::policies::PolicyVersionList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn list(ctx: Ctx) -> ApiResult {
    let versions = ctx.app.policy_versions(&ctx.meta, &ctx.caller).await?;
    Ok(Json(PolicyVersionList {
        in_force: ctx.app.policy_version_in_force(),
        versions: versions
            .into_iter()
            .map(wire_views::policy_version)
            .collect(),
    })
    .into_response())
}

/// `GET /api/v1/admin/policies/{version}`
#[utoipa::path(
    get,
    path = "/api/v1/admin/policies/{version}",
    summary = "One version with its text.",
    params(
        ("version" = i64, Path),
    ),
    responses(
        (status = 200, description = "the version", body = dsg_proto::policies::PolicyVersion),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show(ctx: Ctx, ApiPath(version): ApiPath<String>) -> ApiResult {
    let view = ctx
        .app
        .policy_version(&ctx.meta, &ctx.caller, version_number(&version)?)
        .await?;
    Ok(Json(wire_views::policy_version(view)).into_response())
}

/// `POST /api/v1/admin/policies`: proposes a version. 422
/// `policy_invalid` with the validator's message if it does not validate.
#[utoipa::path(
    post,
    path = "/api/v1/admin/policies",
    summary = "Propose a version (needs step-up). Body: `{policies, summary}`. Validated against the schema.",
    request_body = dsg_proto::policies::PolicyProposal,
    responses(
        (status = 201, description = "`{version, status: \"proposed\"}`", body = dsg_proto::policies::PolicyStatus),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "policy_invalid: the message is the parser's or validator's, invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn propose(
    ctx: Ctx,
    ApiJson(body): ApiJson<dsg_proto::policies::PolicyProposal>,
) -> ApiResult {
    let version = ctx
        .app
        .propose_policy(&ctx.meta, &ctx.caller, &body.policies, &body.summary)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PolicyStatus {
            version,
            status: "proposed".to_owned(),
            rolled_back_to: None,
        }),
    )
        .into_response())
}

/// `POST /api/v1/admin/policies/{version}/what-if?limit=N`: replays the
/// newest N recorded decisions under the version.
#[utoipa::path(
    post,
    path = "/api/v1/admin/policies/{version}/what-if",
    summary = "Replay the newest `limit` (default 1000, at most 10000) recorded decisions under this version, each on the request and entity slice it was made on; lists those whose answer would change.",
    params(
        ("version" = i64, Path),
        ("limit" = Option<i64>, Query),
    ),
    responses(
        (status = 200, description = "`{version, replayed, unreadable, flips: [{event_id, occurred_at, actor, action, object_type, object_id, was_allowed, was_policies, now_allowed, now_policies}]}`", body = dsg_proto::policies::WhatIfReport),
        (status = 400, description = "invalid_query", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn what_if(
    ctx: Ctx,
    ApiPath(version): ApiPath<String>,
    ApiQuery(query): ApiQuery<dsg_proto::policies::WhatIfQuery>,
) -> ApiResult {
    let report = ctx
        .app
        .policy_what_if(
            &ctx.meta,
            &ctx.caller,
            version_number(&version)?,
            query.limit.unwrap_or(1000),
        )
        .await?;
    Ok(Json(wire_views::what_if(report)).into_response())
}

/// `POST /api/v1/admin/policies/{version}/{approve|reject|rollback}`
#[utoipa::path(
    post,
    path = "/api/v1/admin/policies/{version}/{change}",
    summary = "`approve` a proposal (by an operator other than the proposer; needs step-up; in force for the next request), `reject` it, or `rollback` to a version that was in force before (a copy becomes the newest version, in force at once).",
    params(
        ("version" = i64, Path),
        ("change" = dsg_proto::params::PolicyChange, Path),
    ),
    responses(
        (status = 200, description = "`{version, status}`", body = dsg_proto::policies::PolicyStatus),
        (status = 400, description = "invalid_input: rollback to a version never in force", body = dsg_proto::ErrorBody),
        (status = 403, description = "self_approval, forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict: not a pending proposal", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn change(ctx: Ctx, ApiPath((version, change)): ApiPath<(String, String)>) -> ApiResult {
    let version = version_number(&version)?;
    let body = match change.as_str() {
        "approve" => {
            ctx.app
                .approve_policy(&ctx.meta, &ctx.caller, version)
                .await?;
            PolicyStatus {
                version,
                status: "active".to_owned(),
                rolled_back_to: None,
            }
        }
        "reject" => {
            ctx.app
                .reject_policy(&ctx.meta, &ctx.caller, version)
                .await?;
            PolicyStatus {
                version,
                status: "rejected".to_owned(),
                rolled_back_to: None,
            }
        }
        "rollback" => {
            let new = ctx
                .app
                .rollback_policy(&ctx.meta, &ctx.caller, version)
                .await?;
            PolicyStatus {
                version: new,
                status: "active".to_owned(),
                rolled_back_to: Some(version),
            }
        }
        _ => return Err(AppError::NotFound.into()),
    };
    Ok(Json(body).into_response())
}

/// `GET /api/v1/admin/decisions/{event_id}`: the full decision record of
/// an audit entry.
#[utoipa::path(
    get,
    path = "/api/v1/admin/decisions/{event_id}",
    summary = "The decision record of an audit entry: the policy version, the answer, and the request, context and entity slice it was made on (Cedar JSON), with `digest_matches` (the record still hashes to the digest in the tamper-evident entry).",
    params(
        ("event_id" = String, Path),
    ),
    responses(
        (status = 200, description = "the record", body = dsg_proto::policies::DecisionRecord),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn decision(ctx: Ctx, ApiPath(event_id): ApiPath<String>) -> ApiResult {
    let record = ctx
        .app
        .decision_record(&ctx.meta, &ctx.caller, &event_id)
        .await?;
    Ok(Json(wire_views::decision(record)).into_response())
}
