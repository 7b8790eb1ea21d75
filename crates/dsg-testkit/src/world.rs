//! The shared test world: two contractors with a contract and compartment
//! each, a registered terminal per company, handlers and members.

use dsg_proto::files::{NewCompany, NewContract, NewUser};

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
            let company = NewCompany {
                name: name.to_owned(),
            };
            let created = op.create_company(&company).await;
            created.unwrap_or_else(|e| panic!("{e}")).id
        }
    };
    let company_a = company("株式会社エー精機").await;
    let company_b = company("ビー電子工業").await;
    let contract = |company: String, number: &'static str| {
        let mut op = op.clone();
        async move {
            let contract = NewContract {
                company_id: company,
                number: number.to_owned(),
                title: "試験".to_owned(),
                starts_on: "2026-04-01".to_owned(),
                ends_on: "2027-03-31".to_owned(),
                special_clause: true,
            };
            let created = op.create_contract(&contract).await;
            created.unwrap_or_else(|e| panic!("{e}")).id
        }
    };
    let contract_a = contract(company_a.clone(), "A-1").await;
    let contract_a2 = contract(company_a.clone(), "A-3").await;
    let contract_b = contract(company_b.clone(), "B-1").await;
    let open = |contract: String| {
        let mut op = op.clone();
        async move {
            let opened = op.open_compartment(&contract).await;
            opened.unwrap_or_else(|e| panic!("{e}")).id
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
        let user = NewUser {
            company_id: company.clone(),
            username: name.to_owned(),
            display_name: name.to_owned(),
            role: "member".to_owned(),
            valid_until: None,
        };
        let created = op
            .create_user(&user)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        gw.enrol(name, &created.enrolment_path, &password).await;
        let terminal = if company == &company_a {
            &terminal_a
        } else {
            &terminal_b
        };
        gw.use_terminal(name, terminal);
        users.push((name.to_owned(), created.user.id, password));
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
        op.designate_handler(contract, &user)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    op.remove_handler(&contract_a, &id("a.removed"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
