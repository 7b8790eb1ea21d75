//! The gateway's own log, as a SOC's collector reads it: one JSON object
//! per line, each line of a request carrying the id its audit entries
//! carry, and no terminal colour codes in a file.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{Db, Gateway};

#[tokio::test]
async fn json_log_lines_carry_the_request_id_of_the_audit_entry() {
    let gw = Gateway::start_with(
        Db::Sqlite,
        &[("DSG_LOG_FORMAT", "json"), ("DSG_LOG", "info")],
    )
    .await
    .unwrap();
    let response = gw
        .client()
        .request(
            reqwest::Method::GET,
            "/api/v1/compartments/00000000-0000-4000-8000-000000000000/files",
        )
        .send()
        .await
        .unwrap();
    let status = response.status();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(status.is_client_error(), "{status}");
    assert_ne!(status, StatusCode::NOT_IMPLEMENTED);
    let audited = gw
        .audit()
        .into_iter()
        .any(|e| e["request_id"].as_str() == Some(request_id.as_str()));
    assert!(audited, "the request has an audit entry");
    let log = gw.log();
    assert!(
        !log.contains('\u{1b}'),
        "no ANSI escape codes in a log file"
    );
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty());
    let of_request: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["request_id"].as_str() == Some(request_id.as_str()))
        .collect();
    assert!(
        of_request
            .iter()
            .any(|l| l["fields"]["status"].as_u64() == Some(u64::from(status.as_u16()))),
        "the request's own log line: {of_request:?}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn text_log_written_to_a_file_has_no_colour_codes() {
    let gw = Gateway::start_with(
        Db::Sqlite,
        &[("DSG_LOG_FORMAT", "text"), ("DSG_LOG", "info")],
    )
    .await
    .unwrap();
    let (status, _) = gw.client().get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let log = gw.log();
    assert!(log.contains("request"), "{log}");
    assert!(!log.contains('\u{1b}'), "{log}");
    gw.stop().await;
}
