//! `/api/v1/audit/…`: searching the log, an entry's inclusion proof, a
//! company's verifiable extract; `/api/v1/admin/users/{id}/duties…`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::context::Ctx;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use dsg_app::{AppError, AuditSearch};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// `GET /api/v1/audit/entries?from&until&company&actor&action&outcome&object&limit`:
/// newest first, narrowed to what the caller may read.
pub async fn search(ctx: Ctx, ApiQuery(search): ApiQuery<AuditSearch>) -> ApiResult {
    let result = ctx.app.audit_search(&ctx.meta, &ctx.caller, search).await?;
    Ok(Json(result).into_response())
}

/// `GET /api/v1/audit/export?…` (the search's filters): the entries as
/// JSON Lines, each with its salt and inclusion proof in the signed
/// checkpoint of the header.
pub async fn export(ctx: Ctx, ApiQuery(search): ApiQuery<AuditSearch>) -> ApiResult {
    let lines = ctx
        .app
        .audit_search_export(&ctx.meta, &ctx.caller, search)
        .await?;
    Ok(jsonl("dsg-audit-search.jsonl", &lines))
}

/// `GET /api/v1/audit/entries/{seq}/proof`: the entry's inclusion proof in
/// the newest signed checkpoint (RFC 9162), with the entry and its salt.
pub async fn proof(ctx: Ctx, ApiPath(seq): ApiPath<String>) -> ApiResult {
    let seq: u64 = seq.parse().map_err(|_| AppError::NotFound)?;
    let view = ctx
        .app
        .audit_entry_proof(&ctx.meta, &ctx.caller, seq)
        .await?;
    Ok(Json(view).into_response())
}

/// `GET /api/v1/audit/companies/{id}/extract`: the company's extract as
/// JSON Lines, to verify offline with `dsg audit verify-extract`.
pub async fn extract(ctx: Ctx, ApiPath(company): ApiPath<String>) -> ApiResult {
    let lines = ctx
        .app
        .audit_extract_for(&ctx.meta, &ctx.caller, &company)
        .await?;
    Ok(jsonl(&format!("dsg-audit-extract-{company}.jsonl"), &lines))
}

/// A JSON Lines download.
pub fn jsonl(file_name: &str, lines: &[String]) -> Response {
    let mut body = lines.join("\n");
    body.push('\n');
    (
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// Body of `POST /api/v1/admin/users/{id}/duties`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutyBody {
    duty: String,
}

/// `POST /api/v1/admin/users/{id}/duties {"duty": "auditor"}`
pub async fn grant_duty(
    ctx: Ctx,
    ApiPath(user): ApiPath<String>,
    ApiJson(body): ApiJson<DutyBody>,
) -> ApiResult {
    ctx.app
        .change_duty(&ctx.meta, &ctx.caller, &user, &body.duty, true)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "user": user, "duty": body.duty })),
    )
        .into_response())
}

/// `DELETE /api/v1/admin/users/{id}/duties/{duty}`
pub async fn revoke_duty(ctx: Ctx, ApiPath((user, duty)): ApiPath<(String, String)>) -> ApiResult {
    ctx.app
        .change_duty(&ctx.meta, &ctx.caller, &user, &duty, false)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
