//! `/api/v1/admin/access/…`: "who has access", as JSON or as CSV for
//! reviewers (UTF-8 with a byte-order mark so that Excel opens it as
//! UTF-8; every cell escaped against formula injection).

use std::borrow::Cow;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_proto::access;

use super::context::Ctx;
use super::extract::{ApiPath, ApiQuery};
use crate::ui::Lang;
use dsg_app::{AppError, CompartmentAccess, PersonAccess, TerminalRef, Why};

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// The byte-order mark that makes Excel read a CSV file as UTF-8.
const BOM: &str = "\u{feff}";

/// Neutralises a cell that a spreadsheet would read as a formula (OWASP
/// "CSV injection"): a cell beginning with `=`, `+`, `-`, `@`, a tab, a
/// carriage return or a line feed (or their full-width forms, which
/// Japanese input methods produce) gets a leading `'`, which spreadsheets
/// show as text and do not evaluate.
pub fn escape_cell(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠') => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// Writes rows as CSV (RFC 4180, CRLF), every cell through [`escape_cell`],
/// after the byte-order mark.
pub fn csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    let internal = |e: &dyn std::fmt::Display| AppError::Internal(format!("csv: {e}"));
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.as_bytes().to_vec());
    writer
        .write_record(header.iter().map(|h| escape_cell(h).into_owned()))
        .map_err(|e| internal(&e))?;
    for row in rows {
        writer
            .write_record(row.iter().map(|c| escape_cell(c).into_owned()))
            .map_err(|e| internal(&e))?;
    }
    writer.into_inner().map_err(|e| internal(&e))
}

/// The id, and whether CSV was asked for (`{id}.csv` or `?format=csv`).
fn wants_csv<'a>(
    id: &'a str,
    query: &dsg_proto::access::FormatQuery,
) -> Result<(&'a str, bool), AppError> {
    if let Some(bare) = id.strip_suffix(".csv") {
        return Ok((bare, true));
    }
    match query.format.as_deref() {
        None | Some("json") => Ok((id, false)),
        Some("csv") => Ok((id, true)),
        Some(_) => Err(AppError::Invalid("format: json or csv".into())),
    }
}

fn terminal_refs(terminals: &[TerminalRef]) -> Vec<access::TerminalRef> {
    terminals
        .iter()
        .map(|t| access::TerminalRef {
            id: t.id.to_string(),
            name: t.name.to_string(),
            site: t.site.to_string(),
        })
        .collect()
}

fn why_texts(why: &[Why], japanese: bool) -> Vec<String> {
    why.iter().map(|w| w.text(japanese)).collect()
}

fn terminals_cell(terminals: &[TerminalRef]) -> String {
    terminals
        .iter()
        .map(|t| format!("{} ({}) [{}]", t.name, t.site, t.id))
        .collect::<Vec<_>>()
        .join("; ")
}

fn yes_no(value: bool) -> String {
    if value {
        "はい / yes"
    } else {
        "いいえ / no"
    }
    .to_owned()
}

fn allowed_cell(value: bool) -> String {
    if value {
        "可 / allowed"
    } else {
        "不可 / no access"
    }
    .to_owned()
}

