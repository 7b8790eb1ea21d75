//! Terminal posture reports over real mTLS: a terminal reports its own
//! posture with its client certificate (no session); where the deployment
//! requires it, data is reachable only from a terminal whose last report
//! met the measures and is recent, and the handler is told why; a report
//! without a registered terminal, or from a revoked one, is refused; every
//! report is in the log.

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

fn report(disk_encrypted: bool) -> Value {
    json!({
        "os": "Windows 11 Pro", "os_version": "24H2 26100.2605",
        "disk_encrypted": disk_encrypted, "firewall_enabled": true,
        "antivirus_signatures_at": now_ms() - DAY_MS, "patched_at": now_ms() - 10 * DAY_MS,
    })
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
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);

    // Registered and active, but no report yet: the handler is told why.
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "terminal_posture", "{b}");

    // The terminal reports, with nothing but its certificate.
    let mut terminal = gw.client_from(Some(&w.terminal_a));
    let (s, b) = terminal
        .json(Method::POST, "/api/v1/terminal/posture", report(false))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b["compliant"], false,
        "an unencrypted disk fails the measures"
    );
    let (s, _) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, b) = terminal
        .json(Method::POST, "/api/v1/terminal/posture", report(true))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["compliant"], true);
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Malformed reports get a clear error and change nothing.
    let (s, _) = terminal
        .json(
            Method::POST,
            "/api/v1/terminal/posture",
            json!({ "os": "x" }),
        )
        .await;
    assert!(s.is_client_error(), "{s}");
    let mut long = report(true);
    long["os"] = json!("x".repeat(101));
    let (s, b) = terminal
        .json(Method::POST, "/api/v1/terminal/posture", long)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK, "the last good report stands");

    // No certificate: nothing to report for.
    let (s, _) = gw
        .client()
        .json(Method::POST, "/api/v1/terminal/posture", report(true))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The operator sees the posture in the register.
    let mut op = gw.operator().await;
    let (_, register) = op.get("/api/v1/admin/terminals").await;
    let listed = register["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["serial"] == "A-PC-01")
        .unwrap_or_else(|| panic!("{register}"))
        .clone();
    assert_eq!(listed["posture_compliant"], true, "{listed}");

    // A revoked terminal may not report.
    let terminal_id = listed["id"].as_str().unwrap();
    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/terminals/{terminal_id}/revoke"),
            json!({ "reason": "lost" }),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let mut revoked = gw.client_from(Some(&w.terminal_a));
    let (s, _) = revoked
        .json(Method::POST, "/api/v1/terminal/posture", report(true))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

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
