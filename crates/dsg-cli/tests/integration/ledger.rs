//! The inventory of protected information (目録) and its open items: the
//! gateway enters its own events with the action (a provided file's
//! receipt, a download's copy to a terminal); the holder of a copy
//! records its destruction and another person checks it, which closes
//! it; carrying out rests on a manager's permission recorded before.

use dsg_proto::audit::Duty;
use dsg_proto::ledger::{Ledger, LedgerItem, NewLedgerEvent, NewLedgerItem, NewLedgerPermission};
use reqwest::StatusCode;

use crate::exchange::agency_member;
use crate::harness::{world, Db, Gateway};

fn item<'a>(ledger: &'a Ledger, id: &str) -> &'a LedgerItem {
    ledger
        .items
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("item {id} in {ledger:?}"))
}

fn event(kind: &str) -> NewLedgerEvent {
    NewLedgerEvent {
        kind: kind.into(),
        permission_id: None,
        place: None,
        department: Some("設計部".into()),
        note: None,
    }
}

async fn a_provided_drawing_is_followed_to_its_copys_destruction(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let agency = op.me().await.unwrap().user.company_id;
    let agency_pc = gw.register_terminal(&mut op, &agency, "AG-PC-01").await;
    let (participant, password) =
        agency_member(&gw, &mut op, &agency, "ag.engineer", &agency_pc).await;
    op.designate_participant(&w.contract_a, &participant)
        .await
        .unwrap();
    // a.member is company A's manager (security administrator).
    op.grant_duty(
        w.user_id("a.member"),
        &Duty {
            duty: "security-admin".into(),
        },
    )
    .await
    .unwrap();

    // The agency participant provides a drawing: its receipt is entered.
    let mut engineer = gw.login("ag.engineer", &password).await;
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
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let ledger = handler.ledger(&w.compartment_a).await.unwrap();
    assert_eq!(ledger.marking, "保護すべき情報");
    assert_eq!(ledger.items.len(), 1, "{ledger:?}");
    let version = &ledger.items[0];
    assert_eq!(version.kind, "file_version");
    assert_eq!(version.name, "油圧系統図.pdf");
    assert_eq!(version.file_id.as_deref(), Some(provided.file.id.as_str()));
    assert!(!version.open);
    assert_eq!(version.events.len(), 1);
    let receipt = &version.events[0];
    assert_eq!(receipt.kind, "receipt");
    assert_eq!(receipt.actor.as_deref(), Some(participant.as_str()));
    assert_eq!(receipt.actor_name.as_deref(), Some("ag.engineer"));
    assert_eq!(receipt.terminal_id.as_deref(), Some(agency_pc.id.as_str()));
    assert!(receipt.site.is_some());

    // An upload that fails (a second file of the same name) leaves no
    // event: the inventory's entries commit with the action or not at all.
    let e = handler
        .upload_file(&w.compartment_a, "油圧系統図.pdf", b"x".to_vec())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");
    let after = handler.ledger(&w.compartment_a).await.unwrap();
    assert_eq!(after.items, ledger.items, "a failed upload left an entry");

    // The handler downloads it: a copy on the handler's terminal, open.
    let got = handler
        .download_file(&w.compartment_a, &provided.file.id, None)
        .await
        .unwrap();
    assert_eq!(got, drawing);
    let ledger = handler.ledger(&w.compartment_a).await.unwrap();
    assert_eq!(ledger.items.len(), 2);
    let copy = ledger
        .items
        .iter()
        .find(|i| i.kind == "copy")
        .expect("the download is a copy")
        .clone();
    assert!(copy.open);
    assert_eq!(copy.state, "held");
    assert_eq!(copy.parent_id.as_deref(), Some(version.id.as_str()));
    assert_eq!(copy.holder.as_deref(), Some(w.user_id("a.handler")));
    assert_eq!(copy.terminal_id.as_deref(), Some(w.terminal_a.id.as_str()));
    assert_eq!(copy.events[0].kind, "copy");
    assert_eq!(
        copy.events[0].terminal_id.as_deref(),
        Some(w.terminal_a.id.as_str())
    );
    let kinds: Vec<&str> = item(&ledger, &version.id)
        .events
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["receipt", "copy"]);

    // The company and the agency each see the open copy; the other
    // company does not, nor can it read this inventory.
    let open = handler.open_items().await.unwrap();
    assert!(open
        .compartments
        .iter()
        .any(|c| c.items.iter().any(|i| i.id == copy.id)));
    let open = engineer.open_items().await.unwrap();
    assert!(open
        .compartments
        .iter()
        .any(|c| c.items.iter().any(|i| i.id == copy.id)));
    // The inventory is protected information: an operator signed in
    // without a registered terminal reads none of it.
    let open = op.open_items().await.unwrap();
    assert!(open.compartments.is_empty(), "{open:?}");
    let mut other = gw.login("b.handler", w.password("b.handler")).await;
    let open = other.open_items().await.unwrap();
    assert!(open
        .compartments
        .iter()
        .all(|c| c.compartment_id != w.compartment_a));
    let e = other.ledger(&w.compartment_a).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));

    // Only its holder records the copy's destruction: not the manager.
    let mut manager = gw.login("a.member", w.password("a.member")).await;
    let e = manager
        .record_ledger_event(&w.compartment_a, &copy.id, &event("disposal"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");
    // The handler records it; it awaits a check.
    handler
        .record_ledger_event(&w.compartment_a, &copy.id, &event("disposal"))
        .await
        .unwrap();
    let ledger = handler.ledger(&w.compartment_a).await.unwrap();
    let closing = item(&ledger, &copy.id);
    assert_eq!(closing.state, "closing");
    assert!(closing.open);
    let disposal = closing.events.last().unwrap();
    assert_eq!(disposal.kind, "disposal");
    assert_eq!(disposal.department.as_deref(), Some("設計部"));

    // The same person as checker: refused by the policy point, recorded.
    let e = handler
        .check_ledger_item(&w.compartment_a, &copy.id)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");
    assert!(gw.audit().iter().any(|e| e["action"] == "ledger.check"
        && e["outcome"] == "denied"
        && e["reason"]
            .as_str()
            .is_some_and(|r| r.contains("ledger-checker-not-holder"))));
    assert_eq!(
        item(&handler.ledger(&w.compartment_a).await.unwrap(), &copy.id).state,
        "closing"
    );
    // Another company's manager: not found, as for nothing.
    let e = other
        .check_ledger_item(&w.compartment_a, &copy.id)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND), "{e}");

    // The page offers the holder no check (the policy point's answer),
    // and the manager one; the compartment's page links the inventory.
    let ledger_page = format!("/compartments/{}/ledger", w.compartment_a);
    let (s, page) = handler
        .send(handler.request(reqwest::Method::GET, &ledger_page))
        .await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains(&format!(r#"data-id="{}""#, copy.id)),
        "{page}"
    );
    assert!(!page.contains(r#"class="ledger-check""#));
    let (s, page) = manager
        .send(manager.request(reqwest::Method::GET, &ledger_page))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8(page)
        .unwrap()
        .contains(r#"class="ledger-check""#));
    let (_, page) = handler
        .send(handler.request(
            reqwest::Method::GET,
            &format!("/compartments/{}", w.compartment_a),
        ))
        .await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains(r#"id="ledger-link""#) && page.contains(r#"id="disposals-link""#));

    // A different person checks: the item closes and is open no more.
    manager
        .check_ledger_item(&w.compartment_a, &copy.id)
        .await
        .unwrap();
    let ledger = manager.ledger(&w.compartment_a).await.unwrap();
    let closed = item(&ledger, &copy.id);
    assert_eq!(closed.state, "closed");
    assert!(!closed.open);
    assert_eq!(closed.checked_by.as_deref(), Some(w.user_id("a.member")));
    assert_eq!(closed.closing_by.as_deref(), Some(w.user_id("a.handler")));
    assert!(closed.closed_at.is_some());
    let kinds: Vec<&str> = closed.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["copy", "disposal", "check"]);
    let open = handler.open_items().await.unwrap();
    assert!(open
        .compartments
        .iter()
        .all(|c| c.items.iter().all(|i| i.id != copy.id)));
    // Checked once.
    let e = manager
        .check_ledger_item(&w.compartment_a, &copy.id)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");
    let checked = gw
        .audit()
        .into_iter()
        .find(|e| e["action"] == "ledger.check" && e["outcome"] == "success")
        .expect("the check is recorded");
    assert_eq!(checked["actor"], w.user_id("a.member"));
    gw.stop().await;
}

#[tokio::test]
async fn a_provided_drawing_is_followed_to_its_copys_destruction_on_sqlite() {
    a_provided_drawing_is_followed_to_its_copys_destruction(Db::Sqlite).await;
}

#[tokio::test]
async fn a_provided_drawing_is_followed_to_its_copys_destruction_on_postgres() {
    a_provided_drawing_is_followed_to_its_copys_destruction(Db::Postgres).await;
}

/// Paper carried out: only under a manager's permission recorded before,
/// by the person it names, once; then returned.
#[tokio::test]
async fn paper_is_carried_out_only_with_the_managers_permission() {
    let Some(gw) = Gateway::start(Db::Sqlite).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    op.grant_duty(
        w.user_id("a.member"),
        &Duty {
            duty: "security-admin".into(),
        },
    )
    .await
    .unwrap();
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let paper = handler
        .add_ledger_item(
            &w.compartment_a,
            &NewLedgerItem {
                kind: "paper".into(),
                title: "試験成績書 第3版".into(),
                opening: "creation".into(),
                place: Some("本社 第2保管庫".into()),
                department: None,
                note: None,
            },
        )
        .await
        .unwrap();
    // A file version is not entered by hand.
    let e = handler
        .add_ledger_item(
            &w.compartment_a,
            &NewLedgerItem {
                kind: "file_version".into(),
                title: "x".into(),
                opening: "creation".into(),
                place: None,
                department: None,
                note: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");
    // No permission: refused.
    let e = handler
        .record_ledger_event(&w.compartment_a, &paper.id, &event("carry_out"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    // The handler does not permit their own carrying out.
    let permission = NewLedgerPermission {
        act: "carry_out".into(),
        person: w.user_id("a.handler").to_owned(),
        method: "hand_delivery".into(),
        recipient: "防衛装備庁 調達事業部 担当官".into(),
        container: "施錠したケース No.4".into(),
    };
    let e = handler
        .permit_ledger_movement(&w.compartment_a, &paper.id, &permission)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN), "{e}");
    let mut manager = gw.login("a.member", w.password("a.member")).await;
    let permitted = manager
        .permit_ledger_movement(&w.compartment_a, &paper.id, &permission)
        .await
        .unwrap();
    // Someone the permission does not name may not act on it.
    let e = manager
        .record_ledger_event(
            &w.compartment_a,
            &paper.id,
            &NewLedgerEvent {
                permission_id: Some(permitted.id.clone()),
                ..event("carry_out")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");
    let with_permission = NewLedgerEvent {
        permission_id: Some(permitted.id.clone()),
        ..event("carry_out")
    };
    handler
        .record_ledger_event(&w.compartment_a, &paper.id, &with_permission)
        .await
        .unwrap();
    let ledger = handler.ledger(&w.compartment_a).await.unwrap();
    let out = item(&ledger, &paper.id);
    assert_eq!(out.name, "試験成績書 第3版");
    assert_eq!(out.state, "out");
    assert!(out.open);
    let kinds: Vec<&str> = out.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["creation", "permission", "carry_out"]);
    let granted = &out.events[1];
    assert_eq!(
        granted.recipient.as_deref(),
        Some("防衛装備庁 調達事業部 担当官")
    );
    assert_eq!(granted.container.as_deref(), Some("施錠したケース No.4"));
    assert_eq!(granted.method.as_deref(), Some("hand_delivery"));
    assert!(granted.used);
    assert_eq!(out.events[2].method.as_deref(), Some("hand_delivery"));
    // Brought back; the permission is not used twice.
    handler
        .record_ledger_event(&w.compartment_a, &paper.id, &event("return"))
        .await
        .unwrap();
    let e = handler
        .record_ledger_event(&w.compartment_a, &paper.id, &with_permission)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{e}");
    let ledger = handler.ledger(&w.compartment_a).await.unwrap();
    assert_eq!(item(&ledger, &paper.id).state, "held");
    assert!(!item(&ledger, &paper.id).open);

    // The CSV export: one row per event, a formula-like cell escaped.
    handler
        .add_ledger_item(
            &w.compartment_a,
            &NewLedgerItem {
                kind: "medium".into(),
                title: "=HYPERLINK(\"http://x\")".into(),
                opening: "receipt".into(),
                place: None,
                department: None,
                note: None,
            },
        )
        .await
        .unwrap();
    let (s, csv) = handler
        .send(handler.request(
            reqwest::Method::GET,
            &format!("/compartments/{}/ledger.csv", w.compartment_a),
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("試験成績書 第3版"), "{csv}");
    assert!(csv.contains("carry_out"));
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"));
    gw.stop().await;
}
