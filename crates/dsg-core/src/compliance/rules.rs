//! The evidence rules: a pure function from what the store knows about one
//! company (its [`CompanyFacts`]) and about the gateway ([`GatewayFacts`]),
//! today's date and the catalogue, to a status per requirement, with the
//! records that cause it.

use serde::Serialize;

use super::{Catalogue, Requirement, Rule};
use crate::entities::string_enum;
use crate::{
    AttestationId, CalendarDate, CompanyId, CompanyRole, DisposalId, FileId, RoleDesignationId,
    RosterStatus, TrainingTopic, UserId,
};

mod organisation;

/// A training is current for this many days (第7: at least once a year).
pub const TRAINING_VALID_DAYS: i64 = 365;
/// A periodic duty is "due soon" this many days before its due date.
pub const DUE_SOON_DAYS: i64 = 30;
/// A recorded disposal should be checked by another person within this
/// many days.
pub const DISPOSAL_CHECK_DAYS: i64 = 7;
/// A file marked for disposal should be disposed of within this many days.
pub const DISPOSAL_CANDIDATE_DAYS: i64 = 30;
/// The audit log must have been verified this recently (guideline ch. 9).
pub const LOG_VERIFIED_WITHIN_MS: i64 = 24 * 3_600_000;

string_enum!(
    /// Where a company stands on one requirement.
    Status {
        /// The evidence is there.
        Met => "met",
        /// Met today, but a periodic duty falls due within
        /// [`DUE_SOON_DAYS`].
        DueSoon => "due_soon",
        /// A periodic duty is past its due date.
        Overdue => "overdue",
        /// The evidence is missing.
        NotMet => "not_met",
        /// Does not apply to this company (the reason says why).
        NotApplicable => "not_applicable",
        /// What the gateway cannot see, attested by a named person.
        Attested => "attested",
    }
);

string_enum!(
    /// Why a requirement has its status: a stable code, labelled on the
    /// pages in Japanese and English.
    Reason {
        /// The company has no contract with the special clause.
        NoSpecialClause => "no_special_clause",
        /// The company has no active handler.
        NoHandlers => "no_handlers",
        /// Every active handler's roster line is confirmed.
        RosterAllConfirmed => "roster_all_confirmed",
        /// Some active handler has no confirmed roster line.
        RosterUnconfirmed => "roster_unconfirmed",
        /// Every active handler trained within the year on all seven
        /// topics.
        TrainingCurrent => "training_current",
        /// Some handler's yearly training falls due soon.
        TrainingDueSoon => "training_due_soon",
        /// Some handler's latest training is over a year old.
        TrainingOverdue => "training_overdue",
        /// Some handler has no training recorded.
        TrainingMissing => "training_missing",
        /// Some handler was never trained on one of the seven topics (or
        /// only in sessions whose topics were not recorded).
        TrainingTopicsMissing => "training_topics_missing",
        /// The company has no active account.
        NoActiveAccounts => "no_active_accounts",
        /// Every active account has a passkey.
        PasskeysAll => "passkeys_all",
        /// Some active account has no passkey.
        PasskeysMissing => "passkeys_missing",
        /// The log was verified within 24 hours.
        LogVerified => "log_verified",
        /// The last verification is older than 24 hours.
        LogVerificationStale => "log_verification_stale",
        /// The log has never been verified.
        LogNeverVerified => "log_never_verified",
        /// No disposal recorded or pending.
        NoDisposals => "no_disposals",
        /// Every disposal is checked; nothing marked is left waiting.
        DisposalsChecked => "disposals_checked",
        /// A disposal awaits its check (within its time).
        DisposalAwaitingCheck => "disposal_awaiting_check",
        /// A disposal has waited for its check too long, or a file marked
        /// for disposal has not been disposed of in time.
        DisposalOverdue => "disposal_overdue",
        /// A valid attestation is on record.
        Attested => "attested",
        /// The attestation expires soon.
        AttestationExpiring => "attestation_expiring",
        /// The attestation has expired.
        AttestationExpired => "attestation_expired",
        /// Nothing the gateway can see, and no attestation.
        NotAttested => "not_attested",
        /// Every active account's written consent is recorded.
        ConsentAll => "consent_all",
        /// Some active account has no consent in force.
        ConsentMissing => "consent_missing",
        /// Every required role is designated, the combinations are the
        /// standard's and the audit department has an outside member.
        RolesDesignated => "roles_designated",
        /// A required role has no active holder.
        RolesMissing => "roles_missing",
        /// A person holds roles the standard keeps apart.
        RolesCombined => "roles_combined",
        /// No audit member comes from outside the unit audited.
        AuditNotIndependent => "audit_not_independent",
    }
);

