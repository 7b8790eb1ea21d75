use dsg_core::{AccountStatus, CompanyId, CompanyKind, CompartmentId, ContractId, Role, UserId};

use super::*;
use crate::request::{Action, CompartmentFacts};

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
        status: AccountStatus::Active,
        handler_of,
    }
}

fn ask(
    engine: &PolicyEngine,
    principal: Principal,
    action: Action,
    resource: Resource,
) -> Decision {
    engine.decide(&AccessRequest {
        principal,
        action,
        resource,
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
    disabled.status = AccountStatus::Disabled;
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

mod properties {
    use proptest::prelude::*;

    use super::*;

    const ACTIONS: [Action; 12] = [
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
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever a user's attributes, a compartment is reachable only by
        /// an active user of the contract's company who handles the contract,
        /// and the gateway is administered only by active agency operators.
        #[test]
        fn access_follows_need_to_know(
            action_index in 0..ACTIONS.len(),
            company_index in 0usize..3,
            agency in any::<bool>(),
            operator in any::<bool>(),
            status_index in 0usize..3,
            handles in 0u8..8,
        ) {
            let companies = [CompanyId::random(), CompanyId::random(), CompanyId::random()];
            let contracts = [ContractId::random(), ContractId::random(), ContractId::random()];
            let engine = PolicyEngine::embedded().unwrap();
            let user = UserFacts {
                id: UserId::random(),
                company: companies[company_index],
                company_kind: if agency { CompanyKind::Agency } else { CompanyKind::Contractor },
                role: if operator { Role::Operator } else { Role::Member },
                status: [AccountStatus::Active, AccountStatus::Disabled, AccountStatus::Locked][status_index],
                handler_of: (0..3).filter(|i| handles & (1 << i) != 0).map(|i| contracts[i]).collect(),
            };
            let action = ACTIONS[action_index];
            let compartment = CompartmentFacts { id: CompartmentId::random(), contract: contracts[0], company: companies[0] };
            let resource = if action.targets_compartment() { Resource::Compartment(compartment.clone()) } else { Resource::Gateway };
            let decision = ask(&engine, Principal::User(user.clone()), action, resource);
            let active = user.status == AccountStatus::Active;
            let expected = if action.targets_compartment() {
                active && user.company == compartment.company && user.handler_of.contains(&compartment.contract)
            } else {
                active && user.role == Role::Operator && user.company_kind == CompanyKind::Agency
            };
            prop_assert_eq!(decision.allowed, expected, "{:?} {:?}", user, action);
            prop_assert!(decision.errors.is_empty(), "{:?}", decision.errors);
        }
    }
}
