//! The policy point keeps a request's facts (terminal, account, handled
//! contracts, roster, compartment) in memory only while the database's
//! fact generation is unchanged, and every change that can alter them bumps
//! it in its own transaction. So a change takes effect on the very next
//! request, whether this gateway made it or another process writing the
//! same database did; and every request here is made twice first, so the
//! second is served from memory. On SQLite and PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Db, Gateway};
use crate::terminals::get_reconnecting;

#[tokio::test]
async fn a_change_here_applies_on_the_very_next_request_sqlite() {
    change_here(Db::Sqlite).await;
}

#[tokio::test]
async fn a_change_here_applies_on_the_very_next_request_postgres() {
    change_here(Db::Postgres).await;
}

async fn change_here(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let pw = w.password("a.handler");
    let mut handler = gw.login("a.handler", pw).await;
    let mut other_session = gw.login("a.handler", pw).await;
    let mut member = gw.login("a.member", w.password("a.member")).await;
    for _ in 0..2 {
        assert_eq!(handler.get(&files).await.0, StatusCode::OK);
        assert_eq!(other_session.get(&files).await.0, StatusCode::OK);
        assert_eq!(member.get(&files).await.0, StatusCode::NOT_FOUND);
    }
    let mut op = gw.operator().await;

    // Quarantined: the very next request is denied; released: allowed.
    let terminal = |what: &str| format!("/api/v1/admin/terminals/{}/{what}", w.terminal_a.id);
    let (s, b) = op
        .json(
            Method::POST,
            &terminal("quarantine"),
            json!({ "reason": "EDR 検知" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = get_reconnecting(&handler, &files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "terminal_quarantined");
    let (s, b) = op.json(Method::POST, &terminal("release"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = get_reconnecting(&handler, &files).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Designated: the member reaches the compartment on the next request.
    let designation = format!(
        "/api/v1/admin/contracts/{}/handlers/{}",
        w.contract_a,
        w.user_id("a.member")
    );
    let (s, b) = op.call(Method::PUT, &designation).await;
    assert!(s.is_success(), "{s} {b}");
    let (s, b) = get_reconnecting(&member, &files).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // A revoked session is refused on its next request.
    let (s, b) = handler
        .call(Method::POST, "/api/v1/me/sessions/revoke-others")
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = get_reconnecting(&other_session, &files).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        other_session.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );

    // Every decision still records its reason: the quarantined request's
    // denial names the deciding policy.
    let denied: Vec<Value> = gw
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "file.list" && e["outcome"] == "denied")
        .collect();
    assert!(
        denied
            .iter()
            .any(|e| e["reason"].as_str().unwrap_or("").contains("terminal")),
        "{denied:?}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn a_change_by_another_process_applies_on_the_very_next_request_sqlite() {
    change_elsewhere(Db::Sqlite).await;
}

#[tokio::test]
async fn a_change_by_another_process_applies_on_the_very_next_request_postgres() {
    change_elsewhere(Db::Postgres).await;
}

/// `dsg admin roster-confirm` is another process writing the gateway's
/// database; the running gateway has the person's unconfirmed line in
/// memory.
async fn change_elsewhere(db: Db) {
    let Some(gw) =
        Gateway::start_with(db, &[("DSG_ZERO_TRUST__REQUIRE_CONFIRMED_ROSTER", "true")]).await
    else {
        return;
    };
    let w = world(&gw).await;
    let handler_id = w.user_id("a.handler").to_owned();
    let mut op = gw.operator().await;
    let roster = format!("/api/v1/records/roster/{handler_id}");
    let (s, b) = op
        .json(
            Method::PUT,
            &roster,
            json!({
                "full_name": "試験 花子", "birth_date": "1985-06-15", "department": "設計部",
                "position": "主任", "nationality": "日本", "undertaking_date": "2026-04-01",
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    for _ in 0..2 {
        let (s, b) = handler.get(&files).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(b["error"]["code"], "roster_unconfirmed");
    }
    let out = gw.admin(&["roster-confirm", "--user", &handler_id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    gw.stop().await;
}
