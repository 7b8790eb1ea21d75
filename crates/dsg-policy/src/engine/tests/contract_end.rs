//! The end of a contract (第6-7): a compartment read-only after its last
//! day, closed for good, and requests about the end decided by the agency,
//! never by who made them.

use super::*;
use dsg_core::{CompartmentPhase, Duty, EndRequestKind, FileStatus};

use crate::request::{EndRequestFacts, FileFacts};

fn compartment(
    company: CompanyId,
    contract: ContractId,
    phase: CompartmentPhase,
) -> CompartmentFacts {
    CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase,
    }
}

fn request(c: &CompartmentFacts, kind: EndRequestKind, by: UserId) -> Resource {
    Resource::EndRequest(EndRequestFacts {
        id: "r-1".into(),
        compartment: c.clone(),
        kind,
        requested_by: by,
    })
}

#[test]
fn after_the_end_nothing_is_uploaded_and_files_are_still_read() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let active = compartment(company, contract, CompartmentPhase::Active);
    let d = ask(
        &engine,
        Principal::User(handler.clone()),
        Action::FileUpload,
        Resource::Compartment(active),
    );
    assert!(d.allowed, "{d:?}");
    for phase in [CompartmentPhase::Ended, CompartmentPhase::Extended] {
        let c = compartment(company, contract, phase);
        let file = Resource::File(FileFacts {
            id: dsg_core::FileId::random(),
            compartment: c.clone(),
            status: FileStatus::Active,
        });
        for resource in [Resource::Compartment(c.clone()), file.clone()] {
            let d = ask(
                &engine,
                Principal::User(handler.clone()),
                Action::FileUpload,
                resource,
            );
            assert!(!d.allowed);
            assert_eq!(d.policies, vec!["contract-ended-read-only"]);
        }
        let d = ask(
            &engine,
            Principal::User(handler.clone()),
            Action::FileRead,
            file,
        );
        assert!(d.allowed, "{phase:?}: {d:?}");
    }
    let closed = compartment(company, contract, CompartmentPhase::Closed);
    for action in [Action::FileList, Action::FileRead, Action::CompartmentView] {
        let d = ask(
            &engine,
            Principal::User(handler.clone()),
            action,
            Resource::Compartment(closed.clone()),
        );
        assert!(!d.allowed);
        assert!(
            d.policies.contains(&"compartment-closed".to_owned()),
            "{d:?}"
        );
    }
}

#[test]
fn the_company_asks_and_the_agency_decides_never_its_own() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let c = compartment(company, contract, CompartmentPhase::Ended);
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let bystander = user(company, CompanyKind::Contractor, Role::Member, vec![]);
    let manager = UserFacts {
        duties: vec![Duty::SecurityAdmin],
        ..user(company, CompanyKind::Contractor, Role::Member, vec![])
    };
    let agency = CompanyId::random();
    let operator = user(agency, CompanyKind::Agency, Role::Operator, vec![]);
    let mut participant = user(agency, CompanyKind::Agency, Role::Member, vec![]);
    participant.participant_of = vec![contract];
    let mut other_participant = user(agency, CompanyKind::Agency, Role::Member, vec![]);
    other_participant.participant_of = vec![ContractId::random()];
    let other_handler = user(
        CompanyId::random(),
        CompanyKind::Contractor,
        Role::Member,
        vec![ContractId::random()],
    );
    let on = Resource::Compartment(c.clone());
    for (who, allowed) in [
        (&handler, true),
        (&manager, true),
        (&bystander, false),
        (&operator, false),
        (&other_handler, false),
    ] {
        let d = ask(
            &engine,
            Principal::User(who.clone()),
            Action::KeepingRequest,
            on.clone(),
        );
        assert_eq!(d.allowed, allowed, "{d:?}");
    }
    let extension = request(&c, EndRequestKind::Extension, handler.id);
    for (who, allowed) in [
        (&operator, true),
        (&participant, true),
        (&other_participant, false),
        (&handler, false),
        (&manager, false),
        (&other_handler, false),
    ] {
        let d = ask(
            &engine,
            Principal::User(who.clone()),
            Action::KeepingDecide,
            extension.clone(),
        );
        assert_eq!(d.allowed, allowed, "{d:?}");
    }
    // An agency person who asked (on the company's behalf) decides nothing
    // of theirs.
    let own = request(&c, EndRequestKind::Extension, operator.id);
    let d = ask(
        &engine,
        Principal::User(operator.clone()),
        Action::KeepingDecide,
        own,
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["end-request-not-self-decided"]);
    // A proposal to close is approved by another agency person.
    let close = request(&c, EndRequestKind::Close, participant.id);
    let d = ask(
        &engine,
        Principal::User(participant.clone()),
        Action::CompartmentCloseApprove,
        close.clone(),
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["end-request-not-self-decided"]);
    let d = ask(
        &engine,
        Principal::User(operator.clone()),
        Action::CompartmentCloseApprove,
        close.clone(),
    );
    assert!(d.allowed, "{d:?}");
    // Each request by its own action.
    let d = ask(
        &engine,
        Principal::User(operator.clone()),
        Action::KeepingDecide,
        close,
    );
    assert!(!d.allowed);
    // Proposing to close: the agency's.
    for (who, allowed) in [
        (&operator, true),
        (&participant, true),
        (&handler, false),
        (&other_participant, false),
    ] {
        let d = ask(
            &engine,
            Principal::User(who.clone()),
            Action::CompartmentClose,
            on.clone(),
        );
        assert_eq!(d.allowed, allowed, "{d:?}");
    }
    // Nothing more once closed.
    let closed = compartment(company, contract, CompartmentPhase::Closed);
    let d = ask(
        &engine,
        Principal::User(operator.clone()),
        Action::CompartmentCloseApprove,
        request(&closed, EndRequestKind::Close, participant.id),
    );
    assert!(!d.allowed);
    let d = ask(
        &engine,
        Principal::User(handler),
        Action::KeepingRequest,
        Resource::Compartment(closed),
    );
    assert!(!d.allowed);
}

#[test]
fn closing_needs_a_fresh_passkey() {
    let engine = PolicyEngine::embedded().unwrap();
    let contract = ContractId::random();
    let c = compartment(CompanyId::random(), contract, CompartmentPhase::Ended);
    let operator = user(
        CompanyId::random(),
        CompanyKind::Agency,
        Role::Operator,
        vec![],
    );
    let stale = SessionFacts {
        step_up_fresh: false,
        ..FRESH_PASSKEY
    };
    let d = ask_in(
        &engine,
        Principal::User(operator),
        Action::CompartmentClose,
        Resource::Compartment(c),
        stale,
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["step-up-for-contract-end"]);
}
