//! Terminals, separation of duties and deployment-added rules.

use super::*;
use crate::request::{CompanyFacts, FileFacts, PostureFacts};
use dsg_core::{FileId, FileStatus, RosterStatus};

#[test]
fn data_needs_an_active_terminal_of_the_users_own_company() {
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
                phase: dsg_core::CompartmentPhase::Active,
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
                phase: dsg_core::CompartmentPhase::Active,
            }),
            session: FRESH_PASSKEY,
            device: terminal_of(company, CompanyKind::Contractor),
            environment: Environment {
                source: Some(source.parse().unwrap()),
                hour,
                weekday,
                agency_terminals_accepted: false,
                posture_max_age_secs: None,
                roster_confirmation_required: false,
                training_max_age_secs: None,
                designation_training_required: false,
                consent_required: false,
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
    // Many addresses, each asked twice, more than a thread remembers (the
    // expressions of recent addresses are kept): each is still decided on
    // its own address, inside and outside the range, IPv4 and IPv6.
    for round in 0..2 {
        for i in 0..(2 * IP_EXPRESSIONS_KEPT as u32) {
            let [_, _, b, c] = i.to_be_bytes();
            let inside = format!("10.9.{b}.{c}");
            let outside = format!("11.9.{b}.{c}");
            let v6 = format!("2001:db8::{i:x}");
            assert!(at(10, 2, &inside).allowed, "{inside} round {round}");
            assert_eq!(
                at(10, 2, &outside).policies,
                vec!["office-network-for-data"],
                "{outside} round {round}"
            );
            assert!(!at(10, 2, &v6).allowed, "{v6} round {round}");
        }
    }
}

/// Where the deployment requires it, data needs a compliant posture report
/// no older than the limit; elsewhere posture does not matter. A terminal
/// reports only for itself, and not once revoked.
#[test]
fn posture_reports_gate_data_only_where_required() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let terminal = |posture: Option<PostureFacts>| TerminalFacts {
        id: TerminalId::random(),
        company,
        company_kind: CompanyKind::Contractor,
        status: TerminalStatus::Active,
        site: "本社".into(),
        posture,
    };
    let read = |posture: Option<PostureFacts>, required: Option<i64>| {
        engine.decide(&AccessRequest {
            principal: Principal::User(handler.clone()),
            action: Action::FileRead,
            resource: Resource::Compartment(CompartmentFacts {
                id: CompartmentId::random(),
                contract,
                company,
                phase: dsg_core::CompartmentPhase::Active,
            }),
            session: FRESH_PASSKEY,
            device: DeviceFacts::Terminal(terminal(posture)),
            environment: Environment {
                posture_max_age_secs: required,
                ..Environment::UNKNOWN
            },
        })
    };
    let fresh = Some(PostureFacts {
        age_secs: 60,
        compliant: true,
    });
    let stale = Some(PostureFacts {
        age_secs: 90_000,
        compliant: true,
    });
    let failing = Some(PostureFacts {
        age_secs: 60,
        compliant: false,
    });
    assert!(read(None, None).allowed, "not required: no report is fine");
    assert!(read(failing, None).allowed);
    assert!(read(fresh, Some(86_400)).allowed);
    for (name, posture) in [("none", None), ("stale", stale), ("failing", failing)] {
        let d = read(posture, Some(86_400));
        assert!(!d.allowed, "{name}");
        assert_eq!(d.policies, vec!["terminal-posture-for-data"], "{name}");
    }

    let report = |device: DeviceFacts, target: TerminalFacts| {
        engine.decide(&AccessRequest {
            principal: Principal::Anonymous,
            action: Action::TerminalReport,
            resource: Resource::Terminal(target),
            session: SessionFacts::ANONYMOUS,
            device,
            environment: Environment::UNKNOWN,
        })
    };
    let own = terminal(None);
    assert!(report(DeviceFacts::Terminal(own.clone()), own.clone()).allowed);
    let other = terminal(None);
    assert!(!report(DeviceFacts::Terminal(own.clone()), other).allowed);
    assert!(!report(DeviceFacts::None, own.clone()).allowed);
    let revoked = TerminalFacts {
        status: TerminalStatus::Revoked,
        ..own
    };
    assert!(!report(DeviceFacts::Terminal(revoked.clone()), revoked).allowed);
}

