//! The pages of the company's roles and of the protected-system users'
//! consent, through their forms against the real binary: the company's
//! administrator records a handler's consent (all three items, or the form
//! comes back with the refusal beside it and what was typed kept) and the
//! handler reaches data from the next request; the executive designates
//! roles, and a combination the standard forbids comes back refused beside
//! the form; another company's people neither see nor change either page.
//! A handler refused for want of consent is told so (`consent_missing`).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{world, Client, Db, Gateway};

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

async fn page(client: &mut Client, path: &str) -> (StatusCode, String) {
    let req = client.request(Method::GET, path);
    let (s, body) = client.send(req).await;
    (s, String::from_utf8(body).unwrap())
}

/// Posts a form; the status, the `Location` (for a redirect) and the body.
async fn post(
    client: &mut Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let req = client.request(Method::POST, path).form(form);
    let response = client.0.send(req).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

#[tokio::test]
async fn the_pages_record_consent_and_designate_roles_sqlite() {
    pages(Db::Sqlite).await;
}

#[tokio::test]
async fn the_pages_record_consent_and_designate_roles_postgres() {
    pages(Db::Postgres).await;
}

async fn pages(db: Db) {
    let Some(gw) = Gateway::start_with(
        db,
        &[("DSG_ZERO_TRUST__REQUIRE_SYSTEM_USE_CONSENT", "true")],
    )
    .await
    else {
        return;
    };
    let w = world(&gw).await;
    let company = w.company_a.clone();
    let handler_id = w.user_id("a.handler").to_owned();
    let admin_id = w.user_id("a.member").to_owned();
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let consent_page = format!("/records/{company}/consent");
    let roles_page = format!("/records/{company}/roles");

    // The operator makes a.member company A's security administrator.
    let mut op = gw.operator().await;
    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/users/{admin_id}/duties"),
            json!({ "duty": "security-admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let mut admin = gw.login("a.member", w.password("a.member")).await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    // Without consent: refused, and told why.
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no consent, no data: {b}");
    assert_eq!(b["error"]["code"], "consent_missing", "{b}");

    // The records page links both pages; the consent page offers the form
    // for everyone but the administrator themselves.
    let (s, html) = page(&mut admin, &format!("/records/{company}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!("href=\"{roles_page}\"")), "{html}");
    assert!(html.contains(&format!("href=\"{consent_page}\"")));
    let (s, html) = page(&mut admin, &consent_page).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"consent-form\""), "{html}");
    assert!(html.contains(&format!("option value=\"{handler_id}\"")));
    assert!(
        !html.contains(&format!("option value=\"{admin_id}\"")),
        "nobody records their own consent"
    );
    assert!(html.contains(&format!(
        "data-user=\"{handler_id}\" data-username=\"a.handler\" data-state=\"none\""
    )));

    // Two items of three: the form comes back, refused, what was typed kept.
    let date = today();
    let two = [
        ("user", handler_id.as_str()),
        ("signed_on", date.as_str()),
        ("protected_system", "on"),
        ("liability", "on"),
    ];
    let (s, _, html) = post(&mut admin, &consent_page, &two).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("3つの事項すべてへの同意が必要です"), "{html}");
    assert!(html.contains("id=\"consent-form-items-error\""), "{html}");
    assert!(html.contains(&format!("value=\"{date}\"")));
    assert!(html.contains(&format!("option value=\"{handler_id}\" selected")));
    assert!(html.contains("id=\"consent-protected_system\" checked"));
    assert!(!html.contains("id=\"consent-monitored\" checked"));
    let (s, _) = handler.get(&files).await;
    assert!(s.is_client_error(), "nothing was recorded: {s}");

    // Another company's handler neither reads nor records it.
    let mut stranger = gw.login("b.handler", w.password("b.handler")).await;
    let (s, _) = page(&mut stranger, &consent_page).await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}"
    );
    let mut three = two.to_vec();
    three.push(("monitored", "on"));
    let (s, _, _) = post(&mut stranger, &consent_page, &three).await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}"
    );
    let (s, _) = handler.get(&files).await;
    assert!(s.is_client_error());

    // All three: recorded, and the handler reaches data at once.
    let (s, location, _) = post(&mut admin, &consent_page, &three).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{consent_page}?done=consent-recorded"));
    let (s, b) = handler.get(&files).await;
    assert_eq!(s, StatusCode::OK, "with consent: {b}");
    let (_, html) = page(&mut admin, &consent_page).await;
    assert!(html.contains(&format!(
        "data-user=\"{handler_id}\" data-username=\"a.handler\" data-state=\"consented\""
    )));
    assert!(html.contains("consent-withdraw"));

    // Withdrawn through the page: no data from the next request on.
    let withdraw = format!("{consent_page}/{handler_id}/withdraw");
    let (s, location, _) = post(&mut stranger, &withdraw, &[]).await;
    assert_ne!(s, StatusCode::SEE_OTHER, "{location}");
    let (s, location, _) = post(&mut admin, &withdraw, &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{consent_page}?done=consent-withdrawn"));
    let (s, b) = handler.get(&files).await;
    assert_eq!(
        b["error"]["code"], "consent_missing",
        "after withdrawal: {s} {b}"
    );

    // Roles: nobody of the company designates before its executive; the
    // administrator's page lists no form.
    let (s, html) = page(&mut admin, &roles_page).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(!html.contains("id=\"role-form\""), "{html}");
    // The agency designates the executive on the company's behalf.
    let (s, html) = page(&mut op, &roles_page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("option value=\"executive\""), "{html}");
    let executive = [
        ("user_id", admin_id.as_str()),
        ("role", "executive"),
        ("unit", "経営"),
        ("asset", ""),
        ("audited_unit", ""),
    ];
    let (s, location, html) = post(&mut op, &roles_page, &executive).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(location, format!("{roles_page}?done=role-designated"));

    // The executive designates: general manager, then a role the standard
    // does not let the general manager hold as well.
    let mut exec = gw.login("a.member", w.password("a.member")).await;
    let (_, html) = page(&mut exec, &roles_page).await;
    assert!(html.contains("id=\"role-form\""), "{html}");
    let gm = [
        ("user_id", handler_id.as_str()),
        ("role", "general-manager"),
        ("unit", "設計部"),
    ];
    let (s, _, html) = post(&mut exec, &roles_page, &gm).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let forbidden = [
        ("user_id", handler_id.as_str()),
        ("role", "system-admin"),
        ("unit", "情報システム部（入力どおり）"),
    ];
    let (s, _, html) = post(&mut exec, &roles_page, &forbidden).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert!(
        html.contains("方針決定点がこの指定を拒否しました"),
        "{html}"
    );
    assert!(html.contains("id=\"role-form-role-error\""), "{html}");
    assert!(html.contains("value=\"情報システム部（入力どおり）\""));
    assert!(html.contains("option value=\"system-admin\" selected"));
    // Nothing was designated.
    let (s, records) = op
        .get(&format!("/api/v1/records/companies/{company}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let held: Vec<&str> = records["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(held, vec!["executive", "general-manager"]);

    // Invalid input (a manager without an asset) is refused beside the form.
    let manager = [
        ("user_id", handler_id.as_str()),
        ("role", "manager"),
        ("unit", "設計部"),
        ("asset", ""),
    ];
    let (s, _, html) = post(&mut exec, &roles_page, &manager).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("role-form-"), "{html}");

    // Another company's people see and change nothing here.
    let (s, _) = page(&mut stranger, &roles_page).await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}"
    );
    let (s, _, _) = post(&mut stranger, &roles_page, &gm).await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}"
    );

    // Withdrawn through the page, the general manager may then become the
    // protected-system administrator.
    let gm_id = records["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "general-manager")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, html) = page(&mut exec, &roles_page).await;
    let revoke = format!("{roles_page}/{gm_id}/revoke");
    assert!(html.contains(&format!("action=\"{revoke}\"")), "{html}");
    let (s, location, _) = post(&mut exec, &revoke, &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{roles_page}?done=role-revoked"));
    let (s, _, html) = post(&mut exec, &roles_page, &forbidden).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
}
