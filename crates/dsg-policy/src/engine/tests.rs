use dsg_core::{
    AccountState, CompanyId, CompanyKind, CompartmentId, ContractId, MfaMethod, Role, TerminalId,
    TerminalStatus, UserId,
};

use super::*;
use crate::request::{Action, ChangeRequestFacts, CompartmentFacts};

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

#[test]
fn data_needs_an_active_terminal_of_the_users_own_company() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let compartment = Resource::Compartment(CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
    });
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let from = |device: DeviceFacts| {
        ask_from(
            &engine,
            Principal::User(handler.clone()),
            Action::FileRead,
            compartment.clone(),
            FRESH_PASSKEY,
            device,
        )
    };
    let own = terminal_of(company, CompanyKind::Contractor);
    assert!(from(own.clone()).allowed);
    let DeviceFacts::Terminal(own_facts) = own else {
        unreachable!()
    };
    for device in [
        DeviceFacts::None,
        DeviceFacts::Unregistered,
        terminal_of(CompanyId::random(), CompanyKind::Contractor),
        terminal_of(CompanyId::random(), CompanyKind::Agency),
        DeviceFacts::Terminal(TerminalFacts {
            status: TerminalStatus::Quarantined,
            ..own_facts.clone()
        }),
        DeviceFacts::Terminal(TerminalFacts {
            status: TerminalStatus::Revoked,
            ..own_facts.clone()
        }),
    ] {
        let d = from(device.clone());
        assert!(!d.allowed, "{device:?}");
        assert_eq!(
            d.policies,
            vec!["registered-terminal-for-data"],
            "{device:?}"
        );
    }
    // Administrative actions do not need a terminal.
    let operator = user(
        CompanyId::random(),
        CompanyKind::Agency,
        Role::Operator,
        vec![],
    );
    assert!(
        ask_from(
            &engine,
            Principal::User(operator),
            Action::TerminalQuarantine,
            Resource::Gateway,
            FRESH_PASSKEY,
            DeviceFacts::None
        )
        .allowed
    );
}

#[test]
fn agency_terminals_reach_contractor_data_only_where_accepted() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let ask_with = |accepted: bool| {
        engine.decide(&AccessRequest {
            principal: Principal::User(handler.clone()),
            action: Action::FileList,
            resource: Resource::Compartment(CompartmentFacts {
                id: CompartmentId::random(),
                contract,
                company,
            }),
            session: FRESH_PASSKEY,
            device: terminal_of(CompanyId::random(), CompanyKind::Agency),
            environment: Environment {
                agency_terminals_accepted: accepted,
                ..Environment::UNKNOWN
            },
        })
    };
    assert!(!ask_with(false).allowed);
    assert!(ask_with(true).allowed);
}