/// One person of the company as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFact {
    /// The person.
    pub user: UserId,
    /// Whether their account is in force (active, enrolled, not expired).
    pub active: bool,
    /// Whether they are a designated handler of some contract.
    pub handler: bool,
    /// Their roster status, if they have a line.
    pub roster: Option<RosterStatus>,
    /// The day of their latest training, if any.
    pub last_trained_on: Option<CalendarDate>,
    /// For each of the seven topics (第7-1) a session recorded as covered,
    /// the latest day they were trained on it.
    pub topics_trained_on: Vec<(TrainingTopic, CalendarDate)>,
    /// How many passkeys they have registered.
    pub passkeys: u32,
    /// Whether their written consent to the three items (第5-2(2)ア) is
    /// recorded and not withdrawn.
    pub consented: bool,
}

/// A role designation in force (not withdrawn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFact {
    /// The designation.
    pub designation: RoleDesignationId,
    /// Who holds it.
    pub user: UserId,
    /// The role.
    pub role: CompanyRole,
    /// For an audit member: whether they come from outside the unit
    /// they audit.
    pub outside_audited_unit: bool,
}

/// A disposal recorded but not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisposalFact {
    /// The record.
    pub disposal: DisposalId,
    /// The day it was performed.
    pub performed_on: CalendarDate,
}

/// A file marked for disposal with no disposal recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisposalCandidateFact {
    /// The file.
    pub file: FileId,
    /// The day it was marked.
    pub marked_on: CalendarDate,
}

/// An attestation on record (the latest per requirement is enough).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationFact {
    /// The record.
    pub id: AttestationId,
    /// The requirement it attests.
    pub requirement: String,
    /// The day it was attested.
    pub attested_on: CalendarDate,
    /// The last day it holds.
    pub valid_until: CalendarDate,
}

/// What the store knows about one company, as far as the rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyFacts {
    /// The company.
    pub company: CompanyId,
    /// Whether it has a contract with the special clause (otherwise the
    /// standard does not apply).
    pub special_clause: bool,
    /// Its people.
    pub people: Vec<PersonFact>,
    /// How many disposals were recorded and checked.
    pub disposals_checked: u32,
    /// Disposals awaiting their check.
    pub disposals_unchecked: Vec<DisposalFact>,
    /// Files marked for disposal with no disposal recorded.
    pub disposal_candidates: Vec<DisposalCandidateFact>,
    /// Attestations on record.
    pub attestations: Vec<AttestationFact>,
    /// Its role designations in force.
    pub roles: Vec<RoleFact>,
}

/// What the store knows about the gateway itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GatewayFacts {
    /// When the log was last verified against its signed checkpoints
    /// (the latest checkpoint is signed only after that check), Unix ms.
    pub log_verified_at_ms: Option<i64>,
}

string_enum!(
    /// What kind of record causes a status.
    CauseKind {
        /// A person (their roster line, training or passkeys).
        Person => "person",
        /// A disposal record.
        Disposal => "disposal",
        /// A file marked for disposal.
        File => "file",
        /// An attestation.
        Attestation => "attestation",
        /// The audit log's latest verified checkpoint.
        Log => "log",
        /// A company role: its name when no one holds it, or a
        /// designation's id.
        Role => "role",
    }
);

/// A record that causes a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// Its kind.
    #[serde(serialize_with = "as_str_cause")]
    pub kind: CauseKind,
    /// Its id (empty for the log).
    pub id: String,
    /// The date that matters (last training, disposal, due date …).
    pub on: Option<CalendarDate>,
}

fn as_str_cause<S: serde::Serializer>(k: &CauseKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

/// A company's standing on one requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementStatus {
    /// The requirement's id.
    pub requirement: String,
    /// Its status.
    pub status: Status,
    /// Why.
    pub reason: Reason,
    /// The next due date, where a periodic duty has one.
    pub due: Option<CalendarDate>,
    /// The records that cause the status (those failing, or, when met,
    /// the ones that meet it where that is a short list).
    pub causes: Vec<Cause>,
}

/// A company's evaluation against one catalogue version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyEvaluation {
    /// The company.
    pub company: CompanyId,
    /// The catalogue version it was evaluated against.
    pub catalogue_version: String,
    /// One status per requirement, in the catalogue's order.
    pub statuses: Vec<RequirementStatus>,
}

fn plus_days(date: CalendarDate, days: i64) -> CalendarDate {
    CalendarDate::of_unix_ms(
        date.start_unix_ms()
            .saturating_add(days.saturating_mul(86_400_000)),
    )
}

