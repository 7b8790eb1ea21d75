use dsg_core::{
    AccountState, CompanyId, CompanyKind, CompartmentId, ContractId, MfaMethod, Role, TerminalId,
    TerminalStatus, UserId,
};

use super::*;
use crate::request::{
    Action, ChangeRequestFacts, CompartmentFacts, Environment, SessionFacts, TerminalFacts,
    UserFacts,
};

fn user(
    company: CompanyId,
    kind: CompanyKind,
    role: Role,
    handler_of: Vec<ContractId>,
) -> UserFacts {
    UserFacts {
        id: UserId::random(),
        company,
        company_kind: kind,
        role,
        state: AccountState::Active,
        handler_of,
        participant_of: Vec::new(),
        duties: Vec::new(),
        roster: None,
        training_age_secs: None,
        designation_trained_for: Vec::new(),
        consented: false,
        company_roles: Vec::new(),
    }
}

/// A session that logged in with a passkey a moment ago.
const FRESH_PASSKEY: SessionFacts = SessionFacts {
    mfa: MfaMethod::Webauthn,
    step_up_fresh: true,
    totp_reaches_data: false,
    auth_age_secs: 10,
    session_age_secs: 10,
};

/// An active terminal registered to `company`.
fn terminal_of(company: CompanyId, kind: CompanyKind) -> DeviceFacts {
    DeviceFacts::Terminal(TerminalFacts {
        id: TerminalId::random(),
        company,
        company_kind: kind,
        status: TerminalStatus::Active,
        site: "本社".into(),
        posture: None,
    })
}

/// The resource of a gateway action: the gateway, or for approvals a
/// request made by someone else.
fn on_gateway(action: Action) -> Resource {
    if action.targets_change_request() {
        Resource::ChangeRequest(ChangeRequestFacts {
            id: "request-1".into(),
            requested_by: UserId::random(),
        })
    } else {
        Resource::Gateway
    }
}

fn ask(
    engine: &PolicyEngine,
    principal: Principal,
    action: Action,
    resource: Resource,
) -> Decision {
    ask_in(engine, principal, action, resource, FRESH_PASSKEY)
}

fn ask_in(
    engine: &PolicyEngine,
    principal: Principal,
    action: Action,
    resource: Resource,
    session: SessionFacts,
) -> Decision {
    // Users come from an active terminal of their own company unless a test
    // says otherwise (see ask_from).
    let device = match &principal {
        Principal::User(u) => terminal_of(u.company, u.company_kind),
        Principal::Anonymous => DeviceFacts::None,
    };
    ask_from(engine, principal, action, resource, session, device)
}

fn ask_from(
    engine: &PolicyEngine,
    principal: Principal,
    action: Action,
    resource: Resource,
    session: SessionFacts,
    device: DeviceFacts,
) -> Decision {
    engine.decide(&AccessRequest {
        principal,
        action,
        resource,
        session,
        device,
        environment: Environment::UNKNOWN,
    })
}

#[test]
fn embedded_policies_validate() {
    PolicyEngine::embedded().unwrap();
}

#[test]
fn a_policy_that_breaks_the_schema_is_refused() {
    let bad = r#"@id("x") permit(principal, action, resource) when { principal.nosuch == 1 };"#;
    assert!(matches!(
        PolicyEngine::from_sources(SCHEMA, bad),
        Err(PolicyError::Validation(_))
    ));
    let unnamed = r#"permit(principal, action, resource);"#;
    assert!(PolicyEngine::from_sources(SCHEMA, unnamed).is_err());
}

