//! `/api/v1/admin/contracts/{id}/participants`: the agency's own staff
//! designated on a contract (agency participants), who reach its
//! compartment beside the contractor's handlers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_proto::files::{Handler, ParticipantList};

use super::context::Ctx;
use super::error::ApiError;
use super::extract::ApiPath;
use super::wire;

type ApiResult = Result<Response, ApiError>;

/// `GET /api/v1/admin/contracts/{id}/participants`
#[utoipa::path(
    get,
    path = "/api/v1/admin/contracts/{id}/participants",
    summary = "Agency participants of a contract: the agency's staff designated on it, who reach its compartment under the same conditions as its handlers (agency operators; audited as admin.view)",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "OK", body = dsg_proto::files::ParticipantList),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn participants(ctx: Ctx, ApiPath(contract): ApiPath<String>) -> ApiResult {
    let (contract, rows) = ctx
        .app
        .contract_participants(&ctx.meta, &ctx.caller, &contract)
        .await?;
    let participants = rows
        .iter()
        .map(|h| Handler {
            user_id: h.user_id.to_string(),
            username: h.username.to_string(),
            display_name: h.display_name.to_string(),
            designated_at: h.designated_at,
        })
        .collect();
    Ok(Json(ParticipantList {
        contract: wire::contract(&contract),
        participants,
    })
    .into_response())
}

/// `PUT /api/v1/admin/contracts/{id}/participants/{uid}`
#[utoipa::path(
    put,
    path = "/api/v1/admin/contracts/{id}/participants/{uid}",
    summary = "Designate one of the agency's staff an agency participant of the contract (agency operators, with a fresh step-up)",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 204, description = "Designated"),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (a contractor's user) or already designated", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn designate_participant(
    ctx: Ctx,
    ApiPath((contract, user)): ApiPath<(String, String)>,
) -> ApiResult {
    ctx.app
        .designate_participant(&ctx.meta, &ctx.caller, &contract, &user)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/v1/admin/contracts/{id}/participants/{uid}`
#[utoipa::path(
    delete,
    path = "/api/v1/admin/contracts/{id}/participants/{uid}",
    summary = "Remove an agency participant's designation (agency operators, with a fresh step-up); the account stays as it is",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn remove_participant(
    ctx: Ctx,
    ApiPath((contract, user)): ApiPath<(String, String)>,
) -> ApiResult {
    ctx.app
        .remove_participant(&ctx.meta, &ctx.caller, &contract, &user)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
