//! `/api/v1/compartments/{cid}/end…`: the end of a contract (第6-7) — the
//! compartment's phase and instructions, the extension of keeping the
//! company asks for and the agency decides, and the closing one agency
//! person proposes and another approves (its key destroyed).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_app::{ContractEndView, EndDecisionInput, EndRequestInput};
use dsg_core::PROTECTED_MARKING as MARKING;
use dsg_proto::contract_end::{
    ContractEnd, EndDecision, EndInstruction, EndRequest, EndRequestFiled, NewEndRequest,
};

use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};

type ApiResult = Result<Response, ApiError>;

fn wire(view: &ContractEndView) -> ContractEnd {
    ContractEnd {
        marking: MARKING.to_owned(),
        compartment_id: view.compartment.to_string(),
        phase: view.phase.as_str().to_owned(),
        ends_on: view.ends_on.to_string(),
        kept_until: view.kept_until.map(|d| d.to_string()),
        closed_at: view.closed_at,
        unclosed_items: view.unclosed_items,
        provided: view
            .provided
            .iter()
            .map(|p| EndInstruction {
                file_id: p.file_id.to_string(),
                name: p.name.clone(),
                instruction: p.instruction.map(|i| i.as_str().to_owned()),
            })
            .collect(),
        requests: view
            .requests
            .iter()
            .map(|r| {
                let row = &r.row;
                EndRequest {
                    id: row.id.to_string(),
                    kind: row.kind.as_str().to_owned(),
                    requested_by: row.requested_by.to_string(),
                    requested_at: row.requested_at,
                    reason: row.reason.clone(),
                    until: row.until.map(|d| d.to_string()),
                    status: row.status.as_str().to_owned(),
                    decided_by: row.decided_by.map(|u| u.to_string()),
                    decided_at: row.decided_at,
                    decision_reason: row.decision_reason.clone(),
                    decidable: r.decidable,
                }
            })
            .collect(),
        may_request_extension: view.may_request_extension,
        may_propose_close: view.may_propose_close,
    }
}

/// `GET /api/v1/compartments/{cid}/end`
#[utoipa::path(
    get,
    path = "/api/v1/compartments/{cid}/end",
    summary = "The contract's end (第6-7): the compartment's phase (active, ended, extended, closed), the provided files with their instructions (return or destroy), the inventory items still open, the requests to keep longer or to close and what the caller may do. Whoever reads the compartment's inventory; audited as contract_end.view.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "OK", body = dsg_proto::contract_end::ContractEnd),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn contract_end(ctx: Ctx, ApiPath(cid): ApiPath<String>) -> ApiResult {
    let view = ctx.app.contract_end(&ctx.meta, &ctx.caller, &cid).await?;
    Ok(Json(wire(&view)).into_response())
}

fn input(body: NewEndRequest) -> EndRequestInput {
    EndRequestInput {
        reason: body.reason,
        until: body.until,
    }
}

fn decision(body: EndDecision) -> EndDecisionInput {
    EndDecisionInput {
        approve: body.approve,
        reason: body.reason,
    }
}

/// `POST /api/v1/compartments/{cid}/end/extensions`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/end/extensions",
    summary = "Ask to keep the contract's information until a later day (第6-7(2)), with a reason: a handler of the contract or the company's security administrator. The agency decides.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::contract_end::NewEndRequest,
    responses(
        (status = 201, description = "Filed", body = dsg_proto::contract_end::EndRequestFiled),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused or conflict (closed; one pending already)", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn request_extension(
    ctx: Ctx,
    ApiPath(cid): ApiPath<String>,
    ApiJson(body): ApiJson<NewEndRequest>,
) -> ApiResult {
    let row = ctx
        .app
        .request_extension(&ctx.meta, &ctx.caller, &cid, &input(body))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EndRequestFiled {
            id: row.id.to_string(),
        }),
    )
        .into_response())
}

/// `POST /api/v1/compartments/{cid}/end/extensions/{rid}/decision`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/end/extensions/{rid}/decision",
    summary = "Approve or refuse an extension of keeping, with a reason: an agency operator or agency participant of the contract, never who asked (policy end-request-not-self-decided: forbidden), with a fresh step-up.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("rid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::contract_end::EndDecision,
    responses(
        (status = 204, description = "Decided"),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused or conflict (decided already)", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn decide_extension(
    ctx: Ctx,
    ApiPath((cid, rid)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<EndDecision>,
) -> ApiResult {
    ctx.app
        .decide_extension(&ctx.meta, &ctx.caller, (&cid, &rid), &decision(body))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/compartments/{cid}/end/closing`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/end/closing",
    summary = "Propose to close the compartment, with a reason: an agency operator or agency participant of the contract, with a fresh step-up; only after the contract's end and once every inventory item is returned or disposed of. Another agency person approves.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::contract_end::NewEndRequest,
    responses(
        (status = 201, description = "Proposed", body = dsg_proto::contract_end::EndRequestFiled),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (not ended; items open) or conflict", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn propose_close(
    ctx: Ctx,
    ApiPath(cid): ApiPath<String>,
    ApiJson(body): ApiJson<NewEndRequest>,
) -> ApiResult {
    let row = ctx
        .app
        .propose_close(&ctx.meta, &ctx.caller, &cid, &input(body))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EndRequestFiled {
            id: row.id.to_string(),
        }),
    )
        .into_response())
}

/// `POST /api/v1/compartments/{cid}/end/closing/{rid}/decision`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/end/closing/{rid}/decision",
    summary = "Approve (or refuse) closing the compartment: another agency person than who proposed it (policy end-request-not-self-decided: forbidden), with a fresh step-up. On approval the compartment key and every data key are destroyed in the transaction of its audit entry, the blobs deleted, and the accounts whose only contract it was expire.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("rid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::contract_end::EndDecision,
    responses(
        (status = 204, description = "Decided"),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (items open) or conflict (decided already)", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn decide_close(
    ctx: Ctx,
    ApiPath((cid, rid)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<EndDecision>,
) -> ApiResult {
    ctx.app
        .decide_close(&ctx.meta, &ctx.caller, (&cid, &rid), &decision(body))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
