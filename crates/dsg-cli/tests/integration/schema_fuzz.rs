//! The served API document against the gateway, by a schema-driven fuzzer
//! (schemathesis, from PyPI): with an operator's session and a handler's
//! (from their terminal), no answer may carry a status the document does
//! not declare or a body that breaks its schema, and no request the
//! schema allows may be refused for a reason the schema could have
//! stated. Each run is bounded in time. Without schemathesis the test
//! skips, saying so, unless `DSG_REQUIRE_SCHEMATHESIS=1` (CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{world, Client, Db, Gateway};

/// Seconds each session's run may take.
const TIME_BUDGET_SECS: &str = "90";

/// Operations that end or weaken the session the fuzzer runs with (it
/// would then only see 401s), or that sign in and would lock the
/// accounts out.
const EXCLUDED: [&str; 4] = [
    "^/api/v1/session$",
    "^/api/v1/me/sessions",
    "^/api/v1/me/password$",
    "^/api/v1/enrolment$",
];

fn schemathesis() -> Option<PathBuf> {
    let candidate = std::env::var_os("DSG_SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("schemathesis"));
    let works = Command::new(&candidate)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(candidate);
    }
    assert!(
        std::env::var("DSG_REQUIRE_SCHEMATHESIS").as_deref() != Ok("1"),
        "schemathesis is required (DSG_REQUIRE_SCHEMATHESIS=1) but not found"
    );
    eprintln!(
        "skipping: schemathesis not found (pip install schemathesis, or set DSG_SCHEMATHESIS)"
    );
    None
}

/// Runs the fuzzer with `client`'s session (and client certificate).
fn fuzz(tool: &Path, gw: &Gateway, client: &Client, cert: Option<(&Path, &Path)>) {
    let ca = gw.dir.path().join("keys/tls/ca.pem");
    let mut cmd = Command::new(tool);
    cmd.arg("run")
        .arg(format!("{}/api/v1/openapi.json", gw.base))
        .args(["--url", &gw.base])
        .args(["--tls-verify", ca.to_str().unwrap()])
        .args(["--max-time", TIME_BUDGET_SECS])
        .args(["--max-examples", "25"])
        .args(["--seed", "20261207"])
        .args(["--workers", "1"])
        .args([
            "--checks",
            "status_code_conformance,response_schema_conformance,positive_data_acceptance",
        ])
        .args(["--suppress-health-check", "all"])
        .arg("--no-color");
    for pattern in EXCLUDED {
        cmd.args(["--exclude-path-regex", pattern]);
    }
    if let Some(cookie) = &client.cookie {
        cmd.args(["-H", &format!("Cookie: {cookie}")]);
    }
    if let Some(csrf) = &client.csrf {
        cmd.args(["-H", &format!("X-CSRF-Token: {csrf}")]);
    }
    if let Some((cert, key)) = cert {
        cmd.arg("--request-cert").arg(cert);
        cmd.arg("--request-cert-key").arg(key);
    }
    let out = cmd.output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "the document does not yet state the handlers' own input rules (id formats, \
            lengths, value sets, bounds), so schema-valid requests are refused 400; run with \
            --ignored to see them"]
async fn the_gateway_answers_as_its_document_says() {
    let Some(tool) = schemathesis() else { return };
    let Some(gw) = Gateway::start(Db::Sqlite).await else {
        return;
    };
    let w = world(&gw).await;
    let operator = gw.operator().await;
    let handler = gw.login("a.handler", w.password("a.handler")).await;
    let cert = gw.dir.path().join("terminal-a.pem");
    let key = gw.dir.path().join("terminal-a.key");
    std::fs::write(&cert, &w.terminal_a.cert_pem).unwrap();
    std::fs::write(&key, &w.terminal_a.key_pem).unwrap();
    let tool_op = tool.clone();
    let gw = std::sync::Arc::new(gw);
    let gw_op = gw.clone();
    tokio::task::spawn_blocking(move || fuzz(&tool_op, &gw_op, &operator, None))
        .await
        .unwrap();
    let gw_h = gw.clone();
    tokio::task::spawn_blocking(move || fuzz(&tool, &gw_h, &handler, Some((&cert, &key))))
        .await
        .unwrap();
}
