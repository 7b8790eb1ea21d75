//! Change requests after membership (変更申請) end to end, against the real
//! binary: filed by a company's administrator, decided by the agency (never
//! by who filed it), which may ask for more material or require a new site
//! check first; refused to another company, to a service provider (none is
//! assigned to a change) and to a member without the administrator duty. A
//! completed closure revokes the site's terminals and opens the disposal of
//! each one's data; a completed new name renames the company (recorded as
//! company.rename); every step writes exactly one audit entry.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

const CHANGES: &str = "/api/v1/applications/change";
const TERMINALS: &str = "/api/v1/applications/terminal";

async fn grant(op: &mut Client, user: &str, duty: &str) {
    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/users/{user}/duties"),
            json!({ "duty": duty }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

async fn file(client: &mut Client, path: &str, body: Value) -> Value {
    let (s, b) = client.json(Method::POST, path, body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b
}

async fn step(client: &mut Client, id: &str, action: &str) -> (StatusCode, Value) {
    client
        .json(
            Method::POST,
            &format!("{CHANGES}/{id}/{action}"),
            json!({ "reason": "確認" }),
        )
        .await
}

fn csr() -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    rcgen::CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap()
}

/// A terminal of the administrator's company at `site`, registered through
/// an approved terminal request.
async fn terminal_at(admin: &mut Client, op: &mut Client, serial: &str, site: &str) -> String {
    let reg = file(
        admin,
        TERMINALS,
        json!({ "operation": "register", "serial": serial, "site": site,
                "model": "DSG-T1", "csr_pem": csr() }),
    )
    .await;
    let (s, b) = op
        .json(
            Method::POST,
            &format!("{TERMINALS}/{}/approve", reg["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["terminal_id"].as_str().unwrap().to_owned()
}

async fn html(client: &mut Client, path: String) -> String {
    let req = client.request(Method::GET, &path);
    let (s, body) = client.send(req).await;
    assert_eq!(s, StatusCode::OK, "{path}");
    String::from_utf8(body).unwrap()
}

async fn status_of(op: &mut Client, terminal: &str) -> String {
    let (s, terminals) = op.get("/api/v1/admin/terminals").await;
    assert_eq!(s, StatusCode::OK, "{terminals}");
    terminals
        .as_array()
        .or_else(|| terminals["terminals"].as_array())
        .unwrap()
        .iter()
        .find(|t| t["id"] == terminal)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn change_requests(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    grant(&mut op, w.user_id("a.member"), "security-admin").await;
    grant(&mut op, w.user_id("b.handler"), "security-admin").await;
    let mut admin = gw.login("a.member", w.password("a.member")).await;
    let mut b_admin = gw.login("b.handler", w.password("b.handler")).await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let mut provider = crate::memberships::provider_staff(&gw, &mut op, "chg").await;

    // Two terminals at the site that closes, one elsewhere.
    let closing = terminal_at(&mut admin, &mut op, "SN-C1", "第二工場").await;
    let closing2 = terminal_at(&mut admin, &mut op, "SN-C2", "第二工場").await;
    let staying = terminal_at(&mut admin, &mut op, "SN-S1", "本社").await;

    // A closure, filed by the company's administrator.
    let closure = file(
        &mut admin,
        CHANGES,
        json!({ "change": "closure", "site": "第二工場", "details": "第二工場を閉鎖します" }),
    )
    .await;
    assert_eq!(closure["state"], "submitted", "{closure}");
    assert!(closure["due_on"].is_string());
    let closure_id = closure["id"].as_str().unwrap();
    // A closure names its site; an unknown kind is refused.
    for bad in [
        json!({ "change": "closure", "details": "x" }),
        json!({ "change": "merger", "details": "x" }),
    ] {
        let (s, b) = admin.json(Method::POST, CHANGES, bad).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    }
    // The member without the duty files nothing.
    let (s, _) = handler
        .json(
            Method::POST,
            CHANGES,
            json!({ "change": "contacts", "details": "連絡先" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // It waits for the agency, in its inbox, with the agency's steps.
    let (_, inbox) = op.get("/api/v1/inbox/all").await;
    let item = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == closure_id)
        .unwrap()
        .clone();
    assert_eq!(item["kind"], "change");
    assert_eq!(
        item["actions"],
        json!(["complete", "return", "require_site_check", "reject"])
    );

    // Refused: the requester decides nothing of their own; another
    // company's administrator and the provider learn nothing (the answer a
    // made-up id gets); the member without the duty is forbidden.
    let (s, b) = step(&mut admin, closure_id, "complete").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let made_up = uuid::Uuid::new_v4().to_string();
    for outsider in [&mut b_admin, &mut provider] {
        let real = outsider.get(&format!("{CHANGES}/{closure_id}")).await;
        let fake = outsider.get(&format!("{CHANGES}/{made_up}")).await;
        assert_eq!(real.0, StatusCode::NOT_FOUND, "{}", real.1);
        assert_eq!(real, fake);
        let (s, _) = step(outsider, closure_id, "complete").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, list) = outsider.get(CHANGES).await;
        assert!(
            s != StatusCode::OK || !list.to_string().contains(closure_id),
            "{list}"
        );
    }
    assert_eq!(
        handler.get(&format!("{CHANGES}/{closure_id}")).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, _) = step(&mut handler, closure_id, "withdraw").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Filed by an operator for the company: that operator may not decide.
    let on_behalf = file(
        &mut op,
        CHANGES,
        json!({ "company_id": w.company_a, "change": "layout", "site": "本社",
                "details": "保護区画の拡張" }),
    )
    .await;
    let (s, b) = step(&mut op, on_behalf["id"].as_str().unwrap(), "complete").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "self_approval", "{b}");

    // The pages: the agency's buttons on the request, none for the company
    // that filed it; the list and the filing form for the company.
    let page = html(&mut op, format!("/changes/{closure_id}")).await;
    assert!(
        page.contains("拠点閉鎖")
            && page.contains("第二工場")
            && page.contains("step-complete")
            && page.contains("step-require_site_check")
            && page.contains("id=\"timeline\""),
        "{page}"
    );
    let page = html(&mut admin, format!("/changes/{closure_id}")).await;
    assert!(
        !page.contains("step-complete") && page.contains("step-withdraw"),
        "{page}"
    );
    let page = html(&mut admin, "/changes".to_owned()).await;
    assert!(
        page.contains("change-request-form") && page.contains(closure_id),
        "{page}"
    );

    // Completed: the site's terminals revoked, each with its disposal
    // opened; the terminal elsewhere untouched.
    let (s, b) = step(&mut op, closure_id, "complete").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "completed");
    assert!(b["closed_at"].is_i64());
    let mut disposed: Vec<&str> = b["disposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["terminal_id"].as_str().unwrap())
        .collect();
    disposed.sort_unstable();
    let mut expected = vec![closing.as_str(), closing2.as_str()];
    expected.sort_unstable();
    assert_eq!(disposed, expected, "{b}");
    assert_eq!(status_of(&mut op, &closing).await, "revoked");
    assert_eq!(status_of(&mut op, &closing2).await, "revoked");
    assert_ne!(status_of(&mut op, &staying).await, "revoked");
    let (s, _) = step(&mut op, closure_id, "reject").await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A new name: more material asked for, resubmitted, a site check
    // required and passed, then completed: the company is renamed.
    let rename = file(
        &mut admin,
        CHANGES,
        json!({ "change": "company_name", "new_name": "新社名防衛株式会社",
                "details": "合併による社名変更" }),
    )
    .await;
    let rename_id = rename["id"].as_str().unwrap();
    let (s, b) = op
        .json(
            Method::POST,
            &format!("{CHANGES}/{rename_id}/return"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a return says why: {b}");
    for (by_agency, action, state) in [
        (true, "return", "returned"),
        (false, "resubmit", "submitted"),
        (true, "require_site_check", "site_check"),
    ] {
        let who = if by_agency { &mut op } else { &mut admin };
        let (s, b) = step(who, rename_id, action).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
        assert_eq!(b["state"], state, "{b}");
    }
    let (s, b) = step(&mut op, rename_id, "complete").await;
    assert_eq!(s, StatusCode::CONFLICT, "a site check comes first: {b}");
    let (s, b) = step(&mut op, rename_id, "pass_site_check").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = step(&mut op, rename_id, "complete").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "completed");
    let (_, overview) = op.get("/api/v1/admin/overview").await;
    let renamed = overview["companies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == w.company_a.as_str())
        .unwrap()["name"]
        .clone();
    assert_eq!(renamed, "新社名防衛株式会社", "{overview}");
    let shown = admin
        .membership_change(rename_id)
        .await
        .expect("the company reads its own change");
    let shown_steps: Vec<&str> = shown.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(
        shown_steps,
        [
            "file",
            "return",
            "resubmit",
            "require_site_check",
            "pass_site_check",
            "complete"
        ]
    );

    // Exactly one audit entry per step (and the rename's own).
    let log = gw.audit();
    let entries = |id: &str| -> Vec<String> {
        log.iter()
            .rev()
            .filter(|e| e["object_id"] == id && e["outcome"] == "success")
            .filter(|e| e["action"] != "application.view")
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        entries(closure_id),
        ["application.file", "application.approve"]
    );
    assert_eq!(
        entries(rename_id),
        [
            "application.file",
            "application.return",
            "application.resubmit",
            "application.return",
            "application.approve",
            "application.approve"
        ]
    );
    assert!(
        log.iter().any(|e| e["action"] == "company.rename"
            && e["outcome"] == "success"
            && e["reason"].as_str().unwrap_or("").contains(rename_id)),
        "the rename is recorded as such"
    );

    // The typed client: the company's list holds both; the other company's
    // holds neither.
    let list = admin.membership_changes().await.unwrap();
    let ids: Vec<&str> = list.changes.iter().map(|c| c.id.as_str()).collect();
    assert!(
        ids.contains(&closure_id) && ids.contains(&rename_id),
        "{ids:?}"
    );
    let other = b_admin.membership_changes().await.unwrap();
    assert!(other.changes.is_empty());
    gw.stop().await;
}

#[tokio::test]
async fn change_requests_on_sqlite() {
    change_requests(Db::Sqlite).await;
}

#[tokio::test]
async fn change_requests_on_postgres() {
    change_requests(Db::Postgres).await;
}
