//! Terminal and removable-media requests end to end, against the real
//! binary, on the one application path: filed by a company's administrator,
//! approved by the agency (never by who filed it), refused to another
//! company, to a service provider it is not assigned to and to a member
//! without the administrator duty; an approval registers the terminal with
//! its certificate from the CSR, or revokes it, or lists or closes a medium,
//! with exactly one audit entry per step; and the one inbox shows each
//! person exactly what waits for them.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

const TERMINALS: &str = "/api/v1/applications/terminal";
const MEDIA: &str = "/api/v1/applications/media";
const INBOX: &str = "/api/v1/inbox/all";

fn csr() -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    rcgen::CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap()
}

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

async fn step(client: &mut Client, path: &str, id: &str, action: &str) -> (StatusCode, Value) {
    client
        .json(
            Method::POST,
            &format!("{path}/{id}/{action}"),
            json!({ "reason": "確認" }),
        )
        .await
}

async fn html_of(client: &mut Client, path: &str) -> (StatusCode, String) {
    let req = client.request(Method::GET, path);
    let (s, body) = client.send(req).await;
    (s, String::from_utf8(body).unwrap())
}

fn inbox_ids(inbox: &Value) -> Vec<String> {
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn terminal_and_media_requests(db: Db) {
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
    let provider_company = crate::memberships::company(&mut op, "事業者 受信箱").await;
    let mut provider =
        crate::memberships::staff(&gw, &mut op, &provider_company, "prov", "site-survey").await;
    let mut other_provider = crate::memberships::provider_staff(&gw, &mut op, "prov2").await;

    // A terminal registration, filed by the company's administrator.
    let reg = file(
        &mut admin,
        TERMINALS,
        json!({ "operation": "register", "serial": "SN-0001", "site": "本社 保護区画",
                "model": "DSG-T1", "csr_pem": csr() }),
    )
    .await;
    assert_eq!(reg["state"], "submitted", "{reg}");
    assert!(reg["due_on"].is_string());
    let reg_id = reg["id"].as_str().unwrap();
    // Not a CSR: refused on filing.
    let (s, _) = admin
        .json(
            Method::POST,
            TERMINALS,
            json!({ "operation": "register", "serial": "SN-2", "site": "x", "model": "x",
                    "csr_pem": "hello" }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A medium for two people of the company; a person of another company
    // may not be named.
    let med = file(
        &mut admin,
        MEDIA,
        json!({ "operation": "register", "media_id": "USB-001", "media_type": "usb_memory",
                "capacity_mb": 32000, "purpose": "図面の搬入",
                "permitted_users": [w.user_id("a.member"), w.user_id("a.handler")] }),
    )
    .await;
    let med_id = med["id"].as_str().unwrap();
    let (s, b) = admin
        .json(
            Method::POST,
            MEDIA,
            json!({ "operation": "register", "media_id": "USB-002", "media_type": "usb_memory",
                    "capacity_mb": 1, "purpose": "x", "permitted_users": [w.user_id("b.handler")] }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");

    // The one inbox: both wait for the operator; nothing for the company,
    // the member, another company or the provider.
    let (s, inbox) = op.get(INBOX).await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    let mut expected = vec![reg_id.to_owned(), med_id.to_owned()];
    let mut got = inbox_ids(&inbox);
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "{inbox}");
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"terminal") && kinds.contains(&"media"),
        "{inbox}"
    );
    assert_eq!(
        inbox["items"][0]["actions"],
        json!(["approve", "return", "reject"])
    );
    assert_eq!(inbox["items"][0]["overdue"], false);
    for who in [
        &mut admin,
        &mut handler,
        &mut b_admin,
        &mut provider,
        &mut other_provider,
    ] {
        let (s, inbox) = who.get(INBOX).await;
        assert_eq!(s, StatusCode::OK, "{inbox}");
        assert!(inbox_ids(&inbox).is_empty(), "{inbox}");
    }

    // The page: the same items, kind in words, linked from the navigation.
    let (s, html) = html_of(&mut op, "/inbox").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("id=\"inbox-all\"")
            && html.contains(reg_id)
            && html.contains(med_id)
            && html.contains("端末登録・撤去申請")
            && html.contains("id=\"inbox-link\""),
        "{html}"
    );
    let (s, html) = html_of(&mut admin, "/inbox").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("inbox-empty") && !html.contains(reg_id),
        "{html}"
    );

    // The pages: each request with its form, the steps the caller may take
    // and its timeline; another company's answers like a missing one.
    let (s, html) = html_of(&mut op, &format!("/requests/terminal/{reg_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("step-approve")
            && html.contains("SN-0001")
            && html.contains("id=\"timeline\""),
        "{html}"
    );
    let (s, html) = html_of(&mut admin, &format!("/requests/media/{med_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !html.contains("step-approve")
            && html.contains("step-withdraw")
            && html.contains("USB-001"),
        "{html}"
    );
    let (s, _) = html_of(&mut b_admin, &format!("/requests/terminal/{reg_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, html) = html_of(&mut admin, "/requests").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("terminal-request-form")
            && html.contains("media-request-form")
            && html.contains("id=\"media-list\""),
        "{html}"
    );
    let (_, html) = html_of(&mut op, "/inbox").await;
    assert!(
        html.contains(&format!("/requests/media/{med_id}")),
        "{html}"
    );

    // Refused: the requester approves nothing of their own, another
    // company's administrator and the provider learn nothing (the answer a
    // made-up id gets), the member without the duty is forbidden.
    let (s, b) = step(&mut admin, TERMINALS, reg_id, "approve").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let made_up = uuid::Uuid::new_v4().to_string();
    for path in [TERMINALS, MEDIA] {
        let id = if path == TERMINALS { reg_id } else { med_id };
        for outsider in [&mut b_admin, &mut provider, &mut other_provider] {
            let real = outsider.get(&format!("{path}/{id}")).await;
            let fake = outsider.get(&format!("{path}/{made_up}")).await;
            assert_eq!(real.0, StatusCode::NOT_FOUND, "{}", real.1);
            assert_eq!(real, fake);
            let (s, _) = step(outsider, path, id, "approve").await;
            assert_eq!(s, StatusCode::NOT_FOUND);
        }
        assert_eq!(
            handler.get(&format!("{path}/{id}")).await.0,
            StatusCode::FORBIDDEN
        );
        let (s, _) = step(&mut handler, path, id, "withdraw").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    // Filed by an operator for the company: that operator may not approve.
    let on_behalf = file(
        &mut op,
        MEDIA,
        json!({ "company_id": w.company_a, "operation": "register", "media_id": "DVD-9",
                "media_type": "optical_disc", "capacity_mb": 4700, "purpose": "納品",
                "permitted_users": [w.user_id("a.member")] }),
    )
    .await;
    let (s, b) = step(&mut op, MEDIA, on_behalf["id"].as_str().unwrap(), "approve").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "self_approval", "{b}");

    // Approved: the terminal is registered and its certificate issued.
    let (s, b) = step(&mut op, TERMINALS, reg_id, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "approved");
    assert!(b["closed_at"].is_i64());
    assert!(b["certificate_pem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    let terminal_id = b["terminal_id"].as_str().unwrap().to_owned();
    let (s, terminals) = op.get("/api/v1/admin/terminals").await;
    assert_eq!(s, StatusCode::OK, "{terminals}");
    assert!(terminals.to_string().contains(&terminal_id), "{terminals}");
    let (s, b) = step(&mut op, TERMINALS, reg_id, "reject").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    // Its removal: revoked, and the disposal of its data opened.
    let rem = file(
        &mut admin,
        TERMINALS,
        json!({ "operation": "remove", "terminal_id": terminal_id, "reason": "故障のため撤去" }),
    )
    .await;
    let rem_id = rem["id"].as_str().unwrap();
    let (s, b) = step(&mut op, TERMINALS, rem_id, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, terminals) = op.get("/api/v1/admin/terminals").await;
    let revoked = terminals
        .as_array()
        .or_else(|| terminals["terminals"].as_array())
        .unwrap()
        .iter()
        .find(|t| t["id"] == terminal_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(revoked["status"], "revoked", "{revoked}");

    // The medium: listed on approval, closed by its removal with the reason.
    let (s, b) = step(&mut op, MEDIA, med_id, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, list) = admin.get("/api/v1/removable-media").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["media"][0]["media_id"], "USB-001", "{list}");
    assert_eq!(
        list["media"][0]["permitted_users"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (_, b_list) = b_admin.get("/api/v1/removable-media").await;
    assert_eq!(b_list["media"], json!([]), "{b_list}");
    let removal = file(
        &mut admin,
        MEDIA,
        json!({ "operation": "remove", "media_id": "USB-001", "reason": "破損" }),
    )
    .await;
    let removal_id = removal["id"].as_str().unwrap();
    let (s, b) = step(&mut op, MEDIA, removal_id, "approve").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, list) = admin.get("/api/v1/removable-media").await;
    assert_eq!(list["media"][0]["removal_reason"], "破損", "{list}");
    assert!(list["media"][0]["removed_at"].is_i64());

    // A return waits for the company, in its inbox.
    let again = file(
        &mut admin,
        MEDIA,
        json!({ "operation": "register", "media_id": "SD-1", "media_type": "memory_card",
                "capacity_mb": 64000, "purpose": "写真", "permitted_users": [w.user_id("a.member")] }),
    )
    .await;
    let again_id = again["id"].as_str().unwrap();
    let (s, _) = step(&mut op, MEDIA, again_id, "return").await;
    assert_eq!(s, StatusCode::OK);
    let (_, inbox) = admin.get(INBOX).await;
    assert_eq!(inbox_ids(&inbox), [again_id.to_owned()], "{inbox}");
    assert_eq!(
        inbox["items"][0]["actions"],
        json!(["resubmit", "withdraw"])
    );

    // A membership assigned to the provider: once its line survey is due,
    // it is in that provider's inbox and no other's.
    let membership = admin
        .file_membership(&crate::memberships::form(None))
        .await
        .unwrap()
        .membership
        .id;
    let accept = dsg_proto::memberships::MembershipStepBody {
        reason: String::new(),
        provider_id: Some(provider_company.clone()),
    };
    op.membership_step(&membership, "accept", &accept)
        .await
        .unwrap();
    let (_, inbox) = provider.get(INBOX).await;
    assert!(inbox_ids(&inbox).is_empty(), "{inbox}");
    let pass = dsg_proto::memberships::MembershipStepBody {
        reason: String::new(),
        provider_id: None,
    };
    op.membership_step(&membership, "pass_check", &pass)
        .await
        .unwrap();
    let (_, inbox) = provider.get(INBOX).await;
    assert_eq!(
        inbox_ids(&inbox),
        std::slice::from_ref(&membership),
        "{inbox}"
    );
    assert_eq!(inbox["items"][0]["kind"], "membership");
    assert_eq!(inbox["items"][0]["actions"], json!(["complete_survey"]));
    let (_, inbox) = other_provider.get(INBOX).await;
    assert!(inbox_ids(&inbox).is_empty(), "{inbox}");
    let (_, inbox) = op.get(INBOX).await;
    assert!(!inbox_ids(&inbox).contains(&membership), "{inbox}");

    // Exactly one audit entry per step.
    let log = gw.audit();
    let entries = |id: &str| -> Vec<String> {
        log.iter()
            .rev()
            .filter(|e| e["object_id"] == id && e["outcome"] == "success")
            .filter(|e| e["action"] != "application.view")
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    for id in [reg_id, rem_id, med_id, removal_id] {
        assert_eq!(
            entries(id),
            ["application.file", "application.approve"],
            "{id}"
        );
    }
    assert_eq!(
        entries(again_id),
        ["application.file", "application.return"]
    );

    // The typed client: the same inbox and list; the company withdraws.
    let typed = admin.inbox_all().await.unwrap();
    assert_eq!(typed.items.len(), 1);
    assert_eq!(typed.items[0].id, again_id);
    let media = admin.removable_media().await.unwrap();
    assert_eq!(media.media[0].removal_reason.as_deref(), Some("破損"));
    let withdrawn: dsg_proto::requests::MediaRequest = admin
        .request_step(dsg_client::RequestKind::Media, again_id, "withdraw", "")
        .await
        .unwrap();
    assert_eq!(withdrawn.state, "withdrawn");
    assert!(admin.inbox_all().await.unwrap().items.is_empty());
    gw.stop().await;
}

#[tokio::test]
async fn terminal_and_media_requests_on_sqlite() {
    terminal_and_media_requests(Db::Sqlite).await;
}

#[tokio::test]
async fn terminal_and_media_requests_on_postgres() {
    terminal_and_media_requests(Db::Postgres).await;
}
