//! The shared test world: two contractors with a contract and compartment
//! each, a registered terminal per company, handlers and members.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::gateway::{Gateway, TerminalCert};

pub struct World {
    pub company_a: String,
    pub company_b: String,
    pub contract_a: String,
    pub contract_b: String,
    pub compartment_a: String,
    pub compartment_b: String,
    /// The registered terminal of company A (a.* users sign in from it).
    pub terminal_a: TerminalCert,
    /// The registered terminal of company B (b.* users sign in from it).
    pub terminal_b: TerminalCert,
    /// username → (user id, password)
    pub users: Vec<(String, String, String)>,
}

impl World {
    pub fn password(&self, username: &str) -> &str {
        &self.users.iter().find(|u| u.0 == username).unwrap().2
    }
    pub fn user_id(&self, username: &str) -> &str {
        &self.users.iter().find(|u| u.0 == username).unwrap().1
    }
}

/// Company A: handler `a.handler`, non-handler `a.member`, `a.removed` (designated then removed).
/// Company B: handler `b.handler` of contract B.
pub async fn world(gw: &Gateway) -> World {
    let mut op = gw.operator().await;
    let company = |name: &'static str| {
        let mut op = op.clone();
        async move {
            let (s, b) = op
                .json(
                    Method::POST,
                    "/api/v1/admin/companies",
                    json!({ "name": name }),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            b["id"].as_str().unwrap().to_owned()
        }
    };
    let company_a = company("株式会社エー精機").await;
    let company_b = company("ビー電子工業").await;
    let contract = |company: String, number: &'static str| {
        let mut op = op.clone();
        async move {
            let (s, b) = op
                .json(
                    Method::POST,
                    "/api/v1/admin/contracts",
                    json!({ "company_id": company, "number": number, "title": "試験", "starts_on": "2026-04-01",
                            "ends_on": "2027-03-31", "special_clause": true }),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            b["id"].as_str().unwrap().to_owned()
        }
    };
    let contract_a = contract(company_a.clone(), "A-1").await;
    let contract_a2 = contract(company_a.clone(), "A-3").await;
    let contract_b = contract(company_b.clone(), "B-1").await;
    let open = |contract: String| {
        let mut op = op.clone();
        async move {
            let (s, b) = op
                .call(
                    Method::POST,
                    &format!("/api/v1/admin/contracts/{contract}/compartment"),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            b["id"].as_str().unwrap().to_owned()
        }
    };
    let compartment_a = open(contract_a.clone()).await;
    let compartment_b = open(contract_b.clone()).await;
    let terminal_a = gw.register_terminal(&mut op, &company_a, "A-PC-01").await;
    let terminal_b = gw.register_terminal(&mut op, &company_b, "B-PC-01").await;
    let mut users = Vec::new();
    for (name, company) in [
        ("a.handler", &company_a),
        ("a.member", &company_a),
        ("a.removed", &company_a),
        ("b.handler", &company_b),
    ] {
        let password = format!("Pw-{name}-9Zq4-long-enough");
        let (s, b) = op
            .json(
                Method::POST,
                "/api/v1/admin/users",
                json!({ "company_id": company, "username": name, "display_name": name, "role": "member" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        gw.enrol(name, b["enrolment_path"].as_str().unwrap(), &password)
            .await;
        let terminal = if company == &company_a {
            &terminal_a
        } else {
            &terminal_b
        };
        gw.use_terminal(name, terminal);
        users.push((
            name.to_owned(),
            b["id"].as_str().unwrap().to_owned(),
            password,
        ));
    }
    let id = |n: &str| users.iter().find(|u| u.0 == n).unwrap().1.clone();
    // a.removed also handles A-2, so removing it from A-1 leaves it active
    // (removal from the last contract would disable the account).
    for (contract, user) in [
        (&contract_a, id("a.handler")),
        (&contract_a, id("a.removed")),
        (&contract_a2, id("a.removed")),
        (&contract_b, id("b.handler")),
    ] {
        let (s, b) = op
            .call(
                Method::PUT,
                &format!("/api/v1/admin/contracts/{contract}/handlers/{user}"),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    }
    let (s, _) = op
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/admin/contracts/{contract_a}/handlers/{}",
                id("a.removed")
            ),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    World {
        company_a,
        company_b,
        contract_a,
        contract_b,
        compartment_a,
        compartment_b,
        terminal_a,
        terminal_b,
        users,
    }
}
