//! Lockout that cannot be used as a weapon: guesses from one source slow
//! that source down, a lock needs several sources (or many more failures),
//! sessions already open on a registered terminal survive it, and the owner
//! is told. Sources are told apart through `X-Forwarded-For`, believed here
//! because the test's own address is configured as a trusted proxy.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{world, Client, Db, Gateway};

/// One password step for `username` as if from `source` (no certificate).
async fn guess_from(gw: &Gateway, source: &str, username: &str, password: &str) -> StatusCode {
    let mut client = gw.client();
    let req = client
        .request(Method::POST, "/api/v1/session")
        .header("x-forwarded-for", source)
        .json(&json!({ "username": username, "password": password }));
    client.send(req).await.0
}

async fn account_state(op: &mut Client, username: &str) -> String {
    let accounts = op.accounts().await.unwrap();
    accounts
        .accounts
        .into_iter()
        .find(|a| a.user.username == username)
        .unwrap()
        .state
}

fn env(threshold: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("DSG_SERVER__TRUSTED_PROXIES", "[\"127.0.0.1\", \"::1\"]"),
        ("DSG_AUTH__LOCKOUT_THRESHOLD", threshold),
        ("DSG_AUTH__LOCKOUT_MINUTES", "0"),
        ("DSG_AUTH__THROTTLE_AFTER_FAILURES", "2"),
        // Long enough that a throttled source stays throttled in the test.
        ("DSG_AUTH__THROTTLE_DELAY_SECONDS", "600"),
    ]
}

#[tokio::test]
async fn guesses_from_one_source_are_slowed_down_and_sign_nobody_out() {
    let gw = Gateway::start_with(Db::Sqlite, &env("3")).await.unwrap();
    let w = world(&gw).await;
    // The handler is at work on the company terminal.
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    // Someone who knows the login name guesses from elsewhere, well past
    // the lockout threshold.
    for _ in 0..6 {
        let s = guess_from(&gw, "203.0.113.7", "a.handler", "wrong-password-123").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // Once throttled, even the right password from that source gets the
    // same answer (it is not checked).
    let s = guess_from(&gw, "203.0.113.7", "a.handler", w.password("a.handler")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let me = handler
        .me()
        .await
        .unwrap_or_else(|e| panic!("the handler was signed out: {e}"));
    assert_eq!(me.state, "active");
    let mut op = gw.operator().await;
    assert_eq!(account_state(&mut op, "a.handler").await, "active");
    let audit = gw.audit();
    let throttled = audit
        .iter()
        .filter(|e| e["action"] == "auth.login" && e["reason"] == "password:throttled")
        .count();
    assert_eq!(throttled, 5, "two counted guesses, then throttled");
    assert!(!audit.iter().any(|e| e["action"] == "account.lockout"));

    // The handler, from their own terminal, still signs in, and is told.
    let mut again = gw.login("a.handler", w.password("a.handler")).await;
    let me = again.me().await.unwrap();
    let notice = me.login_notice.as_ref().unwrap();
    assert_eq!(notice.failed_attempts, 7, "{me:?}");
    assert_eq!(notice.sources, 1, "{me:?}");
    assert!(notice.message.contains("ログイン失敗"));
    // A login with nothing since the previous one carries no notice.
    let mut third = gw.login("a.handler", w.password("a.handler")).await;
    let me = third.me().await.unwrap();
    assert!(me.login_notice.is_none(), "{me:?}");
    gw.stop().await;
}

#[tokio::test]
async fn guesses_from_several_sources_lock_new_logins_but_not_terminal_sessions() {
    let gw = Gateway::start_with(Db::Sqlite, &env("3")).await.unwrap();
    let w = world(&gw).await;
    let member_id = w.user_id("a.member").to_owned();
    let mut at_terminal = gw.login("a.member", w.password("a.member")).await;
    // The same account signed in without a terminal certificate: such a
    // session is not bound to a terminal and ends with the lock.
    let mut unbound = gw
        .login_from("a.member", w.password("a.member"), None)
        .await;
    unbound.me().await.unwrap();
    for source in ["198.51.100.1", "198.51.100.1", "198.51.100.2"] {
        let s = guess_from(&gw, source, "a.member", "wrong-password-123").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let mut op = gw.operator().await;
    assert_eq!(account_state(&mut op, "a.member").await, "locked");
    assert!(gw.audit().iter().any(|e| e["action"] == "account.lockout"));
    // The terminal session stays; the unbound one is gone.
    let me = at_terminal
        .me()
        .await
        .unwrap_or_else(|e| panic!("the terminal session ended: {e}"));
    assert_eq!(me.state, "active");
    let notice = me.login_notice.as_ref().unwrap();
    assert!(notice.locked_until.is_some(), "{me:?}");
    assert_eq!(notice.sources, 2, "{me:?}");
    let ended = unbound.me().await.unwrap_err();
    assert_eq!(ended.status(), Some(StatusCode::UNAUTHORIZED));
    // New logins are refused, even with the right password at the terminal.
    let (_, s, _) = gw.password_step("a.member", w.password("a.member")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The agency is alerted about the account.
    let mut raised = false;
    for _ in 0..120 {
        let b = op.alerts(Some("all")).await.unwrap();
        raised = b
            .alerts
            .iter()
            .any(|a| a.rule == "lockout" && a.key == member_id);
        if raised {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(raised, "no lockout alert for the account");
    gw.stop().await;
}

#[tokio::test]
async fn an_operator_lock_still_ends_terminal_sessions() {
    // The exception is for locks from failed logins only: disabling an
    // account ends every session, terminal-bound or not.
    let gw = Gateway::start_with(Db::Sqlite, &env("3")).await.unwrap();
    let w = world(&gw).await;
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let mut op = gw.operator().await;
    op.change_account(w.user_id("a.member"), "disable")
        .await
        .unwrap();
    let ended = member.me().await.unwrap_err();
    assert_eq!(ended.status(), Some(StatusCode::UNAUTHORIZED));
    gw.stop().await;
}
