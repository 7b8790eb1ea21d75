//! Agency participants: the agency's own staff designated on a contract
//! reach its compartment under the same conditions as the contractor's
//! handlers, and nothing else opens to them or to the handlers.

use super::*;
use dsg_core::{FileId, FileStatus, RosterStatus};

use crate::request::FileFacts;

struct World {
    agency: CompanyId,
    contractor: CompanyId,
    contract: ContractId,
    compartment: CompartmentFacts,
    other_compartment: CompartmentFacts,
}

fn world() -> World {
    let agency = CompanyId::random();
    let contractor = CompanyId::random();
    let contract = ContractId::random();
    let other_company = CompanyId::random();
    World {
        agency,
        contractor,
        contract,
        compartment: CompartmentFacts {
            id: CompartmentId::random(),
            contract,
            company: contractor,
            phase: dsg_core::CompartmentPhase::Active,
        },
        other_compartment: CompartmentFacts {
            id: CompartmentId::random(),
            contract: ContractId::random(),
            company: other_company,
            phase: dsg_core::CompartmentPhase::Active,
        },
    }
}

fn participant(w: &World, of: Vec<ContractId>) -> UserFacts {
    let mut u = user(w.agency, CompanyKind::Agency, Role::Member, vec![]);
    u.participant_of = of;
    u
}

const DATA: [Action; 5] = [
    Action::CompartmentView,
    Action::FileList,
    Action::FileRead,
    Action::FileUpload,
    Action::FileDelete,
];

#[test]
fn an_agency_participant_reaches_only_their_contracts_compartment() {
    let engine = PolicyEngine::embedded().unwrap();
    let w = world();
    let p = participant(&w, vec![w.contract]);
    for action in DATA {
        let d = ask(
            &engine,
            Principal::User(p.clone()),
            action,
            Resource::Compartment(w.compartment.clone()),
        );
        assert!(d.allowed, "{action:?}: {d:?}");
        assert_eq!(d.policies, vec!["agency-participant-need-to-know"]);
        // Another contract's compartment stays closed to them.
        let d = ask(
            &engine,
            Principal::User(p.clone()),
            action,
            Resource::Compartment(w.other_compartment.clone()),
        );
        assert!(!d.allowed, "{action:?}");
    }
    // Of the agency but not designated: nothing; nor an operator.
    let bystander = participant(&w, vec![]);
    let operator = user(w.agency, CompanyKind::Agency, Role::Operator, vec![]);
    for who in [bystander, operator] {
        for action in DATA {
            let d = ask(
                &engine,
                Principal::User(who.clone()),
                action,
                Resource::Compartment(w.compartment.clone()),
            );
            assert!(!d.allowed, "{action:?}");
        }
    }
}

#[test]
fn a_contractor_cannot_use_the_participant_attribute() {
    // A contractor's user listed as a participant (a corrupted register)
    // still reaches nothing: the permit asks for the agency.
    let engine = PolicyEngine::embedded().unwrap();
    let w = world();
    let mut outsider = user(
        CompanyId::random(),
        CompanyKind::Contractor,
        Role::Member,
        vec![],
    );
    outsider.participant_of = vec![w.contract];
    let d = ask(
        &engine,
        Principal::User(outsider),
        Action::FileRead,
        Resource::Compartment(w.compartment.clone()),
    );
    assert!(!d.allowed);
    // And the contractor's own handler of another contract is refused.
    let handler = user(
        w.other_compartment.company,
        CompanyKind::Contractor,
        Role::Member,
        vec![w.other_compartment.contract],
    );
    let d = ask(
        &engine,
        Principal::User(handler),
        Action::FileRead,
        Resource::Compartment(w.compartment.clone()),
    );
    assert!(!d.allowed);
}

#[test]
fn a_participant_needs_an_agency_terminal_and_the_phishing_resistant_factor() {
    let engine = PolicyEngine::embedded().unwrap();
    let w = world();
    let p = participant(&w, vec![w.contract]);
    let resource = Resource::Compartment(w.compartment.clone());
    // From the contractor's terminal: refused.
    let d = ask_from(
        &engine,
        Principal::User(p.clone()),
        Action::FileRead,
        resource.clone(),
        FRESH_PASSKEY,
        terminal_of(w.contractor, CompanyKind::Contractor),
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["registered-terminal-for-data"]);
    // Without a certificate: refused.
    let d = ask_from(
        &engine,
        Principal::User(p.clone()),
        Action::FileRead,
        resource.clone(),
        FRESH_PASSKEY,
        DeviceFacts::None,
    );
    assert!(!d.allowed);
    // TOTP where TOTP does not reach data: refused.
    let totp = SessionFacts {
        mfa: MfaMethod::Totp,
        ..FRESH_PASSKEY
    };
    let d = ask_in(
        &engine,
        Principal::User(p),
        Action::FileRead,
        resource,
        totp,
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["phishing-resistant-for-data"]);
}

