//! Web hygiene: headers, cookies, CSRF, uniform login answers.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{world, Db, Gateway};

/// The answers to login attempts, one per (username, password).
async fn login_answers(
    gw: &Gateway,
    attempts: &[(&str, &str)],
) -> Vec<(StatusCode, serde_json::Value)> {
    let mut answers = Vec::new();
    for (user, password) in attempts {
        let mut c = gw.client();
        answers.push(
            c.json(
                Method::POST,
                "/api/v1/session",
                json!({ "username": user, "password": password }),
            )
            .await,
        );
    }
    answers
}

#[tokio::test]
async fn responses_carry_security_headers_and_a_host_only_cookie() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let client = gw.client();
    let response = client
        .http
        .post(format!("{}/api/v1/session", gw.base))
        .json(&json!({ "username": "operator", "password": gw.operator_password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers();
    let cookie = h.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("__Host-dsg_session="));
    for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Domain"));
    assert!(h.get("strict-transport-security").is_some());
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    // The login page has no inline script.
    let page = client
        .http
        .get(format!("{}/login", gw.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<script src=\"/assets/app.js\""));
    assert!(!page.contains("<script>"));
    // The web font is the gateway's own (no CDN), allowed by the CSP, and
    // the stylesheet that names it carries the design tokens' licence.
    assert!(csp.contains("font-src 'self'"));
    let font = client
        .http
        .get(format!(
            "{}/assets/fonts/NotoSansJP-Regular.subset.woff2",
            gw.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(font.status(), StatusCode::OK);
    assert_eq!(font.headers().get("content-type").unwrap(), "font/woff2");
    assert!(font.bytes().await.unwrap().starts_with(b"wOF2"));
    let css = client
        .http
        .get(format!("{}/assets/app.css", gw.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains("@digital-go-jp/design-tokens") && css.contains("NotoSansJP-Bold"));
    gw.stop().await;
}

#[tokio::test]
async fn state_changes_need_the_session_csrf_token_and_our_origin() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let op = gw.operator().await;
    let body = json!({ "name": "CSRF 検査会社" });
    let path = format!("{}/api/v1/admin/companies", gw.base);
    let cookie = op.cookie.clone().unwrap();
    let csrf = op.csrf.clone().unwrap();
    let send = |token: Option<&str>, origin: Option<&str>| {
        let mut req = op.http.post(&path).header("cookie", &cookie).json(&body);
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    let code = |r: reqwest::Response| r.status();
    assert_eq!(code(send(None, None).await.unwrap()), StatusCode::FORBIDDEN);
    assert_eq!(
        code(send(Some("wrong"), None).await.unwrap()),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        code(
            send(Some(&csrf), Some("https://evil.example"))
                .await
                .unwrap()
        ),
        StatusCode::FORBIDDEN
    );
    // A form post without the field is refused too.
    let form = op
        .http
        .post(format!("{}/admin/companies", gw.base))
        .header("cookie", &cookie)
        .form(&[("name", "フォーム会社")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    let form_ok = op
        .http
        .post(format!("{}/admin/companies", gw.base))
        .header("cookie", &cookie)
        .header("origin", gw.base.clone())
        .form(&[("name", "フォーム会社"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let status = form_ok.status();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{}",
        form_ok.text().await.unwrap()
    );
    let ok = send(Some(&csrf), Some(&gw.base)).await.unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    let (_, overview) = gw.operator().await.get("/api/v1/admin/overview").await;
    let names: Vec<&str> = overview["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"CSRF 検査会社") && names.contains(&"フォーム会社"));
    assert_eq!(names.iter().filter(|n| **n == "CSRF 検査会社").count(), 1);
    // Another session's token does not pass for this one.
    let other = gw.operator().await;
    let other_csrf = other.csrf.clone().unwrap();
    assert_ne!(other_csrf, csrf);
    assert_eq!(
        code(send(Some(&other_csrf), Some(&gw.base)).await.unwrap()),
        StatusCode::FORBIDDEN
    );
    // A copy of the database holds neither the session tokens nor their
    // CSRF tokens, in any column.
    let url = format!("sqlite://{}", gw.data_dir().join("dsg.db").display());
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    let rows = sqlx::query("SELECT * FROM sessions")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(rows.len() >= 2);
    let session_token = cookie.trim_start_matches("__Host-dsg_session=");
    for row in &rows {
        use sqlx::{Column, Row};
        for column in row.columns() {
            let text: Option<String> = row.try_get(column.ordinal()).unwrap_or(None);
            let text = text.unwrap_or_default();
            for secret in [csrf.as_str(), other_csrf.as_str(), session_token] {
                assert!(
                    !text.contains(secret),
                    "sessions.{} holds a secret",
                    column.name()
                );
            }
        }
    }
    gw.stop().await;
}

#[tokio::test]
async fn login_answers_are_the_same_for_every_failure() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let answers = login_answers(
        &gw,
        &[
            ("nobody-here", "whatever-password"),
            ("a.handler", "wrong-password-123"),
            ("x", "too-short-username"),
        ],
    )
    .await;
    for answer in &answers {
        assert_eq!(answer, &answers[0]);
    }
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert_eq!(answers[0].1["error"]["code"], "invalid_credentials");
    // The right password still works, and failures are recorded.
    gw.login("a.handler", w.password("a.handler")).await;
    let failures = gw
        .audit()
        .iter()
        .filter(|e| e["action"] == "auth.login" && e["outcome"] == "failure")
        .count();
    assert_eq!(failures, 3);
    gw.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let (s, doc) = gw.client().get("/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/compartments/{cid}/files/{fid}/content"].is_object());
    gw.stop().await;
}

#[tokio::test]
async fn browsers_are_judged_by_sec_fetch_site() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let login = json!({ "username": "operator", "password": gw.operator_password });
    let attempt = |site: Option<&'static str>, origin: Option<&'static str>| {
        let mut req = gw
            .client()
            .http
            .post(format!("{}/api/v1/session", gw.base))
            .json(&login);
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        req.send()
    };
    // Chromium's same-origin form post under Referrer-Policy: no-referrer.
    assert_eq!(
        attempt(Some("same-origin"), Some("null"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        attempt(Some("cross-site"), None).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        attempt(Some("same-site"), None).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        attempt(None, Some("null")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        attempt(None, Some("https://evil.example"))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    gw.stop().await;
}

#[tokio::test]
async fn disabled_and_locked_accounts_get_the_same_answer_and_lose_their_sessions() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let (s, _) = handler
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    assert_eq!(s, StatusCode::OK);
    // There is no operator action for a lock: change the account states
    // underneath the running gateway, as any writer must, bumping the fact
    // generation in the same transaction (dsg-store `facts_cache.rs`).
    let url = format!("sqlite://{}", gw.data_dir().join("dsg.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    for (user, status) in [("a.handler", "disabled"), ("a.member", "locked")] {
        sqlx::query("UPDATE users SET status = $1 WHERE username = $2")
            .bind(status)
            .bind(user)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE fact_generation SET generation = generation + 1 WHERE id = 1")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    pool.close().await;
    // The open session of the disabled handler stops working at once.
    let (s, _) = handler
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Right passwords of disabled and locked accounts get the unknown-user answer.
    let answers = login_answers(
        &gw,
        &[
            ("nobody-here", "whatever-password"),
            ("a.handler", w.password("a.handler")),
            ("a.member", w.password("a.member")),
        ],
    )
    .await;
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert_eq!(answers[1], answers[0]);
    assert_eq!(answers[2], answers[0]);
    gw.stop().await;
}

#[tokio::test]
async fn the_audit_log_streams_as_syslog_and_cef() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut outsider = gw.login("b.handler", w.password("b.handler")).await;
    let (s, _) = outsider
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let run = |format: &str| {
        let out = gw.admin(&["audit-tail", "--limit", "1000", "--format", format]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let syslog = run("syslog");
    let denial = syslog
        .lines()
        .find(|l| l.contains("file.list") && l.contains("outcome=\"denied\""))
        .expect("denial in syslog");
    assert!(denial.starts_with("<108>1 "), "{denial}");
    assert!(
        denial.contains(&format!("actor=\"{}\"", w.user_id("b.handler"))),
        "{denial}"
    );
    let cef = run("cef");
    assert!(cef
        .lines()
        .all(|l| l.starts_with("CEF:0|dsg|Defense Security Gateway|")));
    assert!(cef
        .lines()
        .any(|l| l.contains("|file.list|file.list denied|7|")
            && l.contains(&format!("cs3={}", w.compartment_a))));
    // The same entries in both formats, plus the first tail's own read,
    // recorded as the host's after it read. Company sub-log heads are left
    // out: the sequencer adds them with each checkpoint, which now follows
    // every sequenced batch, so some may land between the two tails.
    let counted = |text: &str| {
        text.lines()
            .filter(|l| !l.contains("audit.company_head"))
            .count()
    };
    assert_eq!(counted(&syslog) + 1, counted(&cef));
    // The newest entry that is not a company head (those may land after it).
    let host_read = cef
        .lines()
        .find(|l| !l.contains("audit.company_head"))
        .unwrap();
    assert!(
        host_read.contains("|audit.read|") && host_read.contains("host-cli"),
        "{host_read}"
    );
    gw.stop().await;
}
