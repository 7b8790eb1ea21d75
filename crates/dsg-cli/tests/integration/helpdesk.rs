//! Help-desk tickets end to end, against the real binary: a company's user
//! files, the desk answers, the company replies and closes; another
//! company's user and a service provider the ticket is not assigned to are
//! refused; a linked compartment file shows only to whom may read it (the
//! handler, not the desk operator nor a colleague who handles nothing);
//! one audit entry per step.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

const TICKETS: &str = "/api/v1/tickets";

async fn step(client: &mut Client, id: &str, action: &str, message: &str) -> (StatusCode, Value) {
    client
        .json(
            Method::POST,
            &format!("{TICKETS}/{id}/{action}"),
            json!({ "message": message }),
        )
        .await
}

fn ids(list: &Value) -> Vec<String> {
    list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn tickets_between_a_company_and_the_desk(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut desk = gw.operator().await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let mut stranger = gw.login("b.handler", w.password("b.handler")).await;
    let mut provider = crate::memberships::provider_staff(&gw, &mut desk, "prov-desk").await;

    // A file of compartment A, which only its handlers read.
    let (s, uploaded) = handler
        .upload(&w.compartment_a, "図面.pdf", b"%PDF-1.7 protected".to_vec())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{uploaded}");
    let file_id = uploaded["file"]["id"].as_str().unwrap().to_owned();
    let link = json!({ "compartment_id": w.compartment_a, "file_id": file_id });

    // The handler files a ticket pointing to it (never its content).
    let (s, filed) = handler
        .json(
            Method::POST,
            TICKETS,
            json!({ "category": "compartment", "priority": "high",
                    "subject": "図面の版が開けない", "body": "最新版のダウンロードで失敗します",
                    "linked_file": link }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["state"], "open");
    assert_eq!(filed["linked_file"], link);
    assert!(
        filed["first_response_due_at"].as_i64().unwrap() > filed["submitted_at"].as_i64().unwrap()
    );
    assert!(
        filed["resolution_due_at"].as_i64().unwrap()
            > filed["first_response_due_at"].as_i64().unwrap()
    );
    let id = filed["id"].as_str().unwrap().to_owned();
    let path = format!("{TICKETS}/{id}");

    // A colleague who handles nothing files too, but may not link a file
    // they cannot read.
    let (s, b) = member
        .json(
            Method::POST,
            TICKETS,
            json!({ "category": "compartment", "priority": "low", "subject": "x", "body": "y",
                    "linked_file": link }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, own) = member
        .json(
            Method::POST,
            TICKETS,
            json!({ "category": "account", "priority": "normal",
                    "subject": "パスキーの追加", "body": "予備の鍵を登録したい" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{own}");

    // The colleague reads the ticket, without the link; the desk reads it,
    // without the link (it is no participant of the contract).
    let (s, seen) = member.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    assert!(seen["linked_file"].is_null(), "{seen}");
    let (s, seen) = desk.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    assert!(seen["linked_file"].is_null(), "{seen}");
    assert_eq!(
        seen["actions"],
        json!(["answer", "request_info", "resolve"])
    );
    let (_, seen) = handler.get(&path).await;
    assert_eq!(seen["linked_file"], link);
    assert_eq!(seen["actions"], json!(["reply"]));

    // Another company's user and an unassigned provider: not found, and
    // nothing of it in their lists.
    for who in [&mut stranger, &mut provider] {
        let (s, b) = who.get(&path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        let (s, b) = step(who, &id, "reply", "見せて").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        let (s, list) = who.get(TICKETS).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert!(!ids(&list).contains(&id), "{list}");
    }
    // Filing for another company is refused.
    let (s, _) = stranger
        .json(
            Method::POST,
            TICKETS,
            json!({ "company_id": w.company_a, "category": "other", "priority": "low",
                    "subject": "x", "body": "y" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The open ticket waits for the desk: in its one inbox, with its steps.
    let (s, inbox) = desk.get("/api/v1/inbox/all").await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    let item = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{inbox}"));
    assert_eq!(item["kind"], "ticket");
    assert_eq!(
        item["actions"],
        json!(["answer", "request_info", "resolve"])
    );

    // The company may not answer its own ticket; the desk answers.
    let (s, _) = step(&mut handler, &id, "answer", "自分で回答").await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, answered) = step(&mut desk, &id, "answer", "キャッシュを削除してください").await;
    assert_eq!(s, StatusCode::OK, "{answered}");
    assert_eq!(answered["state"], "answered");
    assert!(answered["first_response_at"].is_i64());
    assert_eq!(answered["first_response_overdue"], false);
    // A message is required for a reply.
    let (s, _) = step(&mut handler, &id, "reply", "  ").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, replied) = step(&mut handler, &id, "reply", "まだ失敗します").await;
    assert_eq!(s, StatusCode::OK, "{replied}");
    assert_eq!(replied["state"], "open");
    let (s, resolved) = step(&mut desk, &id, "resolve", "版を再登録しました").await;
    assert_eq!(s, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["state"], "resolved");
    let (s, reopened) = step(&mut member, &id, "reopen", "").await;
    assert_eq!(s, StatusCode::OK, "{reopened}");
    assert_eq!(reopened["state"], "open");
    step(&mut desk, &id, "resolve", "再度確認しました").await;
    let (s, closed) = step(&mut handler, &id, "close", "").await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    assert_eq!(closed["state"], "closed");
    assert!(closed["actions"].as_array().unwrap().is_empty());
    let (s, _) = step(&mut handler, &id, "reopen", "").await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The thread, oldest first, with each message.
    let (_, seen) = desk.get(&path).await;
    let thread: Vec<(&str, &str)> = seen["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["action"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        thread,
        [
            ("file", "awaiting_desk"),
            ("answer", "キャッシュを削除してください"),
            ("reply", "まだ失敗します"),
            ("resolve", "版を再登録しました"),
            ("reopen", "reopen"),
            ("resolve", "再度確認しました"),
            ("close", "close"),
        ]
    );
    // The desk lists both tickets; the company both of its own.
    let (_, list) = desk.get(TICKETS).await;
    assert!(
        ids(&list).contains(&id) && ids(&list).contains(&own["id"].as_str().unwrap().to_owned())
    );

    // Exactly one audit entry per step; refusals recorded as denied.
    let log = gw.audit();
    let entries: Vec<&str> = log
        .iter()
        .rev()
        .filter(|e| e["object_id"] == id.as_str() && e["outcome"] == "success")
        .filter(|e| e["action"] != "ticket.view")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        entries,
        [
            "ticket.file",
            "ticket.step",
            "ticket.step",
            "ticket.step",
            "ticket.step",
            "ticket.step",
            "ticket.step"
        ]
    );
    assert!(log
        .iter()
        .any(|e| e["object_id"] == id.as_str() && e["outcome"] == "denied"));
    gw.stop().await;
}

#[tokio::test]
async fn tickets_between_a_company_and_the_desk_on_sqlite() {
    tickets_between_a_company_and_the_desk(Db::Sqlite).await;
}

#[tokio::test]
async fn tickets_between_a_company_and_the_desk_on_postgres() {
    tickets_between_a_company_and_the_desk(Db::Postgres).await;
}
