//! `/api/v1/audit/…`: searching the log, an entry's inclusion proof, a
//! company's verifiable extract; `/api/v1/admin/users/{id}/duties…`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_proto::audit::DutyGranted;

use super::context::Ctx;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::wire_views;
use dsg_app::{AppError, AuditSearch};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// `GET /api/v1/audit/entries?from&until&company&actor&action&outcome&object&limit`:
/// newest first, narrowed to what the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/audit/entries",
    summary = "Search the audit log, newest first, within what the policy lets the caller read: agency operators and auditors the whole log, a contractor's security administrator (duty security-admin) their own company's entries. The search is recorded (audit.read).",
    params(
        ("from" = Option<i64>, Query, description = "Unix ms, inclusive; default seven days before until"),
        ("until" = Option<i64>, Query, description = "Unix ms, exclusive; default now"),
        ("company" = Option<String>, Query, description = "company id (another company than one's own is 404 for a company reader)"),
        ("actor" = Option<String>, Query, description = "user id"),
        ("action" = Option<String>, Query, description = "an action, or a family ending in a dot (auth.)"),
        ("outcome" = Option<dsg_proto::params::Outcome>, Query),
        ("object" = Option<String>, Query, description = "object id"),
        ("limit" = Option<i64>, Query, description = "1-1000, default 200", minimum = 1, maximum = 1000),
        ("contract" = Option<String>, Query, description = "entries about this contract, its compartment or its files", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "{scope: all|company, company?, truncated, entries: [{seq, id, occurred_at, request_id, actor, source, action, object_type, object_id, outcome, reason, terminal, decision, company}]}", body = dsg_proto::audit::AuditSearchResult),
        (status = 400, description = "invalid, invalid_query", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused: from is not before until", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn search(ctx: Ctx, ApiQuery(search): ApiQuery<AuditSearch>) -> ApiResult {
    let result = ctx.app.audit_search(&ctx.meta, &ctx.caller, search).await?;
    Ok(Json(wire_views::audit_search(result)).into_response())
}

/// `GET /api/v1/audit/export?…` (the search's filters): the entries as
/// JSON Lines, each with its salt and inclusion proof in the signed
/// checkpoint of the header.
#[utoipa::path(
    get,
    path = "/api/v1/audit/export",
    summary = "The same search as JSON Lines (dsg-audit-search-export/v1): a header with the log id, public key, scope and the newest signed checkpoint, then one line per entry with its salt and inclusion proof in that checkpoint (entries newer than it have none), so each line verifies offline on its own.",
    params(
        ("from" = Option<i64>, Query, description = "Unix ms, inclusive; default seven days before until"),
        ("until" = Option<i64>, Query, description = "Unix ms, exclusive; default now"),
        ("company" = Option<String>, Query, description = "company id (another company than one's own is 404 for a company reader)"),
        ("actor" = Option<String>, Query, description = "user id"),
        ("action" = Option<String>, Query, description = "an action, or a family ending in a dot (auth.)"),
        ("outcome" = Option<dsg_proto::params::Outcome>, Query),
        ("object" = Option<String>, Query, description = "object id"),
        ("limit" = Option<i64>, Query, description = "1-1000, default 200", minimum = 1, maximum = 1000),
        ("contract" = Option<String>, Query, description = "entries about this contract, its compartment or its files", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "application/x-ndjson", body = dsg_proto::params::Text, content_type = "application/x-ndjson"),
        (status = 400, description = "invalid, invalid_query", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused: from is not before until", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn export(ctx: Ctx, ApiQuery(search): ApiQuery<AuditSearch>) -> ApiResult {
    let lines = ctx
        .app
        .audit_search_export(&ctx.meta, &ctx.caller, search)
        .await?;
    Ok(jsonl("dsg-audit-search.jsonl", &lines))
}

/// `GET /api/v1/audit/entries/{seq}/proof`: the entry's inclusion proof in
/// the newest signed checkpoint (RFC 9162), with the entry and its salt.
#[utoipa::path(
    get,
    path = "/api/v1/audit/entries/{seq}/proof",
    summary = "Inclusion proof (RFC 9162) of the entry at leaf index seq in the newest signed checkpoint, with the entry and its salt so the leaf hash can be recomputed. Only for entries the caller may read.",
    params(
        ("seq" = String, Path),
    ),
    responses(
        (status = 200, description = "{leaf_index, tree_size, leaf_hash, root, path, entry, checkpoint}", body = dsg_proto::audit::InclusionProof),
        (status = 409, description = "refused: the entry is not in the sequenced tree yet", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn proof(ctx: Ctx, ApiPath(seq): ApiPath<String>) -> ApiResult {
    let seq: u64 = seq.parse().map_err(|_| AppError::NotFound)?;
    let view = ctx
        .app
        .audit_entry_proof(&ctx.meta, &ctx.caller, seq)
        .await?;
    Ok(Json(wire_views::inclusion_proof(view)).into_response())
}

/// `GET /api/v1/audit/companies/{id}/extract`: the company's extract as
/// JSON Lines, to verify offline with `dsg audit verify-extract`.
#[utoipa::path(
    get,
    path = "/api/v1/audit/companies/{id}/extract",
    summary = "A company's verifiable extract (JSON Lines, dsg-audit-company-extract/v1): its entries with salts, its newest signed sub-log head and that head's inclusion proof, and the signed checkpoint. Check it offline with `dsg admin audit-verify-extract`. Recorded as audit.extract in the company's own sub-log.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "application/x-ndjson", body = dsg_proto::params::Text, content_type = "application/x-ndjson"),
        (status = 409, description = "refused: no signed head yet (made at the next checkpoint)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
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

/// `POST /api/v1/admin/users/{id}/duties {"duty": "auditor"}`
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/duties",
    summary = "Grant a duty: auditor (agency staff other than operators), security-admin (a contractor's user), or the service provider's site-survey and terminal-setup (staff of the provider's organisation, acting on the memberships assigned to it). Operators only, never to themselves; needs a fresh step-up.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::audit::Duty,
    responses(
        (status = 201, description = "granted", body = dsg_proto::audit::DutyGranted),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (already held), refused (the duty does not fit the person)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn grant_duty(
    ctx: Ctx,
    ApiPath(user): ApiPath<String>,
    ApiJson(body): ApiJson<dsg_proto::audit::Duty>,
) -> ApiResult {
    ctx.app
        .change_duty(&ctx.meta, &ctx.caller, &user, &body.duty, true)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DutyGranted {
            user,
            duty: body.duty,
        }),
    )
        .into_response())
}

/// `DELETE /api/v1/admin/users/{id}/duties/{duty}`
#[utoipa::path(
    delete,
    path = "/api/v1/admin/users/{id}/duties/{duty}",
    summary = "Withdraw a duty; takes effect on the next request.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("duty" = String, Path, pattern = "^(?:auditor|security-admin|site-survey|terminal-setup)$"),
    ),
    responses(
        (status = 204, description = "withdrawn"),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn revoke_duty(ctx: Ctx, ApiPath((user, duty)): ApiPath<(String, String)>) -> ApiResult {
    ctx.app
        .change_duty(&ctx.meta, &ctx.caller, &user, &duty, false)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
