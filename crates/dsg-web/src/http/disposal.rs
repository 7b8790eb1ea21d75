//! `/api/v1/compartments/{cid}/disposals…`: files awaiting disposal, the
//! record of a disposal and its confirmation by another person.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_app::{DisposalCandidateView, DisposalInput, DisposalView};
use dsg_core::PROTECTED_MARKING as MARKING;
use dsg_proto::disposal::{Disposal, DisposalCandidate, DisposalList, NewDisposal};

use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use super::wire;

type ApiResult = Result<Response, ApiError>;

pub(crate) fn disposal(d: &DisposalView) -> Disposal {
    Disposal {
        id: d.id.to_string(),
        file_id: d.file_id.to_string(),
        method: d.method.as_str().to_owned(),
        place: d.place.clone(),
        performed_by: d.performed_by.to_string(),
        performed_at: d.performed_at,
        checked_by: d.checked_by.map(|u| u.to_string()),
        checked_at: d.checked_at,
    }
}

fn candidate(c: &DisposalCandidateView) -> DisposalCandidate {
    DisposalCandidate {
        file: wire::file(&c.file),
        versions: c.versions,
        deleted_by: c.deleted_by.map(|u| u.to_string()),
        deleted_at: c.deleted_at,
        disposal: c.disposal.as_ref().map(disposal),
    }
}

/// `GET /api/v1/compartments/{cid}/disposals`
#[utoipa::path(
    get,
    path = "/api/v1/compartments/{cid}/disposals",
    summary = "Files of the compartment marked for disposal and not yet disposed of, with any recorded disposal awaiting its checker (the company's security administrators; audited as disposal.view). Anyone else gets not_found, as for a compartment that does not exist.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "OK", body = dsg_proto::disposal::DisposalList),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn disposals(ctx: Ctx, ApiPath(cid): ApiPath<String>) -> ApiResult {
    let list = ctx
        .app
        .disposal_candidates(&ctx.meta, &ctx.caller, &cid)
        .await?;
    Ok(Json(DisposalList {
        marking: MARKING.to_owned(),
        candidates: list.iter().map(candidate).collect(),
    })
    .into_response())
}

/// `POST /api/v1/compartments/{cid}/files/{fid}/disposal`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/files/{fid}/disposal",
    summary = "Record the disposal of a file marked for it, performed by the caller now (the company's security administrators and the contract's handlers, with a fresh step-up). It awaits another person's confirmation.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("fid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::disposal::NewDisposal,
    responses(
        (status = 201, description = "Recorded", body = dsg_proto::disposal::Disposal),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 403, description = "step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found (also a file not marked for disposal)", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (already recorded)", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn record_disposal(
    ctx: Ctx,
    ApiPath((cid, fid)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<NewDisposal>,
) -> ApiResult {
    let input = DisposalInput {
        method: body.method,
        place: body.place,
    };
    let recorded = ctx
        .app
        .record_disposal(&ctx.meta, &ctx.caller, (&cid, &fid), &input)
        .await?;
    Ok((StatusCode::CREATED, Json(disposal(&recorded))).into_response())
}

/// `POST /api/v1/compartments/{cid}/disposals/{did}/confirm`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/disposals/{did}/confirm",
    summary = "Confirm a recorded disposal as its checker — never the person who performed it (policy disposal-checker-not-performer: forbidden). The file's data keys are destroyed in the same transaction (crypto-shredding), then its blobs deleted. The company's security administrators, with a fresh step-up.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("did" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 204, description = "Confirmed; the keys are destroyed"),
        (status = 403, description = "forbidden (the performer, or no manager of the company) or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused or conflict", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn confirm_disposal(
    ctx: Ctx,
    ApiPath((cid, did)): ApiPath<(String, String)>,
) -> ApiResult {
    ctx.app
        .confirm_disposal(&ctx.meta, &ctx.caller, (&cid, &did))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