#[test]
fn only_handlers_of_the_contract_in_its_company_reach_the_compartment() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let compartment = Resource::Compartment(CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase: dsg_core::CompartmentPhase::Active,
    });
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let d = ask(
        &engine,
        Principal::User(handler.clone()),
        Action::FileRead,
        compartment.clone(),
    );
    assert!(d.allowed);
    assert_eq!(d.policies, vec!["handler-need-to-know"]);

    let colleague = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![ContractId::random()],
    );
    assert!(
        !ask(
            &engine,
            Principal::User(colleague),
            Action::FileRead,
            compartment.clone()
        )
        .allowed
    );

    // A handler-of claim for the contract from another company is not enough.
    let outsider = user(
        CompanyId::random(),
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    assert!(
        !ask(
            &engine,
            Principal::User(outsider),
            Action::FileRead,
            compartment.clone()
        )
        .allowed
    );

    let operator = user(
        CompanyId::random(),
        CompanyKind::Agency,
        Role::Operator,
        vec![],
    );
    assert!(
        !ask(
            &engine,
            Principal::User(operator),
            Action::FileList,
            compartment.clone()
        )
        .allowed
    );

    assert!(
        !ask(
            &engine,
            Principal::Anonymous,
            Action::FileList,
            compartment.clone()
        )
        .allowed
    );

    let mut disabled = handler;
    disabled.state = AccountState::Disabled;
    let d = ask(
        &engine,
        Principal::User(disabled),
        Action::FileRead,
        compartment,
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["inactive-account"]);
}

#[test]
fn a_missing_compartment_is_denied_like_a_forbidden_one() {
    let engine = PolicyEngine::embedded().unwrap();
    let handler = user(
        CompanyId::random(),
        CompanyKind::Contractor,
        Role::Member,
        vec![ContractId::random()],
    );
    let d = ask(
        &engine,
        Principal::User(handler),
        Action::FileRead,
        Resource::MissingCompartment(CompartmentId::random().to_string()),
    );
    assert!(!d.allowed);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.reason(), "default-deny");
}

#[test]
fn only_agency_operators_administer() {
    let engine = PolicyEngine::embedded().unwrap();
    let operator = user(
        CompanyId::random(),
        CompanyKind::Agency,
        Role::Operator,
        vec![],
    );
    assert!(
        ask(
            &engine,
            Principal::User(operator),
            Action::CompanyCreate,
            Resource::Gateway
        )
        .allowed
    );
    // An "operator" role inside a contractor company is not an agency operator.
    let fake = user(
        CompanyId::random(),
        CompanyKind::Contractor,
        Role::Operator,
        vec![],
    );
    assert!(
        !ask(
            &engine,
            Principal::User(fake),
            Action::CompanyCreate,
            Resource::Gateway
        )
        .allowed
    );
    let member = user(
        CompanyId::random(),
        CompanyKind::Agency,
        Role::Member,
        vec![],
    );
    assert!(
        !ask(
            &engine,
            Principal::User(member),
            Action::AdminRead,
            Resource::Gateway
        )
        .allowed
    );
    assert!(
        !ask(
            &engine,
            Principal::Anonymous,
            Action::AdminRead,
            Resource::Gateway
        )
        .allowed
    );
}

#[test]
fn a_password_alone_reaches_nothing_and_a_pending_account_may_only_enrol() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let compartment = Resource::Compartment(CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase: dsg_core::CompartmentPhase::Active,
    });
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let password_only = SessionFacts {
        mfa: MfaMethod::None,
        step_up_fresh: false,
        totp_reaches_data: false,
        auth_age_secs: 10,
        session_age_secs: 10,
    };
    let d = ask_in(
        &engine,
        Principal::User(handler.clone()),
        Action::FileRead,
        compartment.clone(),
        password_only,
    );
    assert!(!d.allowed);
    assert!(d.policies.contains(&"mfa-required".to_owned()), "{d:?}");
    // An active account cannot enrol a new authenticator on its password alone.
    let d = ask_in(
        &engine,
        Principal::User(handler.clone()),
        Action::SelfEnrol,
        Resource::Gateway,
        password_only,
    );
    assert!(!d.allowed);
    let mut pending = handler.clone();
    pending.state = AccountState::Pending;
    let d = ask_in(
        &engine,
        Principal::User(pending.clone()),
        Action::SelfEnrol,
        Resource::Gateway,
        password_only,
    );
    assert!(d.allowed, "{d:?}");
    for action in [Action::SelfManage, Action::FileList] {
        let resource = if action.targets_compartment() {
            compartment.clone()
        } else {
            Resource::Gateway
        };
        assert!(
            !ask_in(
                &engine,
                Principal::User(pending.clone()),
                action,
                resource,
                password_only
            )
            .allowed
        );
    }
}