/// A CSV download that is never cached.
pub fn csv_response(file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
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

/// The JSON form of a compartment's review.
pub fn compartment_json(review: &CompartmentAccess) -> access::CompartmentAccess {
    let entries = review
        .entries
        .iter()
        .map(|e| access::CompartmentAccessEntry {
            user_id: e.user_id.to_string(),
            username: e.username.to_string(),
            display_name: e.display_name.to_string(),
            company_id: e.company_id.to_string(),
            company_name: e.company_name.to_string(),
            account_state: e.account_state.as_str().to_owned(),
            handler: e.handler,
            allowed: e.allowed,
            terminals: terminal_refs(&e.terminals),
            why: why_texts(&e.why, false),
        })
        .collect();
    access::CompartmentAccess {
        compartment_id: review.compartment_id.to_string(),
        contract_id: review.contract_id.to_string(),
        contract_number: review.contract_number.to_string(),
        contract_title: review.contract_title.to_string(),
        company_id: review.company_id.to_string(),
        company_name: review.company_name.to_string(),
        policy_version: review.policy_version,
        entries,
    }
}

/// The JSON form of a person's review.
pub fn person_json(review: &PersonAccess) -> access::PersonAccess {
    let compartments = review
        .compartments
        .iter()
        .map(|c| access::PersonAccessEntry {
            compartment_id: c.compartment_id.to_string(),
            contract_id: c.contract_id.to_string(),
            contract_number: c.contract_number.to_string(),
            contract_title: c.contract_title.to_string(),
            company_id: c.company_id.to_string(),
            company_name: c.company_name.to_string(),
            handler: c.handler,
            allowed: c.allowed,
            terminals: terminal_refs(&c.terminals),
            why: why_texts(&c.why, false),
        })
        .collect();
    access::PersonAccess {
        user_id: review.user_id.to_string(),
        username: review.username.to_string(),
        display_name: review.display_name.to_string(),
        company_id: review.company_id.to_string(),
        company_name: review.company_name.to_string(),
        account_state: review.account_state.as_str().to_owned(),
        policy_version: review.policy_version,
        compartments,
    }
}

/// A compartment's review as CSV.
pub fn compartment_csv(access: &CompartmentAccess, lang: Lang) -> Result<Vec<u8>, AppError> {
    let header = [
        "区画 / Compartment",
        "契約番号 / Contract",
        "利用者ID / User ID",
        "ユーザ名 / Username",
        "氏名 / Display name",
        "会社 / Company",
        "アカウント状態 / Account state",
        "取扱者 / Handler",
        "アクセス / Access",
        "端末 / Terminals",
        "理由 / Why",
        "ポリシー版 / Policy version",
    ];
    let rows: Vec<Vec<String>> = access
        .entries
        .iter()
        .map(|e| {
            vec![
                access.compartment_id.to_string(),
                access.contract_number.clone(),
                e.user_id.to_string(),
                e.username.clone(),
                e.display_name.clone(),
                e.company_name.clone(),
                e.account_state.as_str().to_owned(),
                yes_no(e.handler),
                allowed_cell(e.allowed),
                terminals_cell(&e.terminals),
                why_texts(&e.why, lang == Lang::Ja).join("; "),
                access.policy_version.to_string(),
            ]
        })
        .collect();
    csv_bytes(&header, &rows)
}

/// A person's review as CSV.
pub fn person_csv(access: &PersonAccess, lang: Lang) -> Result<Vec<u8>, AppError> {
    let header = [
        "利用者ID / User ID",
        "ユーザ名 / Username",
        "氏名 / Display name",
        "区画 / Compartment",
        "契約番号 / Contract",
        "件名 / Title",
        "会社 / Company",
        "取扱者 / Handler",
        "アクセス / Access",
        "端末 / Terminals",
        "理由 / Why",
        "ポリシー版 / Policy version",
    ];
    let rows: Vec<Vec<String>> = access
        .compartments
        .iter()
        .map(|c| {
            vec![
                access.user_id.to_string(),
                access.username.clone(),
                access.display_name.clone(),
                c.compartment_id.to_string(),
                c.contract_number.clone(),
                c.contract_title.clone(),
                c.company_name.clone(),
                yes_no(c.handler),
                allowed_cell(c.allowed),
                terminals_cell(&c.terminals),
                why_texts(&c.why, lang == Lang::Ja).join("; "),
                access.policy_version.to_string(),
            ]
        })
        .collect();
    csv_bytes(&header, &rows)
}

/// `GET /api/v1/admin/access/compartments/{id}` (`{id}.csv` or
/// `?format=csv` for the CSV file)
#[utoipa::path(
    get,
    path = "/api/v1/admin/access/compartments/{id}",
    summary = "Who has access (agency operators; audited as access.review): everyone the policy in force would let read the compartment now after a proper login, with the terminals they could use and why, plus its handlers who could not, with the reason. `{id}.csv` or `?format=csv` gives the same as CSV (UTF-8 with BOM, cells beginning with = + - @ escaped with a leading ').",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("format" = Option<dsg_proto::params::ReviewFormat>, Query),
    ),
    responses(
        (status = 200, description = "{compartment_id, contract_id, contract_number, contract_title, company_id, company_name, policy_version, entries: [{user_id, username, display_name, company_id, company_name, account_state, handler, allowed, terminals: [{id, name, site}], why: [text]}]}, or text/csv", content((dsg_proto::access::CompartmentAccess = "application/json"), (dsg_proto::params::Text = "text/csv"))),
        (status = 400, description = "invalid_query", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn compartment(
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<dsg_proto::access::FormatQuery>,
) -> ApiResult {
    let (id, csv) = wants_csv(&id, &query)?;
    let access = ctx
        .app
        .compartment_access(&ctx.meta, &ctx.caller, id)
        .await?;
    if csv {
        let file = format!("access-compartment-{}.csv", access.compartment_id);
        return Ok(csv_response(&file, compartment_csv(&access, ctx.lang)?));
    }
    Ok(Json(compartment_json(&access)).into_response())
}

/// `GET /api/v1/admin/access/users/{id}` (`{id}.csv` or `?format=csv` for
/// the CSV file)
#[utoipa::path(
    get,
    path = "/api/v1/admin/access/users/{id}",
    summary = "Every compartment a person could reach now (agency operators; audited as access.review), with the terminals and why, plus the compartments of contracts they handle that they could not reach, with the reason. `{id}.csv` or `?format=csv` for CSV.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("format" = Option<dsg_proto::params::ReviewFormat>, Query),
    ),
    responses(
        (status = 200, description = "{user_id, username, display_name, company_id, company_name, account_state, policy_version, compartments: [{compartment_id, contract_id, contract_number, contract_title, company_id, company_name, handler, allowed, terminals, why}]}, or text/csv", content((dsg_proto::access::PersonAccess = "application/json"), (dsg_proto::params::Text = "text/csv"))),
        (status = 400, description = "invalid_query", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn person(
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<dsg_proto::access::FormatQuery>,
) -> ApiResult {
    let (id, csv) = wants_csv(&id, &query)?;
    let access = ctx.app.person_access(&ctx.meta, &ctx.caller, id).await?;
    if csv {
        let file = format!("access-user-{}.csv", access.user_id);
        return Ok(csv_response(&file, person_csv(&access, ctx.lang)?));
    }
    Ok(Json(person_json(&access)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_escaped_and_others_left_alone() {
        for cell in [
            "=1+2",
            "+1",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "\nx",
            "=HYPERLINK(\"http://evil\")",
            "＝1",
        ] {
            let escaped = escape_cell(cell);
            assert_eq!(escaped, format!("'{cell}"), "{cell:?}");
        }
        for cell in ["", "a.handler", "株式会社エー", "1-2", "a=b", "'=x", " =x"] {
            assert_eq!(escape_cell(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn csv_has_a_bom_crlf_and_every_cell_escaped() {
        let rows = vec![
            vec![
                "=cmd|' /C calc'!A0".to_owned(),
                "plain, with comma".to_owned(),
            ],
            vec!["-2".to_owned(), "say \"hi\"".to_owned()],
        ];
        let bytes = csv_bytes(&["利用者 / User", "+x"], &rows).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'), "{text:?}");
        let body = text.trim_start_matches('\u{feff}');
        let lines: Vec<&str> = body.split("\r\n").collect();
        assert_eq!(lines[0], "利用者 / User,'+x");
        assert_eq!(lines[1], "'=cmd|' /C calc'!A0,\"plain, with comma\"");
        assert_eq!(lines[2], "'-2,\"say \"\"hi\"\"\"");
        assert_eq!(lines[3], "");
        // No cell of the file, read back, begins with a formula character.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell:?}"
                );
            }
        }
    }

    #[test]
    fn csv_is_asked_for_by_suffix_or_query() {
        let none = dsg_proto::access::FormatQuery::default();
        assert_eq!(wants_csv("abc.csv", &none).unwrap(), ("abc", true));
        assert_eq!(wants_csv("abc", &none).unwrap(), ("abc", false));
        let csv = dsg_proto::access::FormatQuery {
            format: Some("csv".into()),
        };
        assert_eq!(wants_csv("abc", &csv).unwrap(), ("abc", true));
        let odd = dsg_proto::access::FormatQuery {
            format: Some("xlsx".into()),
        };
        assert!(wants_csv("abc", &odd).is_err());
    }
}
