//! The inventory (目録): who reads and keeps a compartment's, and the
//! check of a return or disposal by another person than who holds the
//! item or recorded its end.

use super::*;
use dsg_core::Duty;

use crate::request::LedgerItemFacts;

fn compartment(company: CompanyId, contract: ContractId) -> CompartmentFacts {
    CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase: dsg_core::CompartmentPhase::Active,
    }
}

fn item(c: &CompartmentFacts, holder: Option<UserId>, closing_by: Option<UserId>) -> Resource {
    Resource::LedgerItem(LedgerItemFacts {
        id: "i-1".into(),
        compartment: c.clone(),
        holder,
        closing_by,
    })
}

#[test]
fn the_holder_never_checks_their_own_copy() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let c = compartment(company, contract);
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let manager = UserFacts {
        duties: vec![Duty::SecurityAdmin],
        ..user(company, CompanyKind::Contractor, Role::Member, vec![])
    };
    // The handler recorded the destruction of the copy they hold.
    let copy = item(&c, Some(handler.id), Some(handler.id));
    let d = ask(
        &engine,
        Principal::User(handler.clone()),
        Action::LedgerCheck,
        copy.clone(),
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["ledger-checker-not-holder"]);
    // Nor a manager who recorded it for them.
    let d = ask(
        &engine,
        Principal::User(manager.clone()),
        Action::LedgerCheck,
        item(&c, Some(handler.id), Some(manager.id)),
    );
    assert_eq!(d.policies, vec!["ledger-checker-not-holder"]);
    // Another person checks it: a manager, or another handler.
    let d = ask(
        &engine,
        Principal::User(manager.clone()),
        Action::LedgerCheck,
        copy.clone(),
    );
    assert!(d.allowed, "{d:?}");
    assert_eq!(d.policies, vec!["company-manager-keeps-ledger"]);
    let colleague = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let d = ask(
        &engine,
        Principal::User(colleague),
        Action::LedgerCheck,
        copy,
    );
    assert!(d.allowed, "{d:?}");
    assert_eq!(d.policies, vec!["ledger-checked-by-the-contract"]);
}

#[test]
fn only_the_contract_and_the_agency_read_its_ledger() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let c = compartment(company, contract);
    let agency = CompanyId::random();
    let mut participant = user(agency, CompanyKind::Agency, Role::Member, vec![]);
    participant.participant_of = vec![contract];
    let operator = user(agency, CompanyKind::Agency, Role::Operator, vec![]);
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    for (who, policy) in [
        (participant.clone(), "ledger-need-to-know"),
        (operator.clone(), "agency-operator-reads-ledgers"),
        (handler.clone(), "ledger-need-to-know"),
    ] {
        let d = ask(
            &engine,
            Principal::User(who),
            Action::LedgerView,
            Resource::Compartment(c.clone()),
        );
        assert!(d.allowed, "{d:?}");
        assert_eq!(d.policies, vec![policy]);
    }
    // The operator reads, and enters nothing.
    assert!(
        !ask(
            &engine,
            Principal::User(operator),
            Action::LedgerRecord,
            Resource::Compartment(c.clone()),
        )
        .allowed
    );
    // Outsiders: a participant of another contract, a handler of another
    // company (even on a contract of the same number), another company's
    // manager.
    let mut other_participant = user(agency, CompanyKind::Agency, Role::Member, vec![]);
    other_participant.participant_of = vec![ContractId::random()];
    let other_handler = user(
        CompanyId::random(),
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let other_manager = UserFacts {
        duties: vec![Duty::SecurityAdmin],
        ..user(
            CompanyId::random(),
            CompanyKind::Contractor,
            Role::Member,
            vec![],
        )
    };
    for who in [other_participant, other_handler, other_manager] {
        for action in [
            Action::LedgerView,
            Action::LedgerRecord,
            Action::LedgerPermit,
            Action::LedgerCheck,
        ] {
            let resource = if action == Action::LedgerView {
                Resource::Compartment(c.clone())
            } else {
                item(&c, Some(handler.id), Some(handler.id))
            };
            assert!(
                !ask(&engine, Principal::User(who.clone()), action, resource).allowed,
                "{action:?}"
            );
        }
    }
    // Only a manager permits carrying out; a handler does not permit
    // their own.
    let d = ask(
        &engine,
        Principal::User(handler.clone()),
        Action::LedgerPermit,
        item(&c, Some(handler.id), None),
    );
    assert!(!d.allowed);
    assert!(
        !ask(
            &engine,
            Principal::User(participant),
            Action::LedgerPermit,
            item(&c, Some(handler.id), None),
        )
        .allowed
    );
}

#[test]
fn the_ledger_needs_a_terminal_and_a_passkey() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let c = compartment(company, contract);
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let d = ask_from(
        &engine,
        Principal::User(handler.clone()),
        Action::LedgerView,
        Resource::Compartment(c.clone()),
        FRESH_PASSKEY,
        DeviceFacts::None,
    );
    assert_eq!(d.policies, vec!["registered-terminal-for-data"]);
    let stale = SessionFacts {
        step_up_fresh: false,
        ..FRESH_PASSKEY
    };
    let colleague = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let d = ask_in(
        &engine,
        Principal::User(colleague),
        Action::LedgerCheck,
        item(&c, Some(handler.id), Some(handler.id)),
        stale,
    );
    assert_eq!(d.policies, vec!["step-up-for-sensitive"]);
}

#[test]
fn a_record_of_schema_version_8_replays() {
    // A version 8 record of a participant's download.
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let c = compartment(company, contract);
    let agency = CompanyId::random();
    let mut participant = user(agency, CompanyKind::Agency, Role::Member, vec![]);
    participant.participant_of = vec![contract];
    let request = AccessRequest {
        principal: Principal::User(participant),
        action: Action::FileRead,
        resource: Resource::Compartment(c.clone()),
        session: FRESH_PASSKEY,
        device: terminal_of(agency, CompanyKind::Agency),
        environment: Environment::UNKNOWN,
    };
    let slice = engine.slice(&request).unwrap();
    assert!(slice.contains(SLICE_FORMAT));
    let old = slice.replace(SLICE_FORMAT, "dsg-decision/schema-v8");
    assert_ne!(old, slice);
    let replayed = engine.replay(&old).unwrap();
    assert!(replayed.allowed);
    assert_eq!(replayed.policies, vec!["agency-participant-need-to-know"]);
    // A version 10 record of a check replays, with its item.
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let manager = UserFacts {
        duties: vec![Duty::SecurityAdmin],
        ..user(company, CompanyKind::Contractor, Role::Member, vec![])
    };
    let request = AccessRequest {
        principal: Principal::User(manager),
        action: Action::LedgerCheck,
        resource: item(&c, Some(handler.id), Some(handler.id)),
        device: terminal_of(company, CompanyKind::Contractor),
        ..request
    };
    let slice = engine.slice(&request).unwrap();
    assert!(slice.contains("Dsg::LedgerItem"));
    let replayed = engine.replay(&slice).unwrap();
    assert!(replayed.allowed);
    // A format never written is not read.
    assert!(engine
        .replay(&slice.replace(SLICE_FORMAT, "dsg-decision/schema-v13"))
        .is_err());
}
