//! The company's roles (第5-2(3)) and the protected-system users' consent
//! (第5-2(2)): who designates whom, the separation-of-duties rules, and
//! consent as a condition of data.

use super::*;
use crate::request::RoleDesignationFacts;
use dsg_core::{CompanyRole, Duty};

use CompanyRole::{
    Audit, Executive, GeneralManager, Manager, ResponsibleManager, SystemAdmin, SystemStaff,
};

fn designation(
    company: CompanyId,
    role: CompanyRole,
    held: &[CompanyRole],
    audit: (bool, i64, i64),
) -> Resource {
    Resource::RoleDesignation(RoleDesignationFacts {
        id: "role-1".into(),
        company,
        company_kind: CompanyKind::Contractor,
        person: UserId::random(),
        role,
        held_roles: held.to_vec(),
        outside_audited_unit: audit.0,
        independent_auditors: audit.1,
        auditors: audit.2,
    })
}

fn holding(company: CompanyId, roles: &[CompanyRole]) -> UserFacts {
    UserFacts {
        company_roles: roles.to_vec(),
        ..user(company, CompanyKind::Contractor, Role::Member, vec![])
    }
}

#[test]
fn only_the_general_manager_and_a_manager_combine() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let executive = Principal::User(holding(company, &[Executive]));
    let designate = |role, held: &[CompanyRole]| {
        ask(
            &engine,
            executive.clone(),
            Action::RoleDesignate,
            designation(company, role, held, (false, 1, 1)),
        )
    };
    // Nobody holding a role yet: any role.
    for &role in CompanyRole::ALL {
        if role != ResponsibleManager {
            let d = designate(role, &[]);
            assert!(d.allowed, "{role:?}: {d:?}");
            assert_eq!(d.policies, vec!["executive-designates-roles"]);
        }
    }
    assert!(designate(Manager, &[GeneralManager]).allowed);
    assert!(designate(GeneralManager, &[Manager]).allowed);
    // A manager of a second asset.
    assert!(designate(Manager, &[Manager]).allowed);
    // The responsible (facility) manager is one of the managers.
    assert!(designate(ResponsibleManager, &[Manager]).allowed);
    let d = designate(ResponsibleManager, &[]);
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["responsible-manager-is-a-manager"]);
    // What the standard forbids.
    for (role, held) in [
        (SystemAdmin, vec![SystemStaff]),
        (SystemStaff, vec![SystemAdmin]),
        (Audit, vec![GeneralManager]),
        (GeneralManager, vec![Audit]),
        (Executive, vec![GeneralManager]),
        (Manager, vec![SystemAdmin]),
        (SystemAdmin, vec![GeneralManager, Manager]),
        (ResponsibleManager, vec![GeneralManager, Manager]),
        (Audit, vec![Manager]),
    ] {
        let d = designate(role, &held);
        assert!(!d.allowed, "{role:?} on {held:?}");
        assert!(
            d.policies.contains(&"company-role-separation".to_owned()),
            "{role:?} on {held:?}: {d:?}"
        );
    }
}

#[test]
fn the_executive_of_the_company_designates() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let other = CompanyId::random();
    let on = |who: UserFacts, action, resource| {
        ask(&engine, Principal::User(who), action, resource).allowed
    };
    let manager = designation(company, Manager, &[], (false, 1, 1));
    for action in [Action::RoleDesignate, Action::RoleRevoke] {
        assert!(on(holding(company, &[Executive]), action, manager.clone()));
        // Another company's executive, the general manager (for anything
        // but a responsible manager), the security administrator and an
        // ordinary member do not.
        assert!(!on(holding(other, &[Executive]), action, manager.clone()));
        assert!(!on(
            holding(company, &[GeneralManager]),
            action,
            manager.clone()
        ));
        let admin = UserFacts {
            duties: vec![Duty::SecurityAdmin],
            ..holding(company, &[SystemAdmin])
        };
        assert!(!on(admin, action, manager.clone()));
        assert!(!on(holding(company, &[]), action, manager.clone()));
        // The general manager designates a responsible manager.
        let responsible = designation(company, ResponsibleManager, &[Manager], (false, 1, 1));
        assert!(on(holding(company, &[GeneralManager]), action, responsible));
        // An agency operator, on the company's behalf.
        let operator = user(
            CompanyId::random(),
            CompanyKind::Agency,
            Role::Operator,
            vec![],
        );
        assert!(on(operator, action, manager.clone()));
    }
    // The operator too is held to the separation of duties.
    let operator = user(
        CompanyId::random(),
        CompanyKind::Agency,
        Role::Operator,
        vec![],
    );
    let d = ask(
        &engine,
        Principal::User(operator),
        Action::RoleDesignate,
        designation(company, SystemStaff, &[SystemAdmin], (false, 1, 1)),
    );
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["company-role-separation"]);
}

