//! `/api/v1/admin/policies` and `/api/v1/admin/decisions`: policy versions,
//! proposals, what-if replays, approval, rollback, and decision records.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::context::Ctx;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use dsg_app::AppError;

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

fn version_number(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::Invalid("version: not a number".into()))
}

/// `GET /api/v1/admin/policies`: every version, newest first, and the
/// version in force.
pub async fn list(ctx: Ctx) -> ApiResult {
    let versions = ctx.app.policy_versions(&ctx.meta, &ctx.caller).await?;
    Ok(Json(json!({
        "in_force": ctx.app.policy_version_in_force(),
        "versions": versions,
    }))
    .into_response())
}

/// `GET /api/v1/admin/policies/{version}`
pub async fn show(ctx: Ctx, ApiPath(version): ApiPath<String>) -> ApiResult {
    let view = ctx
        .app
        .policy_version(&ctx.meta, &ctx.caller, version_number(&version)?)
        .await?;
    Ok(Json(view).into_response())
}

/// Body of `POST /api/v1/admin/policies`.
#[derive(Deserialize)]
pub struct ProposeBody {
    policies: String,
    summary: String,
}

/// `POST /api/v1/admin/policies`: proposes a version. 422
/// `policy_invalid` with the validator's message if it does not validate.
pub async fn propose(ctx: Ctx, ApiJson(body): ApiJson<ProposeBody>) -> ApiResult {
    let version = ctx
        .app
        .propose_policy(&ctx.meta, &ctx.caller, &body.policies, &body.summary)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "version": version, "status": "proposed" })),
    )
        .into_response())
}

/// Query of the what-if replay.
#[derive(Deserialize)]
pub struct WhatIfQuery {
    #[serde(default)]
    limit: Option<i64>,
}

/// `POST /api/v1/admin/policies/{version}/what-if?limit=N`: replays the
/// newest N recorded decisions under the version.
pub async fn what_if(
    ctx: Ctx,
    ApiPath(version): ApiPath<String>,
    ApiQuery(query): ApiQuery<WhatIfQuery>,
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
    Ok(Json(report).into_response())
}

/// `POST /api/v1/admin/policies/{version}/{approve|reject|rollback}`
pub async fn change(ctx: Ctx, ApiPath((version, change)): ApiPath<(String, String)>) -> ApiResult {
    let version = version_number(&version)?;
    let body = match change.as_str() {
        "approve" => {
            ctx.app
                .approve_policy(&ctx.meta, &ctx.caller, version)
                .await?;
            json!({ "version": version, "status": "active" })
        }
        "reject" => {
            ctx.app
                .reject_policy(&ctx.meta, &ctx.caller, version)
                .await?;
            json!({ "version": version, "status": "rejected" })
        }
        "rollback" => {
            let new = ctx
                .app
                .rollback_policy(&ctx.meta, &ctx.caller, version)
                .await?;
            json!({ "version": new, "status": "active", "rolled_back_to": version })
        }
        _ => return Err(AppError::NotFound.into()),
    };
    Ok(Json(body).into_response())
}

/// `GET /api/v1/admin/decisions/{event_id}`: the full decision record of
/// an audit entry.
pub async fn decision(ctx: Ctx, ApiPath(event_id): ApiPath<String>) -> ApiResult {
    let record = ctx
        .app
        .decision_record(&ctx.meta, &ctx.caller, &event_id)
        .await?;
    Ok(Json(record).into_response())
}
