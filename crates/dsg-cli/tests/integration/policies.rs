//! Policy management against the real binary: versions, validation, the
//! what-if replay on recorded decisions, separation of duties, rollback,
//! break-glass approval from the host, and decision records.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

/// Creates and enrols a second agency operator.
async fn second_operator(gw: &Gateway, op: &mut Client) -> Client {
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

async fn in_force(op: &mut Client) -> i64 {
    let (s, b) = op.get("/api/v1/admin/policies").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["in_force"].as_i64().unwrap()
}

async fn list_status(client: &mut Client, compartment: &str) -> StatusCode {
    client
        .get(&format!("/api/v1/compartments/{compartment}/files"))
        .await
        .0
}

/// The shipped policies, as version 1 stores them.
async fn shipped_text(op: &mut Client) -> String {
    let (s, b) = op.get("/api/v1/admin/policies/1").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["origin"], "shipped");
    b["policies"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_policy_change_is_validated_tested_on_recorded_decisions_approved_by_another_operator_and_rolled_back(
) {
    let Some(gw) = Gateway::start(Db::Sqlite).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let mut op2 = second_operator(&gw, &mut op).await;
    assert_eq!(in_force(&mut op).await, 1);
    let shipped = shipped_text(&mut op).await;

    // Recorded decisions: a.handler lists its compartment twice (allowed),
    // b.handler tries it (denied by need-to-know).
    let mut a = gw.login("a.handler", w.password("a.handler")).await;
    let mut b = gw.login("b.handler", w.password("b.handler")).await;
    assert_eq!(list_status(&mut a, &w.compartment_a).await, StatusCode::OK);
    assert_eq!(list_status(&mut a, &w.compartment_a).await, StatusCode::OK);
    assert_eq!(
        list_status(&mut b, &w.compartment_a).await,
        StatusCode::NOT_FOUND
    );

    // A proposal that does not validate is refused with the validator's words.
    let (s, body) = op
        .json(
            Method::POST,
            "/api/v1/admin/policies",
            json!({ "summary": "typo", "policies": format!("{shipped}\n@id(\"typo\")\nforbid (principal, action, resource) when {{ context.hours > 22 }};") }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "policy_invalid");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("hours"),
        "{body}"
    );

    // The change: a.handler may no longer list, b.handler may list A.
    let a_id = w.user_id("a.handler");
    let b_id = w.user_id("b.handler");
    let change = format!(
        "{shipped}\n@id(\"suspend-a\")\nforbid (principal == Dsg::User::\"{a_id}\", action == Dsg::Action::\"file.list\", resource);\n\
         @id(\"b-reviews-a\")\npermit (principal == Dsg::User::\"{b_id}\", action == Dsg::Action::\"file.list\", resource == Dsg::Compartment::\"{}\");\n",
        w.compartment_a
    );
    let (s, proposed) = op
        .json(
            Method::POST,
            "/api/v1/admin/policies",
            json!({ "summary": "suspend a.handler, let b.handler review A", "policies": change }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{proposed}");
    let version = proposed["version"].as_i64().unwrap();
    assert_eq!(version, 2);
    // Proposed is not in force.
    assert_eq!(in_force(&mut op).await, 1);
    assert_eq!(list_status(&mut a, &w.compartment_a).await, StatusCode::OK);

    // What would change: exactly the recorded file.list decisions of the
    // two users on compartment A, computed here from the audit log.
    let audit = gw.audit();
    let expected: BTreeSet<String> = audit
        .iter()
        .filter(|e| {
            e["action"] == "file.list"
                && e["object_id"] == w.compartment_a.as_str()
                && (e["actor"] == a_id || e["actor"] == b_id)
                && e["decision"].is_string()
        })
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        expected.len(),
        4,
        "three lists and one denial: {expected:?}"
    );
    let (s, report) = op
        .call(
            Method::POST,
            &format!("/api/v1/admin/policies/{version}/what-if?limit=10000"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let flips: BTreeSet<String> = report["flips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(flips, expected, "{report}");
    for flip in report["flips"].as_array().unwrap() {
        let by_a = flip["actor"] == a_id;
        assert_eq!(flip["was_allowed"], by_a, "{flip}");
        assert_eq!(flip["now_allowed"], !by_a, "{flip}");
        let deciding = if by_a { "suspend-a" } else { "b-reviews-a" };
        assert!(
            flip["now_policies"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == deciding),
            "{flip}"
        );
    }
    assert!(report["replayed"].as_u64().unwrap() > 4, "{report}");
    assert_eq!(report["unreadable"], 0);

    // The proposer cannot approve; a member cannot either.
    let (s, body) = op
        .call(
            Method::POST,
            &format!("/api/v1/admin/policies/{version}/approve"),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("self_approval"))
    );
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let (s, _) = member
        .call(
            Method::POST,
            &format!("/api/v1/admin/policies/{version}/approve"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(in_force(&mut op).await, 1);

    // The second operator approves: in force for the very next request.
    let (s, body) = op2
        .call(
            Method::POST,
            &format!("/api/v1/admin/policies/{version}/approve"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(in_force(&mut op).await, version);
    assert_eq!(
        list_status(&mut a, &w.compartment_a).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(list_status(&mut b, &w.compartment_a).await, StatusCode::OK);
    // Approving again is a conflict, not a second activation.
    let (s, _) = op2
        .call(
            Method::POST,
            &format!("/api/v1/admin/policies/{version}/approve"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Rollback to version 1 is one action; it becomes version 3.
    let (s, body) = op
        .call(Method::POST, "/api/v1/admin/policies/1/rollback")
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 3);
    assert_eq!(in_force(&mut op).await, 3);
    assert_eq!(list_status(&mut a, &w.compartment_a).await, StatusCode::OK);
    assert_eq!(
        list_status(&mut b, &w.compartment_a).await,
        StatusCode::NOT_FOUND
    );
    // Only a version that was in force before can come back.
    let (s, _) = op
        .call(Method::POST, "/api/v1/admin/policies/3/rollback")
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, versions) = op.get("/api/v1/admin/policies").await;
    let statuses: Vec<(i64, String)> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (3, "active".to_owned()),
            (2, "retired".to_owned()),
            (1, "retired".to_owned())
        ]
    );

    // The decision record of an allowed list: the facts it was made on.
    let entry = audit
        .iter()
        .find(|e| e["action"] == "file.list" && e["actor"] == a_id && e["outcome"] == "success")
        .unwrap();
    let (s, record) = op
        .get(&format!(
            "/api/v1/admin/decisions/{}",
            entry["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{record}");
    assert_eq!(record["policy_version"], 1);
    assert_eq!(record["allowed"], true);
    assert_eq!(record["digest_matches"], true);
    assert_eq!(record["slice"]["principal"]["id"], a_id);
    assert_eq!(record["slice"]["resource"]["id"], w.compartment_a.as_str());
    assert!(
        record["slice"]["context"]["terminal"].is_object(),
        "{record}"
    );
    let (s, _) = member
        .get(&format!(
            "/api/v1/admin/decisions/{}",
            entry["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = gw.client().get("/api/v1/admin/policies").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Break-glass: a proposal approved from the gateway host reaches the
    // running gateway within seconds.
    let (s, proposed) = op
        .json(
            Method::POST,
            "/api/v1/admin/policies",
            json!({ "summary": "comment only", "policies": format!("{shipped}\n// reviewed\n") }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{proposed}");
    let out = gw.admin(&["policy-approve", "--version", "4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut applied = false;
    for _ in 0..50 {
        if in_force(&mut op).await == 4 {
            applied = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(applied, "the running gateway did not pick up version 4");

    // Every step is in the log, with who did it.
    let audit = gw.audit();
    let has = |action: &str, actor: &str, outcome: &str| {
        audit
            .iter()
            .any(|e| e["action"] == action && e["actor"] == actor && e["outcome"] == outcome)
    };
    let op_id = versions["versions"][1]["proposed_by"].as_str().unwrap();
    let op2_id = versions["versions"][1]["decided_by"].as_str().unwrap();
    assert_ne!(op_id, op2_id);
    assert!(has("policy.propose", op_id, "success"));
    assert!(has("policy.propose", op_id, "failure"));
    assert!(has("policy.approve", op_id, "denied"));
    assert!(has("policy.approve", op2_id, "success"));
    assert!(has("policy.rollback", op_id, "success"));
    assert!(has("policy.approve", "break-glass:host-cli", "success"));
    gw.stop().await;
}

#[tokio::test]
async fn every_audited_decision_carries_a_record_that_hashes_into_the_log() {
    let Some(gw) = Gateway::start(Db::Sqlite).await else {
        return;
    };
    let w = world(&gw).await;
    let mut a = gw.login("a.handler", w.password("a.handler")).await;
    assert_eq!(list_status(&mut a, &w.compartment_a).await, StatusCode::OK);
    let mut member = gw.login("a.member", w.password("a.member")).await;
    assert_eq!(
        list_status(&mut member, &w.compartment_a).await,
        StatusCode::NOT_FOUND
    );
    let audit: Vec<Value> = gw.audit();
    let decided: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "file.list")
        .collect();
    assert_eq!(decided.len(), 2);
    let mut op = gw.operator().await;
    for entry in decided {
        let digest = entry["decision"].as_str().unwrap();
        let (s, record) = op
            .get(&format!(
                "/api/v1/admin/decisions/{}",
                entry["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{record}");
        assert_eq!(record["digest_matches"], true);
        assert_eq!(record["allowed"], entry["outcome"] == "success");
        assert_eq!(digest.len(), 64);
    }
    gw.stop().await;
}
