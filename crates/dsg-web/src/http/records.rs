//! `/api/v1/records/…`: the handler roster (取扱者名簿) and training
//! records (教育記録) of a contractor.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::RosterDetails;
use serde::Deserialize;
use serde_json::json;

use super::access_review::{csv_bytes, csv_response};
use super::context::Ctx;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use dsg_app::{AppError, NewTraining, PersonRecords, RecordsRead, RosterLine};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// `GET /api/v1/records/companies/{id}`: everyone of the company with their
/// roster line and training standing, and every training record.
pub async fn company(ctx: Ctx, ApiPath(company): ApiPath<String>) -> ApiResult {
    let records = ctx
        .app
        .company_records(&ctx.meta, &ctx.caller, &company, RecordsRead::View)
        .await?;
    Ok(Json(records).into_response())
}

/// Query of the roster CSV.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterCsvQuery {
    /// One contract of the company: only its designated handlers, each
    /// with their line (or none), as the roster is submitted per contract.
    contract: Option<String>,
}

/// `GET /api/v1/records/companies/{id}/roster.csv[?contract=…]`: the
/// company's handler roster as CSV (UTF-8, every cell escaped against
/// formula injection), for the company's files or the contracting officer;
/// with `contract`, that contract's designated handlers only, those without
/// a line on the roster included. Recorded as `records.export`.
pub async fn roster_csv(
    ctx: Ctx,
    ApiPath(company): ApiPath<String>,
    ApiQuery(query): ApiQuery<RosterCsvQuery>,
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
        Json(json!({ "user": user, "status": "submitted" })),
    )
        .into_response())
}

/// Body of `POST /api/v1/records/roster/{user}/confirm`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// The version of the line being confirmed (its `submitted_at`).
    submitted_at: i64,
}

/// `POST /api/v1/records/roster/{user}/confirm {"submitted_at": …}`
pub async fn confirm_roster(
    ctx: Ctx,
    ApiPath(user): ApiPath<String>,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> ApiResult {
    ctx.app
        .confirm_roster(&ctx.meta, &ctx.caller, &user, body.submitted_at)
        .await?;
    Ok(Json(json!({ "user": user, "status": "confirmed" })).into_response())
}

/// `DELETE /api/v1/records/roster/{user}`: take a person off the roster.
pub async fn remove_roster(ctx: Ctx, ApiPath(user): ApiPath<String>) -> ApiResult {
    ctx.app.remove_roster(&ctx.meta, &ctx.caller, &user).await?;
    Ok(Json(json!({ "user": user, "status": "removed" })).into_response())
}

/// `POST /api/v1/records/training/{user}`: record a training.
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
        Json(json!({ "id": id.to_string(), "user": user })),
    )
        .into_response())
}
