//! "Who has access": the review is decided by the policy point over the
//! real registers (handlers, terminals and their status), only agency
//! operators may run it, each review is audited, and the CSV export is safe
//! to open in a spreadsheet.

use dsg_proto::access::{CompartmentAccess, CompartmentAccessEntry, PersonAccess};
use dsg_proto::files::NewUser;
use dsg_proto::terminals::{NewTerminal, StatusReason};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{world, Db, Gateway};

fn compartment_path(id: &str) -> String {
    format!("/api/v1/admin/access/compartments/{id}")
}

fn person_path(id: &str) -> String {
    format!("/api/v1/admin/access/users/{id}")
}

/// The usernames listed as having access.
fn allowed(review: &CompartmentAccess) -> Vec<String> {
    review
        .entries
        .iter()
        .filter(|e| e.allowed)
        .map(|e| e.username.clone())
        .collect()
}

fn entry<'a>(review: &'a CompartmentAccess, username: &str) -> Option<&'a CompartmentAccessEntry> {
    review.entries.iter().find(|e| e.username == username)
}

/// The compartments a person review lists as reachable.
fn reachable(review: &PersonAccess) -> Vec<String> {
    review
        .compartments
        .iter()
        .filter(|c| c.allowed)
        .map(|c| c.compartment_id.clone())
        .collect()
}

fn terminal_ids(entry: &CompartmentAccessEntry) -> Vec<String> {
    entry.terminals.iter().map(|t| t.id.clone()).collect()
}

fn why(entry: &CompartmentAccessEntry) -> String {
    entry.why.join(" | ")
}

#[tokio::test]
async fn access_review_lists_who_the_policy_lets_in_from_which_terminals() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut op = gw.operator().await;

    // Compartment A: exactly its handler with an active terminal of the
    // company, from that terminal, because of the need-to-know policy.
    let review = op.compartment_access(&w.compartment_a).await.unwrap();
    assert_eq!(review.contract_number, "A-1");
    assert_eq!(allowed(&review), ["a.handler"], "{review:?}");
    let handler = entry(&review, "a.handler").unwrap();
    assert_eq!(terminal_ids(handler), [w.terminal_a.id.as_str()]);
    let reasons = why(handler);
    assert!(reasons.contains("handler of contract A-1"), "{reasons}");
    assert!(reasons.contains("handler-need-to-know"), "{reasons}");
    // Not listed at all: a non-handler of the same company, a handler of
    // another contract of the same company, another company's handler and
    // the agency's operator.
    for other in ["a.member", "a.removed", "b.handler", "operator"] {
        assert!(entry(&review, other).is_none(), "{other}: {review:?}");
    }
    let review_b = op.compartment_access(&w.compartment_b).await.unwrap();
    assert_eq!(allowed(&review_b), ["b.handler"], "{review_b:?}");

    // Person reviews: exactly the compartments they handle.
    for (username, expected) in [
        ("a.handler", vec![w.compartment_a.clone()]),
        ("b.handler", vec![w.compartment_b.clone()]),
        ("a.member", vec![]),
        ("a.removed", vec![]),
    ] {
        let review = op.person_access(w.user_id(username)).await.unwrap();
        assert_eq!(review.username, username);
        assert_eq!(reachable(&review), expected, "{username}: {review:?}");
    }

    // With company A's only terminal quarantined, its handler is listed as
    // a handler without access, with the reason.
    let quarantine = StatusReason {
        reason: "EDR alert".into(),
    };
    op.change_terminal(&w.terminal_a.id, "quarantine", &quarantine)
        .await
        .unwrap();
    let review = op.compartment_access(&w.compartment_a).await.unwrap();
    assert!(allowed(&review).is_empty(), "{review:?}");
    let handler = entry(&review, "a.handler").expect("handlers without access are listed");
    assert!(!handler.allowed);
    assert!(handler.handler);
    assert!(terminal_ids(handler).is_empty());
    let reasons = why(handler);
    assert!(
        reasons.contains("terminal PC A-PC-01 is quarantined"),
        "{reasons}"
    );
    assert!(
        reasons.contains("no active registered terminal"),
        "{reasons}"
    );
    assert!(
        reasons.contains("registered-terminal-for-data"),
        "{reasons}"
    );
    let person = op.person_access(w.user_id("a.handler")).await.unwrap();
    assert!(reachable(&person).is_empty(), "{person:?}");
    assert!(!person.compartments[0].allowed, "{person:?}");
    op.change_terminal(&w.terminal_a.id, "release", &StatusReason::default())
        .await
        .unwrap();

    // Unknown or malformed ids are not found.
    let unknown = "00000000-0000-4000-8000-000000000000";
    for e in [
        op.compartment_access(unknown).await.unwrap_err(),
        op.compartment_access("nonsense").await.unwrap_err(),
        op.person_access(unknown).await.unwrap_err(),
        op.person_access("nonsense.csv").await.unwrap_err(),
    ] {
        assert_eq!(e.status(), Some(StatusCode::NOT_FOUND), "{e}");
        assert_eq!(e.code(), Some("not_found"));
    }
    gw.stop().await;
}

