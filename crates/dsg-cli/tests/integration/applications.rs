//! Software installation requests end to end, against the real binary: the
//! agency's versioned software lists, screening on filing (online software
//! and blacklisted software refused, whitelisted recorded, pre-installed
//! flagged), the agency's decision (never by who filed it), the company's
//! resubmission, company isolation, the inbox, and one audit entry per step.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

const LISTS: &str = "/api/v1/software-lists";
const REQUESTS: &str = "/api/v1/applications/software";

fn request(product: &str, installation: &str, updates: &str, preinstalled: bool) -> Value {
    json!({
        "product": product,
        "version": "2.0",
        "vendor": "ExampleSoft",
        "purpose": "図面の閲覧",
        "installation": installation,
        "updates": updates,
        "preinstalled": preinstalled,
    })
}

async fn file(client: &mut Client, body: Value) -> Value {
    let (s, b) = client.json(Method::POST, REQUESTS, body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b
}

async fn step(client: &mut Client, id: &str, action: &str, body: Value) -> (StatusCode, Value) {
    client
        .json(Method::POST, &format!("{REQUESTS}/{id}/{action}"), body)
        .await
}

async fn grant_security_admin(op: &mut Client, user: &str) {
    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/users/{user}/duties"),
            json!({ "duty": "security-admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

/// Creates and enrols a second agency operator.
pub(crate) async fn second_operator(gw: &Gateway, op: &mut Client) -> Client {
    let (s, overview) = op.get("/api/v1/admin/overview").await;
    assert_eq!(s, StatusCode::OK, "{overview}");
    let agency = overview["companies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "agency")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, b) = op
        .json(
            Method::POST,
            "/api/v1/admin/users",
            json!({ "company_id": agency, "username": "operator2", "display_name": "第二管理者", "role": "operator" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let password = "Pw-operator2-7Xk2-long-enough";
    gw.enrol("operator2", b["enrolment_path"].as_str().unwrap(), password)
        .await;
    gw.login("operator2", password).await
}

async fn html_of(client: &mut Client, path: &str) -> (StatusCode, String) {
    let req = client.request(Method::GET, path);
    let (s, body) = client.send(req).await;
    (s, String::from_utf8(body).unwrap())
}

fn ids(list: &Value) -> Vec<String> {
    list["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn software_requests(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    grant_security_admin(&mut op, w.user_id("a.member")).await;
    grant_security_admin(&mut op, w.user_id("b.handler")).await;
    let mut admin = gw.login("a.member", w.password("a.member")).await;
    let mut b_admin = gw.login("b.handler", w.password("b.handler")).await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;

    // The lists: operators keep them, versioned; everyone reads them.
    let lists = json!({
        "based_on": 0,
        "allowed": [{ "product": "Viewer", "vendor": "ExampleSoft", "version": "" }],
        "denied": [{ "product": "P2P共有", "vendor": "ExampleSoft" }],
        "note": "初版",
    });
    let (s, b) = admin.json(Method::PUT, LISTS, lists.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = op.json(Method::PUT, LISTS, lists.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 1);
    // Edited from version 0 again: someone changed them since.
    let (s, b) = op.json(Method::PUT, LISTS, lists.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let (s, b) = admin.get(LISTS).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 1);
    assert_eq!(b["allowed"][0]["product"], "Viewer");
    assert_eq!(b["denied"][0]["product"], "P2P共有");
    assert_eq!(b["history"][0]["note"], "初版");

    // Screening on filing.
    let online = file(&mut admin, request("Updater", "offline", "online", false)).await;
    assert_eq!(online["state"], "refused", "{online}");
    assert_eq!(online["reason"], "online_updates");
    assert_eq!(online["actions"], json!([]));
    let online_install = file(&mut admin, request("Viewer", "online", "none", false)).await;
    assert_eq!(online_install["state"], "refused");
    assert_eq!(online_install["reason"], "online_installation");
    let black = file(&mut admin, request("P2P共有", "offline", "none", false)).await;
    assert_eq!(black["state"], "refused");
    assert_eq!(black["reason"], "blacklisted");
    let white = file(&mut admin, request("Viewer", "offline", "offline", false)).await;
    assert_eq!(white["state"], "recorded", "{white}");
    assert_eq!(white["reason"], "whitelisted");
    assert!(white["due_on"].is_null());
    let pre = file(&mut admin, request("Viewer", "offline", "offline", true)).await;
    assert_eq!(pre["state"], "submitted", "{pre}");
    assert_eq!(pre["do_not_start"], true);
    assert!(pre["due_on"].is_string());
    let cad = file(&mut admin, request("CAD", "offline", "none", false)).await;
    assert_eq!(cad["state"], "submitted");
    assert_eq!(cad["do_not_start"], false);
    assert_eq!(cad["list_version"], 1);
    let (pre_id, cad_id) = (pre["id"].as_str().unwrap(), cad["id"].as_str().unwrap());

    // A member of the company without the administrator duty files, reads
    // and acts on nothing; it is their company's, so they are told so.
    let (s, _) = handler
        .json(
            Method::POST,
            REQUESTS,
            request("CAD", "offline", "none", false),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(handler.get(REQUESTS).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        handler.get(&format!("{REQUESTS}/{cad_id}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        step(&mut handler, cad_id, "withdraw", Value::Null).await.0,
        StatusCode::FORBIDDEN
    );

    // Another company's administrator learns nothing: the answer is the one
    // a made-up id gets, and their list holds none of A's.
    let made_up = uuid::Uuid::new_v4().to_string();
    for (method, suffix, body) in [
        (Method::GET, "", Value::Null),
        (Method::POST, "/withdraw", Value::Null),
        (Method::POST, "/approve", Value::Null),
    ] {
        let real = format!("{REQUESTS}/{cad_id}{suffix}");
        let fake = format!("{REQUESTS}/{made_up}{suffix}");
        let (s_real, b_real) = if body.is_null() {
            b_admin.call(method.clone(), &real).await
        } else {
            b_admin.json(method.clone(), &real, body.clone()).await
        };
        let (s_fake, b_fake) = b_admin.call(method.clone(), &fake).await;
        assert_eq!(s_real, StatusCode::NOT_FOUND, "{real}");
        assert_eq!((s_real, b_real), (s_fake, b_fake), "{real}");
    }
    // Nor files for A.
    let mut for_a = request("CAD", "offline", "none", false);
    for_a["company_id"] = json!(w.company_a);
    let (s, _) = b_admin.json(Method::POST, REQUESTS, for_a).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b_list) = b_admin.get(REQUESTS).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ids(&b_list).is_empty(), "{b_list}");

    // The company does not decide its own requests.
    let (s, b) = step(&mut admin, cad_id, "approve", Value::Null).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

    // The inbox: the agency's decisions wait for the operator, due dates
    // and all; nothing waits for the company yet.
    let (s, inbox) = op.get("/api/v1/inbox").await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    let waiting = ids(&inbox);
    assert!(waiting.contains(&pre_id.to_owned()) && waiting.contains(&cad_id.to_owned()));
    assert_eq!(waiting.len(), 2, "{inbox}");
    assert_eq!(inbox["requests"][0]["overdue"], false);
    assert_eq!(
        inbox["requests"][0]["actions"],
        json!(["approve", "return", "reject"])
    );
    let (_, inbox) = admin.get("/api/v1/inbox").await;
    assert!(ids(&inbox).is_empty(), "{inbox}");
    let (s, inbox) = handler.get("/api/v1/inbox").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ids(&inbox).is_empty());

    // Returned for more material (a return says why), resubmitted.
    let (s, b) = step(&mut op, cad_id, "return", Value::Null).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, b) = step(
        &mut op,
        cad_id,
        "return",
        json!({ "reason": "用途の詳細を" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "returned");
    assert!(b["due_on"].is_null());
    let (_, inbox) = admin.get("/api/v1/inbox").await;
    assert_eq!(ids(&inbox), [cad_id.to_owned()]);
    assert_eq!(
        inbox["requests"][0]["actions"],
        json!(["resubmit", "withdraw"])
    );
    // The agency cannot decide what waits for the company.
    let (s, b) = step(&mut op, cad_id, "approve", Value::Null).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let (s, b) = step(
        &mut admin,
        cad_id,
        "resubmit",
        json!({ "reason": "用途を追記" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "submitted");
    assert!(b["due_on"].is_string());

    // Approved: the pre-installed software may now be started.
    let (s, b) = step(&mut op, pre_id, "approve", Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "approved");
    assert_eq!(b["do_not_start"], false);
    assert!(b["closed_at"].is_i64());
    // A final state accepts nothing more.
    let (s, b) = step(&mut op, pre_id, "reject", json!({ "reason": "x" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "refused", "{b}");

    // Filed by an operator for company A (a paper form): that operator may
    // not decide it; another one may.
    let mut on_behalf = request("Scanner", "offline", "none", false);
    on_behalf["company_id"] = json!(w.company_a);
    let filed = file(&mut op, on_behalf).await;
    let filed_id = filed["id"].as_str().unwrap();
    assert_eq!(filed["company_id"], w.company_a.as_str());
    let (s, b) = step(&mut op, filed_id, "approve", Value::Null).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "self_approval", "{b}");
    let mut op2 = second_operator(&gw, &mut op).await;
    let (s, b) = step(&mut op2, filed_id, "approve", Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "approved");

    // The pages: the form for who may file, the buttons for who may act.
    let (s, html) = html_of(&mut admin, "/applications").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("software-request-form") && html.contains(cad_id),
        "{html}"
    );
    let (_, html) = html_of(&mut handler, "/applications").await;
    assert!(!html.contains("software-request-form") && !html.contains(cad_id));
    let (_, html) = html_of(&mut op, &format!("/applications/{cad_id}")).await;
    assert!(
        html.contains("step-approve") && html.contains("step-reject"),
        "{html}"
    );
    let (_, html) = html_of(&mut admin, &format!("/applications/{cad_id}")).await;
    assert!(
        !html.contains("step-approve") && html.contains("step-withdraw"),
        "{html}"
    );
    let (s, _) = html_of(&mut b_admin, &format!("/applications/{cad_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The timeline, and exactly one audit entry per step.
    let (s, detail) = admin.get(&format!("{REQUESTS}/{cad_id}")).await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    let steps: Vec<(String, String)> = detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("file".to_owned(), "awaiting_agency".to_owned()),
            ("return".to_owned(), "用途の詳細を".to_owned()),
            ("resubmit".to_owned(), "用途を追記".to_owned()),
        ]
    );
    let log = gw.audit();
    // The log comes newest first.
    let entries = |id: &str, outcome: &str| -> Vec<String> {
        log.iter()
            .rev()
            .filter(|e| e["object_id"] == id && e["outcome"] == outcome)
            .filter(|e| e["action"] != "application.view")
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        entries(cad_id, "success"),
        [
            "application.file",
            "application.return",
            "application.resubmit"
        ]
    );
    assert_eq!(
        entries(pre_id, "success"),
        ["application.file", "application.approve"]
    );
    assert_eq!(
        entries(filed_id, "success"),
        ["application.file", "application.approve"]
    );
    // The refusals are recorded, and changed nothing.
    assert!(entries(filed_id, "denied").contains(&"application.approve".to_owned()));
    let filing = log
        .iter()
        .find(|e| e["object_id"] == online["id"] && e["action"] == "application.file")
        .unwrap();
    assert!(
        filing["reason"]
            .as_str()
            .unwrap()
            .contains("screening=online_updates"),
        "{filing}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn software_requests_on_sqlite() {
    software_requests(Db::Sqlite).await;
}

#[tokio::test]
async fn software_requests_on_postgres() {
    software_requests(Db::Postgres).await;
}

/// The lists may be as long as their schema says in one request: a body
/// over the 64 KiB that other JSON bodies get is not refused with 413, and
/// one entry more than the schema allows is refused by the gateway itself.
#[tokio::test]
async fn software_lists_as_long_as_their_schema_allows() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let mut op = gw.operator().await;
    let entries = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({ "product": format!("図面閲覧ソフトウェア 第{i}版 (社内標準)"), "vendor": "ExampleSoft 株式会社", "version": "" }))
            .collect()
    };
    let full = json!({ "based_on": 0, "allowed": entries(2000), "denied": [], "note": "全件" });
    assert!(full.to_string().len() > 64 * 1024);
    let (s, b) = op.json(Method::PUT, LISTS, full).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = op.get(LISTS).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["allowed"].as_array().unwrap().len(), 2000);
    let over = json!({ "based_on": 1, "allowed": entries(2001), "denied": [], "note": "超過" });
    let (s, b) = op.json(Method::PUT, LISTS, over).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    gw.stop().await;
}

/// `based_on` is an integer by its schema, and JSON Schema counts `1.0` as
/// one: it is read as 1, while `1.5` is refused.
#[tokio::test]
async fn a_list_version_written_as_an_integral_number_is_an_integer() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let mut op = gw.operator().await;
    let lists = |based_on: Value| json!({ "based_on": based_on, "allowed": [], "denied": [], "note": "版" });
    let (s, b) = op.json(Method::PUT, LISTS, lists(json!(0.0))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = op.json(Method::PUT, LISTS, lists(json!(1.5))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = op.json(Method::PUT, LISTS, lists(json!(1.0))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 2);
    gw.stop().await;
}
