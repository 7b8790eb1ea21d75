//! The analysis rules over the real gateway: a normal working day raises no
//! failed-login, burst, terminal or recovery alert; wrong passwords for one
//! account raise exactly one alert linking those entries; a download burst,
//! a login without a terminal certificate reaching for data and a recovery
//! code sign-in each raise theirs; the webhook receives each new alert; an
//! operator acknowledges and closes (recorded); an auditor reads but does
//! not handle; a member reads nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dsg_proto::alerts::{Alert, AlertNote};
use dsg_proto::audit::Duty;
use dsg_proto::files::NewUser;
use dsg_proto::identity::SecondFactor;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::harness::{data, world, Client, Db, Gateway};

/// One POST as the receiver got it: the body and its signature headers.
#[derive(Clone, Debug)]
struct Posted {
    body: Vec<u8>,
    timestamp: Option<String>,
    signature: Option<String>,
}

/// A webhook receiver: every JSON body POSTed to it, answered 204.
async fn webhook() -> (String, Arc<Mutex<Vec<Value>>>, Arc<Mutex<Vec<Posted>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    let received = Arc::new(Mutex::new(Vec::new()));
    let posts = Arc::new(Mutex::new(Vec::new()));
    let (sink, raw_sink) = (Arc::clone(&received), Arc::clone(&posts));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (sink, raw_sink) = (Arc::clone(&sink), Arc::clone(&raw_sink));
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut length = 0;
                let (mut timestamp, mut signature) = (None, None);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let lower = line.to_ascii_lowercase();
                    let value = |prefix: &str| {
                        lower
                            .strip_prefix(prefix)
                            .map(|_| line[prefix.len()..].trim().to_owned())
                    };
                    if let Some(v) = value("content-length:") {
                        length = v.parse().unwrap();
                    }
                    timestamp = timestamp.or_else(|| value("x-dsg-timestamp:"));
                    signature = signature.or_else(|| value("x-dsg-signature:"));
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).await.unwrap();
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                raw_sink.lock().unwrap().push(Posted {
                    body,
                    timestamp,
                    signature,
                });
                let reply =
                    b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                let _ = reader.get_mut().write_all(reply).await;
            });
        }
    });
    (url, received, posts)
}

/// The secret the test's webhook receiver shares with the gateway.
const HOOK_SECRET: &str = "7f3c0a9e51d24b86a0c4e2f19b7d6035";

/// Whether `post` carries a valid signature under `secret`, made within
/// five minutes of now.
fn signed_by(post: &Posted, secret: &str) -> bool {
    let (Some(timestamp), Some(signature)) = (&post.timestamp, &post.signature) else {
        return false;
    };
    let Some(tag) = signature.strip_prefix("sha256=").and_then(hex_decode) else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if timestamp
        .parse::<i64>()
        .map_or(true, |t| (now - t).abs() > 300)
    {
        return false;
    }
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(&post.body);
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    aws_lc_rs::hmac::verify(&key, &signed, &tag).is_ok()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The alerts (all statuses) as the operator sees them.
async fn alerts(op: &mut Client) -> Vec<Alert> {
    op.alerts(Some("all")).await.unwrap().alerts
}

/// Waits until an alert of `rule` for `key` has at least `count` entries.
/// The watcher follows the log in order, so once it has, every earlier
/// entry has been judged too.
async fn alert_for(op: &mut Client, rule: &str, key: &str, count: i64) -> Alert {
    for _ in 0..120 {
        let found = alerts(op)
            .await
            .into_iter()
            .find(|a| a.rule == rule && a.key == key && a.entry_count >= count);
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "no {rule} alert for {key} with {count} entries: {:?}",
        alerts(op).await
    );
}

fn of_rule<'a>(all: &'a [Alert], rule: &str) -> Vec<&'a Alert> {
    all.iter().filter(|a| a.rule == rule).collect()
}

