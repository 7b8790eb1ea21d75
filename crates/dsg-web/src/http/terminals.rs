//! `/api/v1/admin/terminals`: the terminal register over JSON.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use dsg_proto::terminals::{IssuedTerminal, PostureReceipt, TerminalEntry, TerminalList};

use super::context::Ctx;
use super::extract::{ApiJson, ApiPath};
use super::wire;
use dsg_app::{AppError, NewTerminal, RegisteredTerminal, TerminalChange};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// `POST /api/v1/terminal/posture`: the terminal the request comes from
/// (by its client certificate; no session needed) reports its posture.
#[utoipa::path(
    post,
    path = "/api/v1/terminal/posture",
    summary = "A registered terminal reports its own posture, authenticated by its client certificate (no session). Decided by the policy (`terminal-reports-its-posture`: the terminal itself, not revoked) and audited as terminal.posture.report. Compliant: encrypted disk, firewall on, signatures ≤ 7 days, updates ≤ 45 days old.",
    request_body = dsg_proto::terminals::PostureReport,
    responses(
        (status = 200, description = "{terminal, compliant, reported_at}", body = dsg_proto::terminals::PostureReceipt),
        (status = 400, description = "invalid, invalid_json", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden (no registered terminal, or revoked)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn report_posture(
    ctx: Ctx,
    axum::Extension(device): axum::Extension<dsg_app::Device>,
    ApiJson(report): ApiJson<dsg_proto::terminals::PostureReport>,
) -> ApiResult {
    let report = dsg_core::PostureReport {
        os: report.os,
        os_version: report.os_version,
        disk_encrypted: report.disk_encrypted,
        firewall_enabled: report.firewall_enabled,
        antivirus_signatures_at: report.antivirus_signatures_at,
        patched_at: report.patched_at,
    };
    let receipt = ctx
        .app
        .report_posture(&ctx.meta, &ctx.caller, &device, report)
        .await?;
    Ok(Json(PostureReceipt {
        terminal: receipt.terminal,
        compliant: receipt.compliant,
        reported_at: receipt.reported_at,
    })
    .into_response())
}

fn issued_json(issued: &RegisteredTerminal) -> IssuedTerminal {
    IssuedTerminal {
        terminal: wire::terminal(&issued.terminal),
        certificate_pem: issued.certificate_pem.clone(),
        ca_pem: issued.ca_pem.clone(),
        pkcs12_base64: issued
            .pkcs12
            .as_ref()
            .map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        pkcs12_password: issued
            .pkcs12_password
            .as_ref()
            .map(|p| p.expose().to_owned()),
    }
}

/// `GET /api/v1/admin/terminals`
#[utoipa::path(
    get,
    path = "/api/v1/admin/terminals",
    summary = "The terminal register (with company name and open connections)",
    responses(
        (status = 200, description = "`terminals`", body = dsg_proto::terminals::TerminalList),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn list(ctx: Ctx) -> ApiResult {
    let terminals = ctx.app.terminals(&ctx.meta, &ctx.caller).await?;
    let terminals = terminals
        .iter()
        .map(|v| TerminalEntry {
            terminal: wire::terminal(&v.terminal),
            company_name: v.company_name.clone(),
            open_connections: v.open_connections as u64,
        })
        .collect();
    Ok(Json(TerminalList { terminals }).into_response())
}

/// `POST /api/v1/admin/terminals`: registers a terminal and issues its
/// certificate. Without a CSR the response carries the PKCS#12 file and its
/// password, shown only here.
#[utoipa::path(
    post,
    path = "/api/v1/admin/terminals",
    summary = "Register a terminal and issue its client certificate. Body: `company_id`, `name`, `site`, `serial`, optional `csr_pem`. Without a CSR the response carries `pkcs12_base64` and `pkcs12_password` (shown only here).",
    request_body = dsg_proto::terminals::NewTerminal,
    responses(
        (status = 404, description = "not_found: no such company", body = dsg_proto::ErrorBody),
        (status = 201, description = "`terminal`, `certificate_pem`, `ca_pem`, `pkcs12_base64`, `pkcs12_password`", body = dsg_proto::terminals::IssuedTerminal),
        (status = 400, description = "invalid_input (fields)", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_content (the CSR does not parse or is no P-256 key), invalid_body", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict: serial already registered for the company", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn register(
    ctx: Ctx,
    ApiJson(body): ApiJson<dsg_proto::terminals::NewTerminal>,
) -> ApiResult {
    let input = NewTerminal {
        company_id: body.company_id,
        name: body.name,
        site: body.site,
        serial: body.serial,
        csr_pem: body.csr_pem,
    };
    let issued = ctx
        .app
        .register_terminal(&ctx.meta, &ctx.caller, input)
        .await?;
    Ok((StatusCode::CREATED, Json(issued_json(&issued))).into_response())
}

/// `POST /api/v1/admin/terminals/{id}/certificate`
#[utoipa::path(
    post,
    path = "/api/v1/admin/terminals/{id}/certificate",
    summary = "Issue a new certificate for an active terminal (optional `csr_pem`); the old one stops working at once",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::terminals::Reissue,
    responses(
        (status = 409, description = "refused: the terminal cannot get a certificate now", body = dsg_proto::ErrorBody),
        (status = 201, description = "as registration", body = dsg_proto::terminals::IssuedTerminal),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_content (the CSR does not parse or is no P-256 key), invalid_body", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn reissue(
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<dsg_proto::terminals::Reissue>,
) -> ApiResult {
    let issued = ctx
        .app
        .reissue_terminal_certificate(&ctx.meta, &ctx.caller, &id, body.csr_pem.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(issued_json(&issued))).into_response())
}

/// `POST /api/v1/admin/terminals/{id}/{quarantine|release|revoke}`
#[utoipa::path(
    post,
    path = "/api/v1/admin/terminals/{id}/{change}",
    summary = "`quarantine` (effective on the next request; closes open connections), `release` (needs step-up) or `revoke` (final). Body: optional `reason`.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("change" = dsg_proto::params::TerminalChange, Path),
    ),
    request_body = dsg_proto::terminals::StatusReason,
    responses(
        (status = 409, description = "refused: that status change is not possible from the current status", body = dsg_proto::ErrorBody),
        (status = 200, description = "the terminal", body = dsg_proto::terminals::Terminal),
        (status = 400, description = "invalid_input (e.g. releasing a revoked terminal)", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn change(
    ctx: Ctx,
    ApiPath((id, what)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<dsg_proto::terminals::StatusReason>,
) -> ApiResult {
    let change = match what.as_str() {
        "quarantine" => TerminalChange::Quarantine,
        "release" => TerminalChange::Release,
        "revoke" => TerminalChange::Revoke,
        _ => return Err(AppError::NotFound.into()),
    };
    let terminal = ctx
        .app
        .change_terminal(&ctx.meta, &ctx.caller, &id, change, &body.reason)
        .await?;
    Ok(Json(wire::terminal(&terminal)).into_response())
}