fn status(
    requirement: &Requirement,
    status: Status,
    reason: Reason,
    due: Option<CalendarDate>,
    causes: Vec<Cause>,
) -> RequirementStatus {
    RequirementStatus {
        requirement: requirement.id.clone(),
        status,
        reason,
        due,
        causes,
    }
}

fn person(user: UserId, on: Option<CalendarDate>) -> Cause {
    Cause {
        kind: CauseKind::Person,
        id: user.to_string(),
        on,
    }
}

/// Evaluates every requirement of `catalogue` for one company.
pub fn evaluate(
    catalogue: &Catalogue,
    facts: &CompanyFacts,
    gateway: &GatewayFacts,
    today: CalendarDate,
    now_ms: i64,
) -> CompanyEvaluation {
    let statuses = catalogue
        .requirements
        .iter()
        .map(|r| evaluate_one(r, facts, gateway, today, now_ms))
        .collect();
    CompanyEvaluation {
        company: facts.company,
        catalogue_version: catalogue.version.clone(),
        statuses,
    }
}

fn evaluate_one(
    r: &Requirement,
    facts: &CompanyFacts,
    gateway: &GatewayFacts,
    today: CalendarDate,
    now_ms: i64,
) -> RequirementStatus {
    if !facts.special_clause {
        return status(
            r,
            Status::NotApplicable,
            Reason::NoSpecialClause,
            None,
            Vec::new(),
        );
    }
    match r.rule {
        Rule::RosterConfirmed => roster_confirmed(r, facts),
        Rule::TrainingYearly => training_yearly(r, facts, today),
        Rule::PasskeyUv => passkeys(r, facts),
        Rule::AuditLogVerified => log_verified(r, gateway, now_ms),
        Rule::DisposalChecked => disposals(r, facts, today),
        Rule::UserConsent => organisation::consent(r, facts),
        Rule::RoleSeparation => organisation::roles(r, facts),
        Rule::Attestation => attestation(r, facts, today),
    }
}

fn active_handlers(facts: &CompanyFacts) -> impl Iterator<Item = &PersonFact> {
    facts.people.iter().filter(|p| p.active && p.handler)
}

fn roster_confirmed(r: &Requirement, facts: &CompanyFacts) -> RequirementStatus {
    if active_handlers(facts).next().is_none() {
        return status(
            r,
            Status::NotApplicable,
            Reason::NoHandlers,
            None,
            Vec::new(),
        );
    }
    let missing: Vec<Cause> = active_handlers(facts)
        .filter(|p| p.roster != Some(RosterStatus::Confirmed))
        .map(|p| person(p.user, None))
        .collect();
    if missing.is_empty() {
        status(r, Status::Met, Reason::RosterAllConfirmed, None, Vec::new())
    } else {
        status(r, Status::NotMet, Reason::RosterUnconfirmed, None, missing)
    }
}

fn training_yearly(
    r: &Requirement,
    facts: &CompanyFacts,
    today: CalendarDate,
) -> RequirementStatus {
    if active_handlers(facts).next().is_none() {
        return status(
            r,
            Status::NotApplicable,
            Reason::NoHandlers,
            None,
            Vec::new(),
        );
    }
    let never: Vec<Cause> = active_handlers(facts)
        .filter(|p| p.last_trained_on.is_none())
        .map(|p| person(p.user, None))
        .collect();
    if !never.is_empty() {
        return status(r, Status::NotMet, Reason::TrainingMissing, None, never);
    }
    let lacking: Vec<Cause> = active_handlers(facts)
        .filter(|p| topics_due(p).is_none())
        .map(|p| person(p.user, p.last_trained_on))
        .collect();
    if !lacking.is_empty() {
        return status(
            r,
            Status::NotMet,
            Reason::TrainingTopicsMissing,
            None,
            lacking,
        );
    }
    let due_of = topics_due;
    // The company's next due date is its longest-untrained handler's.
    let due = active_handlers(facts).filter_map(due_of).min();
    let lapsed = |p: &&PersonFact| due_of(p).is_some_and(|d| d < today);
    let overdue: Vec<Cause> = active_handlers(facts)
        .filter(lapsed)
        .map(|p| person(p.user, due_of(p)))
        .collect();
    if !overdue.is_empty() {
        return status(r, Status::Overdue, Reason::TrainingOverdue, due, overdue);
    }
    let soon_line = plus_days(today, DUE_SOON_DAYS);
    let soon: Vec<Cause> = active_handlers(facts)
        .filter(|p| due_of(p).is_some_and(|d| d <= soon_line))
        .map(|p| person(p.user, due_of(p)))
        .collect();
    if soon.is_empty() {
        status(r, Status::Met, Reason::TrainingCurrent, due, Vec::new())
    } else {
        status(r, Status::DueSoon, Reason::TrainingDueSoon, due, soon)
    }
}