/// Where the deployment requires them, data needs a roster line the agency
/// confirmed and a training no older than the limit; each refusal names its
/// own policy. Elsewhere neither matters.
#[test]
fn roster_and_training_gate_data_only_where_required() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let year = 365 * 86_400;
    let read =
        |roster: Option<RosterStatus>, trained: Option<i64>, required: (bool, Option<i64>)| {
            let handler = UserFacts {
                roster,
                training_age_secs: trained,
                ..user(
                    company,
                    CompanyKind::Contractor,
                    Role::Member,
                    vec![contract],
                )
            };
            engine.decide(&AccessRequest {
                principal: Principal::User(handler),
                action: Action::FileRead,
                resource: Resource::Compartment(CompartmentFacts {
                    id: CompartmentId::random(),
                    contract,
                    company,
                    phase: dsg_core::CompartmentPhase::Active,
                }),
                session: FRESH_PASSKEY,
                device: terminal_of(company, CompanyKind::Contractor),
                environment: Environment {
                    roster_confirmation_required: required.0,
                    training_max_age_secs: required.1,
                    ..Environment::UNKNOWN
                },
            })
        };
    let confirmed = Some(RosterStatus::Confirmed);
    assert!(read(None, None, (false, None)).allowed, "not required");
    assert!(read(confirmed, Some(86_400), (true, Some(year))).allowed);
    assert!(
        read(confirmed, Some(year), (true, Some(year))).allowed,
        "a year to the day"
    );
    for roster in [
        None,
        Some(RosterStatus::Submitted),
        Some(RosterStatus::Removed),
    ] {
        let d = read(roster, Some(86_400), (true, Some(year)));
        assert!(!d.allowed, "{roster:?}");
        assert_eq!(
            d.policies,
            vec!["handler-on-confirmed-roster"],
            "{roster:?}"
        );
        assert!(read(roster, Some(86_400), (false, Some(year))).allowed);
    }
    for trained in [None, Some(year + 1)] {
        let d = read(confirmed, trained, (true, Some(year)));
        assert!(!d.allowed, "{trained:?}");
        assert_eq!(d.policies, vec!["handler-training-current"], "{trained:?}");
        assert!(read(confirmed, trained, (true, None)).allowed);
    }
    let both = read(None, None, (true, Some(year)));
    assert_eq!(
        both.policies,
        vec!["handler-on-confirmed-roster", "handler-training-current"]
    );
}

/// Where required, a handler reaches a contract's data, compartment and
/// files alike, only with a training on designation recorded for that
/// contract; elsewhere it does not matter.
#[test]
fn designation_training_gates_each_contract_where_required() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let (trained, untrained) = (ContractId::random(), ContractId::random());
    let handler = UserFacts {
        designation_trained_for: vec![trained],
        ..user(
            company,
            CompanyKind::Contractor,
            Role::Member,
            vec![trained, untrained],
        )
    };
    let read = |contract: ContractId, on_file: bool, required: bool| {
        let compartment = CompartmentFacts {
            id: CompartmentId::random(),
            contract,
            company,
            phase: dsg_core::CompartmentPhase::Active,
        };
        let resource = if on_file {
            Resource::File(crate::request::FileFacts {
                id: dsg_core::FileId::random(),
                compartment,
                status: dsg_core::FileStatus::Active,
            })
        } else {
            Resource::Compartment(compartment)
        };
        engine.decide(&AccessRequest {
            principal: Principal::User(handler.clone()),
            action: Action::FileRead,
            resource,
            session: FRESH_PASSKEY,
            device: terminal_of(company, CompanyKind::Contractor),
            environment: Environment {
                designation_training_required: required,
                ..Environment::UNKNOWN
            },
        })
    };
    for on_file in [false, true] {
        assert!(read(trained, on_file, true).allowed);
        assert!(read(untrained, on_file, false).allowed, "not required");
        let d = read(untrained, on_file, true);
        assert!(!d.allowed);
        assert_eq!(d.policies, vec!["handler-trained-on-designation"]);
    }
}

