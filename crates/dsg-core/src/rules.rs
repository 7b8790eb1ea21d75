//! Rules about who and what may be related: which company a role or duty
//! belongs to, and what a contract allows. Use cases check them after the
//! policy point allowed the caller, so a refusal here is about the data,
//! never about who asked.

use crate::{Company, CompanyId, CompanyKind, Contract, DomainError, Duty, Role, TerminalStatus};

impl Role {
    /// Whether an account of a company of `kind` may have this role:
    /// operators run the gateway, so they belong to the agency.
    pub fn check_company(self, kind: CompanyKind) -> Result<(), DomainError> {
        match (self, kind) {
            (Self::Operator, CompanyKind::Contractor) => {
                Err(DomainError::refused("operators belong to the agency"))
            }
            (Self::Operator, CompanyKind::Agency) | (Self::Member, _) => Ok(()),
        }
    }
}

impl Duty {
    /// Whether a person of a company of `kind` with `role` may be granted
    /// this duty. Auditors are agency members (an operator auditing
    /// operators would check their own work); security administrators
    /// belong to a contractor.
    pub fn check_holder(self, kind: CompanyKind, role: Role) -> Result<(), DomainError> {
        match (self, kind, role) {
            (Self::Auditor, CompanyKind::Agency, Role::Member)
            | (Self::SecurityAdmin, CompanyKind::Contractor, _) => Ok(()),
            (Self::Auditor, CompanyKind::Agency, Role::Operator) => Err(DomainError::refused(
                "an operator cannot also be an auditor: auditors check what operators do",
            )),
            (Self::Auditor, CompanyKind::Contractor, _) => {
                Err(DomainError::refused("auditors are agency staff"))
            }
            (Self::SecurityAdmin, CompanyKind::Agency, _) => Err(DomainError::refused(
                "security administrators belong to a contractor",
            )),
            // The service provider is registered as an organisation outside
            // the agency (a company of the contractor kind); its staff act
            // only on the memberships assigned to it.
            (Self::SiteSurvey | Self::TerminalSetup, CompanyKind::Contractor, _) => Ok(()),
            (Self::SiteSurvey | Self::TerminalSetup, CompanyKind::Agency, _) => Err(
                DomainError::refused("service-provider duties belong to the provider's staff"),
            ),
        }
    }
}

impl CompanyKind {
    /// Whether contracts may be made with a company of this kind: the
    /// agency contracts with contractors, not with itself.
    pub fn check_contract_party(self) -> Result<(), DomainError> {
        match self {
            Self::Contractor => Ok(()),
            Self::Agency => Err(DomainError::refused(
                "contracts are with contractor companies",
            )),
        }
    }

    /// Whether the people of a company of this kind are kept on a handler
    /// roster with training records: the standard asks it of contractors.
    pub fn check_keeps_records(self) -> Result<(), DomainError> {
        match self {
            Self::Contractor => Ok(()),
            Self::Agency => Err(DomainError::refused(
                "the roster and training records are kept for contractors' staff",
            )),
        }
    }
}

impl TerminalStatus {
    /// Whether a terminal in this status may be issued a certificate again
    /// (a new key or CSR): only an active one; a quarantined terminal is
    /// released first, a revoked one never comes back.
    pub fn check_certificate_issue(self) -> Result<(), DomainError> {
        if self != Self::Active {
            return Err(DomainError::refused(
                "only an active terminal gets a new certificate",
            ));
        }
        Ok(())
    }
}

/// What a designation on a contract makes a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Designation {
    /// The contractor's handler (取扱者): a line of its roster; the last
    /// removal disables the account.
    Handler,
    /// The agency's own staff on the contract (契約担当官等, programme
    /// engineers), beside the handlers; their other work goes on after a
    /// removal.
    AgencyParticipant,
}

impl Contract {
    /// Whether a contract may run from `starts_on` to `ends_on` (both days
    /// included; one day is a period).
    pub fn check_period<T: Ord>(starts_on: &T, ends_on: &T) -> Result<(), DomainError> {
        if ends_on < starts_on {
            return Err(DomainError::refused("the contract ends before it starts"));
        }
        Ok(())
    }

    /// Whether this contract gets a compartment: only one with the
    /// information-security special clause.
    pub fn check_compartment(&self) -> Result<(), DomainError> {
        if !self.special_clause {
            return Err(DomainError::refused(
                "only contracts with the information-security special clause get a compartment",
            ));
        }
        Ok(())
    }

    /// Whether a person of `company` may be given `designation` on this
    /// contract.
    pub fn check_designation(
        &self,
        designation: Designation,
        company: &Company,
    ) -> Result<(), DomainError> {
        match designation {
            Designation::Handler => self.check_handler(company.id),
            Designation::AgencyParticipant => self.check_participant(company.kind),
        }
    }

    /// Whether a person of `company` may be designated a handler of this
    /// contract: only the contractor's own people.
    pub fn check_handler(&self, company: CompanyId) -> Result<(), DomainError> {
        if company != self.company_id {
            return Err(DomainError::refused(
                "a handler must belong to the contract's company",
            ));
        }
        Ok(())
    }

