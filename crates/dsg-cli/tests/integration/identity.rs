//! Multi-factor login, enrolment, lockout, sessions and step-up against the
//! real binary. WebAuthn answers come from a software authenticator, so the
//! server's verification (webauthn-rs, user verification required) is real.

use dsg_test_authenticator::{Behaviour, SoftAuthenticator};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{data, register_passkey, world, Db, Gateway};

async fn sqlite(gw: &Gateway) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", gw.data_dir().join("dsg.db").display());
    sqlx::SqlitePool::connect(&url).await.unwrap()
}

/// Ages every session of the database by `minutes` (login, step-up and
/// activity), as if that much time had passed.
async fn age_sessions(gw: &Gateway, minutes: i64) {
    let ms = minutes * 60_000;
    sqlx::query(
        "UPDATE sessions SET authenticated_at = authenticated_at - ?1, \
         created_at = created_at - ?1, step_up_at = step_up_at - ?1",
    )
    .bind(ms)
    .execute(&sqlite(gw).await)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_passkey_login_needs_user_verification_and_changes_the_session_id() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let pw = w.password("a.handler");
    // Password step: a session that reaches nothing yet.
    let (mut partial, status, body) = gw.password_step("a.handler", pw).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next"], "second_factor");
    assert!(
        body["webauthn"]["publicKey"]["allowCredentials"]
            .as_array()
            .unwrap()
            .len()
            == 1
    );
    let password_cookie = partial.cookie.clone().unwrap();
    let (s, list) = partial.get("/api/v1/compartments").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        list["compartments"].as_array().unwrap().is_empty(),
        "{list}"
    );
    let (s, _) = partial
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // An active account cannot add a passkey on its password alone.
    let (s, _) = partial
        .json(
            Method::POST,
            "/api/v1/me/passkeys/options",
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Presence without user verification is refused and counted.
    let options = {
        let (s, b) = partial
            .call(Method::POST, "/api/v1/session/webauthn-options")
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["webauthn"].clone()
    };
    let weak = gw.assert_passkey("a.handler", &options, Behaviour::PRESENCE_ONLY);
    let (s, b) = partial
        .json(
            Method::POST,
            "/api/v1/session/second-factor",
            json!({ "webauthn": weak }),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("second_factor_refused"))
    );
    // The challenge was consumed: a verified answer to it is refused too.
    let late = gw.assert_passkey("a.handler", &options, Behaviour::VERIFIED);
    let (s, _) = partial
        .json(
            Method::POST,
            "/api/v1/session/second-factor",
            json!({ "webauthn": late }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A fresh challenge, verified: a new session id, with the passkey's strength.
    let options = partial
        .call(Method::POST, "/api/v1/session/webauthn-options")
        .await
        .1;
    let good = gw.assert_passkey("a.handler", &options["webauthn"], Behaviour::VERIFIED);
    let (s, b) = partial
        .json(
            Method::POST,
            "/api/v1/session/second-factor",
            json!({ "webauthn": good }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["mfa"], "webauthn");
    assert_ne!(
        partial.cookie.as_deref(),
        Some(password_cookie.as_str()),
        "session fixation"
    );
    partial.csrf = Some(b["csrf_token"].as_str().unwrap().to_owned());
    let (s, list) = partial.get("/api/v1/compartments").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["compartments"].as_array().unwrap().len(), 1);
    // The password-step cookie is dead.
    let mut old = gw.client();
    old.cookie = Some(password_cookie);
    assert_eq!(old.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    // The login history shows the refused and the accepted step.
    let (_, history) = partial.get("/api/v1/me/logins").await;
    let factors: Vec<(String, bool)> = history["logins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["factor"].as_str().unwrap().to_owned(),
                l["success"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(factors.contains(&("webauthn".into(), false)), "{history}");
    assert!(factors.contains(&("webauthn".into(), true)), "{history}");
    gw.stop().await;
}

#[tokio::test]
async fn a_phishing_origin_is_refused() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let (mut partial, _, body) = gw.password_step("a.handler", w.password("a.handler")).await;
    // The user's own authenticator, answering the real challenge on a
    // look-alike site that relays it: the origin in the signed client data
    // gives it away.
    let answer = gw.assert_passkey_on(
        "a.handler",
        &body["webauthn"],
        "https://dsg.example.invalid",
    );
    let (s, _) = partial
        .json(
            Method::POST,
            "/api/v1/session/second-factor",
            json!({ "webauthn": answer }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The same challenge answered on the right origin would have passed:
    // the refusal above was the origin's doing.
    let options = partial
        .call(Method::POST, "/api/v1/session/webauthn-options")
        .await
        .1;
    let good = gw.assert_passkey("a.handler", &options["webauthn"], Behaviour::VERIFIED);
    let (s, _) = partial
        .json(
            Method::POST,
            "/api/v1/session/second-factor",
            json!({ "webauthn": good }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    gw.stop().await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_unlocked_and_sources_are_rate_limited() {
    let gw = Gateway::start_with(
        Db::Sqlite,
        &[
            ("DSG_AUTH__LOCKOUT_THRESHOLD", "3"),
            ("DSG_AUTH__LOCKOUT_MINUTES", "0"),
            // No backoff here: this test is about the hard lock.
            ("DSG_AUTH__THROTTLE_AFTER_FAILURES", "100"),
        ],
    )
    .await
    .unwrap();
    let w = world(&gw).await;
    // From one source the lock takes twice the threshold (lockout.rs has
    // the several-source case and the backoff).
    for _ in 0..6 {
        let (_, s, _) = gw.password_step("a.member", "wrong-password-123").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // Locked: the right password gets the same answer as a wrong one.
    let (_, s, b) = gw.password_step("a.member", w.password("a.member")).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
    let mut op = gw.operator().await;
    let (_, accounts) = op.get("/api/v1/admin/accounts").await;
    let member = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "a.member")
        .unwrap()
        .clone();
    assert_eq!(member["state"], "locked");
    assert!(gw.audit().iter().any(|e| e["action"] == "account.lockout"));
    let (s, b) = op
        .call(
            Method::POST,
            &format!("/api/v1/admin/accounts/{}/unlock", w.user_id("a.member")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    gw.login("a.member", w.password("a.member")).await;
    gw.stop().await;

    let gw = Gateway::start_with(Db::Sqlite, &[("DSG_AUTH__LOGIN_ATTEMPTS_PER_MINUTE", "4")])
        .await
        .unwrap();
    let mut statuses = Vec::new();
    for i in 0..6 {
        let (_, s, _) = gw
            .password_step(&format!("nobody{i}"), "whatever-password")
            .await;
        statuses.push(s);
    }
    // The operator's enrolment at start used one of the four attempts.
    assert_eq!(
        statuses,
        [
            [StatusCode::UNAUTHORIZED; 3].as_slice(),
            &[StatusCode::TOO_MANY_REQUESTS; 3]
        ]
        .concat()
    );
    gw.stop().await;
}

/// A page's action refused for want of a fresh step-up goes to the step-up
/// page, and the page it comes back to says the action was not carried out.
#[tokio::test]
async fn a_page_action_after_the_step_up_window_says_it_was_not_done() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    age_sessions(&gw, 10).await;
    let member = w.user_id("a.member").to_owned();
    let response = op
        .request(Method::POST, &format!("/admin/accounts/{member}/disable"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/step-up?next=%2Fadmin%2Faccounts%3Fdone%3Dstep-up-redo"
    );
    // Nothing was done.
    let (_, accounts) = op.get("/api/v1/admin/accounts").await;
    let state = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "a.member")
        .unwrap()["state"]
        .clone();
    assert_ne!(state, "disabled");
    // The page it returns to says so, in the reader's language.
    let (s, page) = op
        .send(op.request(Method::GET, "/admin/accounts?done=step-up-redo"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("data-notice=\"step-up-redo\""), "{page}");
    assert!(page.contains("まだ実行されていません"), "{page}");
    // A name that is no notice shows nothing.
    let (_, page) = op
        .send(op.request(Method::GET, "/admin/accounts?done=%3Cscript%3E"))
        .await;
    assert!(!String::from_utf8(page).unwrap().contains("id=\"notice\""));
    gw.stop().await;
}

#[tokio::test]
async fn sensitive_actions_need_a_fresh_step_up() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, file) = h.upload(&w.compartment_a, "spec.pdf", data(1000, 1)).await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    let fid = file["file"]["id"].as_str().unwrap().to_owned();
    let mut op = gw.operator().await;
    age_sessions(&gw, 10).await;
    let delete = format!("/api/v1/compartments/{}/files/{fid}", w.compartment_a);
    let (s, b) = h.call(Method::DELETE, &delete).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("step_up_required"))
    );
    // Someone who may not delete anyway still gets the uniform answer.
    let mut other = gw.login("b.handler", w.password("b.handler")).await;
    age_sessions(&gw, 10).await;
    assert_eq!(
        other.call(Method::DELETE, &delete).await.0,
        StatusCode::NOT_FOUND
    );
    for (method, path) in [
        (
            Method::PUT,
            format!(
                "/api/v1/admin/contracts/{}/handlers/{}",
                w.contract_a,
                w.user_id("a.member")
            ),
        ),
        (
            Method::DELETE,
            format!(
                "/api/v1/admin/contracts/{}/handlers/{}",
                w.contract_a,
                w.user_id("a.handler")
            ),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/accounts/{}/disable", w.user_id("a.member")),
        ),
    ] {
        let (s, b) = op.call(method, &path).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("step_up_required")),
            "{path}"
        );
    }
    // Step up with the passkey, then the delete goes through.
    let (s, options) = h
        .call(Method::POST, "/api/v1/session/step-up/options")
        .await;
    assert_eq!(s, StatusCode::OK, "{options}");
    let answer = gw.assert_passkey("a.handler", &options["webauthn"], Behaviour::VERIFIED);
    let (s, b) = h
        .json(
            Method::POST,
            "/api/v1/session/step-up",
            json!({ "webauthn": answer }),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(
        h.call(Method::DELETE, &delete).await.0,
        StatusCode::NO_CONTENT
    );
    gw.stop().await;
}

#[tokio::test]
async fn sessions_expire_are_limited_and_can_be_revoked() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let pw = w.password("a.handler");
    let mut first = gw.login("a.handler", pw).await;
    let mut second = gw.login("a.handler", pw).await;
    let (_, list) = second.get("/api/v1/me/sessions").await;
    assert_eq!(list["sessions"].as_array().unwrap().len(), 2, "{list}");
    let (s, b) = second
        .call(Method::POST, "/api/v1/me/sessions/revoke-others")
        .await;
    assert_eq!((s, b["ended"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(first.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(second.get("/api/v1/me").await.0, StatusCode::OK);
    // At most three sessions: a fourth login ends the oldest.
    let mut third = gw.login("a.handler", pw).await;
    let _fourth = gw.login("a.handler", pw).await;
    let _fifth = gw.login("a.handler", pw).await;
    assert_eq!(second.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(third.get("/api/v1/me").await.0, StatusCode::OK);
    // Idle for longer than 15 minutes: gone.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 16 * 60000")
        .execute(&sqlite(&gw).await)
        .await
        .unwrap();
    assert_eq!(third.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    // Past the absolute lifetime, however active: gone.
    let mut fresh = gw.login("a.handler", pw).await;
    sqlx::query("UPDATE sessions SET expires_at = created_at")
        .execute(&sqlite(&gw).await)
        .await
        .unwrap();
    assert_eq!(fresh.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    // Disabling an account ends its live sessions at once.
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let mut op = gw.operator().await;
    let (s, b) = op
        .call(
            Method::POST,
            &format!("/api/v1/admin/accounts/{}/disable", w.user_id("a.member")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(member.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    gw.stop().await;
}

#[tokio::test]
async fn a_recovery_code_only_enrols_a_new_authenticator_and_works_once() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let mut op = gw.operator().await;
    let (_, company) = op
        .json(
            Method::POST,
            "/api/v1/admin/companies",
            json!({ "name": "回復テスト" }),
        )
        .await;
    let (s, user) = op
        .json(
            Method::POST,
            "/api/v1/admin/users",
            json!({ "company_id": company["id"], "username": "r.user", "display_name": "r", "role": "member" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{user}");
    let password = "Recovery-test-password-77x";
    let codes = gw
        .enrol("r.user", user["enrolment_path"].as_str().unwrap(), password)
        .await;
    assert_eq!(codes.len(), 10);
    // The link works once.
    let token = user["enrolment_path"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap();
    let (s, b) = gw
        .client()
        .json(
            Method::POST,
            "/api/v1/enrolment",
            json!({ "token": token, "password": password }),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("refused")),
        "{b}"
    );

    let (mut partial, _, _) = gw.password_step("r.user", password).await;
    let (s, b) = partial
        .json(
            Method::POST,
            "/api/v1/session/second-factor",
            json!({ "recovery": codes[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["mfa"], "recovery");
    partial.csrf = Some(b["csrf_token"].as_str().unwrap().to_owned());
    // It reaches nothing but enrolment…
    assert_eq!(
        partial.get("/api/v1/me/sessions").await.0,
        StatusCode::FORBIDDEN
    );
    // …and may register a new passkey, after which it ends.
    let mut new_key = SoftAuthenticator::new(&gw.base);
    register_passkey(&mut partial, &mut new_key, Behaviour::VERIFIED).await;
    assert_eq!(partial.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert!(gw
        .audit()
        .iter()
        .any(|e| e["action"] == "auth.recovery_code.use"));
    // Operators see it among the events needing their attention.
    let (_, accounts) = op.get("/api/v1/admin/accounts").await;
    let uses = accounts["recovery_code_uses"].as_array().unwrap();
    assert_eq!(uses.len(), 1, "{accounts}");
    assert_eq!(uses[0]["user_id"], user["id"]);
    // The same code again is refused.
    let (mut again, _, _) = gw.password_step("r.user", password).await;
    let (s, _) = again
        .json(
            Method::POST,
            "/api/v1/session/second-factor",
            json!({ "recovery": codes[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    gw.stop().await;
}

#[tokio::test]
async fn an_authenticator_reset_needs_a_second_operator() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let (s, reset) = op
        .call(
            Method::POST,
            &format!("/api/v1/admin/accounts/{}/reset", w.user_id("a.member")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reset}");
    let (s, b) = op
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/resets/{}/approve",
                reset["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("self_approval"))
    );
    // The member can still sign in: nothing was reset.
    gw.login("a.member", w.password("a.member")).await;
    // Members cannot approve either.
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let (s, _) = member
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/resets/{}/approve",
                reset["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The gateway host is the break-glass second approver.
    let out = gw.admin(&["approve-reset", "--id", reset["id"].as_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let link = stdout
        .lines()
        .find_map(|l| l.strip_prefix("new enrolment link: "))
        .expect("a new enrolment link")
        .to_owned();
    // The reset took effect: sessions ended, the old password is gone.
    assert_eq!(member.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (_, s, _) = gw.password_step("a.member", w.password("a.member")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(gw
        .audit()
        .iter()
        .any(|e| e["action"] == "account.reset.approve" && e["outcome"] == "success"));
    // The member enrols again through the new link.
    let path = &link[link.find("/enrol").unwrap()..];
    gw.enrol("a.member", path, "A-brand-new-passphrase-31")
        .await;
    gw.login("a.member", "A-brand-new-passphrase-31").await;
    gw.stop().await;
}

#[tokio::test]
async fn removal_from_the_last_contract_disables_the_account() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut handler = gw.login("b.handler", w.password("b.handler")).await;
    let mut op = gw.operator().await;
    let (s, _) = op
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/admin/contracts/{}/handlers/{}",
                w.contract_b,
                w.user_id("b.handler")
            ),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(handler.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (_, s, _) = gw.password_step("b.handler", w.password("b.handler")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, accounts) = op.get("/api/v1/admin/accounts").await;
    let state = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "b.handler")
        .unwrap()["state"]
        .clone();
    assert_eq!(state, "disabled");
    gw.stop().await;
}

#[tokio::test]
async fn identity_endpoints_refuse_the_anonymous_other_users_and_the_wrong_role() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let member = w.user_id("a.member").to_owned();
    let self_service = [
        (Method::GET, "/api/v1/me/sessions".to_owned()),
        (Method::GET, "/api/v1/me/authenticators".to_owned()),
        (Method::GET, "/api/v1/me/logins".to_owned()),
        (Method::POST, "/api/v1/me/sessions/revoke-others".to_owned()),
        (Method::POST, "/api/v1/me/recovery-codes".to_owned()),
        (Method::POST, "/api/v1/me/totp/options".to_owned()),
        (Method::POST, "/api/v1/session/step-up/options".to_owned()),
    ];
    let admin = [
        (Method::GET, "/api/v1/admin/accounts".to_owned()),
        (Method::GET, "/api/v1/admin/resets".to_owned()),
        (Method::GET, "/api/v1/admin/login-failures".to_owned()),
        (
            Method::POST,
            format!("/api/v1/admin/accounts/{member}/unlock"),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/accounts/{member}/disable"),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/accounts/{member}/reset"),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/accounts/{member}/enrolment-link"),
        ),
    ];
    // Anonymous: 401 everywhere (TOTP is off here, so its options say 403
    // not_offered).
    let mut anonymous = gw.client();
    for (method, path) in self_service.iter().chain(admin.iter()) {
        let (s, _) = anonymous.call(method.clone(), path).await;
        assert!(
            s == StatusCode::UNAUTHORIZED || (path.contains("totp") && s == StatusCode::FORBIDDEN),
            "anonymous {method} {path}: {s}"
        );
    }
    // A member (a handler of another company's contract, too) is no operator.
    let before = gw
        .audit()
        .iter()
        .filter(|e| e["outcome"] == "denied")
        .count();
    let mut handler = gw.login("b.handler", w.password("b.handler")).await;
    for (method, path) in &admin {
        let (s, b) = handler.call(method.clone(), path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "member {method} {path}: {b}");
    }
    let after = gw
        .audit()
        .iter()
        .filter(|e| e["outcome"] == "denied")
        .count();
    assert_eq!(after - before, admin.len(), "every refusal is recorded");
    // Another user's session and passkey are not reachable by their ids.
    let mut victim = gw.login("a.member", w.password("a.member")).await;
    let (_, sessions) = victim.get("/api/v1/me/sessions").await;
    let victim_session = sessions["sessions"][0]["id"].as_str().unwrap().to_owned();
    let (_, auths) = victim.get("/api/v1/me/authenticators").await;
    let victim_key = auths["authenticators"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _) = handler
        .call(
            Method::DELETE,
            &format!("/api/v1/me/sessions/{victim_session}"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(victim.get("/api/v1/me").await.0, StatusCode::OK);
    // Give the attacker a second passkey, so the last-authenticator rule
    // cannot be what answers.
    let mut spare = SoftAuthenticator::new(&gw.base);
    register_passkey(&mut handler, &mut spare, Behaviour::VERIFIED).await;
    let (s, _) = handler
        .call(
            Method::DELETE,
            &format!("/api/v1/me/authenticators/{victim_key}"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, auths) = victim.get("/api/v1/me/authenticators").await;
    assert_eq!(auths["authenticators"].as_array().unwrap().len(), 1);
    // An operator acting on an account that does not exist gets 404.
    let mut op = gw.operator().await;
    let (s, _) = op
        .call(Method::POST, "/api/v1/admin/accounts/not-a-user/unlock")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    gw.stop().await;
}

/// New recovery codes and a new authenticator come only from a session on
/// a registered terminal of the user's company (policy
/// `registered-terminal-for-credentials`); the refusal is recorded.
#[tokio::test]
async fn credentials_change_only_from_a_registered_terminal() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let pw = w.password("a.member");
    let credential_changes = || {
        [
            (Method::POST, "/api/v1/me/recovery-codes", json!(null)),
            (
                Method::POST,
                "/api/v1/me/passkeys/options",
                json!({ "name": "spare" }),
            ),
        ]
    };
    // Fully signed in (passkey, fresh), but from no terminal, or another
    // company's.
    let other = gw.terminal_of("b.handler").unwrap();
    for terminal in [None, Some(&other)] {
        let mut away = gw.login_from("a.member", pw, terminal).await;
        assert_eq!(away.get("/api/v1/me").await.0, StatusCode::OK);
        for (method, path, body) in credential_changes() {
            let (s, b) = if body.is_null() {
                away.call(method.clone(), path).await
            } else {
                away.json(method.clone(), path, body).await
            };
            assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {b}");
            assert_ne!(b["error"]["code"], "step_up_required", "{b}");
        }
        // The rest of self-service stays open.
        assert_eq!(away.get("/api/v1/me/sessions").await.0, StatusCode::OK);
    }
    let refused = gw
        .audit()
        .iter()
        .filter(|e| {
            e["outcome"] == "denied"
                && e["actor"] == w.user_id("a.member")
                && (e["action"] == "auth.recovery_codes.issue"
                    || e["action"] == "auth.authenticator.add")
        })
        .count();
    assert_eq!(refused, 4, "every refusal is recorded");

    // From the user's own registered terminal both go through.
    let mut at_work = gw.login("a.member", pw).await;
    let (s, b) = at_work
        .call(Method::POST, "/api/v1/me/recovery-codes")
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["recovery_codes"].as_array().unwrap().len(), 10, "{b}");
    let mut spare = SoftAuthenticator::new(&gw.base);
    register_passkey(&mut at_work, &mut spare, Behaviour::VERIFIED).await;
    let (_, auths) = at_work.get("/api/v1/me/authenticators").await;
    assert_eq!(auths["authenticators"].as_array().unwrap().len(), 2);
    gw.stop().await;
}
