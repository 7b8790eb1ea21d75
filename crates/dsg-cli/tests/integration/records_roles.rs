//! The company's roles (第5-2(3)) and the protected-system users' consent
//! (第5-2(2)) against the real binary: where the deployment requires it, a
//! handler without recorded consent reaches no data, and does from the next
//! request once it is recorded; the policy point refuses a combination of
//! roles the standard forbids and an audit department without a member
//! from outside the unit it audits; another company's executive designates
//! nothing here. On SQLite and PostgreSQL.

use dsg_proto::records::SystemUseConsent;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Db, Gateway};

fn today() -> String {
    let now = time::OffsetDateTime::now_utc() + time::Duration::hours(9);
    let date = now.date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn consent(all: bool) -> Value {
    json!({ "signed_on": today(), "protected_system": true, "monitored": all, "liability": true })
}

#[tokio::test]
async fn data_needs_recorded_consent_sqlite() {
    consent_gates_data(Db::Sqlite).await;
}

#[tokio::test]
async fn data_needs_recorded_consent_postgres() {
    consent_gates_data(Db::Postgres).await;
}

async fn consent_gates_data(db: Db) {
    let Some(gw) = Gateway::start_with(
        db,
        &[("DSG_ZERO_TRUST__REQUIRE_SYSTEM_USE_CONSENT", "true")],
    )
    .await
    else {
        return;
    };
    let w = world(&gw).await;
    let handler_id = w.user_id("a.handler").to_owned();
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let (s, b) = handler.get(&files).await;
    assert!(s.is_client_error(), "without consent: {s} {b}");

    let mut op = gw.operator().await;
    let path = format!("/api/v1/records/consent/{handler_id}");
    // Not all three items: refused, nothing recorded.
    let (s, b) = op.json(Method::PUT, &path, consent(false)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = handler.get(&files).await;
    assert!(s.is_client_error());

    let recorded = op
        .record_consent(
            &handler_id,
            &SystemUseConsent {
                signed_on: today(),
                protected_system: true,
                monitored: true,
                liability: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(recorded.status, "consented");
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK, "with consent: {b}");

    // The records show it, opened; the agency reads it.
    let (s, records) = op
        .get(&format!("/api/v1/records/companies/{}", w.company_a))
        .await;
    assert_eq!(s, StatusCode::OK, "{records}");
    assert_eq!(records["consent_required"], true);
    let person = records["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == handler_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(person["consent"]["consented"], true, "{person}");
    assert_eq!(person["consent"]["consent"]["signed_on"], today().as_str());

    // Another company's people do not record it for company A.
    let mut stranger = gw.login("b.handler", w.password("b.handler")).await;
    let (s, _) = stranger.json(Method::PUT, &path, consent(true)).await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}"
    );

    // Withdrawn: no data from the next request on.
    let (s, b) = op.call(Method::DELETE, &path).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = handler.get(&files).await;
    assert!(s.is_client_error(), "after withdrawal: {s}");
    let (s, _) = op.call(Method::DELETE, &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing in force to withdraw");
}

#[tokio::test]
async fn roles_are_separated_by_the_policy_point_sqlite() {
    roles_separated(Db::Sqlite).await;
}

#[tokio::test]
async fn roles_are_separated_by_the_policy_point_postgres() {
    roles_separated(Db::Postgres).await;
}

async fn roles_separated(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let roles = format!("/api/v1/records/companies/{}/roles", w.company_a);
    let (member, handler, removed) = (
        w.user_id("a.member").to_owned(),
        w.user_id("a.handler").to_owned(),
        w.user_id("a.removed").to_owned(),
    );
    let designate = |user: &str, role: &str, extra: Value| {
        let mut body = json!({ "user_id": user, "role": role, "unit": "設計部" });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        body
    };

    // Nobody of the company designates before it has an executive.
    let mut exec = gw.login("a.member", w.password("a.member")).await;
    let (s, _) = exec
        .json(
            Method::POST,
            &roles,
            designate(&handler, "general-manager", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The agency designates the company's executive on its behalf.
    let mut op = gw.operator().await;
    let (s, b) = op
        .json(
            Method::POST,
            &roles,
            designate(&member, "executive", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // The executive designates: general manager and manager combine.
    let mut exec = gw.login("a.member", w.password("a.member")).await;
    let (s, b) = exec
        .json(
            Method::POST,
            &roles,
            designate(&handler, "general-manager", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = exec
        .json(
            Method::POST,
            &roles,
            designate(&handler, "manager", json!({ "asset": "試作機の設計図面" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // A manager without an asset is invalid input.
    let (s, _) = exec
        .json(
            Method::POST,
            &roles,
            designate(&removed, "manager", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // What the standard forbids, refused by the policy point.
    for role in ["system-admin", "executive"] {
        let (s, b) = exec
            .json(Method::POST, &roles, designate(&handler, role, json!({})))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{role}: {b}");
    }
    let (s, b) = exec
        .json(
            Method::POST,
            &roles,
            designate(&removed, "system-admin", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = exec
        .json(
            Method::POST,
            &roles,
            designate(&removed, "system-staff", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "admin and staff apart: {b}");

    // The audit department's first member comes from outside the unit it
    // audits.
    let b_member = w.user_id("b.handler").to_owned();
    let inside = designate(&member, "audit", json!({ "audited_unit": "設計部" }));
    let (s, _) = op.json(Method::POST, &roles, inside).await;
    // Refused; an agency caller refused on a company's object is answered
    // not-found, as for any object outside their own company.
    assert_eq!(s, StatusCode::NOT_FOUND, "executive and audit apart anyway");

    // Another company's person is not designated here, nor does another
    // company's user designate for company A.
    let (s, _) = op
        .json(
            Method::POST,
            &roles,
            designate(&b_member, "system-staff", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let mut stranger = gw.login("b.handler", w.password("b.handler")).await;
    let (s, _) = stranger
        .json(
            Method::POST,
            &roles,
            designate(&removed, "system-staff", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The records list the designations; the refusals are in the log.
    let (s, records) = op
        .get(&format!("/api/v1/records/companies/{}", w.company_a))
        .await;
    assert_eq!(s, StatusCode::OK, "{records}");
    let held: Vec<(String, String)> = records["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["user_id"].as_str().unwrap().to_owned(),
                r["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        held,
        vec![
            (member.clone(), "executive".to_owned()),
            (handler.clone(), "general-manager".to_owned()),
            (handler.clone(), "manager".to_owned()),
            (removed.clone(), "system-admin".to_owned()),
        ]
    );
    let manager = records["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "manager")
        .unwrap();
    assert_eq!(manager["asset"], "試作機の設計図面");

    // Withdrawn: the administrator may then become staff.
    let admin_id = records["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "system-admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _) = exec
        .call(Method::DELETE, &format!("{roles}/{admin_id}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = exec
        .json(
            Method::POST,
            &roles,
            designate(&removed, "system-staff", json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

#[tokio::test]
async fn the_audit_department_keeps_an_outsider() {
    let Some(gw) = Gateway::start(Db::Sqlite).await else {
        return;
    };
    let w = world(&gw).await;
    let roles = format!("/api/v1/records/companies/{}/roles", w.company_a);
    let mut op = gw.operator().await;
    let audit = |user: &str, unit: &str| json!({ "user_id": w.user_id(user), "role": "audit", "unit": unit, "audited_unit": "設計部" });
    let (s, b) = op
        .json(Method::POST, &roles, audit("a.handler", "設計部"))
        .await;
    // Refused (the agency is answered not-found on a company's object).
    assert_eq!(s, StatusCode::NOT_FOUND, "first member from inside: {b}");
    let (s, outsider) = op
        .json(Method::POST, &roles, audit("a.member", "監査室"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{outsider}");
    let (s, b) = op
        .json(Method::POST, &roles, audit("a.handler", "設計部"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "then an insider: {b}");
    let refused = op
        .revoke_role(&w.company_a, outsider["id"].as_str().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        refused.status(),
        Some(StatusCode::NOT_FOUND),
        "the last outsider stays"
    );
}
