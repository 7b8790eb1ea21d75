//! Two-way exchange: the agency's own staff designated on a contract
//! (agency participants) provide files to the contractor's handlers
//! through its compartment, and receive what the company submits. Every
//! file shows which way it travelled.

use dsg_proto::audit::Duty;
use dsg_proto::disposal::NewDisposal;
use dsg_proto::files::NewUser;
use reqwest::StatusCode;

use dsg_testkit::{Client, TerminalCert, World};

use crate::harness::{data, files_under, world, Db, Gateway};

/// An agency member, enrolled, whose sign-ins come from `terminal`.
pub(crate) async fn agency_member(
    gw: &Gateway,
    op: &mut Client,
    agency: &str,
    name: &str,
    terminal: &TerminalCert,
) -> (String, String) {
    let password = format!("Pw-{name}-9Zq4-long-enough");
    let created = op
        .create_user(&NewUser {
            company_id: agency.to_owned(),
            username: name.to_owned(),
            display_name: name.to_owned(),
            role: "member".to_owned(),
            valid_until: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    gw.enrol(name, &created.enrolment_path, &password).await;
    gw.use_terminal(name, terminal);
    (created.user.id, password)
}

struct Exchange {
    w: World,
    op: Client,
    agency: String,
    participant: String,
    participant_password: String,
    bystander_password: String,
}

async fn setup(gw: &Gateway) -> Exchange {
    let w = world(gw).await;
    let mut op = gw.operator().await;
    let agency = op.me().await.unwrap().user.company_id;
    let agency_pc = gw.register_terminal(&mut op, &agency, "AG-PC-01").await;
    let (participant, participant_password) =
        agency_member(gw, &mut op, &agency, "ag.engineer", &agency_pc).await;
    let (_, bystander_password) =
        agency_member(gw, &mut op, &agency, "ag.bystander", &agency_pc).await;
    op.designate_participant(&w.contract_a, &participant)
        .await
        .unwrap();
    Exchange {
        w,
        op,
        agency,
        participant,
        participant_password,
        bystander_password,
    }
}

async fn agency_provides_and_the_handler_receives(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let mut x = setup(&gw).await;
    let w = &x.w;

    // The operator sees the designation; designating again is a conflict,
    // and a contractor's user cannot be made an agency participant.
    let listed = x.op.participants(&w.contract_a).await.unwrap();
    assert_eq!(listed.participants.len(), 1);
    assert_eq!(listed.participants[0].user_id, x.participant);
    let e =
        x.op.designate_participant(&w.contract_a, &x.participant)
            .await
            .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT));
    let e =
        x.op.designate_participant(&w.contract_a, w.user_id("b.handler"))
            .await
            .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");

    // The agency participant provides a drawing, to be returned at the end.
    let mut engineer = gw.login("ag.engineer", &x.participant_password).await;
    let drawing = b"drawing: hydraulic system, rev. B".to_vec();
    let provided = engineer
        .provide_file(
            &w.compartment_a,
            "油圧系統図.pdf",
            "return",
            drawing.clone(),
        )
        .await
        .unwrap();
    assert_eq!(provided.file.direction, "provided");
    assert_eq!(provided.file.end_instruction.as_deref(), Some("return"));

    // The contractor's handler sees it as provided and downloads it.
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let list = handler.files(&w.compartment_a).await.unwrap();
    let row = list
        .files
        .iter()
        .find(|f| f.id == provided.file.id)
        .expect("the provided file is listed");
    assert_eq!(row.direction, "provided");
    assert_eq!(row.end_instruction.as_deref(), Some("return"));
    assert_eq!(row.updated_by, x.participant, "the uploader of the version");
    let got = handler
        .download_file(&w.compartment_a, &provided.file.id, None)
        .await
        .unwrap();
    assert_eq!(got, drawing);

    // The company submits its deliverable; the participant receives it. A
    // submitted file carries no end-of-contract instruction.
    let e = handler
        .provide_file(&w.compartment_a, "成果物.pdf", "destroy", b"x".to_vec())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");
    let deliverable = b"deliverable v1".to_vec();
    let submitted = handler
        .upload_file(&w.compartment_a, "成果物.pdf", deliverable.clone())
        .await
        .unwrap();
    assert_eq!(submitted.file.direction, "submitted");
    assert_eq!(submitted.file.end_instruction, None);
    assert_eq!(submitted.file.updated_by, w.user_id("a.handler"));
    assert_eq!(
        engineer
            .download_file(&w.compartment_a, &submitted.file.id, None)
            .await
            .unwrap(),
        deliverable
    );
    // The participant's page shows both ways and offers the instruction.
    let (s, page) = engineer
        .send(engineer.request(
            reqwest::Method::GET,
            &format!("/compartments/{}", w.compartment_a),
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains(r#"data-direction="provided""#), "{page}");
    assert!(page.contains(r#"data-direction="submitted""#));
    assert!(page.contains(r#"id="end-instruction""#));
    // Each row names its uploader (by name; the id on hover).
    assert!(
        page.contains(&format!(
            r#"class="uploader" title="{}">ag.engineer<"#,
            x.participant
        )),
        "{page}"
    );
    assert!(page.contains(&format!(
        r#"class="uploader" title="{}">"#,
        w.user_id("a.handler")
    )));

    // An agency member who is not a participant of the contract: refused
    // like a compartment that does not exist.
    let mut bystander = gw.login("ag.bystander", &x.bystander_password).await;
    let e = bystander
        .download_file(&w.compartment_a, &provided.file.id, None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    let e = bystander.files(&w.compartment_a).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    // The handler of another company: refused the same way.
    let mut other = gw.login("b.handler", w.password("b.handler")).await;
    let e = other
        .download_file(&w.compartment_a, &provided.file.id, None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    // The participant reaches no other contract's compartment.
    let e = engineer.files(&w.compartment_b).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    // Nor from the contractor's terminal.
    let mut elsewhere = gw
        .login_from("ag.engineer", &x.participant_password, Some(&w.terminal_a))
        .await;
    let e = elsewhere.files(&w.compartment_a).await.unwrap_err();
    assert!(
        matches!(
            e.status(),
            Some(StatusCode::NOT_FOUND | StatusCode::FORBIDDEN)
        ),
        "{e}"
    );

    // Removed, the participant reaches nothing on the very next request,
    // and the account stays active.
    x.op.remove_participant(&w.contract_a, &x.participant)
        .await
        .unwrap();
    let e = engineer.files(&w.compartment_a).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    engineer.me().await.unwrap();

    // Recorded with the decision, by action name.
    let audit = gw.audit();
    for action in ["participant.designate", "participant.remove"] {
        assert!(
            audit
                .iter()
                .any(|e| e["action"] == action && e["outcome"] == "success"),
            "{action}"
        );
    }
    assert!(!x.agency.is_empty());
    gw.stop().await;
}

#[tokio::test]
async fn agency_provides_and_the_handler_receives_on_sqlite() {
    agency_provides_and_the_handler_receives(Db::Sqlite).await;
}

#[tokio::test]
async fn agency_provides_and_the_handler_receives_on_postgres() {
    agency_provides_and_the_handler_receives(Db::Postgres).await;
}

/// Disposal with a separate checker: "delete" only marks; the company's
/// managers see what awaits disposal; the performer records it; the same
/// person is refused as its checker (by the policy point); another
/// manager confirms, which destroys the keys and the blobs.
async fn disposal_with_a_separate_checker(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    // Two security administrators of company A: a.member performs, a.removed checks.
    for name in ["a.member", "a.removed"] {
        op.grant_duty(
            w.user_id(name),
            &Duty {
                duty: "security-admin".into(),
            },
        )
        .await
        .unwrap();
    }
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let blobs = || files_under(&gw.data_dir().join("blobs")).len();
    let kept = handler
        .upload_file(&w.compartment_a, "kept.bin", data(5_000, 1))
        .await
        .unwrap();
    let old = handler
        .upload_file(&w.compartment_a, "old.bin", data(70_000, 2))
        .await
        .unwrap();
    handler
        .add_version(&w.compartment_a, &old.file.id, data(1_000, 3))
        .await
        .unwrap();
    handler
        .delete_file(&w.compartment_a, &old.file.id)
        .await
        .unwrap();
    let stored = blobs();
    assert_eq!(stored, 3, "deleting only marks: every blob is kept");

    // The managers see it; the handler and another company do not.
    let mut performer = gw.login("a.member", w.password("a.member")).await;
    let listed = performer.disposals(&w.compartment_a).await.unwrap();
    assert_eq!(listed.candidates.len(), 1);
    let candidate = &listed.candidates[0];
    assert_eq!(candidate.file.id, old.file.id);
    assert_eq!(candidate.file.name, "old.bin");
    assert_eq!(candidate.versions, 2);
    assert_eq!(
        candidate.deleted_by.as_deref(),
        Some(w.user_id("a.handler"))
    );
    assert!(candidate.disposal.is_none());
    let e = handler.disposals(&w.compartment_a).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    let mut other = gw.login("b.handler", w.password("b.handler")).await;
    let e = other.disposals(&w.compartment_a).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));

    // An active file is not disposed of; a stored file is crypto-shredded.
    let how = |method: &str| NewDisposal {
        method: method.into(),
        place: "本社 サーバ室".into(),
    };
    let e = performer
        .record_disposal(&w.compartment_a, &kept.file.id, &how("crypto_shred"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND), "{e}");
    let e = performer
        .record_disposal(&w.compartment_a, &old.file.id, &how("shredding"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");
    let recorded = performer
        .record_disposal(&w.compartment_a, &old.file.id, &how("crypto_shred"))
        .await
        .unwrap();
    assert_eq!(recorded.performed_by, w.user_id("a.member"));
    assert_eq!(recorded.checked_by, None);
    let e = performer
        .record_disposal(&w.compartment_a, &old.file.id, &how("crypto_shred"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "recorded once");

    // The performer as checker: refused by the policy point, recorded.
    let e = performer
        .confirm_disposal(&w.compartment_a, &recorded.id)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");
    assert!(gw.audit().iter().any(|e| e["action"] == "disposal.confirm"
        && e["outcome"] == "denied"
        && e["reason"]
            .as_str()
            .is_some_and(|r| r.contains("disposal-checker-not-performer"))));
    assert_eq!(blobs(), stored, "nothing destroyed by a refusal");
    // The page offers the performer no confirmation (the policy point's
    // answer), and another manager one.
    let page_of = |client: &mut Client| {
        let req = client.request(
            reqwest::Method::GET,
            &format!("/compartments/{}/disposals", w.compartment_a),
        );
        (client.clone(), req)
    };
    let (mut c, req) = page_of(&mut performer);
    let (s, page) = c.send(req).await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("disposal-pending"), "{page}");
    assert!(!page.contains(r#"class="disposal-confirm""#));
    // Nor does the handler, who is no manager, confirm it.
    let e = handler
        .confirm_disposal(&w.compartment_a, &recorded.id)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");

    // Another manager confirms: keys destroyed, blobs deleted, the file
    // no longer awaits disposal, the other file untouched.
    let mut checker = gw.login("a.removed", w.password("a.removed")).await;
    let (mut c, req) = page_of(&mut checker);
    let (s, page) = c.send(req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8(page)
        .unwrap()
        .contains(r#"class="disposal-confirm""#));
    let pending = checker.disposals(&w.compartment_a).await.unwrap();
    assert_eq!(
        pending.candidates[0]
            .disposal
            .as_ref()
            .map(|d| d.id.as_str()),
        Some(recorded.id.as_str())
    );
    checker
        .confirm_disposal(&w.compartment_a, &recorded.id)
        .await
        .unwrap();
    assert_eq!(blobs(), 1, "both versions' blobs are gone");
    assert!(checker
        .disposals(&w.compartment_a)
        .await
        .unwrap()
        .candidates
        .is_empty());
    let e = checker
        .confirm_disposal(&w.compartment_a, &recorded.id)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND), "confirmed once");
    assert_eq!(
        handler
            .download_file(&w.compartment_a, &kept.file.id, None)
            .await
            .unwrap(),
        data(5_000, 1)
    );
    let confirmed = gw
        .audit()
        .into_iter()
        .find(|e| e["action"] == "disposal.confirm" && e["outcome"] == "success")
        .expect("the confirmation is recorded");
    assert_eq!(confirmed["actor"], w.user_id("a.removed"));
    gw.stop().await;
}

#[tokio::test]
async fn disposal_with_a_separate_checker_on_sqlite() {
    disposal_with_a_separate_checker(Db::Sqlite).await;
}

#[tokio::test]
async fn disposal_with_a_separate_checker_on_postgres() {
    disposal_with_a_separate_checker(Db::Postgres).await;
}