async fn wrong_password(gw: &Gateway, username: &str) {
    let (_, s, _) = gw.password_step(username, "not-the-password-at-all").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn rules_fire_on_their_patterns(db: Db) {
    let (hook, received, posts) = webhook().await;
    let secret_dir = tempfile::tempdir().unwrap();
    let secret_file = secret_dir.path().join("hook-secret");
    std::fs::write(&secret_file, format!("{HOOK_SECRET}\n")).unwrap();
    let env = [
        ("DSG_ALERTS__FAILED_LOGINS_ACCOUNT__THRESHOLD", "3"),
        ("DSG_ALERTS__DOWNLOAD_BURST__THRESHOLD", "6"),
        // The test runs at any hour: the hours rule is the unit tests'.
        ("DSG_ALERTS__OFF_HOURS__ALLOWED_HOURS", "00-24"),
        ("DSG_ALERTS__OFF_HOURS__ALLOWED_WEEKDAYS", "[1,2,3,4,5,6,7]"),
        ("DSG_ALERTS__WEBHOOK_URL", hook.as_str()),
        (
            "DSG_ALERTS__WEBHOOK_SECRET_FILE",
            secret_file.to_str().unwrap(),
        ),
    ];
    let Some(gw) = Gateway::start_with(db, &env).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let me = op.me().await.unwrap();
    let operator_id = me.user.id.clone();
    let handler_id = w.user_id("a.handler").to_owned();
    let member_id = w.user_id("a.member").to_owned();

    // A normal day: the handler signs in at their terminal, uploads two
    // files, lists them and downloads both.
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let mut files = Vec::new();
    for (i, name) in ["仕様書.pdf", "図面.dwg"].into_iter().enumerate() {
        let up = handler
            .upload_file(&w.compartment_a, name, data(2000, i as u64))
            .await
            .unwrap();
        files.push(up.file.id);
    }
    handler.files(&w.compartment_a).await.unwrap();
    for f in &files {
        handler
            .download_file(&w.compartment_a, f, None)
            .await
            .unwrap();
    }

    // Then three wrong passwords for one account: one alert, linking them.
    for _ in 0..3 {
        wrong_password(&gw, "a.member").await;
    }
    let failed = alert_for(&mut op, "failed_logins_account", &member_id, 3).await;
    assert_eq!(failed.entry_count, 3, "{failed:?}");
    assert_eq!(
        (failed.status.as_str(), failed.severity.as_str()),
        ("open", "medium")
    );
    assert_eq!(failed.key_kind, "user");
    assert_eq!(failed.key_name.as_deref(), Some("a.member"));
    // Everything before it was judged: the normal day raised none of these.
    let all = alerts(&mut op).await;
    for quiet in [
        "failed_logins_source",
        "lockout",
        "download_burst",
        "terminal",
        "recovery_code",
        "off_hours",
    ] {
        assert!(
            of_rule(&all, quiet).is_empty(),
            "{quiet} on a normal day: {all:?}"
        );
    }
    assert_eq!(of_rule(&all, "failed_logins_account").len(), 1, "{all:?}");
    // The world's handler designations are privilege changes (the operator's).
    let privilege = of_rule(&all, "privilege_change");
    assert_eq!(privilege.len(), 1, "{all:?}");
    assert_eq!(privilege[0].key, operator_id);

    let id = failed.id.clone();
    let detail = op.alert(&id).await.unwrap();
    let entries = &detail.entries;
    assert_eq!(entries.len(), 3, "{detail:?}");
    for e in entries {
        assert_eq!(
            (e.entry.action.as_str(), e.entry.outcome.as_str()),
            ("auth.login", "failure"),
            "{e:?}"
        );
        assert_eq!(e.entry.actor.as_deref(), Some(member_id.as_str()));
        assert!(
            e.seq.is_some_and(|s| s >= 0),
            "linked entries are sequenced: {e:?}"
        );
    }
    // A fourth failure attaches to the open alert; no second alert.
    wrong_password(&gw, "a.member").await;
    alert_for(&mut op, "failed_logins_account", &member_id, 4).await;
    assert_eq!(
        of_rule(&alerts(&mut op).await, "failed_logins_account").len(),
        1
    );

    // A burst: six more downloads within the window. With the day's two the
    // threshold (6) is met at the fourth; all eight are linked.
    for i in 0..6 {
        let f = &files[i % 2];
        handler
            .download_file(&w.compartment_a, f, None)
            .await
            .unwrap();
    }
    let burst = alert_for(&mut op, "download_burst", &handler_id, 8).await;
    assert_eq!(burst.entry_count, 8, "{burst:?}");
    assert_eq!(burst.severity, "high");

    // The handler without a terminal certificate, reaching for data.
    let mut no_cert = gw
        .login_from("a.handler", w.password("a.handler"), None)
        .await;
    let e = no_cert.files(&w.compartment_a).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");
    let terminal = alert_for(&mut op, "terminal", &handler_id, 1).await;
    let detail = op.alert(&terminal.id).await.unwrap();
    let denial = &detail.entries[0].entry;
    assert_eq!(
        (denial.action.as_str(), denial.outcome.as_str()),
        ("file.list", "denied")
    );
    assert!(
        denial.reason.contains("registered-terminal-for-data"),
        "{denial:?}"
    );

    // A sign-in with a recovery code.
    let user = op
        .create_user(&NewUser {
            company_id: w.company_a.clone(),
            username: "r.kaifuku".into(),
            display_name: "回復".into(),
            role: "member".into(),
            valid_until: None,
        })
        .await
        .unwrap();
    let password = "Recovery-alert-password-42q";
    let codes = gw.enrol("r.kaifuku", &user.enrolment_path, password).await;
    let (mut partial, _, _) = gw.password_step("r.kaifuku", password).await;
    partial
        .second_factor(&SecondFactor {
            recovery: Some(codes[0].clone()),
            ..SecondFactor::default()
        })
        .await
        .unwrap();
    let recovery = alert_for(&mut op, "recovery_code", &user.user.id, 1).await;
    assert_eq!(recovery.severity, "high");

    // Each new alert went to the webhook, with ids and a link only.
    for _ in 0..40 {
        if received.lock().unwrap().len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let sent = received.lock().unwrap().clone();
    // Every POST is signed with the shared secret (and with no other).
    let raw = posts.lock().unwrap().clone();
    assert!(!raw.is_empty());
    for post in &raw {
        assert!(signed_by(post, HOOK_SECRET), "{post:?}");
        assert!(!signed_by(post, "another secret, another receiver"));
        let mut altered = post.clone();
        altered.body.push(b' ');
        assert!(!signed_by(&altered, HOOK_SECRET), "the body is covered");
    }
    let posted = sent
        .iter()
        .find(|p| p["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{sent:?}"));
    assert_eq!(posted["rule"], "failed_logins_account");
    assert_eq!(posted["key"], member_id.as_str());
    assert_eq!(posted["entry_count"], 3);
    assert!(
        posted["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/alerts/{id}")),
        "{posted}"
    );
    assert!(
        !posted.to_string().contains("a.member"),
        "no names: {posted}"
    );
    let rules: std::collections::HashSet<&str> =
        sent.iter().map(|p| p["rule"].as_str().unwrap()).collect();
    for rule in [
        "privilege_change",
        "failed_logins_account",
        "download_burst",
        "terminal",
        "recovery_code",
    ] {
        assert!(rules.contains(rule), "{rule} not sent: {sent:?}");
    }
    assert_eq!(sent.len(), 5, "one post per new alert: {sent:?}");

    // An operator acknowledges with a note, then closes; each is recorded.
    let note = AlertNote {
        note: Some("本人の入力ミスか確認中".into()),
    };
    let acked = op.change_alert(&id, "acknowledge", &note).await.unwrap();
    assert_eq!(acked.status, "acknowledged");
    assert_eq!(acked.acknowledged_by.as_deref(), Some(operator_id.as_str()));
    assert_eq!(
        acked.acknowledge_note.as_deref(),
        Some("本人の入力ミスか確認中")
    );
    let no_note = AlertNote::default();
    let e = op
        .change_alert(&id, "acknowledge", &no_note)
        .await
        .unwrap_err();
    assert_eq!(
        e.status(),
        Some(StatusCode::CONFLICT),
        "acknowledged twice: {e}"
    );
    let closed = op.change_alert(&id, "close", &no_note).await.unwrap();
    assert_eq!(closed.status, "closed");
    let e = op.change_alert(&id, "close", &no_note).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT));
    let burst_id = burst.id.as_str();
    let (s, _) = op
        .json(
            Method::POST,
            &format!("/api/v1/alerts/{burst_id}/close"),
            json!({ "status": "closed" }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "only a note may be sent");
    let open = op.alerts(Some("open")).await.unwrap();
    assert!(open.alerts.iter().all(|a| a.status == "open" && a.id != id));
    let e = op.alerts(Some("maybe")).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    let e = op
        .alert(&uuid::Uuid::new_v4().to_string())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    let e = op.alert("not-an-id").await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));

    // The page: open alerts first, rule names in Japanese, the buttons.
    let (s, html) = op.send(op.request(Method::GET, "/alerts")).await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(r#"id="alerts-link""#),
        "the nav links the page"
    );
    assert!(html.contains("短時間の大量ダウンロード"), "{html}");
    assert!(html.contains("alert-acknowledge"));
    let first_closed = html.find(r#"data-status="closed""#).unwrap();
    let last_open = html.rfind(r#"data-status="open""#).unwrap();
    assert!(last_open < first_closed, "open alerts come first");
    let (s, page) = op
        .send(op.request(Method::GET, &format!("/alerts/{id}")))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        String::from_utf8(page)
            .unwrap()
            .matches(r#"class="alert-entry""#)
            .count(),
        4
    );

    // An auditor reads alerts but does not handle them; a member reads none.
    let agency = op.me().await.unwrap().user.company_id;
    let kansa = op
        .create_user(&NewUser {
            company_id: agency,
            username: "kansa".into(),
            display_name: "監査".into(),
            role: "member".into(),
            valid_until: None,
        })
        .await
        .unwrap();
    gw.enrol("kansa", &kansa.enrolment_path, "Pw-kansa-9Zq4-long-enough")
        .await;
    op.grant_duty(
        &kansa.user.id,
        &Duty {
            duty: "auditor".into(),
        },
    )
    .await
    .unwrap();
    let mut auditor = gw.login("kansa", "Pw-kansa-9Zq4-long-enough").await;
    auditor.alerts(None).await.unwrap();
    auditor.alert(burst_id).await.unwrap();
    let e = auditor
        .change_alert(burst_id, "acknowledge", &AlertNote::default())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    let mut member = gw.login("b.handler", w.password("b.handler")).await;
    let e = member.alerts(None).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    let e = member.alert(burst_id).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    let (s, _) = member.send(member.request(Method::GET, "/alerts")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let e = gw.client().alerts(None).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
    let burst_now = op.alert(burst_id).await.unwrap();
    assert_eq!(
        burst_now.alert.status, "open",
        "neither a bad body nor the auditor changed it"
    );

    // The page's form (CSRF field, no header) acknowledges, back to the alert.
    let csrf = op.csrf.clone().unwrap();
    let form = op
        .http
        .post(format!("{}/alerts/{burst_id}/acknowledge", op.base))
        .header("cookie", op.cookie.clone().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&note=%E5%A4%A7%E9%87%8F%E5%8F%96%E5%BE%97%E3%81%AE%E7%90%86%E7%94%B1%E3%82%92%E7%A2%BA%E8%AA%8D"));
    let (s, _) = op.send(form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let burst_now = op.alert(burst_id).await.unwrap();
    assert_eq!(burst_now.alert.status, "acknowledged");
    assert_eq!(
        burst_now.alert.acknowledge_note.as_deref(),
        Some("大量取得の理由を確認")
    );
    let without_token = op
        .http
        .post(format!("{}/alerts/{burst_id}/close", op.base))
        .header("cookie", op.cookie.clone().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("note=x");
    assert_eq!(op.send(without_token).await.0, StatusCode::FORBIDDEN);

    // Reads and changes are in the log, denials too.
    let log = gw.audit();
    let of = |action: &str, outcome: &str| {
        log.iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .cloned()
            .collect::<Vec<Value>>()
    };
    let acks = of("alert.acknowledge", "success");
    assert_eq!(acks.len(), 2, "the API's and the form's: {acks:?}");
    let acks: Vec<&Value> = acks
        .iter()
        .filter(|e| e["object_id"] == id.as_str())
        .collect();
    assert_eq!(acks.len(), 1, "{acks:?}");
    assert_eq!(
        (acks[0]["object_id"].as_str(), acks[0]["actor"].as_str()),
        (Some(id.as_str()), Some(operator_id.as_str()))
    );
    assert!(
        acks[0]["reason"]
            .as_str()
            .unwrap()
            .contains("agency-operator-handles-alerts"),
        "{acks:?}"
    );
    assert_eq!(of("alert.close", "success").len(), 1);
    assert!(!of("alert.view", "success").is_empty());
    assert_eq!(
        of("alert.acknowledge", "denied").len(),
        1,
        "the auditor's attempt"
    );
    assert_eq!(
        of("alert.view", "denied").len(),
        4,
        "the member's three, the anonymous one"
    );
    // The alerts add no entry of their own: the log is the input only.
    assert!(log
        .iter()
        .all(|e| !e["action"].as_str().unwrap().starts_with("alert.raise")));
    gw.stop().await;
}

#[tokio::test]
async fn analysis_rules_fire_on_their_patterns_and_not_on_a_normal_day() {
    rules_fire_on_their_patterns(Db::Sqlite).await;
}

#[tokio::test]
async fn analysis_rules_fire_on_postgres() {
    rules_fire_on_their_patterns(Db::Postgres).await;
}
