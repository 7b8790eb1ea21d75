//! The handler roster and training records against the real binary: where
//! the deployment requires them, a designated handler reaches data only
//! with a roster line the agency confirmed and a current training, and is
//! told which is missing; the company's security administrator keeps the
//! records of their own company only; nobody confirms a line they
//! submitted (the host's break-glass confirms for a single operator); a
//! changed or removed line takes effect on the next request; personal
//! details are encrypted at rest and never in the log. On SQLite and
//! PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

const FULL_NAME: &str = "試験 花子ロスター";

fn today_offset(days: i64) -> String {
    let now = time::OffsetDateTime::now_utc() + time::Duration::hours(9);
    let date = (now + time::Duration::days(days)).date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn details(department: &str) -> Value {
    json!({
        "full_name": FULL_NAME, "birth_date": "1985-06-15", "department": department,
        "position": "主任", "nationality": "日本", "undertaking_date": "2026-04-01",
    })
}

fn training(days_ago: i64) -> Value {
    json!({
        "course": "annual", "completed_on": today_offset(-days_ago),
        "topics": "保護すべき情報の重要性、必要最小限の原則、インシデント時の報告", "instructor": "保護システム管理者",
    })
}

/// The number of lines awaiting confirmation the `/records` page shows
/// for `company`.
async fn awaiting(reader: &mut Client, company: &str) -> String {
    let (s, page) = reader.send(reader.request(Method::GET, "/records")).await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    let row = page
        .split(&format!("data-id=\"{company}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("{company} not on the records page"));
    let cell = row.split("class=\"waiting\">").nth(1).unwrap();
    cell.split('<').next().unwrap().to_owned()
}

/// The person's line as the records API shows it.
async fn line(reader: &mut Client, company: &str, user: &str) -> Value {
    let (s, b) = reader
        .get(&format!("/api/v1/records/companies/{company}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == user)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn data_needs_a_confirmed_roster_line_and_current_training_sqlite() {
    required_records(Db::Sqlite).await;
}

#[tokio::test]
async fn data_needs_a_confirmed_roster_line_and_current_training_postgres() {
    required_records(Db::Postgres).await;
}

async fn required_records(db: Db) {
    let Some(gw) = Gateway::start_with(
        db,
        &[
            ("DSG_ZERO_TRUST__REQUIRE_CONFIRMED_ROSTER", "true"),
            ("DSG_ZERO_TRUST__TRAINING_VALID_DAYS", "365"),
        ],
    )
    .await
    else {
        return;
    };
    let w = world(&gw).await;
    let handler_id = w.user_id("a.handler").to_owned();
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);

    // "Who has access" says the handler is kept out, and why.
    let mut op = gw.operator().await;
    let (s, review) = op
        .get(&format!(
            "/api/v1/admin/access/compartments/{}",
            w.compartment_a
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{review}");
    let entry = review["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["user_id"] == handler_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(entry["allowed"], false, "{entry}");
    let why = entry["why"].to_string();
    assert!(why.contains("not on the handler roster"), "{why}");
    assert!(why.contains("security training missing or lapsed"), "{why}");

    // Designated, on a registered terminal, but not on the roster: told why.
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "roster_unconfirmed", "{b}");
    // Someone who is not a handler learns nothing, roster or not.
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let (s, _) = member.get(&files).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Without the duty, a.member keeps no records.
    let roster = format!("/api/v1/records/roster/{handler_id}");
    let (s, _) = member.json(Method::PUT, &roster, details("設計部")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The operator makes a.member company A's security administrator.
    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/users/{}/duties", w.user_id("a.member")),
            json!({ "duty": "security-admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let mut admin = gw.login("a.member", w.password("a.member")).await;

    // Bad input: a clear error, nothing stored.
    for (field, value) in [
        ("birth_date", json!(today_offset(1))),
        ("birth_date", json!("1985-02-30")),
        ("full_name", json!("  ")),
        ("undertaking_date", json!(today_offset(2))),
    ] {
        let mut bad = details("設計部");
        bad[field] = value;
        let (s, b) = admin.json(Method::PUT, &roster, bad).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{field}: {b}");
    }
    let (s, _) = admin
        .json(Method::PUT, &roster, json!({ "full_name": "x" }))
        .await;
    assert!(s.is_client_error());
    assert!(line(&mut admin, &w.company_a, &handler_id).await["roster"].is_null());

    // The page's form, under a company segment typed with a line break
    // (`%0A`): the line is entered and the answer goes back to that same
    // segment, escaped, instead of failing on the Location header.
    let mut form: Vec<(String, String)> = details("設計部")
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    form.push(("user".into(), handler_id.clone()));
    let req = admin
        .request(Method::POST, "/records/x%0Ay/roster")
        .form(&form);
    let response = req.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/records/x%0Ay?done=roster-changed"
    );
    assert_eq!(
        line(&mut admin, &w.company_a, &handler_id).await["roster"]["status"],
        "submitted"
    );

    // Entered: awaiting the agency, still no data.
    let (s, b) = admin.json(Method::PUT, &roster, details("設計部")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let entered = line(&mut admin, &w.company_a, &handler_id).await;
    assert_eq!(entered["roster"]["status"], "submitted");
    assert_eq!(entered["roster"]["details"]["full_name"], FULL_NAME);
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["error"]["code"], "roster_unconfirmed");

    // The company's administrator does not confirm; other companies'
    // records are not there for them.
    let confirm = format!("{roster}/confirm");
    let version = entered["roster"]["submitted_at"].as_i64().unwrap();
    let (s, _) = admin
        .json(Method::POST, &confirm, json!({ "submitted_at": version }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let b_handler = w.user_id("b.handler");
    let (s, _) = admin
        .json(
            Method::PUT,
            &format!("/api/v1/records/roster/{b_handler}"),
            details("営業部"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = admin
        .json(
            Method::POST,
            &format!("/api/v1/records/training/{b_handler}"),
            training(1),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = admin
        .get(&format!("/api/v1/records/companies/{}", w.company_b))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Someone who does not exist looks exactly like someone of another
    // company: the same answer, and a refusal in the log either way.
    let nobody = "00000000-0000-4000-8000-000000000001";
    let refused = |log: Vec<Value>| {
        log.iter()
            .filter(|e| e["action"] == "roster.submit" && e["outcome"] == "denied")
            .count()
    };
    let before = refused(gw.audit());
    for path in [
        format!("/api/v1/records/roster/{nobody}"),
        format!("/api/v1/records/roster/{b_handler}"),
    ] {
        let (s, _) = admin.json(Method::PUT, &path, details("営業部")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(refused(gw.audit()) - before, 2);
    let (s, _) = admin
        .json(
            Method::POST,
            &format!("/api/v1/records/roster/{nobody}/confirm"),
            json!({ "submitted_at": 1 }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The agency's records page counts the line as awaiting confirmation.
    assert_eq!(awaiting(&mut op, &w.company_a).await, "1");
    assert_eq!(awaiting(&mut op, &w.company_b).await, "0");

    // The agency confirms the version it saw; a stale version is refused.
    let (s, _) = op
        .json(
            Method::POST,
            &confirm,
            json!({ "submitted_at": version - 1 }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, b) = op
        .json(Method::POST, &confirm, json!({ "submitted_at": version }))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(awaiting(&mut op, &w.company_a).await, "0");

    // Now the training: none, then too old, then current.
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["error"]["code"], "training_lapsed", "{b}");
    let train = format!("/api/v1/records/training/{handler_id}");
    let (s, b) = admin.json(Method::POST, &train, training(400)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = handler.get(&files).await;
    assert_eq!(b["error"]["code"], "training_lapsed", "{s} {b}");
    let (s, _) = admin.json(Method::POST, &train, training(-3)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a training in the future");
    let mut bad = training(1);
    bad["course"] = json!("seminar");
    let (s, _) = admin.json(Method::POST, &train, bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, b) = admin.json(Method::POST, &train, training(10)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // Nobody records their own training.
    let own_training = format!("/api/v1/records/training/{}", w.user_id("a.member"));
    let (s, b) = admin.json(Method::POST, &own_training, training(1)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let person = line(&mut admin, &w.company_a, &handler_id).await;
    assert_eq!(person["last_trained_on"], today_offset(-10));
    assert_eq!(person["training_current"], true);
    let (_, review) = op
        .get(&format!(
            "/api/v1/admin/access/compartments/{}",
            w.compartment_a
        ))
        .await;
    assert!(
        review["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["user_id"] == handler_id.as_str() && e["allowed"] == true),
        "{review}"
    );

    // A changed line needs confirming again, from the very next request.
    let (s, _) = admin.json(Method::PUT, &roster, details("試験部")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["error"]["code"], "roster_unconfirmed");
    let version = line(&mut op, &w.company_a, &handler_id).await["roster"]["submitted_at"]
        .as_i64()
        .unwrap();
    let (s, _) = op
        .json(Method::POST, &confirm, json!({ "submitted_at": version }))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK);

    // Taken off the roster: no data on the next request.
    let (s, _) = admin.call(Method::DELETE, &roster).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["error"]["code"], "roster_unconfirmed");
    let (s, _) = admin.call(Method::DELETE, &roster).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "already removed");

    // The log has every step, with ids and never the personal details.
    let log = gw.audit();
    let count = |action: &str, outcome: &str| {
        log.iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    // Two through the API, one through the page's form.
    assert_eq!(count("roster.submit", "success"), 3);
    assert_eq!(count("roster.confirm", "success"), 2);
    assert_eq!(count("roster.remove", "success"), 1);
    assert_eq!(count("roster.remove", "failure"), 1, "already removed");
    assert_eq!(count("training.record", "success"), 2);
    assert!(count("roster.confirm", "denied") >= 1);
    assert_eq!(count("roster.confirm", "failure"), 1, "the stale version");
    assert!(count("roster.submit", "denied") >= 2);
    assert!(count("records.view", "success") >= 4);
    let confirmed = log
        .iter()
        .find(|e| e["action"] == "roster.confirm" && e["outcome"] == "success")
        .unwrap();
    assert_eq!(confirmed["object_id"], handler_id.as_str());
    assert_eq!(confirmed["company"], w.company_a.as_str(), "{confirmed}");
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(FULL_NAME), "personal details in the log");
    assert!(!text.contains("1985-06-15"));
    gw.stop().await;
}

#[tokio::test]
async fn nobody_confirms_their_own_line_and_the_host_breaks_the_glass() {
    let gw = Gateway::start_with(
        Db::Sqlite,
        &[("DSG_ZERO_TRUST__REQUIRE_CONFIRMED_ROSTER", "true")],
    )
    .await
    .unwrap();
    let w = world(&gw).await;
    let handler_id = w.user_id("a.handler").to_owned();
    let mut op = gw.operator().await;
    let roster = format!("/api/v1/records/roster/{handler_id}");
    let (s, b) = op.json(Method::PUT, &roster, details("設計部")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let version = line(&mut op, &w.company_a, &handler_id).await["roster"]["submitted_at"]
        .as_i64()
        .unwrap();
    let (s, b) = op
        .json(
            Method::POST,
            &format!("{roster}/confirm"),
            json!({ "submitted_at": version }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "self_approval", "{b}");
    // Agency staff are not on contractors' rosters.
    let own = format!("/api/v1/records/roster/{}", gw_operator_id(&mut op).await);
    let (s, _) = op
        .json(Method::PUT, &own, details("情報システム管理室"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "agency staff are on no roster");

    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let (s, _) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The roster as CSV: a cell that would be a spreadsheet formula is
    // escaped.
    let mut formula = details("=1+1");
    formula["full_name"] = json!("=HYPERLINK(\"http://x\")");
    let (s, _) = op
        .json(
            Method::PUT,
            &format!("/api/v1/records/roster/{}", w.user_id("a.member")),
            formula,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let csv_path = format!("/api/v1/records/companies/{}/roster.csv", w.company_a);
    let req = op.request(Method::GET, &csv_path);
    let (s, body) = op.send(req).await;
    assert_eq!(s, StatusCode::OK);
    let csv = String::from_utf8(body).unwrap();
    assert!(csv.contains(FULL_NAME), "{csv}");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains("'=1+1"), "{csv}");
    assert!(!csv.contains(",=") && !csv.contains("\"="), "{csv}");
    let mut b_handler = gw.login("b.handler", w.password("b.handler")).await;
    let req = b_handler.request(Method::GET, &csv_path);
    assert_eq!(b_handler.send(req).await.0, StatusCode::NOT_FOUND);
    // The download is recorded as an export, the refusal too.
    let exports: Vec<Value> = gw
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "records.export")
        .collect();
    assert_eq!(exports.len(), 2, "{exports:?}");
    for outcome in ["success", "denied"] {
        let one: Vec<&Value> = exports.iter().filter(|e| e["outcome"] == outcome).collect();
        assert_eq!(one.len(), 1, "{outcome}: {exports:?}");
        assert_eq!(one[0]["object_id"], w.company_a.as_str(), "{outcome}");
    }

    // One contract's roster: its designated handlers only, and a handler
    // with no line is listed as such (the gap the contracting officer
    // looks for).
    let csv_of = |company: &str, contract: &str| {
        format!("/api/v1/records/companies/{company}/roster.csv?contract={contract}")
    };
    let req = op.request(Method::GET, &csv_of(&w.company_a, &w.contract_a));
    let (s, body) = op.send(req).await;
    assert_eq!(s, StatusCode::OK);
    let csv = String::from_utf8(body).unwrap();
    assert!(csv.contains(FULL_NAME), "{csv}");
    assert!(
        !csv.contains("HYPERLINK"),
        "a.member handles nothing: {csv}"
    );
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let req = op.request(Method::GET, &csv_of(&w.company_b, &w.contract_b));
    let (s, body) = op.send(req).await;
    assert_eq!(s, StatusCode::OK);
    let csv = String::from_utf8(body).unwrap();
    let row = csv.lines().nth(1).unwrap_or_default();
    assert!(
        row.contains("not-on-roster") && row.contains("b.handler"),
        "{csv}"
    );
    // Another company's contract is not there; a malformed id is refused.
    let req = op.request(Method::GET, &csv_of(&w.company_a, &w.contract_b));
    assert_eq!(op.send(req).await.0, StatusCode::NOT_FOUND);
    let req = op.request(Method::GET, &csv_of(&w.company_a, "x"));
    assert_eq!(op.send(req).await.0, StatusCode::BAD_REQUEST);
    // b.handler learns nothing of company A's contracts.
    let req = b_handler.request(Method::GET, &csv_of(&w.company_a, &w.contract_a));
    assert_eq!(b_handler.send(req).await.0, StatusCode::NOT_FOUND);
    let contract_exports: Vec<Value> = gw
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "records.export" && e["reason"] != "")
        .collect();
    let outcomes: Vec<(&str, &str)> = contract_exports
        .iter()
        .map(|e| {
            (
                e["outcome"].as_str().unwrap(),
                e["object_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        outcomes.contains(&("success", w.company_a.as_str())),
        "{contract_exports:?}"
    );
    assert!(
        outcomes.contains(&("success", w.company_b.as_str())),
        "{contract_exports:?}"
    );
    assert!(
        outcomes.contains(&("failure", w.company_a.as_str())),
        "{contract_exports:?}"
    );

    // The single operator's way out: the host confirms, audited as such.
    let out = gw.admin(&["roster-confirm", "--user", &handler_id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let again = gw.admin(&["roster-confirm", "--user", &handler_id]);
    assert!(!again.status.success(), "nothing left to confirm");
    let log = gw.audit();
    let glass = log
        .iter()
        .find(|e| e["action"] == "roster.confirm" && e["outcome"] == "success")
        .unwrap();
    assert_eq!(glass["actor"], "break-glass:host-cli", "{glass}");
    let denied = log
        .iter()
        .find(|e| e["action"] == "roster.confirm" && e["outcome"] == "denied")
        .unwrap();
    assert!(
        denied["reason"]
            .as_str()
            .unwrap()
            .contains("separation-of-duties"),
        "{denied}"
    );
    gw.stop().await;
}

async fn gw_operator_id(op: &mut Client) -> String {
    let (s, me) = op.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);
    me["user"]["id"].as_str().unwrap().to_owned()
}

/// Where required, a handler reaches a contract's data only once a training
/// on designation dated on or after their designation is recorded: not an
/// earlier one, not another course. Run on both databases (the check is SQL).
#[tokio::test]
async fn a_contract_needs_its_handlers_trained_on_designation_sqlite() {
    trained_on_designation(Db::Sqlite).await;
}

#[tokio::test]
async fn a_contract_needs_its_handlers_trained_on_designation_postgres() {
    trained_on_designation(Db::Postgres).await;
}

async fn trained_on_designation(db: Db) {
    let Some(gw) = Gateway::start_with(
        db,
        &[("DSG_ZERO_TRUST__REQUIRE_DESIGNATION_TRAINING", "true")],
    )
    .await
    else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let refused = |b: &Value| b["error"]["code"] == "designation_training_missing";

    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert!(refused(&b), "{b}");
    // Not a handler: the uniform answer, whatever the training.
    let (s, _) = member.get(&files).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Designated today: a training dated yesterday, or of another course,
    // does not count.
    let train = format!("/api/v1/records/training/{}", w.user_id("a.handler"));
    for (course, days_ago) in [("designation", 1), ("annual", 0), ("change", 0)] {
        let mut t = training(days_ago);
        t["course"] = json!(course);
        let (s, b) = op.json(Method::POST, &train, t).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, b) = handler.get(&files).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{course} {days_ago}: {b}");
        assert!(refused(&b), "{b}");
    }
    let (_, review) = op
        .get(&format!(
            "/api/v1/admin/access/compartments/{}",
            w.compartment_a
        ))
        .await;
    let entry = review["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["user_id"] == w.user_id("a.handler"))
        .cloned()
        .unwrap();
    assert_eq!(entry["allowed"], false, "{entry}");
    assert!(
        entry["why"]
            .to_string()
            .contains("no training on designation"),
        "{entry}"
    );

    // Trained on designation today: in, for this contract.
    let mut t = training(0);
    t["course"] = json!("designation");
    let (s, b) = op.json(Method::POST, &train, t).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    gw.stop().await;
}

/// A policy version an operator wrote without `no-self-recorded-training`
/// still does not let anyone record their own training: the gateway refuses
/// it on its own, and records the refusal.
#[tokio::test]
async fn own_training_is_refused_whatever_the_policy_version() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let member = w.user_id("a.member").to_owned();
    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/users/{member}/duties"),
            json!({ "duty": "security-admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, shipped) = op.get("/api/v1/admin/policies/1").await;
    assert_eq!(s, StatusCode::OK, "{shipped}");
    let text = shipped["policies"].as_str().unwrap();
    let start = text.find("@id(\"no-self-recorded-training\")").unwrap();
    let end = start + text[start..].find("};").unwrap() + 2;
    let without = format!("{}{}", &text[..start], &text[end..]);
    let (s, proposed) = op
        .json(
            Method::POST,
            "/api/v1/admin/policies",
            json!({ "summary": "without the self-training rule", "policies": without }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{proposed}");
    let version = proposed["version"].as_i64().unwrap();
    let out = gw.admin(&["policy-approve", "--version", &version.to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut applied = false;
    for _ in 0..50 {
        let (_, list) = op.get("/api/v1/admin/policies").await;
        if list["in_force"].as_i64() == Some(version) {
            applied = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(applied, "version {version} not in force");

    let mut admin = gw.login("a.member", w.password("a.member")).await;
    let own = format!("/api/v1/records/training/{member}");
    let (s, b) = admin.json(Method::POST, &own, training(1)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    // Someone else's training is still theirs to record.
    let colleague = format!("/api/v1/records/training/{}", w.user_id("a.handler"));
    let (s, b) = admin.json(Method::POST, &colleague, training(1)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let refused = gw
        .audit()
        .into_iter()
        .filter(|e| {
            e["action"] == "training.record"
                && e["outcome"] == "denied"
                && e["reason"] == "self-recorded training"
        })
        .count();
    assert_eq!(refused, 1);
    gw.stop().await;
}

/// The personal details are sealed in the database: the plain name is
/// nowhere in the SQLite files.
#[tokio::test]
async fn roster_details_are_encrypted_at_rest() {
    let mut gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let (s, _) = op
        .json(
            Method::PUT,
            &format!("/api/v1/records/roster/{}", w.user_id("a.handler")),
            details("設計部"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = op
        .json(
            Method::POST,
            &format!("/api/v1/records/training/{}", w.user_id("a.handler")),
            training(5),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    gw.terminate().await;
    let mut seen = 0;
    for file in crate::harness::files_under(&gw.data_dir()) {
        let bytes = std::fs::read(&file).unwrap();
        seen += bytes.len();
        for needle in [FULL_NAME, "1985-06-15", "必要最小限の原則"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in {}",
                file.display()
            );
        }
    }
    assert!(seen > 0, "the database files were read");
}
