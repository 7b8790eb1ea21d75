//! Which ids exist is nobody's business but those who may act on them:
//! every endpoint naming an object answers a real id of another company
//! (or one the caller may not touch) exactly as it answers a made-up id,
//! for the anonymous and for signed-in callers of both companies.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

/// Ids of objects that belong to one company (and are not the caller's).
struct Theirs {
    company: String,
    user: String,
    contract: String,
    compartment: String,
    terminal: String,
    session: String,
    authenticator: String,
    application: String,
    membership: String,
    change: String,
}

/// Every endpoint that names an object, as (method, path, body) with the
/// object's id taken from `ids`.
fn endpoints(ids: &Theirs) -> Vec<(Method, String, Value)> {
    let roster = json!({ "full_name": "偽装", "birth_date": "1980-01-01", "department": "x",
        "position": "x", "nationality": "x", "undertaking_date": "2026-01-01" });
    let training = json!({ "course": "annual", "completed_on": "2026-01-01", "topics": "x",
        "instructor": "x" });
    let Theirs {
        company,
        user,
        contract,
        compartment,
        terminal,
        session,
        authenticator,
        application,
        membership,
        change,
    } = ids;
    let null = Value::Null;
    vec![
        (
            Method::GET,
            format!("/api/v1/audit/companies/{company}/extract"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/records/companies/{company}"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/records/companies/{company}/roster.csv"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/compliance/companies/{company}"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/compliance/companies/{company}/attestations"),
            json!({ "requirement": "4-1", "attested_by": "偽装", "document": "x",
                    "attested_on": "2026-01-01", "valid_until": "2026-12-31" }),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{user}/duties"),
            json!({ "duty": "security-admin" }),
        ),
        (
            Method::DELETE,
            format!("/api/v1/admin/users/{user}/duties/security-admin"),
            null.clone(),
        ),
        (
            Method::PUT,
            format!("/api/v1/records/roster/{user}"),
            roster,
        ),
        (
            Method::DELETE,
            format!("/api/v1/records/roster/{user}"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/records/roster/{user}/confirm"),
            json!({ "submitted_at": 0 }),
        ),
        (
            Method::POST,
            format!("/api/v1/records/training/{user}"),
            training,
        ),
        (
            Method::PUT,
            format!("/api/v1/records/consent/{user}"),
            json!({ "signed_on": "2026-01-01", "protected_system": true, "monitored": true,
                    "liability": true }),
        ),
        (
            Method::DELETE,
            format!("/api/v1/records/consent/{user}"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/records/companies/{company}/roles"),
            json!({ "user_id": user, "role": "system-staff", "unit": "x" }),
        ),
        (
            Method::DELETE,
            // No designation exists in the world: a made-up one of theirs.
            format!(
                "/api/v1/records/companies/{company}/roles/{}",
                uuid::Uuid::new_v4()
            ),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/admin/access/users/{user}"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/admin/access/compartments/{compartment}"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/accounts/{user}/enrolment-link"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/accounts/{user}/reset"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/accounts/{user}/unlock"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/terminals/{terminal}/certificate"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/terminals/{terminal}/quarantine"),
            json!({ "reason": "probe" }),
        ),
        (
            Method::GET,
            format!("/api/v1/admin/contracts/{contract}/handlers"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/contracts/{contract}/compartment"),
            null.clone(),
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/contracts/{contract}/handlers/{user}"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/admin/contracts/{contract}/participants"),
            null.clone(),
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/contracts/{contract}/participants/{user}"),
            null.clone(),
        ),
        (
            Method::DELETE,
            format!("/api/v1/admin/contracts/{contract}/participants/{user}"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/compartments/{compartment}/files"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/compartments/{compartment}/disposals"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/compartments/{compartment}/ledger"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/compartments/{compartment}/ledger/items"),
            json!({ "kind": "paper", "title": "x", "opening": "receipt" }),
        ),
        (
            Method::DELETE,
            format!("/api/v1/me/sessions/{session}"),
            null.clone(),
        ),
        (
            Method::DELETE,
            format!("/api/v1/me/authenticators/{authenticator}"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/applications/software/{application}"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/software/{application}/withdraw"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/software/{application}/approve"),
            json!({ "reason": "probe" }),
        ),
        (
            Method::GET,
            format!("/api/v1/applications/membership/{membership}"),
            null.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/applications/membership/{membership}/notice"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/membership/{membership}/withdraw"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/membership/{membership}/accept"),
            json!({ "provider_id": company }),
        ),
        (
            Method::PUT,
            format!("/api/v1/applications/membership/{membership}/schedule"),
            json!({ "step": "site_check", "due_on": "2030-06-03" }),
        ),
        (
            Method::GET,
            format!("/api/v1/applications/change/{change}"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/change/{change}/withdraw"),
            null.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/change/{change}/complete"),
            json!({ "reason": "probe" }),
        ),
        (
            Method::POST,
            "/api/v1/applications/software".to_owned(),
            json!({ "company_id": company, "product": "x", "version": "1", "vendor": "x",
                    "purpose": "x", "installation": "offline", "updates": "none",
                    "preinstalled": false }),
        ),
    ]
}

/// The same objects' ids, made up.
fn random_ids() -> Theirs {
    let uuid = || uuid::Uuid::new_v4().to_string();
    Theirs {
        company: uuid(),
        user: uuid(),
        contract: uuid(),
        compartment: uuid(),
        terminal: uuid(),
        session: "0123456789abcdef".to_owned(),
        authenticator: uuid(),
        application: uuid(),
        membership: uuid(),
        change: uuid(),
    }
}

async fn first_id(client: &mut Client, path: &str, list: &str) -> String {
    let (s, b) = client.get(path).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b[list][0]["id"].as_str().unwrap().to_owned()
}

/// An application of `company`, filed by an operator on its behalf.
async fn application_of(gw: &Gateway, company: &str) -> String {
    let (s, b) = gw
        .operator()
        .await
        .json(
            Method::POST,
            "/api/v1/applications/software",
            json!({ "company_id": company, "product": "x", "version": "1", "vendor": "x",
                    "purpose": "x", "installation": "offline", "updates": "none",
                    "preinstalled": false }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

/// A change request of `company`, filed by an operator on its behalf.
async fn change_of(gw: &Gateway, company: &str) -> String {
    let (s, b) = gw
        .operator()
        .await
        .json(
            Method::POST,
            "/api/v1/applications/change",
            json!({ "company_id": company, "change": "contacts", "details": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

/// A membership application of `company`, filed by an operator on its
/// behalf.
async fn membership_of(gw: &Gateway, company: &str) -> String {
    gw.operator()
        .await
        .file_membership(&crate::memberships::form(Some(company)))
        .await
        .unwrap()
        .membership
        .id
}

async fn answer(
    client: &mut Client,
    (method, path, body): &(Method, String, Value),
) -> (StatusCode, Value) {
    if body.is_null() {
        client.call(method.clone(), path).await
    } else {
        client.json(method.clone(), path, body.clone()).await
    }
}

async fn id_probes(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut a_handler = gw.login("a.handler", w.password("a.handler")).await;
    let mut b_handler = gw.login("b.handler", w.password("b.handler")).await;
    let of_a = Theirs {
        company: w.company_a.clone(),
        user: w.user_id("a.handler").to_owned(),
        contract: w.contract_a.clone(),
        compartment: w.compartment_a.clone(),
        terminal: w.terminal_a.id.clone(),
        session: first_id(&mut a_handler, "/api/v1/me/sessions", "sessions").await,
        authenticator: first_id(
            &mut a_handler,
            "/api/v1/me/authenticators",
            "authenticators",
        )
        .await,
        application: application_of(&gw, &w.company_a).await,
        membership: membership_of(&gw, &w.company_a).await,
        change: change_of(&gw, &w.company_a).await,
    };
    let of_b = Theirs {
        company: w.company_b.clone(),
        user: w.user_id("b.handler").to_owned(),
        contract: w.contract_b.clone(),
        compartment: w.compartment_b.clone(),
        terminal: w.terminal_b.id.clone(),
        session: first_id(&mut b_handler, "/api/v1/me/sessions", "sessions").await,
        authenticator: first_id(
            &mut b_handler,
            "/api/v1/me/authenticators",
            "authenticators",
        )
        .await,
        application: application_of(&gw, &w.company_b).await,
        membership: membership_of(&gw, &w.company_b).await,
        change: change_of(&gw, &w.company_b).await,
    };
    let callers: Vec<(&str, Client, &Theirs)> = vec![
        ("anonymous", gw.client(), &of_b),
        ("A's handler", a_handler.clone(), &of_b),
        (
            "A's non-handler",
            gw.login("a.member", w.password("a.member")).await,
            &of_b,
        ),
        ("B's handler", b_handler.clone(), &of_a),
    ];
    let made_up = random_ids();
    let mut answers = 0;
    for (who, mut client, theirs) in callers {
        for (real, random) in endpoints(theirs).into_iter().zip(endpoints(&made_up)) {
            let (s_real, b_real) = answer(&mut client, &real).await;
            let (s_random, b_random) = answer(&mut client, &random).await;
            assert!(
                s_real.is_client_error(),
                "{who}: {} {} was let through: {s_real}",
                real.0,
                real.1
            );
            if who == "anonymous" {
                assert_eq!(
                    s_real,
                    StatusCode::UNAUTHORIZED,
                    "{who}: {} {}",
                    real.0,
                    real.1
                );
            }
            assert_eq!(
                (s_real, &b_real),
                (s_random, &b_random),
                "{who}: {} {} tells a real id from a made-up one ({})",
                real.0,
                real.1,
                random.1
            );
            answers += 1;
        }
    }
    assert!(answers >= 80);
    gw.stop().await;
}

#[tokio::test]
async fn real_and_made_up_ids_get_the_same_answer_on_sqlite() {
    id_probes(Db::Sqlite).await;
}

#[tokio::test]
async fn real_and_made_up_ids_get_the_same_answer_on_postgres() {
    id_probes(Db::Postgres).await;
}
