//! Policy management against the real binary: versions, validation, the
//! what-if replay on recorded decisions, separation of duties, rollback,
//! break-glass approval from the host, and decision records.

use std::collections::BTreeSet;
use std::time::Duration;

use dsg_proto::files::NewUser;
use dsg_proto::policies::PolicyProposal;
use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{world, Client, ClientError, Db, Gateway};

/// Creates and enrols a second agency operator.
pub(crate) async fn second_operator(gw: &Gateway, op: &mut Client) -> Client {
    let overview = op.admin_overview().await.unwrap();
    let agency = overview
        .companies
        .into_iter()
        .find(|c| c.kind == "agency")
        .unwrap()
        .id;
    let created = op
        .create_user(&NewUser {
            company_id: agency,
            username: "operator2".into(),
            display_name: "第二管理者".into(),
            role: "operator".into(),
            valid_until: None,
        })
        .await
        .unwrap();
    let password = "Pw-operator2-7Xk2-long-enough";
    gw.enrol("operator2", &created.enrolment_path, password)
        .await;
    gw.login("operator2", password).await
}

async fn in_force(op: &mut Client) -> i64 {
    op.policies().await.unwrap().in_force
}

async fn list_status(client: &mut Client, compartment: &str) -> StatusCode {
    match client.files(compartment).await {
        Ok(_) => StatusCode::OK,
        Err(e) => e.status().unwrap_or_else(|| panic!("{e}")),
    }
}

/// The shipped policies, as version 1 stores them.
async fn shipped_text(op: &mut Client) -> String {
    let version = op.policy(1).await.unwrap();
    assert_eq!(version.origin, "shipped");
    version.policies
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
    let e = op
        .propose_policy(&PolicyProposal {
            summary: "typo".into(),
            policies: format!("{shipped}\n@id(\"typo\")\nforbid (principal, action, resource) when {{ context.hours > 22 }};"),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::UNPROCESSABLE_ENTITY), "{e}");
    assert_eq!(e.code(), Some("policy_invalid"));
    let ClientError::Refused { error, .. } = &e else {
        panic!("{e}")
    };
    assert!(error.error.message.contains("hours"), "{e}");

    // The change: a.handler may no longer list, b.handler may list A.
    let a_id = w.user_id("a.handler");
    let b_id = w.user_id("b.handler");
    let change = format!(
        "{shipped}\n@id(\"suspend-a\")\nforbid (principal == Dsg::User::\"{a_id}\", action == Dsg::Action::\"file.list\", resource);\n\
         @id(\"b-reviews-a\")\npermit (principal == Dsg::User::\"{b_id}\", action == Dsg::Action::\"file.list\", resource == Dsg::Compartment::\"{}\");\n",
        w.compartment_a
    );
    let proposed = op
        .propose_policy(&PolicyProposal {
            summary: "suspend a.handler, let b.handler review A".into(),
            policies: change,
        })
        .await
        .unwrap();
    let version = proposed.version;
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
    let report = op.what_if(version, Some(10000)).await.unwrap();
    let flips: BTreeSet<String> = report.flips.iter().map(|f| f.event_id.clone()).collect();
    assert_eq!(flips, expected, "{report:?}");
    for flip in &report.flips {
        let by_a = flip.actor.as_deref() == Some(a_id);
        assert_eq!(flip.was_allowed, by_a, "{flip:?}");
        assert_eq!(flip.now_allowed, !by_a, "{flip:?}");
        let deciding = if by_a { "suspend-a" } else { "b-reviews-a" };
        assert!(flip.now_policies.iter().any(|p| p == deciding), "{flip:?}");
    }
    assert!(report.replayed > 4, "{report:?}");
    assert_eq!(report.unreadable, 0);

    // The proposer cannot approve; a member cannot either.
    let e = op.change_policy(version, "approve").await.unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(StatusCode::FORBIDDEN), Some("self_approval"))
    );
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let e = member.change_policy(version, "approve").await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(in_force(&mut op).await, 1);

    // The second operator approves: in force for the very next request.
    op2.change_policy(version, "approve").await.unwrap();
    assert_eq!(in_force(&mut op).await, version);
    assert_eq!(
        list_status(&mut a, &w.compartment_a).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(list_status(&mut b, &w.compartment_a).await, StatusCode::OK);
    // Approving again is a conflict, not a second activation.
    let e = op2.change_policy(version, "approve").await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT));

    // Rollback to version 1 is one action; it becomes version 3.
    let rolled = op.change_policy(1, "rollback").await.unwrap();
    assert_eq!(rolled.version, 3);
    assert_eq!(in_force(&mut op).await, 3);
    assert_eq!(list_status(&mut a, &w.compartment_a).await, StatusCode::OK);
    assert_eq!(
        list_status(&mut b, &w.compartment_a).await,
        StatusCode::NOT_FOUND
    );
    // Only a version that was in force before can come back.
    let e = op.change_policy(3, "rollback").await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT));
    let versions = op.policies().await.unwrap();
    let statuses: Vec<(i64, String)> = versions
        .versions
        .iter()
        .map(|v| (v.version, v.status.clone()))
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
    let event_id = entry["id"].as_str().unwrap();
    let record = op.decision_record(event_id).await.unwrap();
    assert_eq!(record.policy_version, 1);
    assert!(record.allowed);
    assert!(record.digest_matches);
    let slice = record.slice.as_ref().unwrap();
    assert_eq!(slice.principal.id, a_id);
    assert_eq!(slice.resource.id, w.compartment_a.as_str());
    assert!(slice.context["terminal"].is_object(), "{record:?}");
    let e = member.decision_record(event_id).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    let e = gw.client().policies().await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));

    // Break-glass: a proposal approved from the gateway host reaches the
    // running gateway within seconds.
    op.propose_policy(&PolicyProposal {
        summary: "comment only".into(),
        policies: format!("{shipped}\n// reviewed\n"),
    })
    .await
    .unwrap();
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
    let op_id = versions.versions[1].proposed_by.as_deref().unwrap();
    let op2_id = versions.versions[1].decided_by.as_deref().unwrap();
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
        let record = op
            .decision_record(entry["id"].as_str().unwrap())
            .await
            .unwrap();
        assert!(record.digest_matches);
        assert_eq!(record.allowed, entry["outcome"] == "success");
        assert_eq!(digest.len(), 64);
    }
    gw.stop().await;
}