#[test]
fn the_audit_department_keeps_a_member_from_outside() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let executive = Principal::User(holding(company, &[Executive]));
    let decide = |action, outside, independent, auditors| {
        ask(
            &engine,
            executive.clone(),
            action,
            designation(company, Audit, &[], (outside, independent, auditors)),
        )
    };
    // The first member from inside the audited unit: refused.
    let d = decide(Action::RoleDesignate, false, 0, 0);
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["audit-department-independence"]);
    // From outside, or once an outsider is there: allowed.
    assert!(decide(Action::RoleDesignate, true, 0, 0).allowed);
    assert!(decide(Action::RoleDesignate, false, 1, 1).allowed);
    // The last outsider stays while insiders remain ...
    let d = decide(Action::RoleRevoke, true, 1, 2);
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["audit-department-keeps-an-outsider"]);
    // ... but may go with the department, or with another outsider left,
    // and an insider may always go.
    assert!(decide(Action::RoleRevoke, true, 1, 1).allowed);
    assert!(decide(Action::RoleRevoke, true, 2, 3).allowed);
    assert!(decide(Action::RoleRevoke, false, 1, 2).allowed);
}

#[test]
fn consent_gates_data_where_required() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let read = |consented: bool, required: bool| {
        let handler = UserFacts {
            consented,
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
                consent_required: required,
                ..Environment::UNKNOWN
            },
        })
    };
    assert!(read(false, false).allowed, "not required");
    assert!(read(true, true).allowed);
    let d = read(false, true);
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["system-user-consented"]);
}

#[test]
fn nobody_records_their_own_consent() {
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let admin = UserFacts {
        duties: vec![Duty::SecurityAdmin],
        ..user(company, CompanyKind::Contractor, Role::Member, vec![])
    };
    let colleague = user(company, CompanyKind::Contractor, Role::Member, vec![]);
    let stranger = user(
        CompanyId::random(),
        CompanyKind::Contractor,
        Role::Member,
        vec![],
    );
    let on = |whom: &UserFacts, action| {
        ask(
            &engine,
            Principal::User(admin.clone()),
            action,
            Resource::Account(whom.clone()),
        )
    };
    assert!(on(&colleague, Action::ConsentRecord).allowed);
    assert!(on(&colleague, Action::ConsentWithdraw).allowed);
    assert!(!on(&stranger, Action::ConsentRecord).allowed);
    let own = on(&admin, Action::ConsentRecord);
    assert!(!own.allowed);
    assert_eq!(own.policies, vec!["no-self-recorded-consent"]);
}

#[test]
fn a_record_of_schema_version_8_replays() {
    // A version 8 record of a handler's download carries neither consent
    // nor company roles on its user.
    let engine = PolicyEngine::embedded().unwrap();
    let company = CompanyId::random();
    let contract = ContractId::random();
    let handler = user(
        company,
        CompanyKind::Contractor,
        Role::Member,
        vec![contract],
    );
    let request = AccessRequest {
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
        environment: Environment::UNKNOWN,
    };
    let slice = engine.slice(&request).unwrap();
    assert!(slice.contains("systemUseConsented"));
    let mut record: serde_json::Value = serde_json::from_str(&slice).unwrap();
    record["format"] = "dsg-decision/schema-v8".into();
    let mut stripped = 0;
    for entity in record["entities"].as_array_mut().unwrap() {
        if let Some(attrs) = entity["attrs"].as_object_mut() {
            stripped += usize::from(attrs.remove("systemUseConsented").is_some());
            stripped += usize::from(attrs.remove("companyRoles").is_some());
        }
    }
    assert_eq!(stripped, 2, "the v9 attributes were on the user");
    let old = record.to_string();
    assert!(!old.contains("systemUseConsented"));
    let replayed = engine.replay(&old).unwrap();
    assert!(replayed.allowed);
    assert_eq!(replayed.policies, vec!["handler-need-to-know"]);
    // A format this version never wrote is refused.
    record["format"] = "dsg-decision/schema-v13".into();
    assert!(engine.replay(&record.to_string()).is_err());
}
