//! Pages offer a button only when the policy point (and the domain's rule
//! the use case applies) would allow its action: the operator who asked for
//! an authenticator reset is not offered its approval, nobody is offered to
//! assign duties to themselves, and a duty is offered only to those who may
//! hold it. What is allowed is still offered.

use reqwest::{Method, StatusCode};

use crate::harness::{world, Client, Db, Gateway};
use crate::policies::second_operator;

async fn page(client: &mut Client, path: &str) -> String {
    let (s, body) = client.send(client.request(Method::GET, path)).await;
    assert_eq!(s, StatusCode::OK, "{path}");
    String::from_utf8(body).unwrap()
}

/// The markup of the accounts table's row of `username`.
fn account_row<'a>(page: &'a str, username: &str) -> &'a str {
    let row = page
        .split("<tr class=\"account-row\"")
        .find(|row| row.contains(&format!("data-username=\"{username}\"")))
        .unwrap_or_else(|| panic!("no row of {username}"));
    row.split("</tr>").next().unwrap()
}

#[tokio::test]
async fn the_accounts_page_offers_only_what_the_policy_allows() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let mut op2 = second_operator(&gw, &mut op).await;
    op.request_reset(w.user_id("a.member")).await.unwrap();

    let asked = page(&mut op, "/admin/accounts").await;
    let other = page(&mut op2, "/admin/accounts").await;
    assert!(asked.contains("class=\"reset-row\""), "{asked}");
    assert!(
        !asked.contains("approve-reset"),
        "the operator who asked is offered the approval"
    );
    assert!(
        other.contains("approve-reset"),
        "the second operator is not"
    );

    // Duties: never one's own; auditors are agency members who are not
    // operators, security administrators belong to a contractor.
    let own = account_row(&asked, "operator");
    assert!(!own.contains("grant-"), "{own}");
    let seen_by_other = account_row(&other, "operator");
    assert!(!seen_by_other.contains("grant-auditor"), "{seen_by_other}");
    let member = account_row(&asked, "a.member");
    assert!(member.contains("grant-security-admin"), "{member}");
    assert!(!member.contains("grant-auditor"), "{member}");
    // Everything an operator may do to an account is still offered.
    for button in ["account-unlock", "account-disable", "account-reset"] {
        assert!(member.contains(button), "{button}: {member}");
    }
    gw.stop().await;
}

#[tokio::test]
async fn a_handler_is_offered_what_they_may_do_with_a_file() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let compartment = page(&mut handler, &format!("/compartments/{}", w.compartment_a)).await;
    assert!(compartment.contains("id=\"upload-form\""), "{compartment}");
    // A member of the same company is no handler: the compartment is not
    // theirs to open, so neither page is offered.
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let (s, _) = member
        .send(member.request(Method::GET, &format!("/compartments/{}", w.compartment_a)))
        .await;
    assert_ne!(s, StatusCode::OK);
    gw.stop().await;
}