#[test]
fn no_one_approves_their_own_request() {
    let engine = PolicyEngine::embedded().unwrap();
    let operator = user(
        CompanyId::random(),
        CompanyKind::Agency,
        Role::Operator,
        vec![],
    );
    for action in [Action::AccountResetApprove, Action::PolicyApprove] {
        let own = Resource::ChangeRequest(ChangeRequestFacts {
            id: "r-1".into(),
            requested_by: operator.id,
        });
        let d = ask(&engine, Principal::User(operator.clone()), action, own);
        assert!(!d.allowed);
        assert_eq!(d.policies, vec!["separation-of-duties"]);
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
}

#[test]
fn agencies_can_add_hours_and_address_ranges() {
    // What an agency would add through policy management.
    let extra = r#"
        @id("office-hours")
        forbid (principal, action, resource)
        when { context.hour < 7 || context.hour >= 22 || context.weekday > 5 };

        @id("office-network-for-data")
        forbid (principal, action == Dsg::Action::"file.read", resource)
        unless { context has sourceAddress && context.sourceAddress.isInRange(ip("10.0.0.0/8")) };
    "#;
    let engine = PolicyEngine::from_sources(SCHEMA, &format!("{POLICIES}\n{extra}")).unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let at = |hour: u8, weekday: u8, source: &str| {
        engine.decide(&AccessRequest {
            principal: Principal::User(handler.clone()),
            action: Action::FileRead,
            resource: Resource::Compartment(CompartmentFacts {
                id: CompartmentId::random(),
                contract,
                company,
            }),
            session: FRESH_PASSKEY,
            device: terminal_of(company, CompanyKind::Contractor),
            environment: Environment {
                source: Some(source.parse().unwrap()),
                hour,
                weekday,
                agency_terminals_accepted: false,
            },
        })
    };
    assert!(at(10, 2, "10.1.2.3").allowed);
    assert_eq!(at(23, 2, "10.1.2.3").policies, vec!["office-hours"]);
    assert_eq!(at(10, 6, "10.1.2.3").policies, vec!["office-hours"]);
    assert_eq!(
        at(10, 2, "192.0.2.1").policies,
        vec!["office-network-for-data"]
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    const ACTIONS: [Action; 25] = [
        Action::CompartmentView,
        Action::FileList,
        Action::FileRead,
        Action::FileUpload,
        Action::FileDelete,
        Action::AdminRead,
        Action::CompanyCreate,
        Action::UserCreate,
        Action::ContractCreate,
        Action::CompartmentOpen,
        Action::HandlerDesignate,
        Action::HandlerRemove,
        Action::AccountManage,
        Action::AccountResetApprove,
        Action::SelfEnrol,
        Action::SelfManage,
        Action::TerminalRead,
        Action::TerminalRegister,
        Action::TerminalQuarantine,
        Action::TerminalRelease,
        Action::TerminalRevoke,
        Action::AccessReview,
        Action::PolicyRead,
        Action::PolicyPropose,
        Action::PolicyApprove,
    ];
    const STATES: [AccountState; 5] = [
        AccountState::Pending,
        AccountState::Active,
        AccountState::Locked,
        AccountState::Disabled,
        AccountState::Expired,
    ];
    const METHODS: [MfaMethod; 4] = [
        MfaMethod::None,
        MfaMethod::Webauthn,
        MfaMethod::Totp,
        MfaMethod::Recovery,
    ];
    const TERMINAL_STATES: [TerminalStatus; 3] = [
        TerminalStatus::Active,
        TerminalStatus::Quarantined,
        TerminalStatus::Revoked,
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Whatever the companies, users, handler designations, terminals
        /// and sessions: a compartment is reachable only by an active user
        /// of the contract's company who handles the contract, over a
        /// passkey session (or TOTP where allowed), from an active terminal
        /// of their own company (or an agency terminal where accepted); the
        /// gateway is administered only by active agency operators with a
        /// second factor; sensitive actions need a fresh step-up; no one
        /// approves their own request; a password or recovery code alone
        /// only ever enrols.
        #[test]
        fn access_follows_need_to_know(
            action_index in 0..ACTIONS.len(),
            company_kinds in proptest::collection::vec(any::<bool>(), 3),
            user_company in 0usize..3,
            compartment_company in 0usize..3,
            operator in any::<bool>(),
            state_index in 0usize..5,
            handles in 0u8..8,
            method_index in 0usize..4,
            fresh in any::<bool>(),
            totp_data in any::<bool>(),
            device_kind in 0u8..3,
            terminal_company in 0usize..3,
            terminal_state in 0usize..3,
            agency_terminals in any::<bool>(),
            own_request in any::<bool>(),
        ) {
            let companies = [CompanyId::random(), CompanyId::random(), CompanyId::random()];
            let kind = |i: usize| if company_kinds[i] { CompanyKind::Agency } else { CompanyKind::Contractor };
            let contracts = [ContractId::random(), ContractId::random(), ContractId::random()];
            let engine = PolicyEngine::embedded().unwrap();
            let user = UserFacts {
                id: UserId::random(),
                company: companies[user_company],
                company_kind: kind(user_company),
                role: if operator { Role::Operator } else { Role::Member },
                state: STATES[state_index],
                handler_of: (0..3).filter(|i| handles & (1 << i) != 0).map(|i| contracts[i]).collect(),
            };
            let action = ACTIONS[action_index];
            let compartment = CompartmentFacts {
                id: CompartmentId::random(),
                contract: contracts[0],
                company: companies[compartment_company],
            };
            let requested_by = if own_request { user.id } else { UserId::random() };
            let resource = if action.targets_compartment() {
                Resource::Compartment(compartment.clone())
            } else if action.targets_change_request() {
                Resource::ChangeRequest(ChangeRequestFacts { id: "r".into(), requested_by })
            } else {
                Resource::Gateway
            };
            let terminal = TerminalFacts {
                id: TerminalId::random(),
                company: companies[terminal_company],
                company_kind: kind(terminal_company),
                status: TERMINAL_STATES[terminal_state],
                site: "site".into(),
            };
            let device = match device_kind {
                0 => DeviceFacts::None,
                1 => DeviceFacts::Unregistered,
                _ => DeviceFacts::Terminal(terminal.clone()),
            };
            let session = SessionFacts {
                mfa: METHODS[method_index], step_up_fresh: fresh, totp_reaches_data: totp_data,
                auth_age_secs: 10, session_age_secs: 10,
            };
            let decision = engine.decide(&AccessRequest {
                principal: Principal::User(user.clone()),
                action,
                resource,
                session,
                device: device.clone(),
                environment: Environment { agency_terminals_accepted: agency_terminals, ..Environment::UNKNOWN },
            });
            let state = user.state;
            let mfa = session.mfa;
            let second_factor = matches!(mfa, MfaMethod::Webauthn | MfaMethod::Totp);
            let sensitive = matches!(action,
                Action::FileDelete | Action::HandlerDesignate | Action::HandlerRemove
                | Action::AccountManage | Action::AccountResetApprove | Action::TerminalRegister
                | Action::TerminalRelease | Action::PolicyPropose | Action::PolicyApprove);
            // The independent model of "a registered terminal in force".
            let terminal_ok = device_kind == 2
                && terminal.status == TerminalStatus::Active
                && (terminal.company == user.company
                    || (agency_terminals && terminal.company_kind == CompanyKind::Agency));
            let expected = match action {
                Action::SelfEnrol => match mfa {
                    MfaMethod::None => state == AccountState::Pending,
                    MfaMethod::Recovery => matches!(state, AccountState::Active | AccountState::Pending),
                    _ => matches!(state, AccountState::Active | AccountState::Pending) && fresh,
                },
                Action::SelfManage => state == AccountState::Active && second_factor,
                a if a.targets_compartment() => {
                    state == AccountState::Active
                        && (mfa == MfaMethod::Webauthn || (mfa == MfaMethod::Totp && totp_data))
                        && (!sensitive || fresh)
                        && user.company == compartment.company
                        && user.handler_of.contains(&compartment.contract)
                        && terminal_ok
                }
                _ => {
                    state == AccountState::Active
                        && second_factor
                        && (!sensitive || fresh)
                        && user.role == Role::Operator
                        && user.company_kind == CompanyKind::Agency
                        && !(action.targets_change_request() && own_request)
                }
            };
            prop_assert_eq!(decision.allowed, expected, "{:?} {:?} {:?}", user, action, device);
            prop_assert!(decision.errors.is_empty(), "{:?}", decision.errors);
            // The safety properties the issue names, stated on their own.
            if decision.allowed && action.targets_compartment() {
                prop_assert!(user.handler_of.contains(&compartment.contract));
                let DeviceFacts::Terminal(t) = &device else { panic!("no terminal") };
                prop_assert_eq!(t.status, TerminalStatus::Active);
                prop_assert!(t.company == user.company || t.company_kind == CompanyKind::Agency);
            }
        }
    }
}
