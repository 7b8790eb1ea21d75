//! The rules of 第5-2(2) (protected-system users' written consent) and
//! 第5-2(3) (the company's roles and their separation), read from the
//! consent lines and the role designations the company keeps in dsg.

use std::collections::BTreeMap;

use super::{person, status, Cause, CauseKind, CompanyFacts, Reason, RequirementStatus, Status};
use crate::compliance::Requirement;
use crate::{CompanyRole, UserId};

/// Met when every active account of the company has its written consent
/// to the three items recorded; an account without one is a cause.
pub(super) fn consent(r: &Requirement, facts: &CompanyFacts) -> RequirementStatus {
    let mut active = facts.people.iter().filter(|p| p.active).peekable();
    if active.peek().is_none() {
        return status(
            r,
            Status::NotApplicable,
            Reason::NoActiveAccounts,
            None,
            Vec::new(),
        );
    }
    let missing: Vec<Cause> = active
        .filter(|p| !p.consented)
        .map(|p| person(p.user, None))
        .collect();
    if missing.is_empty() {
        status(r, Status::Met, Reason::ConsentAll, None, Vec::new())
    } else {
        status(r, Status::NotMet, Reason::ConsentMissing, None, missing)
    }
}

fn role_cause(role: CompanyRole) -> Cause {
    Cause {
        kind: CauseKind::Role,
        id: role.as_str().to_owned(),
        on: None,
    }
}

/// Met when every required role has an active holder, nobody holds roles
/// the standard keeps apart, and at least one audit member comes from
/// outside the unit audited (第13). Only designations of active accounts
/// count: a disabled person holds no role in practice.
pub(super) fn roles(r: &Requirement, facts: &CompanyFacts) -> RequirementStatus {
    let active: Vec<UserId> = facts
        .people
        .iter()
        .filter(|p| p.active)
        .map(|p| p.user)
        .collect();
    let held: Vec<_> = facts
        .roles
        .iter()
        .filter(|d| active.contains(&d.user))
        .collect();
    let mut by_person: BTreeMap<UserId, Vec<CompanyRole>> = BTreeMap::new();
    for d in &held {
        by_person.entry(d.user).or_default().push(d.role);
    }
    let combined: Vec<Cause> = by_person
        .iter()
        .filter(|(_, roles)| !CompanyRole::may_be_held_together(roles))
        .map(|(user, _)| person(*user, None))
        .collect();
    if !combined.is_empty() {
        return status(r, Status::NotMet, Reason::RolesCombined, None, combined);
    }
    let missing: Vec<Cause> = CompanyRole::REQUIRED
        .iter()
        .filter(|role| !held.iter().any(|d| d.role == **role))
        .map(|role| role_cause(*role))
        .collect();
    if !missing.is_empty() {
        return status(r, Status::NotMet, Reason::RolesMissing, None, missing);
    }
    if !held
        .iter()
        .any(|d| d.role == CompanyRole::Audit && d.outside_audited_unit)
    {
        return status(
            r,
            Status::NotMet,
            Reason::AuditNotIndependent,
            None,
            vec![role_cause(CompanyRole::Audit)],
        );
    }
    status(r, Status::Met, Reason::RolesDesignated, None, Vec::new())
}
