//! Applications: company isolation and separation of duties.

use super::*;
use crate::request::{ApplicationFacts, CompanyFacts};
use dsg_core::Duty;

fn application(company: CompanyId, requested_by: UserId) -> Resource {
    Resource::Application(ApplicationFacts {
        id: "app-1".into(),
        company,
        company_kind: CompanyKind::Contractor,
        requested_by,
        provider: None,
    })
}

#[test]
fn nobody_decides_an_application_they_filed() {
    let engine = PolicyEngine::embedded().unwrap();
    let agency = CompanyId::random();
    let operator = user(agency, CompanyKind::Agency, Role::Operator, vec![]);
    let own = application(CompanyId::random(), operator.id);
    let d = ask(
        &engine,
        Principal::User(operator.clone()),
        Action::ApplicationDecide,
        own,
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["no-self-decided-applications"]);

    let other = application(CompanyId::random(), UserId::random());
    let d = ask(
        &engine,
        Principal::User(operator),
        Action::ApplicationDecide,
        other,
    );
    assert!(d.allowed);
    assert_eq!(d.policies, vec!["agency-operator-decides-applications"]);
}

#[test]
fn a_company_files_and_reads_only_its_own_applications() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let mut admin = user(company, CompanyKind::Contractor, Role::Member, vec![]);
    admin.duties = vec![Duty::SecurityAdmin];
    let own = CompanyFacts {
        id: company,
        kind: CompanyKind::Contractor,
    };
    let other = CompanyFacts {
        id: CompanyId::random(),
        kind: CompanyKind::Contractor,
    };
    let file = |on: CompanyFacts, who: &UserFacts| {
        ask(
            &engine,
            Principal::User(who.clone()),
            Action::ApplicationFile,
            Resource::Company(on),
        )
        .allowed
    };
    assert!(file(own.clone(), &admin));
    assert!(!file(other.clone(), &admin));
    // Without the duty, a member of the company files nothing.
    let member = user(company, CompanyKind::Contractor, Role::Member, vec![]);
    assert!(!file(own, &member));

    for action in [Action::ApplicationRead, Action::ApplicationAct] {
        let mine = application(company, admin.id);
        assert!(
            ask(
                &engine,
                Principal::User(admin.clone()),
                action,
                mine.clone()
            )
            .allowed
        );
        assert!(!ask(&engine, Principal::User(member.clone()), action, mine).allowed);
        let theirs = application(other.id, UserId::random());
        assert!(!ask(&engine, Principal::User(admin.clone()), action, theirs).allowed);
    }
    // A company never decides, not even on its own application.
    let mine = application(company, UserId::random());
    assert!(
        !ask(
            &engine,
            Principal::User(admin),
            Action::ApplicationDecide,
            mine
        )
        .allowed
    );
}

#[test]
fn the_provider_sees_only_the_applications_assigned_to_it() {
    let engine = PolicyEngine::embedded().unwrap();
    let provider = CompanyId::random();
    let mut surveyor = user(provider, CompanyKind::Contractor, Role::Member, vec![]);
    surveyor.duties = vec![Duty::SiteSurvey];
    let company = CompanyId::random();
    let on = |assigned: Option<CompanyId>| {
        Resource::Application(ApplicationFacts {
            id: "m-1".into(),
            company,
            company_kind: CompanyKind::Contractor,
            requested_by: UserId::random(),
            provider: assigned,
        })
    };
    for action in [Action::ApplicationRead, Action::ApplicationAct] {
        let d = ask(
            &engine,
            Principal::User(surveyor.clone()),
            action,
            on(Some(provider)),
        );
        assert!(d.allowed, "{action:?}");
        assert_eq!(
            d.policies,
            vec!["provider-staff-keep-assigned-applications"]
        );
        // Assigned to another provider, or to none yet.
        for other in [Some(CompanyId::random()), None] {
            let d = ask(
                &engine,
                Principal::User(surveyor.clone()),
                action,
                on(other),
            );
            assert!(!d.allowed, "{action:?} {other:?}");
        }
    }
    // The provider decides nothing, assigned or not.
    let d = ask(
        &engine,
        Principal::User(surveyor.clone()),
        Action::ApplicationDecide,
        on(Some(provider)),
    );
    assert!(!d.allowed);
    // Without a provider duty, its other staff see nothing.
    let mut other_staff = surveyor;
    other_staff.duties = vec![];
    let d = ask(
        &engine,
        Principal::User(other_staff),
        Action::ApplicationRead,
        on(Some(provider)),
    );
    assert!(!d.allowed);
}
