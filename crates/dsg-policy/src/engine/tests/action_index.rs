//! `PolicyEngine::evaluate` (the action's policies from
//! `policies_by_action`) decides as Cedar's
//! authorizer does on the whole policy set: same decision, same determining
//! policies, same errors, for every action of the schema on many request
//! shapes, on the slices the decision path builds and with the schema's
//! action entities as decision records have them.

use cedar_policy::{Entity, Request, RestrictedExpression};
use dsg_core::{Duty, FileId, FileStatus, RosterStatus};

use super::*;
use crate::request::{CompanyFacts, FileFacts};

fn principals(agency: CompanyId, contractor: CompanyId, contract: ContractId) -> Vec<Principal> {
    let operator = user(agency, CompanyKind::Agency, Role::Operator, Vec::new());
    let mut auditor = user(agency, CompanyKind::Agency, Role::Member, Vec::new());
    auditor.duties = vec![Duty::Auditor];
    let mut admin = user(
        contractor,
        CompanyKind::Contractor,
        Role::Member,
        Vec::new(),
    );
    admin.duties = vec![Duty::SecurityAdmin];
    let mut handler = user(
        contractor,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    handler.roster = Some(RosterStatus::Confirmed);
    handler.training_age_secs = Some(86_400);
    let mut pending = handler.clone();
    pending.state = AccountState::Pending;
    let mut locked = operator.clone();
    locked.state = AccountState::Locked;
    let outsider = user(
        CompanyId::random(),
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    vec![
        Principal::Anonymous,
        Principal::User(operator),
        Principal::User(auditor),
        Principal::User(admin),
        Principal::User(handler),
        Principal::User(pending),
        Principal::User(locked),
        Principal::User(outsider),
    ]
}

fn resources(
    principal: &Principal,
    contractor: CompanyId,
    contract: ContractId,
    terminal: &DeviceFacts,
) -> Vec<Resource> {
    let mut list = vec![
        Resource::Gateway,
        Resource::Compartment(CompartmentFacts {
            id: CompartmentId::random(),
            contract,
            company: contractor,
            phase: dsg_core::CompartmentPhase::Active,
        }),
        Resource::MissingCompartment("no-such-compartment".into()),
        Resource::File(FileFacts {
            id: FileId::random(),
            compartment: CompartmentFacts {
                id: CompartmentId::random(),
                contract,
                company: contractor,
                phase: dsg_core::CompartmentPhase::Active,
            },
            status: FileStatus::Active,
        }),
        Resource::File(FileFacts {
            id: FileId::random(),
            compartment: CompartmentFacts {
                id: CompartmentId::random(),
                contract,
                company: contractor,
                phase: dsg_core::CompartmentPhase::Active,
            },
            status: FileStatus::DisposalCandidate,
        }),
        Resource::Company(CompanyFacts {
            id: contractor,
            kind: CompanyKind::Contractor,
        }),
        Resource::ChangeRequest(ChangeRequestFacts {
            id: "request-1".into(),
            requested_by: UserId::random(),
        }),
    ];
    if let Principal::User(u) = principal {
        list.push(Resource::Account(u.clone()));
        list.push(Resource::ChangeRequest(ChangeRequestFacts {
            id: "request-2".into(),
            requested_by: u.id,
        }));
        list.push(Resource::Company(CompanyFacts {
            id: u.company,
            kind: u.company_kind,
        }));
    }
    if let DeviceFacts::Terminal(t) = terminal {
        list.push(Resource::Terminal(t.clone()));
    }
    list
}

/// Every request shape above, for every action the schema declares (and
/// one it does not), decided on the action's policy set and on the whole
/// set.
#[test]
fn each_action_is_decided_on_its_policies_as_on_all_of_them() {
    let engine = PolicyEngine::embedded().unwrap();
    let mut actions: Vec<EntityUid> = engine.schema.actions().cloned().collect();
    assert!(actions.iter().all(|a| engine.by_action.contains_key(a)));
    actions.push(action_uid("no.such.action").unwrap());
    let agency = CompanyId::random();
    let contractor = CompanyId::random();
    let contract = ContractId::random();
    let sessions = [
        FRESH_PASSKEY,
        SessionFacts {
            mfa: MfaMethod::Totp,
            step_up_fresh: false,
            totp_reaches_data: true,
            auth_age_secs: 4_000,
            session_age_secs: 9_000,
        },
        SessionFacts {
            mfa: MfaMethod::Recovery,
            ..SessionFacts::ANONYMOUS
        },
        SessionFacts::ANONYMOUS,
    ];
    let environments = [
        Environment::UNKNOWN,
        Environment {
            source: Some("192.0.2.7".parse().unwrap()),
            agency_terminals_accepted: true,
            posture_max_age_secs: Some(3_600),
            roster_confirmation_required: true,
            training_max_age_secs: Some(365 * 86_400),
            ..Environment::UNKNOWN
        },
    ];
    let mut compared = 0usize;
    let mut allowed = 0usize;
    for principal in principals(agency, contractor, contract) {
        let company = match &principal {
            Principal::User(u) => (u.company, u.company_kind),
            Principal::Anonymous => (contractor, CompanyKind::Contractor),
        };
        let mut quarantined = terminal_of(company.0, company.1);
        if let DeviceFacts::Terminal(t) = &mut quarantined {
            t.status = TerminalStatus::Quarantined;
            t.posture = Some(crate::request::PostureFacts {
                age_secs: 60,
                compliant: true,
            });
        }
        let devices = [
            terminal_of(company.0, company.1),
            terminal_of(agency, CompanyKind::Agency),
            quarantined,
            DeviceFacts::None,
        ];
        for device in &devices {
            for resource in resources(&principal, contractor, contract, device) {
                for (i, session) in sessions.iter().enumerate() {
                    let environment = environments[i % environments.len()];
                    let request = AccessRequest {
                        principal: principal.clone(),
                        action: Action::FileRead,
                        resource: resource.clone(),
                        session: *session,
                        device: device.clone(),
                        environment,
                    };
                    let (built, slice) = engine.build(&request, Typing::Trusted).unwrap();
                    // The slice as Cedar makes it (closure computed) ...
                    let cedar_slice = Entities::from_entities(slice.iter().cloned(), None).unwrap();
                    assert!(slice.deep_eq(&cedar_slice), "{request:?}");
                    // ... and both with the schema's action entities, as
                    // decision records have them.
                    let actions_of = |entities: &Entities| {
                        entities
                            .clone()
                            .add_entities(engine.schema.action_entities().unwrap(), None)
                            .unwrap()
                    };
                    let pairs = [
                        (actions_of(&slice), actions_of(&cedar_slice)),
                        (slice, cedar_slice),
                    ];
                    for (entities, cedar_entities) in &pairs {
                        for action in &actions {
                            let cedar_request = Request::new(
                                built.principal().unwrap().clone(),
                                action.clone(),
                                built.resource().unwrap().clone(),
                                built.context().unwrap().clone(),
                                None,
                            )
                            .unwrap();
                            let indexed = engine.evaluate(&cedar_request, entities);
                            let whole = engine.evaluate_on(
                                &cedar_request,
                                cedar_entities,
                                &engine.policies,
                            );
                            assert_eq!(indexed, whole, "{action} on {request:?}");
                            compared += 1;
                            allowed += usize::from(whole.allowed);
                        }
                    }
                }
            }
        }
    }
    // The shapes reach both answers, many times.
    assert!(compared > 10_000, "{compared}");
    assert!(allowed > 100, "{allowed}");
}

/// A policy set with an action group, a policy on the group and one on a
/// member, and policies that err: the member's requests see them all, with
/// the same answers and errors.
#[test]
fn action_groups_and_errors_keep_their_policies() {
    let schema = r#"
        entity User = { ok: Bool };
        entity Thing;
        action "all";
        action "read" in ["all"]
            appliesTo { principal: [User], resource: [Thing], context: { n: Long } };
        action "write"
            appliesTo { principal: [User], resource: [Thing], context: { n: Long } };
    "#;
    let policies = r#"
        @id("group") permit (principal, action in Action::"all", resource) when { principal.ok };
        @id("read") forbid (principal, action == Action::"read", resource) unless { principal.ok };
        @id("both") permit (principal, action in [Action::"read", Action::"write"], resource);
        @id("sum") permit (principal, action, resource) when { context.n + 1 > 0 };
        @id("product") forbid (principal, action == Action::"write", resource)
            when { context.n * 2 < 0 };
    "#;
    let engine = PolicyEngine::from_sources(schema, policies).unwrap();
    let mut errors = 0;
    for name in ["read", "write"] {
        for ok in [true, false] {
            for n in [1, -1, i64::MAX, i64::MIN] {
                let user = EntityUid::from_str(r#"User::"u""#).unwrap();
                let thing = EntityUid::from_str(r#"Thing::"t""#).unwrap();
                let action = EntityUid::from_str(&format!(r#"Action::"{name}""#)).unwrap();
                let entity = Entity::new(
                    user.clone(),
                    HashMap::from([("ok".to_owned(), RestrictedExpression::new_bool(ok))]),
                    HashSet::new(),
                )
                .unwrap();
                let context =
                    Context::from_pairs([("n".to_owned(), RestrictedExpression::new_long(n))])
                        .unwrap();
                for schema in [None, Some(&engine.schema)] {
                    let entities = Entities::from_entities([entity.clone()], schema).unwrap();
                    let request = Request::new(
                        user.clone(),
                        action.clone(),
                        thing.clone(),
                        context.clone(),
                        None,
                    )
                    .unwrap();
                    let indexed = engine.evaluate(&request, &entities);
                    let whole = engine.evaluate_on(&request, &entities, &engine.policies);
                    assert_eq!(indexed, whole, "{name} {ok} {n} {}", schema.is_some());
                    errors += whole.errors.len();
                }
            }
        }
    }
    assert!(errors > 0);
}

/// In each action's set, a policy whose scope names the action itself has
/// no action scope left (Cedar would otherwise build and search the list on
/// every request); one that reaches the action only through a group keeps
/// its scope, and the policies keep their ids and annotations.
#[test]
fn scopes_naming_the_action_are_dropped_from_its_set() {
    let engine = PolicyEngine::embedded().unwrap();
    let mut rewritten = 0;
    for (action, subset) in &engine.by_action {
        for policy in subset.policies() {
            assert_eq!(
                policy.action_constraint(),
                ActionConstraint::Any,
                "{} for {action}",
                policy.id()
            );
            let original = engine.policies.policy(policy.id()).unwrap();
            assert_eq!(policy.annotation("id"), original.annotation("id"));
            assert_eq!(policy.effect(), original.effect());
            rewritten += usize::from(original.action_constraint() != ActionConstraint::Any);
        }
    }
    assert!(rewritten > 50, "{rewritten}");

    let schema = r#"
        entity User;
        action "all";
        action "read" in ["all"] appliesTo { principal: [User], resource: [User] };
    "#;
    let policies = r#"
        @id("group") permit (principal, action in Action::"all", resource);
        @id("member") permit (principal, action in [Action::"read"], resource);
    "#;
    let engine = PolicyEngine::from_sources(schema, policies).unwrap();
    let read = EntityUid::from_str(r#"Action::"read""#).unwrap();
    let scopes: HashMap<String, ActionConstraint> = engine.by_action[&read]
        .policies()
        .map(|p| {
            (
                p.annotation("id").unwrap().to_owned(),
                p.action_constraint(),
            )
        })
        .collect();
    assert_eq!(scopes["member"], ActionConstraint::Any);
    assert_ne!(scopes["group"], ActionConstraint::Any);
}

/// The uids the engine makes find their type among the parsed names (a
/// miss would run Cedar's parser on every request).
#[test]
fn every_type_of_the_schema_is_parsed_once() {
    let names: Vec<&str> = TYPE_NAMES.iter().map(|(name, _)| name.as_str()).collect();
    for name in [
        "Dsg::Action",
        "Dsg::Anonymous",
        "Dsg::ChangeRequest",
        "Dsg::Company",
        "Dsg::Compartment",
        "Dsg::Contract",
        "Dsg::File",
        "Dsg::Gateway",
        "Dsg::Terminal",
        "Dsg::User",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    let (schema, _) = Schema::from_cedarschema_str(SCHEMA).unwrap();
    assert_eq!(names.len(), schema.entity_types().count() + 1);
    assert_eq!(
        uid("Dsg::User", "u").unwrap(),
        EntityUid::from_str(r#"Dsg::User::"u""#).unwrap()
    );
}
