//! Help-desk tickets: visible only to their company and the desk.

use super::*;
use crate::request::{ApplicationFacts, CompanyFacts};
use dsg_core::Duty;

fn ticket(company: CompanyId, requested_by: UserId, provider: Option<CompanyId>) -> Resource {
    Resource::Application(ApplicationFacts {
        id: "ticket-1".into(),
        company,
        company_kind: CompanyKind::Contractor,
        requested_by,
        provider,
    })
}

#[test]
fn any_user_of_the_company_files_and_keeps_its_tickets_and_nobody_else() {
    let engine = PolicyEngine::embedded().unwrap();
    let (a, b) = (CompanyId::random(), CompanyId::random());
    let member = user(a, CompanyKind::Contractor, Role::Member, vec![]);
    let stranger = user(b, CompanyKind::Contractor, Role::Member, vec![]);
    let file = |who: &UserFacts, on: CompanyId| {
        ask(
            &engine,
            Principal::User(who.clone()),
            Action::TicketFile,
            Resource::Company(CompanyFacts {
                id: on,
                kind: CompanyKind::Contractor,
            }),
        )
    };
    let d = file(&member, a);
    assert!(d.allowed);
    assert_eq!(d.policies, vec!["company-users-file-tickets"]);
    assert!(!file(&member, b).allowed);
    assert!(!file(&stranger, a).allowed);

    let own = ticket(a, member.id, None);
    for action in [Action::TicketRead, Action::TicketAct] {
        assert!(
            ask(
                &engine,
                Principal::User(member.clone()),
                action,
                own.clone()
            )
            .allowed
        );
        assert!(
            !ask(
                &engine,
                Principal::User(stranger.clone()),
                action,
                own.clone()
            )
            .allowed
        );
        // A ticket action never opens an application of another kind's
        // actions: the company member still reads no application.
        assert!(
            !ask(
                &engine,
                Principal::User(member.clone()),
                Action::ApplicationRead,
                own.clone()
            )
            .allowed
        );
    }
}

#[test]
fn the_desk_answers_and_a_provider_only_where_assigned() {
    let engine = PolicyEngine::embedded().unwrap();
    let (agency, a, provider) = (
        CompanyId::random(),
        CompanyId::random(),
        CompanyId::random(),
    );
    let operator = user(agency, CompanyKind::Agency, Role::Operator, vec![]);
    let auditor = UserFacts {
        duties: vec![Duty::Auditor],
        ..user(agency, CompanyKind::Agency, Role::Member, vec![])
    };
    let staff = UserFacts {
        duties: vec![Duty::TerminalSetup],
        ..user(provider, CompanyKind::Contractor, Role::Member, vec![])
    };
    let unassigned = ticket(a, UserId::random(), None);
    let assigned = ticket(a, UserId::random(), Some(provider));
    let d = ask(
        &engine,
        Principal::User(operator),
        Action::TicketAct,
        unassigned.clone(),
    );
    assert!(d.allowed);
    assert_eq!(d.policies, vec!["agency-desk-keeps-tickets"]);
    assert!(
        !ask(
            &engine,
            Principal::User(auditor),
            Action::TicketAct,
            unassigned.clone()
        )
        .allowed
    );
    assert!(
        !ask(
            &engine,
            Principal::User(staff.clone()),
            Action::TicketRead,
            unassigned
        )
        .allowed
    );
    assert!(
        ask(
            &engine,
            Principal::User(staff),
            Action::TicketRead,
            assigned
        )
        .allowed
    );
}
