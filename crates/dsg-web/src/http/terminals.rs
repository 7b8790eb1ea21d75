//! `/api/v1/admin/terminals`: the terminal register over JSON.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use dsg_core::Terminal;
use serde::Deserialize;
use serde_json::{json, Value};

use super::context::Ctx;
use super::extract::{ApiJson, ApiPath};
use dsg_app::{AppError, NewTerminal, RegisteredTerminal, TerminalChange};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

fn terminal_json(t: &Terminal) -> Value {
    json!({
        "id": t.id.to_string(), "company_id": t.company_id.to_string(), "name": t.name.as_str(),
        "site": t.site.as_str(), "serial": t.serial.as_str(), "status": t.status.as_str(),
        "status_reason": t.status_reason, "status_changed_at": t.status_changed_at,
        "certificate_fingerprint": t.cert_fingerprint, "certificate_serial": t.cert_serial,
        "certificate_not_after": t.cert_not_after, "registered_at": t.registered_at,
        "last_seen_at": t.last_seen_at, "posture_reported_at": t.posture_reported_at,
        "posture_compliant": t.posture_compliant,
    })
}

/// `POST /api/v1/terminal/posture`: the terminal the request comes from
/// (by its client certificate; no session needed) reports its posture.
pub async fn report_posture(
    ctx: Ctx,
    axum::Extension(device): axum::Extension<dsg_app::Device>,
    ApiJson(report): ApiJson<dsg_core::PostureReport>,
) -> ApiResult {
    let receipt = ctx
        .app
        .report_posture(&ctx.meta, &ctx.caller, &device, report)
        .await?;
    Ok(Json(receipt).into_response())
}

fn issued_json(issued: &RegisteredTerminal) -> Value {
    json!({
        "terminal": terminal_json(&issued.terminal),
        "certificate_pem": issued.certificate_pem,
        "ca_pem": issued.ca_pem,
        "pkcs12_base64": issued.pkcs12.as_ref().map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        "pkcs12_password": issued.pkcs12_password.as_ref().map(|p| p.expose().to_owned()),
    })
}

/// `GET /api/v1/admin/terminals`
pub async fn list(ctx: Ctx) -> ApiResult {
    let terminals = ctx.app.terminals(&ctx.meta, &ctx.caller).await?;
    let items: Vec<Value> = terminals
        .iter()
        .map(|v| {
            let mut item = terminal_json(&v.terminal);
            item["company_name"] = json!(v.company_name);
            item["open_connections"] = json!(v.open_connections);
            item
        })
        .collect();
    Ok(Json(json!({ "terminals": items })).into_response())
}

/// Body of `POST /api/v1/admin/terminals`.
#[derive(Deserialize)]
pub struct RegisterBody {
    company_id: String,
    name: String,
    site: String,
    serial: String,
    #[serde(default)]
    csr_pem: Option<String>,
}

/// `POST /api/v1/admin/terminals`: registers a terminal and issues its
/// certificate. Without a CSR the response carries the PKCS#12 file and its
/// password, shown only here.
pub async fn register(ctx: Ctx, ApiJson(body): ApiJson<RegisterBody>) -> ApiResult {
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

/// Body of `POST /api/v1/admin/terminals/{id}/certificate`.
#[derive(Deserialize, Default)]
pub struct ReissueBody {
    #[serde(default)]
    csr_pem: Option<String>,
}

/// `POST /api/v1/admin/terminals/{id}/certificate`
pub async fn reissue(
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReissueBody>,
) -> ApiResult {
    let issued = ctx
        .app
        .reissue_terminal_certificate(&ctx.meta, &ctx.caller, &id, body.csr_pem.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(issued_json(&issued))).into_response())
}

/// Body of the status changes.
#[derive(Deserialize, Default)]
pub struct ReasonBody {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/admin/terminals/{id}/{quarantine|release|revoke}`
pub async fn change(
    ctx: Ctx,
    ApiPath((id, what)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReasonBody>,
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
    Ok(Json(terminal_json(&terminal)).into_response())
}