/// A roster line is confirmed by an agency operator other than whoever
/// submitted it, after a step-up; contractors keep only their own
/// company's records.
#[test]
fn roster_confirmation_is_separated_and_records_stay_in_the_company() {
    let engine = PolicyEngine::embedded().unwrap();
    let agency = CompanyId::random();
    let operator = user(agency, CompanyKind::Agency, Role::Operator, vec![]);
    let other_operator = user(agency, CompanyKind::Agency, Role::Operator, vec![]);
    let confirm = |who: &UserFacts, submitted_by: UserId, session: SessionFacts| {
        ask_in(
            &engine,
            Principal::User(who.clone()),
            Action::RosterConfirm,
            Resource::ChangeRequest(ChangeRequestFacts {
                id: "roster:x".into(),
                requested_by: submitted_by,
            }),
            session,
        )
    };
    assert!(confirm(&operator, other_operator.id, FRESH_PASSKEY).allowed);
    let own = confirm(&operator, operator.id, FRESH_PASSKEY);
    assert!(!own.allowed);
    assert_eq!(own.policies, vec!["separation-of-duties"]);
    let stale = SessionFacts {
        step_up_fresh: false,
        ..FRESH_PASSKEY
    };
    assert_eq!(
        confirm(&operator, other_operator.id, stale).policies,
        vec!["step-up-for-sensitive"]
    );

    let company = CompanyId::random();
    let other_company = CompanyId::random();
    let admin = UserFacts {
        duties: vec![dsg_core::Duty::SecurityAdmin],
        ..user(company, CompanyKind::Contractor, Role::Member, vec![])
    };
    let colleague = user(company, CompanyKind::Contractor, Role::Member, vec![]);
    let stranger = user(other_company, CompanyKind::Contractor, Role::Member, vec![]);
    let keep = |who: &UserFacts, action: Action, whom: &UserFacts| {
        ask(
            &engine,
            Principal::User(who.clone()),
            action,
            Resource::Account(whom.clone()),
        )
        .allowed
    };
    for action in [
        Action::RosterSubmit,
        Action::RosterRemove,
        Action::TrainingRecord,
    ] {
        assert!(keep(&admin, action, &colleague), "{action:?}");
        assert!(!keep(&admin, action, &stranger), "{action:?}");
        assert!(!keep(&colleague, action, &admin), "{action:?}: no duty");
        assert!(keep(&operator, action, &stranger), "{action:?}");
        assert!(
            !keep(&operator, action, &other_operator),
            "{action:?}: agency staff"
        );
    }
    // A security administrator keeps their own line (the agency confirms
    // it) but does not record their own training: that would open data for
    // themselves. An operator records it for them.
    assert!(keep(&admin, Action::RosterSubmit, &admin));
    let own = ask(
        &engine,
        Principal::User(admin.clone()),
        Action::TrainingRecord,
        Resource::Account(admin.clone()),
    );
    assert!(!own.allowed);
    assert_eq!(own.policies, vec!["no-self-recorded-training"]);
    assert!(keep(&operator, Action::TrainingRecord, &admin));
    // Entering a line and recording a training open data: a step-up first.
    for action in [Action::RosterSubmit, Action::TrainingRecord] {
        let d = ask_in(
            &engine,
            Principal::User(admin.clone()),
            action,
            Resource::Account(colleague.clone()),
            stale,
        );
        assert_eq!(d.policies, vec!["step-up-for-sensitive"], "{action:?}");
    }
    // Confirming is the agency's alone.
    assert!(!confirm(&admin, colleague.id, FRESH_PASSKEY).allowed);
    let read = |who: &UserFacts, of: CompanyId, kind: CompanyKind| {
        ask(
            &engine,
            Principal::User(who.clone()),
            Action::RecordsRead,
            Resource::Company(CompanyFacts { id: of, kind }),
        )
        .allowed
    };
    assert!(read(&admin, company, CompanyKind::Contractor));
    assert!(!read(&admin, other_company, CompanyKind::Contractor));
    assert!(!read(&colleague, company, CompanyKind::Contractor));
    assert!(read(&operator, other_company, CompanyKind::Contractor));
}

/// A file is decided on as itself: need-to-know through its compartment's
/// company and contract, and nothing done to a file marked for disposal.
#[test]
fn files_are_resources_of_their_own() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let compartment = CompartmentFacts {
        id: CompartmentId::random(),
        contract,
        company,
        phase: dsg_core::CompartmentPhase::Active,
    };
    let file = |status: FileStatus| {
        Resource::File(FileFacts {
            id: FileId::random(),
            compartment: compartment.clone(),
            status,
        })
    };
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let colleague = user(company, CompanyKind::Contractor, Role::Member, vec![]);
    let other = CompanyId::random();
    let outsider = user(other, CompanyKind::Contractor, Role::Member, vec![contract]);
    for action in [Action::FileRead, Action::FileUpload, Action::FileDelete] {
        let d = ask(
            &engine,
            Principal::User(handler.clone()),
            action,
            file(FileStatus::Active),
        );
        assert!(d.allowed, "{action:?} {d:?}");
        assert_eq!(d.policies, vec!["handler-need-to-know"]);
        let d = ask(
            &engine,
            Principal::User(handler.clone()),
            action,
            file(FileStatus::DisposalCandidate),
        );
        assert_eq!(d.policies, vec!["file-marked-for-disposal"], "{action:?}");
        // Nobody else learns from the deciding policies that a file is
        // marked: they are refused as for an active one.
        for who in [&colleague, &outsider] {
            let marked = ask(
                &engine,
                Principal::User(who.clone()),
                action,
                file(FileStatus::DisposalCandidate),
            );
            let active = ask(
                &engine,
                Principal::User(who.clone()),
                action,
                file(FileStatus::Active),
            );
            assert!(!marked.allowed);
            assert_eq!(marked.policies, active.policies, "{action:?}");
        }
        for who in [&colleague, &outsider] {
            let d = ask(
                &engine,
                Principal::User(who.clone()),
                action,
                file(FileStatus::Active),
            );
            assert!(!d.allowed, "{action:?}");
        }
    }
    // The record of a file decision replays to the same decision.
    let request = AccessRequest {
        principal: Principal::User(handler),
        action: Action::FileRead,
        resource: file(FileStatus::Active),
        session: FRESH_PASSKEY,
        device: terminal_of(company, CompanyKind::Contractor),
        environment: Environment::UNKNOWN,
    };
    let decision = engine.decide(&request);
    assert!(decision.allowed);
    assert_eq!(
        engine.replay(&engine.slice(&request).unwrap()).unwrap(),
        decision
    );
}