fn ask_env(
    engine: &PolicyEngine,
    who: &UserFacts,
    resource: Resource,
    environment: Environment,
) -> Decision {
    engine.decide(&AccessRequest {
        principal: Principal::User(who.clone()),
        action: Action::FileRead,
        resource,
        session: FRESH_PASSKEY,
        device: terminal_of(who.company, who.company_kind),
        environment,
    })
}

#[test]
fn training_rules_hold_participants_and_the_contractors_roster_does_not() {
    let engine = PolicyEngine::embedded().unwrap();
    let w = world();
    let resource = Resource::Compartment(w.compartment.clone());
    let strict = Environment {
        roster_confirmation_required: true,
        training_max_age_secs: Some(365 * 86_400),
        designation_training_required: true,
        ..Environment::UNKNOWN
    };
    let mut p = participant(&w, vec![w.contract]);
    // Untrained: refused by both training rules, not by the roster.
    let d = ask_env(&engine, &p, resource.clone(), strict);
    assert!(!d.allowed);
    assert_eq!(
        d.policies,
        vec!["handler-trained-on-designation", "handler-training-current"]
    );
    p.training_age_secs = Some(86_400);
    p.designation_trained_for = vec![w.contract];
    let d = ask_env(&engine, &p, resource.clone(), strict);
    assert!(d.allowed, "{d:?}");
    // A contractor's handler in the same state still needs the roster.
    let mut handler = user(
        w.contractor,
        CompanyKind::Contractor,
        Role::Member,
        vec![w.contract],
    );
    handler.training_age_secs = Some(86_400);
    handler.designation_trained_for = vec![w.contract];
    let d = ask_env(&engine, &handler, resource.clone(), strict);
    assert_eq!(d.policies, vec!["handler-on-confirmed-roster"]);
    handler.roster = Some(RosterStatus::Confirmed);
    assert!(ask_env(&engine, &handler, resource, strict).allowed);
}

#[test]
fn a_file_marked_for_disposal_is_closed_to_participants_too() {
    let engine = PolicyEngine::embedded().unwrap();
    let w = world();
    let p = participant(&w, vec![w.contract]);
    let file = Resource::File(FileFacts {
        id: FileId::random(),
        compartment: w.compartment.clone(),
        status: FileStatus::DisposalCandidate,
    });
    let d = ask(&engine, Principal::User(p), Action::FileRead, file);
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["file-marked-for-disposal"]);
}

#[test]
fn only_operators_designate_participants_with_a_fresh_step_up() {
    let engine = PolicyEngine::embedded().unwrap();
    let w = world();
    let operator = user(w.agency, CompanyKind::Agency, Role::Operator, vec![]);
    let p = participant(&w, vec![w.contract]);
    let stale = SessionFacts {
        step_up_fresh: false,
        ..FRESH_PASSKEY
    };
    for action in [Action::ParticipantDesignate, Action::ParticipantRemove] {
        let d = ask(
            &engine,
            Principal::User(operator.clone()),
            action,
            Resource::Gateway,
        );
        assert!(d.allowed, "{action:?}");
        let d = ask_in(
            &engine,
            Principal::User(operator.clone()),
            action,
            Resource::Gateway,
            stale,
        );
        assert_eq!(d.policies, vec!["step-up-for-sensitive"]);
        // A participant does not designate others (nor themselves).
        assert!(
            !ask(
                &engine,
                Principal::User(p.clone()),
                action,
                Resource::Gateway
            )
            .allowed
        );
    }
}

#[test]
fn a_record_of_schema_version_7_replays() {
    // A version 7 record of a handler's download: no participantOf.
    let engine = PolicyEngine::embedded().unwrap();
    let w = world();
    let handler = user(
        w.contractor,
        CompanyKind::Contractor,
        Role::Member,
        vec![w.contract],
    );
    let request = AccessRequest {
        principal: Principal::User(handler),
        action: Action::FileRead,
        resource: Resource::Compartment(w.compartment.clone()),
        session: FRESH_PASSKEY,
        device: terminal_of(w.contractor, CompanyKind::Contractor),
        environment: Environment::UNKNOWN,
    };
    let slice = engine.slice(&request).unwrap();
    assert!(!slice.contains("participantOf"));
    let old = slice.replace(SLICE_FORMAT, "dsg-decision/schema-v7");
    assert_ne!(old, slice);
    let replayed = engine.replay(&old).unwrap();
    assert!(replayed.allowed);
    assert_eq!(replayed.policies, vec!["handler-need-to-know"]);
    // A version 8 record of a participant replays with its attribute.
    let p = participant(&w, vec![w.contract]);
    let request = AccessRequest {
        principal: Principal::User(p.clone()),
        device: terminal_of(w.agency, CompanyKind::Agency),
        ..request
    };
    let slice = engine.slice(&request).unwrap();
    assert!(slice.contains("participantOf"));
    assert!(engine.replay(&slice).unwrap().allowed);
}
