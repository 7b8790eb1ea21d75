//! Terminal posture reports over real mTLS: a terminal reports its own
//! posture with its client certificate (no session); where the deployment
//! requires it, data is reachable only from a terminal whose last report
//! met the measures and is recent, and the handler is told why; a report
//! without a registered terminal, or from a revoked one, is refused; every
//! report is in the log.

use dsg_proto::terminals::{PostureReport, StatusReason};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Db, Gateway};

const DAY_MS: i64 = 86_400_000;

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn report(disk_encrypted: bool) -> PostureReport {
    PostureReport {
        os: "Windows 11 Pro".into(),
        os_version: "24H2 26100.2605".into(),
        disk_encrypted,
        firewall_enabled: true,
        antivirus_signatures_at: Some(now_ms() - DAY_MS),
        patched_at: Some(now_ms() - 10 * DAY_MS),
    }
}

#[tokio::test]
async fn data_needs_a_recent_compliant_posture_report_from_the_terminal_itself() {
    let gw = Gateway::start_with(
        Db::Sqlite,
        &[("DSG_ZERO_TRUST__POSTURE_MAX_AGE_HOURS", "24")],
    )
    .await
    .unwrap();
    let w = world(&gw).await;

    // Registered and active, but no report yet: the handler is told why.
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let e = handler.files(&w.compartment_a).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");
    assert_eq!(e.code(), Some("terminal_posture"), "{e}");

    // The terminal reports, with nothing but its certificate.
    let mut terminal = gw.client_from(Some(&w.terminal_a));
    let receipt = terminal.report_posture(&report(false)).await.unwrap();
    assert!(!receipt.compliant, "an unencrypted disk fails the measures");
    let e = handler.files(&w.compartment_a).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));

    let receipt = terminal.report_posture(&report(true)).await.unwrap();
    assert!(receipt.compliant);
    handler.files(&w.compartment_a).await.unwrap();

    // Malformed reports get a clear error and change nothing (an
    // incomplete one, which no typed call sends, goes raw).
    let (s, _) = terminal
        .json(
            Method::POST,
            "/api/v1/terminal/posture",
            json!({ "os": "x" }),
        )
        .await;
    assert!(s.is_client_error(), "{s}");
    let mut long = report(true);
    long.os = "x".repeat(101);
    let e = terminal.report_posture(&long).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    handler
        .files(&w.compartment_a)
        .await
        .unwrap_or_else(|e| panic!("the last good report stands: {e}"));

    // No certificate: nothing to report for.
    let e = gw.client().report_posture(&report(true)).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));

    // The operator sees the posture in the register.
    let mut op = gw.operator().await;
    let register = op.terminals().await.unwrap();
    let listed = register
        .terminals
        .iter()
        .find(|t| t.terminal.serial == "A-PC-01")
        .unwrap_or_else(|| panic!("{register:?}"))
        .terminal
        .clone();
    assert_eq!(listed.posture_compliant, Some(true), "{listed:?}");

    // A revoked terminal may not report.
    let lost = StatusReason {
        reason: "lost".into(),
    };
    op.change_terminal(&listed.id, "revoke", &lost)
        .await
        .unwrap();
    let mut revoked = gw.client_from(Some(&w.terminal_a));
    let e = revoked.report_posture(&report(true)).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));

    let log = gw.audit();
    let reports: Vec<&Value> = log
        .iter()
        .filter(|e| e["action"] == "terminal.posture.report")
        .collect();
    assert!(reports
        .iter()
        .any(|e| e["outcome"] == "success"
            && e["reason"].as_str().unwrap().contains("compliant=true")));
    assert!(reports
        .iter()
        .any(|e| e["outcome"] == "success"
            && e["reason"].as_str().unwrap().contains("compliant=false")));
    assert!(reports.iter().filter(|e| e["outcome"] == "denied").count() >= 2);
    assert!(log.iter().any(|e| e["action"] == "file.list"
        && e["outcome"] == "denied"
        && e["reason"]
            .as_str()
            .unwrap()
            .contains("terminal-posture-for-data")));
}
