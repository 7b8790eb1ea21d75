//! `/api/v1/records/…`: the handler roster (取扱者名簿) and training
//! records (教育記録) of a contractor.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::RosterDetails;
use dsg_proto::records::{RosterStatus, TrainingRecorded};

use super::access_review::{csv_bytes, csv_response};
use super::context::Ctx;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::wire_views;
use dsg_app::{AppError, NewTraining, PersonRecords, RecordsRead, RosterLine};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// `GET /api/v1/records/companies/{id}`: everyone of the company with their
/// roster line and training standing, and every training record.
#[utoipa::path(
    get,
    path = "/api/v1/records/companies/{id}",
    summary = "A contractor's handler roster and training records, opened: everyone of the company with their roster line (status submitted/confirmed/removed, personal details) and training standing, and every training record. The company's security administrator, agency operators and auditors; the read is audited. Another company's administrator gets not_found.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 409, description = "refused: the agency keeps no roster", body = dsg_proto::ErrorBody),
        (status = 200, description = "the records", body = dsg_proto::records::CompanyRecords),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn company(ctx: Ctx, ApiPath(company): ApiPath<String>) -> ApiResult {
    let records = ctx
        .app
        .company_records(&ctx.meta, &ctx.caller, &company, RecordsRead::View)
        .await?;
    Ok(Json(wire_views::company_records(records)).into_response())
}