/// When a handler's yearly training on all seven topics falls due: a year
/// after the topic they were trained on longest ago; `None` while a topic
/// was never covered.
fn topics_due(p: &PersonFact) -> Option<CalendarDate> {
    TrainingTopic::ALL
        .iter()
        .map(|topic| {
            p.topics_trained_on
                .iter()
                .filter(|(t, _)| t == topic)
                .map(|(_, on)| *on)
                .max()
        })
        .collect::<Option<Vec<CalendarDate>>>()?
        .into_iter()
        .min()
        .map(|d| plus_days(d, TRAINING_VALID_DAYS))
}

fn passkeys(r: &Requirement, facts: &CompanyFacts) -> RequirementStatus {
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
        .filter(|p| p.passkeys == 0)
        .map(|p| person(p.user, None))
        .collect();
    if missing.is_empty() {
        status(r, Status::Met, Reason::PasskeysAll, None, Vec::new())
    } else {
        status(r, Status::NotMet, Reason::PasskeysMissing, None, missing)
    }
}

fn log_verified(r: &Requirement, gateway: &GatewayFacts, now_ms: i64) -> RequirementStatus {
    let Some(at) = gateway.log_verified_at_ms else {
        return status(
            r,
            Status::NotMet,
            Reason::LogNeverVerified,
            None,
            Vec::new(),
        );
    };
    let cause = vec![Cause {
        kind: CauseKind::Log,
        id: String::new(),
        on: Some(CalendarDate::of_unix_ms(at)),
    }];
    if now_ms.saturating_sub(at) <= LOG_VERIFIED_WITHIN_MS {
        status(r, Status::Met, Reason::LogVerified, None, cause)
    } else {
        status(
            r,
            Status::Overdue,
            Reason::LogVerificationStale,
            None,
            cause,
        )
    }
}

fn disposals(r: &Requirement, facts: &CompanyFacts, today: CalendarDate) -> RequirementStatus {
    if facts.disposals_checked == 0
        && facts.disposals_unchecked.is_empty()
        && facts.disposal_candidates.is_empty()
    {
        return status(
            r,
            Status::NotApplicable,
            Reason::NoDisposals,
            None,
            Vec::new(),
        );
    }
    let mut causes: Vec<Cause> = Vec::new();
    let mut due: Option<CalendarDate> = None;
    let mut overdue = false;
    for d in &facts.disposals_unchecked {
        let by = plus_days(d.performed_on, DISPOSAL_CHECK_DAYS);
        overdue |= by < today;
        due = Some(due.map_or(by, |x| x.min(by)));
        causes.push(Cause {
            kind: CauseKind::Disposal,
            id: d.disposal.to_string(),
            on: Some(by),
        });
    }
    for c in &facts.disposal_candidates {
        let by = plus_days(c.marked_on, DISPOSAL_CANDIDATE_DAYS);
        overdue |= by < today;
        due = Some(due.map_or(by, |x| x.min(by)));
        causes.push(Cause {
            kind: CauseKind::File,
            id: c.file.to_string(),
            on: Some(by),
        });
    }
    if causes.is_empty() {
        status(r, Status::Met, Reason::DisposalsChecked, None, Vec::new())
    } else if overdue {
        status(r, Status::Overdue, Reason::DisposalOverdue, due, causes)
    } else {
        status(
            r,
            Status::DueSoon,
            Reason::DisposalAwaitingCheck,
            due,
            causes,
        )
    }
}

fn attestation(r: &Requirement, facts: &CompanyFacts, today: CalendarDate) -> RequirementStatus {
    // The attestation that holds longest speaks for the requirement.
    let best = facts
        .attestations
        .iter()
        .filter(|a| a.requirement == r.id && a.attested_on <= today)
        .max_by_key(|a| a.valid_until);
    let Some(a) = best else {
        return status(r, Status::NotMet, Reason::NotAttested, None, Vec::new());
    };
    let cause = vec![Cause {
        kind: CauseKind::Attestation,
        id: a.id.to_string(),
        on: Some(a.valid_until),
    }];
    if a.valid_until < today {
        status(
            r,
            Status::Overdue,
            Reason::AttestationExpired,
            Some(a.valid_until),
            cause,
        )
    } else if a.valid_until <= plus_days(today, DUE_SOON_DAYS) {
        status(
            r,
            Status::DueSoon,
            Reason::AttestationExpiring,
            Some(a.valid_until),
            cause,
        )
    } else {
        status(
            r,
            Status::Attested,
            Reason::Attested,
            Some(a.valid_until),
            cause,
        )
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