#[tokio::test]
async fn access_review_is_for_operators_audited_and_its_csv_is_formula_safe() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut op = gw.operator().await;

    // A terminal and a handler whose names a spreadsheet would evaluate.
    let issued = op
        .register_terminal(&NewTerminal {
            company_id: w.company_a.clone(),
            name: "=SUM(1+1)*cmd|' /C calc'!A0".into(),
            site: "本社".into(),
            serial: "A-PC-02".into(),
            csr_pem: None,
        })
        .await
        .unwrap();
    let formula_terminal = issued.terminal.id;
    let created = op
        .create_user(&NewUser {
            company_id: w.company_a.clone(),
            username: "@formula.user".into(),
            display_name: "=HYPERLINK(\"http://evil.example\",\"x\")".into(),
            role: "member".into(),
            valid_until: None,
        })
        .await
        .unwrap();
    let formula_user = created.user.id.clone();
    gw.enrol(
        "@formula.user",
        &created.enrolment_path,
        "Pw-formula-9Zq4-long-enough",
    )
    .await;
    op.designate_handler(&w.contract_a, &formula_user)
        .await
        .unwrap();

    let review = op.compartment_access(&w.compartment_a).await.unwrap();
    assert_eq!(
        allowed(&review),
        ["@formula.user", "a.handler"],
        "{review:?}"
    );
    let mut terminals = terminal_ids(entry(&review, "a.handler").unwrap());
    terminals.sort();
    let mut expected = vec![w.terminal_a.id.clone(), formula_terminal.clone()];
    expected.sort();
    assert_eq!(terminals, expected);

    // The CSV export, by suffix and by query.
    for path in [
        format!("{}.csv", compartment_path(&w.compartment_a)),
        format!("{}?format=csv", compartment_path(&w.compartment_a)),
    ] {
        let response = op.request(Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(header("content-type"), "text/csv; charset=utf-8");
        let disposition = header("content-disposition");
        assert!(
            disposition.starts_with("attachment; filename=") && disposition.contains(".csv"),
            "{disposition}"
        );
        let text = response.text().await.unwrap();
        let body = text
            .strip_prefix('\u{feff}')
            .expect("UTF-8 with a byte-order mark");
        let first = body.lines().next().unwrap();
        assert!(first.contains("利用者ID / User ID"), "{first}");
        assert!(body.contains("\r\n"), "CRLF records");
        assert!(
            body.contains("\"'=HYPERLINK(\"\"http://evil.example\"\""),
            "{body}"
        );
        assert!(body.contains(",'@formula.user,"), "{body}");
        assert!(body.contains(",'=SUM(1+1)*cmd|"), "{body}");
        for line in body.lines() {
            for bad in [",=", ",\"=", ",@", ",\"@", ",+", ",-"] {
                assert!(!line.contains(bad), "unescaped cell in {line}");
            }
            assert!(!line.starts_with(['=', '@', '+', '-']), "{line}");
        }
        assert!(body.contains("a.handler"), "{body}");
        assert!(!body.contains("a.member"), "{body}");
    }
    let (s, bytes) = {
        let req = op.request(Method::GET, &format!("{}.csv", person_path(&formula_user)));
        op.send(req).await
    };
    assert_eq!(s, StatusCode::OK);
    let person_csv = String::from_utf8(bytes).unwrap();
    assert!(person_csv.contains("'@formula.user"), "{person_csv}");
    assert!(person_csv.contains(&w.compartment_a), "{person_csv}");

    // Only agency operators: a member is refused, the anonymous asked to log in.
    let mut member = gw.login("a.handler", w.password("a.handler")).await;
    for e in [
        member
            .compartment_access(&w.compartment_a)
            .await
            .unwrap_err(),
        member
            .compartment_access(&format!("{}.csv", w.compartment_a))
            .await
            .unwrap_err(),
        member
            .person_access(w.user_id("a.handler"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");
    }
    let e = gw
        .client()
        .compartment_access(&w.compartment_a)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));

    // The UI page shows the same review with its download link.
    let req = op.request(
        Method::GET,
        &format!("/admin/access?compartment={}", w.compartment_a),
    );
    let (s, page) = op.send(req).await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("id=\"access-table\""), "{page}");
    assert!(page.contains(&format!(
        "/api/v1/admin/access/compartments/{}.csv",
        w.compartment_a
    )));

    // Each review is in the audit log with what was reviewed; refusals too.
    let entries: Vec<Value> = gw
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "access.review")
        .collect();
    let successes: Vec<&Value> = entries
        .iter()
        .filter(|e| e["outcome"] == "success")
        .collect();
    assert!(
        successes.iter().any(|e| e["object_type"] == "compartment"
            && e["object_id"] == w.compartment_a.as_str()
            && e["reason"] == "agency-operator-administers"),
        "{successes:?}"
    );
    assert!(
        successes
            .iter()
            .any(|e| e["object_type"] == "user" && e["object_id"] == formula_user.as_str()),
        "{successes:?}"
    );
    // Three JSON/CSV reviews of compartment A, one person review and the page's.
    assert_eq!(successes.len(), 5, "{successes:?}");
    assert!(
        successes.iter().all(|e| !e["decision"].is_null()),
        "{successes:?}"
    );
    let denied = entries.iter().filter(|e| e["outcome"] == "denied").count();
    assert_eq!(denied, 4, "three by the member, one anonymous: {entries:?}");
    gw.stop().await;
}