#[test]
fn a_recovery_session_may_only_enrol() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let compartment = Resource::Compartment(CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase: dsg_core::CompartmentPhase::Active,
    });
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let recovery = SessionFacts {
        mfa: MfaMethod::Recovery,
        step_up_fresh: true,
        totp_reaches_data: true,
        auth_age_secs: 10,
        session_age_secs: 10,
    };
    let enrol = ask_in(
        &engine,
        Principal::User(handler.clone()),
        Action::SelfEnrol,
        Resource::Gateway,
        recovery,
    );
    assert!(enrol.allowed);
    let read = ask_in(
        &engine,
        Principal::User(handler.clone()),
        Action::FileRead,
        compartment,
        recovery,
    );
    assert!(!read.allowed);
    assert!(
        read.policies.contains(&"mfa-required".to_owned()),
        "{read:?}"
    );
    assert!(
        !ask_in(
            &engine,
            Principal::User(handler),
            Action::SelfManage,
            Resource::Gateway,
            recovery
        )
        .allowed
    );
}

#[test]
fn totp_reaches_data_only_where_the_deployment_allows_it() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let compartment = Resource::Compartment(CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase: dsg_core::CompartmentPhase::Active,
    });
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let mut totp = SessionFacts {
        mfa: MfaMethod::Totp,
        step_up_fresh: true,
        totp_reaches_data: false,
        auth_age_secs: 10,
        session_age_secs: 10,
    };
    let d = ask_in(
        &engine,
        Principal::User(handler.clone()),
        Action::FileRead,
        compartment.clone(),
        totp,
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["phishing-resistant-for-data"]);
    // Self-service works on TOTP anywhere.
    assert!(
        ask_in(
            &engine,
            Principal::User(handler.clone()),
            Action::SelfManage,
            Resource::Gateway,
            totp
        )
        .allowed
    );
    totp.totp_reaches_data = true;
    assert!(
        ask_in(
            &engine,
            Principal::User(handler),
            Action::FileRead,
            compartment,
            totp
        )
        .allowed
    );
}

#[test]
fn sensitive_actions_need_a_fresh_step_up() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let compartment = Resource::Compartment(CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase: dsg_core::CompartmentPhase::Active,
    });
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let operator = user(
        CompanyId::random(),
        CompanyKind::Agency,
        Role::Operator,
        vec![],
    );
    let stale = SessionFacts {
        mfa: MfaMethod::Webauthn,
        step_up_fresh: false,
        totp_reaches_data: false,
        auth_age_secs: 10,
        session_age_secs: 10,
    };
    let d = ask_in(
        &engine,
        Principal::User(handler.clone()),
        Action::FileDelete,
        compartment.clone(),
        stale,
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["step-up-for-sensitive"]);
    // Reading needs no step-up.
    assert!(
        ask_in(
            &engine,
            Principal::User(handler.clone()),
            Action::FileRead,
            compartment.clone(),
            stale
        )
        .allowed
    );
    for action in [
        Action::HandlerDesignate,
        Action::HandlerRemove,
        Action::AccountManage,
        Action::AccountResetApprove,
    ] {
        assert!(
            !ask_in(
                &engine,
                Principal::User(operator.clone()),
                action,
                on_gateway(action),
                stale
            )
            .allowed
        );
        assert!(
            ask(
                &engine,
                Principal::User(operator.clone()),
                action,
                on_gateway(action)
            )
            .allowed
        );
    }
    assert!(
        !ask_in(
            &engine,
            Principal::User(handler.clone()),
            Action::SelfEnrol,
            Resource::Gateway,
            stale
        )
        .allowed
    );
    assert!(
        ask(
            &engine,
            Principal::User(handler),
            Action::SelfEnrol,
            Resource::Gateway
        )
        .allowed
    );
}

mod action_index;
mod applications;
mod company_roles;
mod contract_end;
mod disposal;
mod helpdesk;
mod ledger;
mod participants;
mod properties;
mod replay;
mod zero_trust;
