//! `/api/v1/compliance/…`: the compliance view, requirement by requirement
//! (第4–第14 and the guideline items the gateway evidences), the agency's
//! table of every company × chapter, and attestations.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_proto::compliance as wire;

use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};

type ApiResult = Result<Response, ApiError>;

/// The app's view of a requirement on the wire.
pub fn requirement(r: dsg_app::RequirementView) -> wire::Requirement {
    wire::Requirement {
        id: r.id,
        chapter: r.chapter.to_owned(),
        ja: r.ja,
        en: r.en,
        rule: r.rule.to_owned(),
        status: r.status.to_owned(),
        reason: r.reason.to_owned(),
        due: r.due,
        causes: r
            .causes
            .into_iter()
            .map(|c| wire::Cause {
                kind: c.kind.to_owned(),
                id: c.id,
                label: c.label,
                on: c.on,
            })
            .collect(),
        attestable: r.attestable,
    }
}

/// `GET /api/v1/compliance/companies/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/compliance/companies/{id}",
    summary = "A contractor's compliance view: every requirement of the catalogue (第4–第14 item by item, guideline chapters 6 and 9) with its status (met, due_soon, overdue, not_met, not_applicable, attested), the reason, the next due date and the records that cause it; the catalogue version; the daily snapshots. Read like the company's records (its security administrator, agency operators and auditors); audited. The first read of a day writes the day's snapshot.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "the view", body = wire::CompanyCompliance),
        (status = 400, description = "invalid (the id)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused: the agency keeps no such records", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn company(ctx: Ctx, ApiPath(company): ApiPath<String>) -> ApiResult {
    let view = ctx
        .app
        .company_compliance(&ctx.meta, &ctx.caller, &company)
        .await?;
    Ok(Json(wire::CompanyCompliance {
        company_id: view.company_id,
        company_name: view.company_name,
        catalogue_version: view.catalogue_version,
        evaluated_on: view.evaluated_on,
        requirements: view.requirements.into_iter().map(requirement).collect(),
        history: view
            .history
            .into_iter()
            .map(|s| wire::Snapshot {
                day: s.day,
                catalogue_version: s.catalogue_version,
                counts: s.counts,
                statuses: s.statuses,
            })
            .collect(),
        may_attest: view.may_attest,
    })
    .into_response())
}

/// `GET /api/v1/compliance`
#[utoipa::path(
    get,
    path = "/api/v1/compliance",
    summary = "The agency's compliance table: every contractor the reader may read × chapter (第4–第14, G6, G9), each cell the worst status of the chapter's requirements with the count per status. Agency operators and auditors (a company's security administrator sees its own row); someone who may read no company gets forbidden. Audited.",
    responses(
        (status = 200, description = "the table", body = wire::AgencyCompliance),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn agency(ctx: Ctx) -> ApiResult {
    let table = ctx.app.agency_compliance(&ctx.meta, &ctx.caller).await?;
    Ok(Json(wire::AgencyCompliance {
        catalogue_version: table.catalogue_version,
        evaluated_on: table.evaluated_on,
        chapters: table
            .chapters
            .into_iter()
            .map(|c| wire::ChapterHead {
                chapter: c.chapter.to_owned(),
                ja: c.ja.to_owned(),
                en: c.en.to_owned(),
            })
            .collect(),
        rows: table
            .rows
            .into_iter()
            .map(|r| wire::CompanyRow {
                company_id: r.company_id,
                company_name: r.company_name,
                cells: r
                    .cells
                    .into_iter()
                    .map(|c| wire::ChapterCell {
                        chapter: c.chapter.to_owned(),
                        status: c.status.to_owned(),
                        counts: c.counts,
                    })
                    .collect(),
            })
            .collect(),
    })
    .into_response())
}

/// `POST /api/v1/compliance/companies/{id}/attestations`
#[utoipa::path(
    post,
    path = "/api/v1/compliance/companies/{id}/attestations",
    summary = "Record a named person's attestation of a requirement the gateway cannot see (with the document that evidences it and the last day it holds): the requirement turns attested until then, due_soon in its last 30 days, overdue after. Requirements the gateway evaluates from its own records are refused. The company's security administrator, or an agency operator; audited as compliance.attest.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = wire::NewAttestation,
    responses(
        (status = 201, description = "recorded", body = wire::AttestationRecorded),
        (status = 400, description = "invalid, invalid_json", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused: the agency keeps no such records", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn attest(
    ctx: Ctx,
    ApiPath(company): ApiPath<String>,
    ApiJson(body): ApiJson<wire::NewAttestation>,
) -> ApiResult {
    let new = dsg_app::NewAttestation {
        requirement: body.requirement,
        attested_by: body.attested_by,
        document: body.document,
        attested_on: body.attested_on,
        valid_until: body.valid_until,
    };
    let id = ctx
        .app
        .attest(&ctx.meta, &ctx.caller, &company, &new)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(wire::AttestationRecorded {
            id,
            requirement: new.requirement.trim().to_owned(),
        }),
    )
        .into_response())
}
