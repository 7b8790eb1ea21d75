//! Disposal (第6-6): the company's managers see and confirm, the checker
//! is never the performer, only marked files are disposed of.

use super::*;
use dsg_core::{Duty, FileId, FileStatus};

use crate::request::{DisposalFacts, FileFacts};

fn manager(company: CompanyId) -> UserFacts {
    UserFacts {
        duties: vec![Duty::SecurityAdmin],
        ..user(company, CompanyKind::Contractor, Role::Member, vec![])
    }
}

fn compartment(company: CompanyId, contract: ContractId) -> CompartmentFacts {
    CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase: dsg_core::CompartmentPhase::Active,
    }
}

fn disposal(c: &CompartmentFacts, performed_by: UserId) -> Resource {
    Resource::Disposal(DisposalFacts {
        id: "d-1".into(),
        compartment: c.clone(),
        performed_by,
    })
}

#[test]
fn the_performer_never_checks_their_own_disposal() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let c = compartment(company, ContractId::random());
    let performer = manager(company);
    let d = ask(
        &engine,
        Principal::User(performer.clone()),
        Action::DisposalConfirm,
        disposal(&c, performer.id),
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["disposal-checker-not-performer"]);
    // Another manager of the company confirms it.
    let checker = manager(company);
    let d = ask(
        &engine,
        Principal::User(checker),
        Action::DisposalConfirm,
        disposal(&c, performer.id),
    );
    assert!(d.allowed, "{d:?}");
    assert_eq!(d.policies, vec!["company-manager-disposes"]);
}

#[test]
fn only_the_companys_managers_see_and_confirm() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let c = compartment(company, contract);
    let performer = UserId::random();
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let other_manager = manager(CompanyId::random());
    let agency = CompanyId::random();
    let operator = user(agency, CompanyKind::Agency, Role::Operator, vec![]);
    let mut participant = user(agency, CompanyKind::Agency, Role::Member, vec![]);
    participant.participant_of = vec![contract];
    for who in [handler.clone(), other_manager, operator, participant] {
        assert!(
            !ask(
                &engine,
                Principal::User(who.clone()),
                Action::DisposalConfirm,
                disposal(&c, performer),
            )
            .allowed
        );
        assert!(
            !ask(
                &engine,
                Principal::User(who),
                Action::DisposalView,
                Resource::Compartment(c.clone()),
            )
            .allowed
        );
    }
    // The contract's handler records a disposal they carried out, of a
    // marked file only.
    let marked = |status| {
        Resource::File(FileFacts {
            id: FileId::random(),
            compartment: c.clone(),
            status,
        })
    };
    let d = ask(
        &engine,
        Principal::User(handler.clone()),
        Action::DisposalRecord,
        marked(FileStatus::DisposalCandidate),
    );
    assert!(d.allowed, "{d:?}");
    let d = ask(
        &engine,
        Principal::User(handler),
        Action::DisposalRecord,
        marked(FileStatus::Active),
    );
    assert_eq!(d.policies, vec!["disposal-only-of-marked-files"]);
}

#[test]
fn disposal_needs_a_terminal_a_passkey_and_a_fresh_step_up() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let c = compartment(company, ContractId::random());
    let checker = manager(company);
    let resource = disposal(&c, UserId::random());
    let d = ask_from(
        &engine,
        Principal::User(checker.clone()),
        Action::DisposalConfirm,
        resource.clone(),
        FRESH_PASSKEY,
        DeviceFacts::None,
    );
    assert_eq!(d.policies, vec!["registered-terminal-for-data"]);
    let stale = SessionFacts {
        step_up_fresh: false,
        ..FRESH_PASSKEY
    };
    let d = ask_in(
        &engine,
        Principal::User(checker),
        Action::DisposalConfirm,
        resource,
        stale,
    );
    assert_eq!(d.policies, vec!["step-up-for-sensitive"]);
}