/// A policy version that never names files (written before they were
/// resources) is asked about the compartment; the shipped one about files.
#[test]
fn only_versions_that_name_files_decide_on_them() {
    assert!(PolicyEngine::embedded().unwrap().decides_files());
    let without_files = r#"
        @id("handler-need-to-know")
        permit (principal is Dsg::User, action == Dsg::Action::"file.read", resource is Dsg::Compartment)
        when { principal.company == resource.company && principal.handlerOf.contains(resource.contract) };
    "#;
    let engine = PolicyEngine::from_policies(without_files).unwrap();
    assert!(!engine.decides_files());
}

#[test]
fn a_full_session_changes_credentials_only_from_a_registered_terminal() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let member = user(company, CompanyKind::Contractor, Role::Member, vec![]);
    let enrol = |who: &UserFacts, session: SessionFacts, device: DeviceFacts| {
        ask_from(
            &engine,
            Principal::User(who.clone()),
            Action::SelfEnrol,
            Resource::Gateway,
            session,
            device,
        )
    };
    let own = terminal_of(company, CompanyKind::Contractor);
    assert!(enrol(&member, FRESH_PASSKEY, own.clone()).allowed);
    let DeviceFacts::Terminal(own_facts) = own else {
        unreachable!()
    };
    let totp = SessionFacts {
        mfa: MfaMethod::Totp,
        ..FRESH_PASSKEY
    };
    for (session, device) in [
        (FRESH_PASSKEY, DeviceFacts::None),
        (FRESH_PASSKEY, DeviceFacts::Unregistered),
        (
            FRESH_PASSKEY,
            terminal_of(CompanyId::random(), CompanyKind::Contractor),
        ),
        (
            FRESH_PASSKEY,
            DeviceFacts::Terminal(TerminalFacts {
                status: TerminalStatus::Quarantined,
                ..own_facts.clone()
            }),
        ),
        (totp, DeviceFacts::None),
    ] {
        let d = enrol(&member, session, device.clone());
        assert!(!d.allowed, "{:?} {device:?}", session.mfa);
        assert_eq!(d.policies, vec!["registered-terminal-for-credentials"]);
    }
    // The rest of self-service (sessions, login history) needs none.
    assert!(
        ask_from(
            &engine,
            Principal::User(member.clone()),
            Action::SelfManage,
            Resource::Gateway,
            FRESH_PASSKEY,
            DeviceFacts::None
        )
        .allowed
    );
    // The ways in that set credentials up need none either: a recovery
    // sign-in, and an account still pending its first enrolment.
    let recovery = SessionFacts {
        mfa: MfaMethod::Recovery,
        step_up_fresh: false,
        ..FRESH_PASSKEY
    };
    assert!(enrol(&member, recovery, DeviceFacts::None).allowed);
    let mut pending = member.clone();
    pending.state = AccountState::Pending;
    let enrolment = SessionFacts {
        mfa: MfaMethod::None,
        step_up_fresh: false,
        ..FRESH_PASSKEY
    };
    assert!(enrol(&pending, enrolment, DeviceFacts::None).allowed);
    // An agency operator needs an agency terminal of its own.
    let agency = CompanyId::random();
    let operator = user(agency, CompanyKind::Agency, Role::Operator, vec![]);
    assert!(!enrol(&operator, FRESH_PASSKEY, DeviceFacts::None).allowed);
    assert!(
        enrol(
            &operator,
            FRESH_PASSKEY,
            terminal_of(agency, CompanyKind::Agency)
        )
        .allowed
    );
}
