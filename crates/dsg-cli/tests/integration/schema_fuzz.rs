//! The served API document against the gateway, by a schema-driven fuzzer
//! (schemathesis, from PyPI): with a handler's session (from their
//! terminal), the sign-in operations with a member's, then an operator's, no
//! answer may carry a status the document does not declare or a body that
//! breaks its schema, and no request the schema allows may be refused for
//! a reason the schema could have stated (`schemathesis.toml` names the
//! only operations where a 422 for unparsable embedded content counts as
//! such a reason). Each run is bounded in time and seeded; the operator's
//! and handler's sessions must survive theirs. Without schemathesis the
//! test skips, saying so, unless `DSG_REQUIRE_SCHEMATHESIS=1` (CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;

use crate::harness::{world, Client, Db, Gateway};

/// Seconds each session's run may take.
const TIME_BUDGET_SECS: &str = "90";

/// The operations that sign in or end, weaken or lock a session (wrong
/// second factors count towards the account's lockout): run with a
/// session of their own that may not survive, so the other runs keep
/// theirs. Every operation is in exactly one of the runs.
const SIGN_IN: &str = "^/api/v1/(session.*|me/sessions.*|me/password|enrolment)$";

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
fn fuzz(
    tool: &Path,
    gw: &Gateway,
    client: &Client,
    cert: Option<(&Path, &Path)>,
    paths: (&str, &str),
) {
    let ca = gw.dir.path().join("keys/tls/ca.pem");
    let mut cmd = Command::new(tool);
    // Its cache of earlier failures stays with this gateway, not in the
    // source tree: each run starts from the seed alone.
    cmd.current_dir(gw.dir.path());
    cmd.arg("--config-file")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/integration/schemathesis.toml"
        ))
        .arg("run")
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
    cmd.args([paths.0, paths.1]);
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
    let member = gw.login("a.member", w.password("a.member")).await;
    // The handler first, then the sign-in operations, the operator last:
    // the operator's run may disable, lock or reset any other account
    // (stateful testing follows the ids the account list returns), which
    // would end the other sessions for reasons of its own making.
    let gw = std::sync::Arc::new(gw);
    let (gw_h, tool_h) = (gw.clone(), tool.clone());
    let mut handler = tokio::task::spawn_blocking(move || {
        fuzz(
            &tool_h,
            &gw_h,
            &handler,
            Some((&cert, &key)),
            ("--exclude-path-regex", SIGN_IN),
        );
        handler
    })
    .await
    .unwrap();
    still_signed_in(&mut handler, "handler").await;
    let (gw_m, tool_m) = (gw.clone(), tool.clone());
    tokio::task::spawn_blocking(move || {
        fuzz(
            &tool_m,
            &gw_m,
            &member,
            None,
            ("--include-path-regex", SIGN_IN),
        );
    })
    .await
    .unwrap();
    let gw_op = gw.clone();
    let mut operator = tokio::task::spawn_blocking(move || {
        fuzz(
            &tool,
            &gw_op,
            &operator,
            None,
            ("--exclude-path-regex", SIGN_IN),
        );
        operator
    })
    .await
    .unwrap();
    still_signed_in(&mut operator, "operator").await;
}

/// A run whose session died half-way (an account locked or disabled by a
/// generated request) would pass on 401s alone: the session must still
/// answer at the end, or the run proved nothing.
async fn still_signed_in(client: &mut Client, who: &str) {
    let (status, body) = client.get("/api/v1/me").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the {who} session did not survive the fuzz run: {body}"
    );
}