/// `GET /api/v1/records/companies/{id}/roster.csv[?contract=…]`: the
/// company's handler roster as CSV (UTF-8, every cell escaped against
/// formula injection), for the company's files or the contracting officer;
/// with `contract`, that contract's designated handlers only, those without
/// a line on the roster included. Recorded as `records.export`.
#[utoipa::path(
    get,
    path = "/api/v1/records/companies/{id}/roster.csv",
    summary = "A contractor's handler roster as CSV (UTF-8; cells beginning with =, +, -, @ escaped against formula injection): name, date of birth, department, position, nationality, undertaking date, status, confirmation time, latest training, login name. With ?contract=<id>, only that contract's designated handlers, those without a line included (status not-on-roster); a contract of another company is 404. Same readers as the records; recorded as records.export (a read on the page is records.view).",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("contract" = Option<String>, Query, description = "one contract of the company", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 409, description = "refused: the agency keeps no roster", body = dsg_proto::ErrorBody),
        (status = 200, description = "text/csv", body = dsg_proto::params::Text, content_type = "text/csv"),
        (status = 400, description = "invalid_input (the contract is not an id), invalid_query", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn roster_csv(
    ctx: Ctx,
    ApiPath(company): ApiPath<String>,
    ApiQuery(query): ApiQuery<dsg_proto::records::RosterCsvQuery>,
) -> ApiResult {
    let purpose = match &query.contract {
        None => RecordsRead::Export,
        Some(raw) => RecordsRead::ExportContract(
            raw.trim()
                .parse()
                .map_err(|_| AppError::Invalid("contract must be a contract id".into()))?,
        ),
    };
    let records = ctx
        .app
        .company_records(&ctx.meta, &ctx.caller, &company, purpose)
        .await?;
    let header = [
        "氏名 / name",
        "生年月日 / date of birth",
        "所属 / department",
        "役職 / position",
        "国籍 / nationality",
        "誓約書 / undertaking",
        "状態 / status",
        "確認 / confirmed at (UTC ms)",
        "最新の受講日 / latest training",
        "ログイン名 / login",
    ];
    let contract = match purpose {
        RecordsRead::ExportContract(id) => {
            let id = id.to_string();
            records.contracts.iter().find(|c| c.contract_id == id)
        }
        RecordsRead::View | RecordsRead::Export => None,
    };
    let rows: Vec<Vec<String>> = records
        .people
        .iter()
        .filter_map(|p| {
            let Some(contract) = contract else {
                return p.roster.as_ref().map(|line| roster_row(p, line));
            };
            if !contract.handlers.contains(&p.user_id) {
                return None;
            }
            Some(match &p.roster {
                Some(line) => roster_row(p, line),
                // Designated but not on the roster: the gap the officer
                // is looking for.
                None => {
                    let empty = String::new;
                    vec![
                        p.display_name.clone(),
                        empty(),
                        empty(),
                        empty(),
                        empty(),
                        empty(),
                        "not-on-roster".to_owned(),
                        empty(),
                        p.last_trained_on.clone().unwrap_or_default(),
                        p.username.clone(),
                    ]
                }
            })
        })
        .collect();
    let body = csv_bytes(&header, &rows)?;
    let name = match contract {
        Some(c) => format!("roster-{}-{}.csv", records.company_id, c.contract_id),
        None => format!("roster-{}.csv", records.company_id),
    };
    Ok(csv_response(&name, body))
}

/// One person's roster line as a CSV row (the header above).
fn roster_row(p: &PersonRecords, line: &RosterLine) -> Vec<String> {
    let d = &line.details;
    vec![
        d.full_name.clone(),
        d.birth_date.clone(),
        d.department.clone(),
        d.position.clone(),
        d.nationality.clone(),
        d.undertaking_date.clone(),
        line.status.to_owned(),
        line.confirmed_at.map(|t| t.to_string()).unwrap_or_default(),
        p.last_trained_on.clone().unwrap_or_default(),
        p.username.clone(),
    ]
}

/// `PUT /api/v1/records/roster/{user}`: enter or change a person's roster
/// line (it then awaits the agency's confirmation).
#[utoipa::path(
    put,
    path = "/api/v1/records/roster/{uid}",
    summary = "Enter or change a person's line on their company's handler roster (取扱者名簿). The line then awaits the agency's confirmation, also after a change. The company's security administrator, or an agency operator; contractors' staff only.",
    params(
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::records::RosterDetails,
    responses(
        (status = 409, description = "refused: agency staff are not on a roster", body = dsg_proto::ErrorBody),
        (status = 200, description = "submitted", body = dsg_proto::records::RosterStatus),
        (status = 400, description = "invalid (a field, or the person is agency staff), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn submit_roster(
    ctx: Ctx,
    ApiPath(user): ApiPath<String>,
    ApiJson(details): ApiJson<RosterDetails>,
) -> ApiResult {
    ctx.app
        .submit_roster(&ctx.meta, &ctx.caller, &user, &details)
        .await?;
    Ok((
        StatusCode::OK,
        Json(RosterStatus {
            user,
            status: "submitted".to_owned(),
        }),
    )
        .into_response())
}

/// `POST /api/v1/records/roster/{user}/confirm {"submitted_at": …}`
#[utoipa::path(
    post,
    path = "/api/v1/records/roster/{uid}/confirm",
    summary = "Confirm a submitted roster line (the agency's check). Agency operators only, never a line they submitted (self_approval; `dsg admin roster-confirm` on the host is the break-glass second approver); needs a fresh step-up. submitted_at names the version seen: a line changed since is a conflict.",
    params(
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::records::RosterConfirmation,
    responses(
        (status = 200, description = "confirmed", body = dsg_proto::records::RosterStatus),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (not awaiting confirmation in that version)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn confirm_roster(
    ctx: Ctx,
    ApiPath(user): ApiPath<String>,
    ApiJson(body): ApiJson<dsg_proto::records::RosterConfirmation>,
) -> ApiResult {
    ctx.app
        .confirm_roster(&ctx.meta, &ctx.caller, &user, body.submitted_at)
        .await?;
    Ok(Json(RosterStatus {
        user,
        status: "confirmed".to_owned(),
    })
    .into_response())
}

/// `DELETE /api/v1/records/roster/{user}`: take a person off the roster.
#[utoipa::path(
    delete,
    path = "/api/v1/records/roster/{uid}",
    summary = "Take a person off the roster. Where the deployment requires a confirmed roster, they reach no protected data from their next request on.",
    params(
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 409, description = "refused: agency staff are not on a roster", body = dsg_proto::ErrorBody),
        (status = 200, description = "removed", body = dsg_proto::records::RosterStatus),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn remove_roster(ctx: Ctx, ApiPath(user): ApiPath<String>) -> ApiResult {
    ctx.app.remove_roster(&ctx.meta, &ctx.caller, &user).await?;
    Ok(Json(RosterStatus {
        user,
        status: "removed".to_owned(),
    })
    .into_response())
}

/// `POST /api/v1/records/training/{user}`: record a training.
#[utoipa::path(
    post,
    path = "/api/v1/records/training/{uid}",
    summary = "Record a security training (教育記録) a person took. The company's security administrator, or an agency operator.",
    params(
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::records::NewTraining,
    responses(
        (status = 409, description = "refused: agency staff have no training records", body = dsg_proto::ErrorBody),
        (status = 201, description = "recorded", body = dsg_proto::records::TrainingRecorded),
        (status = 400, description = "invalid, invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn record_training(
    ctx: Ctx,
    ApiPath(user): ApiPath<String>,
    ApiJson(training): ApiJson<NewTraining>,
) -> ApiResult {
    let id = ctx
        .app
        .record_training(&ctx.meta, &ctx.caller, &user, &training)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TrainingRecorded {
            id: id.to_string(),
            user,
        }),
    )
        .into_response())
}

/// `PUT /api/v1/records/consent/{user}`: record a protected-system user's
/// written consent.
#[utoipa::path(
    put,
    path = "/api/v1/records/consent/{uid}",
    summary = "Record a protected-system user's written consent (保護システム利用の同意, 第5-2(2)ア): the system is a protected system; its use is monitored, logged and audited; misuse may bring legal liability — all three must be true — and the day it was signed. Recording it again replaces the line. The company's security administrator, or an agency operator; never for oneself; needs a fresh step-up. Where the deployment requires consent, a user without it reaches no protected data.",
    params(
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::records::SystemUseConsent,
    responses(
        (status = 409, description = "refused: agency staff keep no such records", body = dsg_proto::ErrorBody),
        (status = 200, description = "recorded", body = dsg_proto::records::ConsentStatus),
        (status = 400, description = "invalid (an item not consented to, a date), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn record_consent(
    ctx: Ctx,
    ApiPath(user): ApiPath<String>,
    ApiJson(body): ApiJson<dsg_proto::records::SystemUseConsent>,
) -> ApiResult {
    let consent = dsg_core::SystemUseConsent {
        signed_on: body.signed_on,
        protected_system: body.protected_system,
        monitored: body.monitored,
        liability: body.liability,
    };
    ctx.app
        .record_consent(&ctx.meta, &ctx.caller, &user, &consent)
        .await?;
    Ok(Json(dsg_proto::records::ConsentStatus {
        user,
        status: "consented".to_owned(),
    })
    .into_response())
}

/// `DELETE /api/v1/records/consent/{user}`: withdraw a consent.
#[utoipa::path(
    delete,
    path = "/api/v1/records/consent/{uid}",
    summary = "Withdraw a protected-system user's consent (they leave the protected-system user roster). Where the deployment requires consent, they reach no protected data from their next request on.",
    params(
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 409, description = "refused: agency staff keep no such records", body = dsg_proto::ErrorBody),
        (status = 200, description = "withdrawn", body = dsg_proto::records::ConsentStatus),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found (also: no consent in force)", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn withdraw_consent(ctx: Ctx, ApiPath(user): ApiPath<String>) -> ApiResult {
    ctx.app
        .withdraw_consent(&ctx.meta, &ctx.caller, &user)
        .await?;
    Ok(Json(dsg_proto::records::ConsentStatus {
        user,
        status: "withdrawn".to_owned(),
    })
    .into_response())
}

/// `POST /api/v1/records/companies/{id}/roles`: designate a company role.
#[utoipa::path(
    post,
    path = "/api/v1/records/companies/{id}/roles",
    summary = "Designate a person of the company to a security role (第5-2(3)): executive (経営者等), general-manager (総括者), manager (管理者, names an asset), responsible-manager (管理責任者, a manager, designated by the general manager), system-admin, system-staff, audit (names the unit audited). The company's executive, or an agency operator on its behalf; needs a fresh step-up. The policy point refuses a combination the standard forbids (only the general manager and a manager combine; a responsible manager is a manager) and an audit department without a member from outside the unit it audits (forbidden).",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::records::NewRoleDesignation,
    responses(
        (status = 201, description = "designated", body = dsg_proto::records::RoleDesignated),
        (status = 400, description = "invalid (role, unit, a field the role does not take), invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden (also: a combination of roles the standard forbids)", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (roles changed meanwhile)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn designate_role(
    ctx: Ctx,
    ApiPath(company): ApiPath<String>,
    ApiJson(body): ApiJson<dsg_proto::records::NewRoleDesignation>,
) -> ApiResult {
    let new = dsg_app::NewRoleDesignation {
        user_id: body.user_id.clone(),
        role: body.role.clone(),
        unit: body.unit,
        asset: body.asset,
        audited_unit: body.audited_unit,
    };
    let id = ctx
        .app
        .designate_role(&ctx.meta, &ctx.caller, &company, &new)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(dsg_proto::records::RoleDesignated {
            id: id.to_string(),
            user: body.user_id,
            role: body.role,
        }),
    )
        .into_response())
}

/// `DELETE /api/v1/records/companies/{id}/roles/{rid}`: withdraw one.
#[utoipa::path(
    delete,
    path = "/api/v1/records/companies/{id}/roles/{rid}",
    summary = "Withdraw a role designation of the company. The company's executive, or an agency operator; the policy point keeps the audit department's last member from outside the audited unit while others remain (forbidden).",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("rid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 204, description = "withdrawn"),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found (also: not in force)", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (roles changed meanwhile)", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn revoke_role(
    ctx: Ctx,
    ApiPath((company, designation)): ApiPath<(String, String)>,
) -> ApiResult {
    ctx.app
        .revoke_role(&ctx.meta, &ctx.caller, &company, &designation)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