    /// Whether a person of a company of `kind` may be designated an agency
    /// participant of a contract: only the agency's own staff. (A
    /// contractor's people reach a contract as its handlers, and only the
    /// contract's own company's.)
    pub fn check_participant(&self, kind: CompanyKind) -> Result<(), DomainError> {
        if kind != CompanyKind::Agency {
            return Err(DomainError::refused(
                "an agency participant must belong to the agency",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{CalendarDate, ContractId, ContractNumber};

    const KINDS: [CompanyKind; 2] = [CompanyKind::Agency, CompanyKind::Contractor];
    const ROLES: [Role; 2] = [Role::Operator, Role::Member];

    #[test]
    fn operators_belong_to_the_agency() {
        assert!(Role::Operator.check_company(CompanyKind::Agency).is_ok());
        assert_eq!(
            Role::Operator
                .check_company(CompanyKind::Contractor)
                .unwrap_err()
                .to_string(),
            "operators belong to the agency"
        );
        for kind in KINDS {
            assert!(Role::Member.check_company(kind).is_ok());
        }
    }

    #[test]
    fn who_may_hold_which_duty() {
        let mut allowed = Vec::new();
        for duty in [
            Duty::Auditor,
            Duty::SecurityAdmin,
            Duty::SiteSurvey,
            Duty::TerminalSetup,
        ] {
            for kind in KINDS {
                for role in ROLES {
                    if duty.check_holder(kind, role).is_ok() {
                        allowed.push((duty, kind, role));
                    }
                }
            }
        }
        assert_eq!(
            allowed,
            [
                (Duty::Auditor, CompanyKind::Agency, Role::Member),
                (Duty::SecurityAdmin, CompanyKind::Contractor, Role::Operator),
                (Duty::SecurityAdmin, CompanyKind::Contractor, Role::Member),
                (Duty::SiteSurvey, CompanyKind::Contractor, Role::Operator),
                (Duty::SiteSurvey, CompanyKind::Contractor, Role::Member),
                (Duty::TerminalSetup, CompanyKind::Contractor, Role::Operator),
                (Duty::TerminalSetup, CompanyKind::Contractor, Role::Member),
            ]
        );
        // Only agency members audit; security administration is a
        // contractor's.
        assert!(Duty::Auditor
            .check_holder(CompanyKind::Agency, Role::Operator)
            .is_err());
        assert!(Duty::SecurityAdmin
            .check_holder(CompanyKind::Agency, Role::Member)
            .is_err());
    }

    #[test]
    fn among_accounts_that_can_exist_duties_follow_the_company() {
        // A contractor has no operators, so among real accounts an auditor
        // is an agency member and a security administrator a contractor's
        // member.
        for kind in KINDS {
            for role in ROLES.into_iter().filter(|r| r.check_company(kind).is_ok()) {
                assert_eq!(
                    Duty::Auditor.check_holder(kind, role).is_ok(),
                    (kind, role) == (CompanyKind::Agency, Role::Member),
                    "{kind:?} {role:?}"
                );
                assert_eq!(
                    Duty::SecurityAdmin.check_holder(kind, role).is_ok(),
                    kind == CompanyKind::Contractor,
                    "{kind:?} {role:?}"
                );
            }
        }
    }

    fn contract(company: CompanyId, special_clause: bool) -> Contract {
        let day = |d| CalendarDate::parse("d", d).unwrap();
        Contract {
            id: ContractId::random(),
            company_id: company,
            number: ContractNumber::parse("A-1").unwrap(),
            title: "t".into(),
            starts_on: day("2026-04-01"),
            ends_on: day("2027-03-31"),
            special_clause,
            created_at: 0,
        }
    }

    #[test]
    fn what_a_contract_allows() {
        let company = CompanyId::random();
        assert!(CompanyKind::Contractor.check_contract_party().is_ok());
        assert!(CompanyKind::Agency.check_contract_party().is_err());
        assert!(CompanyKind::Contractor.check_keeps_records().is_ok());
        assert!(CompanyKind::Agency.check_keeps_records().is_err());
        assert!(contract(company, true).check_compartment().is_ok());
        assert!(contract(company, false).check_compartment().is_err());
        assert!(contract(company, true).check_handler(company).is_ok());
        assert!(contract(company, true)
            .check_handler(CompanyId::random())
            .is_err());
        assert!(contract(company, true)
            .check_participant(CompanyKind::Agency)
            .is_ok());
        assert!(contract(company, true)
            .check_participant(CompanyKind::Contractor)
            .is_err());
    }

    fn terminal_status() -> impl Strategy<Value = TerminalStatus> {
        prop_oneof![
            Just(TerminalStatus::Active),
            Just(TerminalStatus::Quarantined),
            Just(TerminalStatus::Revoked),
        ]
    }

    proptest! {
        /// Whatever operators try, a revoked terminal stays revoked and never
        /// gets a certificate again, and only the terminals an operator may
        /// still change can hold a certificate.
        #[test]
        fn revoked_terminals_stay_revoked(tries in proptest::collection::vec(terminal_status(), 0..16)) {
            let mut status = TerminalStatus::Active;
            let mut revoked = false;
            for next in tries {
                if status.may_become(next) {
                    status = next;
                }
                revoked |= status == TerminalStatus::Revoked;
                prop_assert_eq!(status == TerminalStatus::Revoked, revoked);
                prop_assert_eq!(
                    status.check_certificate_issue().is_ok(),
                    status == TerminalStatus::Active
                );
            }
        }

        #[test]
        fn a_period_may_not_end_before_it_starts(a in 0u32..20_000, b in 0u32..20_000) {
            prop_assert_eq!(Contract::check_period(&a, &b).is_ok(), a <= b);
        }
    }
}
