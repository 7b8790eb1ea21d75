//! The property test: random worlds against an independent model of the rules.

use proptest::prelude::*;

use super::*;
use crate::request::{ApplicationFacts, CompanyFacts, FileFacts, PostureFacts};
use dsg_core::{Duty, FileId, FileStatus, RosterStatus};

const ACTIONS: [Action; 49] = [
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
    Action::ParticipantDesignate,
    Action::ParticipantRemove,
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
    Action::AuditRead,
    Action::AuditExtract,
    Action::AlertRead,
    Action::AlertManage,
    Action::DutyGrant,
    Action::DutyRevoke,
    Action::RosterSubmit,
    Action::RosterConfirm,
    Action::RosterRemove,
    Action::TrainingRecord,
    Action::RecordsRead,
    Action::ApplicationFile,
    Action::ApplicationRead,
    Action::ApplicationAct,
    Action::ApplicationDecide,
    Action::SoftwareListRead,
    Action::SoftwareListManage,
    Action::ConsentRecord,
    Action::ConsentWithdraw,
    Action::TicketFile,
    Action::TicketRead,
    Action::TicketAct,
];
const ROSTER: [Option<RosterStatus>; 4] = [
    None,
    Some(RosterStatus::Submitted),
    Some(RosterStatus::Confirmed),
    Some(RosterStatus::Removed),
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
    /// approves their own request nor confirms a roster line they
    /// submitted; where required, only people on a confirmed roster with
    /// current training, trained on designation for the contract, reach data; a password or recovery code alone
    /// only ever enrols.
    #[test]
    fn access_follows_need_to_know(
        action_index in 0..ACTIONS.len(),
        company_kinds in proptest::collection::vec(any::<bool>(), 3),
        user_company in 0usize..3,
        compartment_company in 0usize..3,
        operator in any::<bool>(),
        state_index in 0usize..5,
        // Low three bits: contracts handled; high three: participated in.
        handles in 0u8..64,
        method_index in 0usize..4,
        fresh in any::<bool>(),
        totp_data in any::<bool>(),
        device_kind in 0u8..3,
        terminal_company in 0usize..3,
        terminal_state in 0usize..3,
        agency_terminals in any::<bool>(),
        own_request in any::<bool>(),
        duty_bits in 0u8..16,
        provider_index in 0usize..4,
        target_company in 0usize..3,
        on_gateway in any::<bool>(),
        posture_kind in 0u8..4,
        posture_required in any::<bool>(),
        roster_index in 0usize..4,
        training_kind in 0u8..3,
        roster_required in any::<bool>(),
        training_required in any::<bool>(),
        on_file in any::<bool>(),
        file_active in any::<bool>(),
        designation_bits in 0u8..8,
        designation_required in any::<bool>(),
        consented in any::<bool>(),
        consent_required in any::<bool>(),
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
            participant_of: (0..3).filter(|i| handles & (8 << i) != 0).map(|i| contracts[i]).collect(),
            duties: [Duty::Auditor, Duty::SecurityAdmin, Duty::SiteSurvey, Duty::TerminalSetup]
                .into_iter()
                .enumerate()
                .filter(|(i, _)| duty_bits & (1 << i) != 0)
                .map(|(_, d)| d)
                .collect(),
            roster: ROSTER[roster_index],
            // None, trained last week, trained over a year ago.
            training_age_secs: match training_kind {
                0 => None,
                1 => Some(7 * 86_400),
                _ => Some(400 * 86_400),
            },
            designation_trained_for: (0..3)
                .filter(|i| designation_bits & (1 << i) != 0)
                .map(|i| contracts[i])
                .collect(),
            consented,
            company_roles: Vec::new(),
        };
        let auditor = user.duties.contains(&Duty::Auditor);
        let security_admin = user.duties.contains(&Duty::SecurityAdmin);
        let provider_staff = user.duties.contains(&Duty::SiteSurvey)
            || user.duties.contains(&Duty::TerminalSetup);
        let company_resource = CompanyFacts { id: companies[target_company], kind: kind(target_company) };
        // The person acted on: oneself, or someone of any company.
        let mut target_user = user.clone();
        if !own_request {
            target_user.id = UserId::random();
            target_user.company = companies[target_company];
            target_user.company_kind = kind(target_company);
        }
        let action = ACTIONS[action_index];
        let compartment = CompartmentFacts {
            id: CompartmentId::random(),
            contract: contracts[0],
            company: companies[compartment_company], phase: dsg_core::CompartmentPhase::Active,
        };
        let requested_by = if own_request { user.id } else { UserId::random() };
        let application = ApplicationFacts {
            id: "a".into(),
            company: companies[compartment_company],
            company_kind: kind(compartment_company),
            requested_by,
            provider: companies.get(provider_index).copied(),
        };
        let assigned = provider_staff && application.provider == Some(user.company);
        let on_company = matches!(action, Action::AuditExtract | Action::RecordsRead | Action::ApplicationFile | Action::TicketFile)
            || (action == Action::AuditRead && !on_gateway);
        let keeps_records = matches!(
            action,
            Action::RosterSubmit
                | Action::RosterRemove
                | Action::TrainingRecord
                | Action::ConsentRecord
                | Action::ConsentWithdraw
        );
        // File actions are decided on the file where one is named.
        let file_resource = on_file
            && matches!(action, Action::FileRead | Action::FileUpload | Action::FileDelete);
        let resource = if file_resource {
            Resource::File(FileFacts {
                id: FileId::random(),
                compartment: compartment.clone(),
                status: if file_active { FileStatus::Active } else { FileStatus::DisposalCandidate },
            })
        } else if action.targets_compartment() {
            Resource::Compartment(compartment.clone())
        } else if action.targets_change_request() {
            Resource::ChangeRequest(ChangeRequestFacts { id: "r".into(), requested_by })
        } else if action.targets_application() {
            Resource::Application(application.clone())
        } else if on_company {
            Resource::Company(company_resource.clone())
        } else if keeps_records || matches!(action, Action::DutyGrant | Action::DutyRevoke) {
            Resource::Account(target_user.clone())
        } else {
            Resource::Gateway
        };
        let terminal = TerminalFacts {
            id: TerminalId::random(),
            company: companies[terminal_company],
            company_kind: kind(terminal_company),
            status: TERMINAL_STATES[terminal_state],
            site: "site".into(),
            // None, fresh and compliant, stale, failing.
            posture: match posture_kind {
                0 => None,
                1 => Some(PostureFacts { age_secs: 60, compliant: true }),
                2 => Some(PostureFacts { age_secs: 100_000, compliant: true }),
                _ => Some(PostureFacts { age_secs: 60, compliant: false }),
            },
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
        let request = AccessRequest {
            principal: Principal::User(user.clone()),
            action,
            resource,
            session,
            device: device.clone(),
            environment: Environment {
                agency_terminals_accepted: agency_terminals,
                posture_max_age_secs: posture_required.then_some(86_400),
                roster_confirmation_required: roster_required,
                training_max_age_secs: training_required.then_some(365 * 86_400),
                designation_training_required: designation_required,
                consent_required,
                ..Environment::UNKNOWN
            },
        };
        let decision = engine.decide(&request);
        // The decision record replays to the same decision.
        prop_assert_eq!(engine.replay(&engine.slice(&request).unwrap()).unwrap(), decision.clone());
        let state = user.state;
        let mfa = session.mfa;
        let second_factor = matches!(mfa, MfaMethod::Webauthn | MfaMethod::Totp);
        let sensitive = matches!(action,
            Action::FileDelete | Action::HandlerDesignate | Action::HandlerRemove
            | Action::ParticipantDesignate | Action::ParticipantRemove
            | Action::AccountManage | Action::AccountResetApprove | Action::TerminalRegister
            | Action::TerminalRelease | Action::PolicyPropose | Action::PolicyApprove
            | Action::DutyGrant | Action::DutyRevoke | Action::RosterConfirm
            | Action::RosterSubmit | Action::TrainingRecord | Action::ConsentRecord);
        // The independent model of "a registered terminal in force".
        let terminal_ok = device_kind == 2
            && terminal.status == TerminalStatus::Active
            && (terminal.company == user.company
                || (agency_terminals && terminal.company_kind == CompanyKind::Agency));
        let expected = match action {
            Action::SelfEnrol => match mfa {
                MfaMethod::None => state == AccountState::Pending,
                MfaMethod::Recovery => matches!(state, AccountState::Active | AccountState::Pending),
                // A full session changes credentials only from a terminal.
                _ => {
                    matches!(state, AccountState::Active | AccountState::Pending)
                        && fresh
                        && terminal_ok
                }
            },
            Action::SelfManage => state == AccountState::Active && second_factor,
            a if a.targets_compartment() => {
                state == AccountState::Active
                    && (mfa == MfaMethod::Webauthn || (mfa == MfaMethod::Totp && totp_data))
                    && (!sensitive || fresh)
                    && ((user.company == compartment.company
                        && user.handler_of.contains(&compartment.contract))
                        || (user.company_kind == CompanyKind::Agency
                            && user.participant_of.contains(&compartment.contract)))
                    && terminal_ok
                    && (!posture_required || posture_kind == 1)
                    && (!roster_required
                        || user.company_kind == CompanyKind::Agency
                        || user.roster == Some(RosterStatus::Confirmed))
                    && (!training_required || training_kind == 1)
                    && (!designation_required
                        || user.designation_trained_for.contains(&compartment.contract))
                    && (!consent_required || consented)
                    && (!file_resource || file_active)
            }
            _ => {
                let agency = user.company_kind == CompanyKind::Agency;
                let operator = user.role == Role::Operator && agency;
                let reads_all = agency && (user.role == Role::Operator || auditor);
                let allowed_by_role = match action {
                    Action::AuditRead | Action::AuditExtract if on_company => {
                        reads_all || (security_admin && user.company == company_resource.id)
                    }
                    // Only contractors keep rosters: the agency reads theirs.
                    Action::RecordsRead => {
                        (reads_all && company_resource.kind == CompanyKind::Contractor)
                            || (security_admin && user.company == company_resource.id)
                    }
                    Action::RosterSubmit
                    | Action::RosterRemove
                    | Action::TrainingRecord
                    | Action::ConsentRecord
                    | Action::ConsentWithdraw => {
                        ((operator && target_user.company_kind == CompanyKind::Contractor)
                            || (security_admin && target_user.company == user.company))
                            && !(matches!(action, Action::TrainingRecord | Action::ConsentRecord)
                                && own_request)
                    }
                    Action::ApplicationFile => {
                        company_resource.kind == CompanyKind::Contractor
                            && (operator || (security_admin && user.company == company_resource.id))
                    }
                    Action::ApplicationRead => {
                        reads_all
                            || (security_admin && user.company == application.company)
                            || assigned
                    }
                    Action::ApplicationAct => {
                        (security_admin && user.company == application.company) || assigned
                    }
                    Action::ApplicationDecide => operator && !own_request,
                    Action::TicketFile => {
                        operator
                            || (user.company == company_resource.id
                                && company_resource.kind == CompanyKind::Contractor)
                    }
                    Action::TicketRead | Action::TicketAct => {
                        operator || user.company == application.company || assigned
                    }
                    Action::SoftwareListRead => true,
                    Action::AuditRead | Action::AlertRead => reads_all,
                    Action::PolicyRead | Action::AccessReview => reads_all,
                    Action::DutyGrant | Action::DutyRevoke => operator && !own_request,
                    _ => operator && !(action.targets_change_request() && own_request),
                };
                state == AccountState::Active
                    && second_factor
                    && (!sensitive || fresh)
                    && allowed_by_role
            }
        };
        prop_assert_eq!(decision.allowed, expected, "{:?} {:?} {:?}", user, action, device);
        prop_assert!(decision.errors.is_empty(), "{:?}", decision.errors);
        // The safety properties the issue names, stated on their own.
        // No duty ever opens the log of another contractor.
        if decision.allowed && on_company && user.company_kind == CompanyKind::Contractor {
            prop_assert_eq!(user.company, company_resource.id);
        }
        // No contractor reads or acts on another company's application
        // (the service provider only on those assigned to it), the provider
        // decides none, and nobody decides one they filed.
        if decision.allowed && action.targets_application() && user.company_kind == CompanyKind::Contractor {
            prop_assert!(
                user.company == application.company
                    || (assigned && action != Action::ApplicationDecide)
            );
        }
        if decision.allowed && action == Action::ApplicationDecide {
            prop_assert_ne!(application.requested_by, user.id);
        }
        // Nobody keeps another contractor's records.
        if decision.allowed && keeps_records && user.company_kind == CompanyKind::Contractor {
            prop_assert_eq!(user.company, target_user.company);
        }
        if decision.allowed && action.targets_compartment() {
            // A contractor reaches only its own contracts, as a handler;
            // the agency only those it participates in.
            match user.company_kind {
                CompanyKind::Contractor => {
                    prop_assert_eq!(user.company, compartment.company);
                    prop_assert!(user.handler_of.contains(&compartment.contract));
                }
                CompanyKind::Agency => prop_assert!(
                    user.participant_of.contains(&compartment.contract)
                        || (user.company == compartment.company
                            && user.handler_of.contains(&compartment.contract))
                ),
            }
            if roster_required && user.company_kind == CompanyKind::Contractor {
                prop_assert_eq!(user.roster, Some(RosterStatus::Confirmed));
            }
            if designation_required {
                prop_assert!(user.designation_trained_for.contains(&compartment.contract));
            }
            // No protected-system user without recorded consent reaches data.
            if consent_required {
                prop_assert!(user.consented);
            }
            let DeviceFacts::Terminal(t) = &device else { panic!("no terminal") };
            prop_assert_eq!(t.status, TerminalStatus::Active);
            prop_assert!(t.company == user.company || t.company_kind == CompanyKind::Agency);
        }
    }
}
