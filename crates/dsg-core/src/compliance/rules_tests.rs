use proptest::prelude::*;

use super::*;

fn day(s: &str) -> CalendarDate {
    CalendarDate::parse("d", s).unwrap()
}

fn catalogue() -> &'static Catalogue {
    Catalogue::shipped().unwrap()
}

/// Every topic on the same day.
fn all_topics(on: Option<CalendarDate>) -> Vec<(TrainingTopic, CalendarDate)> {
    on.map(|d| TrainingTopic::ALL.iter().map(|t| (*t, d)).collect())
        .unwrap_or_default()
}

fn handler(trained: Option<&str>, roster: Option<RosterStatus>) -> PersonFact {
    PersonFact {
        user: UserId::random(),
        active: true,
        handler: true,
        roster,
        last_trained_on: trained.map(day),
        topics_trained_on: all_topics(trained.map(day)),
        passkeys: 1,
        consented: true,
    }
}

fn facts(people: Vec<PersonFact>) -> CompanyFacts {
    CompanyFacts {
        company: CompanyId::random(),
        special_clause: true,
        people,
        disposals_checked: 0,
        disposals_unchecked: Vec::new(),
        disposal_candidates: Vec::new(),
        attestations: Vec::new(),
        roles: Vec::new(),
    }
}

fn of<'a>(e: &'a CompanyEvaluation, id: &str) -> &'a RequirementStatus {
    e.statuses.iter().find(|s| s.requirement == id).unwrap()
}

const NOW: &str = "2026-12-07";

fn run(f: &CompanyFacts, today: &str, log_age_ms: Option<i64>) -> CompanyEvaluation {
    let today = day(today);
    let now = today.start_unix_ms() + 12 * 3_600_000;
    let gateway = GatewayFacts {
        log_verified_at_ms: log_age_ms.map(|age| now - age),
    };
    evaluate(catalogue(), f, &gateway, today, now)
}

#[test]
fn one_status_per_requirement_with_the_catalogue_version() {
    let e = run(&facts(vec![]), NOW, None);
    assert_eq!(e.statuses.len(), catalogue().requirements.len());
    assert_eq!(e.catalogue_version, catalogue().version);
}

#[test]
fn without_the_special_clause_nothing_applies() {
    let mut f = facts(vec![handler(None, None)]);
    f.special_clause = false;
    let e = run(&f, NOW, None);
    assert!(e
        .statuses
        .iter()
        .all(|s| s.status == Status::NotApplicable && s.reason == Reason::NoSpecialClause));
}

#[test]
fn roster_needs_every_active_handler_confirmed() {
    let confirmed = handler(Some("2026-10-01"), Some(RosterStatus::Confirmed));
    let submitted = handler(Some("2026-10-01"), Some(RosterStatus::Submitted));
    let mut inactive = handler(None, None);
    inactive.active = false;
    let e = run(&facts(vec![confirmed.clone(), inactive.clone()]), NOW, None);
    assert_eq!(of(&e, "5-2-1").status, Status::Met);
    let e = run(&facts(vec![confirmed, submitted.clone()]), NOW, None);
    let s = of(&e, "5-2-1");
    assert_eq!(
        (s.status, s.reason),
        (Status::NotMet, Reason::RosterUnconfirmed)
    );
    assert_eq!(s.causes.len(), 1);
    assert_eq!(s.causes[0].id, submitted.user.to_string());
    let e = run(&facts(vec![inactive]), NOW, None);
    assert_eq!(of(&e, "5-2-1").status, Status::NotApplicable);
}

#[test]
fn training_turns_due_soon_then_overdue_with_the_calendar() {
    let f = facts(vec![
        handler(Some("2026-01-10"), Some(RosterStatus::Confirmed)),
        handler(Some("2026-11-01"), Some(RosterStatus::Confirmed)),
    ]);
    // Due on 2027-01-10 (365 days after 2026-01-10).
    let s = of(&run(&f, "2026-12-01", None), "7-1").clone();
    assert_eq!((s.status, s.due), (Status::Met, Some(day("2027-01-10"))));
    let s = of(&run(&f, "2026-12-11", None), "7-1").clone();
    assert_eq!(
        (s.status, s.reason),
        (Status::DueSoon, Reason::TrainingDueSoon)
    );
    assert_eq!(s.causes.len(), 1);
    let s = of(&run(&f, "2027-01-10", None), "7-1").clone();
    assert_eq!(s.status, Status::DueSoon, "due on the day itself");
    let s = of(&run(&f, "2027-01-11", None), "7-1").clone();
    assert_eq!(
        (s.status, s.reason),
        (Status::Overdue, Reason::TrainingOverdue)
    );
    let untrained = facts(vec![handler(None, Some(RosterStatus::Confirmed))]);
    let s = of(&run(&untrained, NOW, None), "7-1").clone();
    assert_eq!(
        (s.status, s.reason),
        (Status::NotMet, Reason::TrainingMissing)
    );
}

#[test]
fn training_must_cover_all_seven_topics_within_the_year() {
    let mut h = handler(Some("2026-11-01"), Some(RosterStatus::Confirmed));
    // The last topic was never covered: not met, whatever the dates.
    h.topics_trained_on
        .retain(|(t, _)| *t != TrainingTopic::RoleTechnical);
    let s = of(&run(&facts(vec![h.clone()]), NOW, None), "7-1").clone();
    assert_eq!(
        (s.status, s.reason),
        (Status::NotMet, Reason::TrainingTopicsMissing)
    );
    assert_eq!(s.causes[0].id, h.user.to_string());
    // Covered in an older session: the year counts from that one.
    h.topics_trained_on
        .push((TrainingTopic::RoleTechnical, day("2025-12-01")));
    let s = of(&run(&facts(vec![h.clone()]), NOW, None), "7-1").clone();
    assert_eq!(
        (s.status, s.reason, s.due),
        (
            Status::Overdue,
            Reason::TrainingOverdue,
            Some(day("2026-12-01"))
        )
    );
    // A session on that topic brings it back.
    h.topics_trained_on
        .push((TrainingTopic::RoleTechnical, day("2026-12-01")));
    let s = of(&run(&facts(vec![h]), NOW, None), "7-1").clone();
    assert_eq!((s.status, s.due), (Status::Met, Some(day("2027-11-01"))));
}

#[test]
fn every_active_account_needs_a_passkey() {
    let mut member = handler(None, None);
    member.handler = false;
    let e = run(&facts(vec![member.clone()]), NOW, None);
    assert_eq!(of(&e, "G6-1").status, Status::Met);
    member.passkeys = 0;
    let e = run(&facts(vec![member.clone()]), NOW, None);
    assert_eq!(of(&e, "G6-1").status, Status::NotMet);
    member.active = false;
    let e = run(&facts(vec![member]), NOW, None);
    assert_eq!(of(&e, "G6-1").status, Status::NotApplicable);
}

#[test]
fn the_log_must_be_verified_within_a_day() {
    let f = facts(vec![]);
    assert_eq!(of(&run(&f, NOW, None), "G9-1").status, Status::NotMet);
    assert_eq!(
        of(&run(&f, NOW, Some(LOG_VERIFIED_WITHIN_MS)), "G9-1").status,
        Status::Met
    );
    assert_eq!(
        of(&run(&f, NOW, Some(LOG_VERIFIED_WITHIN_MS + 1)), "G9-1").status,
        Status::Overdue
    );
}

#[test]
fn disposals_need_their_check_in_time() {
    let mut f = facts(vec![]);
    assert_eq!(of(&run(&f, NOW, None), "6-6").status, Status::NotApplicable);
    f.disposals_checked = 2;
    assert_eq!(of(&run(&f, NOW, None), "6-6").status, Status::Met);
    f.disposals_unchecked.push(DisposalFact {
        disposal: DisposalId::random(),
        performed_on: day("2026-12-01"),
    });
    let s = of(&run(&f, NOW, None), "6-6").clone();
    assert_eq!(
        (s.status, s.due),
        (Status::DueSoon, Some(day("2026-12-08")))
    );
    assert_eq!(
        of(&run(&f, "2026-12-09", None), "6-6").status,
        Status::Overdue
    );
    let mut g = facts(vec![]);
    g.disposal_candidates.push(DisposalCandidateFact {
        file: FileId::random(),
        marked_on: day("2026-10-01"),
    });
    let s = of(&run(&g, NOW, None), "6-6").clone();
    assert_eq!(
        (s.status, s.causes[0].kind),
        (Status::Overdue, CauseKind::File)
    );
}

#[test]
fn attestations_hold_until_they_expire() {
    let mut f = facts(vec![]);
    assert_eq!(
        (
            of(&run(&f, NOW, None), "4-1").status,
            of(&run(&f, NOW, None), "4-1").reason
        ),
        (Status::NotMet, Reason::NotAttested)
    );
    // Consent and roles are read from their records, not attested.
    f.attestations.push(AttestationFact {
        id: AttestationId::random(),
        requirement: "5-2-3".into(),
        attested_on: day("2026-04-01"),
        valid_until: day("2027-03-31"),
    });
    assert_eq!(
        (
            of(&run(&f, NOW, None), "5-2-3").status,
            of(&run(&f, NOW, None), "5-2-3").reason
        ),
        (Status::NotMet, Reason::RolesMissing)
    );
    f.attestations.push(AttestationFact {
        id: AttestationId::random(),
        requirement: "4-1".into(),
        attested_on: day("2026-04-01"),
        valid_until: day("2027-03-31"),
    });
    assert_eq!(of(&run(&f, NOW, None), "4-1").status, Status::Attested);
    assert_eq!(
        of(&run(&f, "2027-03-10", None), "4-1").status,
        Status::DueSoon
    );
    assert_eq!(
        of(&run(&f, "2027-04-01", None), "4-1").status,
        Status::Overdue
    );
    // An attestation of one requirement says nothing of another, and one
    // dated in the future does not count yet.
    assert_eq!(of(&run(&f, NOW, None), "4-2").status, Status::NotMet);
    assert_eq!(
        of(&run(&f, "2026-03-31", None), "4-1").status,
        Status::NotMet
    );
    // A rule the gateway evaluates is not overridden by an attestation.
    f.attestations.push(AttestationFact {
        id: AttestationId::random(),
        requirement: "7-1".into(),
        attested_on: day("2026-04-01"),
        valid_until: day("2027-03-31"),
    });
    f.people.push(handler(None, Some(RosterStatus::Confirmed)));
    assert_eq!(of(&run(&f, NOW, None), "7-1").status, Status::NotMet);
}

#[test]
fn consent_needs_every_active_account() {
    let mut member = handler(None, None);
    member.handler = false;
    let mut gone = member.clone();
    gone.active = false;
    gone.consented = false;
    let f = facts(vec![member.clone(), gone]);
    let s = of(&run(&f, NOW, None), "5-2-2").clone();
    assert_eq!((s.status, s.reason), (Status::Met, Reason::ConsentAll));
    // Recorded for no one but the handler: the member is the cause.
    member.consented = false;
    let f = facts(vec![member.clone(), handler(None, None)]);
    let s = of(&run(&f, NOW, None), "5-2-2").clone();
    assert_eq!(
        (s.status, s.reason),
        (Status::NotMet, Reason::ConsentMissing)
    );
    assert_eq!(
        s.causes,
        vec![Cause {
            kind: CauseKind::Person,
            id: member.user.to_string(),
            on: None
        }]
    );
    let s = of(&run(&facts(vec![]), NOW, None), "5-2-2").clone();
    assert_eq!(s.status, Status::NotApplicable);
}

fn designation(user: UserId, role: CompanyRole, outside: bool) -> RoleFact {
    RoleFact {
        designation: RoleDesignationId::random(),
        user,
        role,
        outside_audited_unit: outside,
    }
}

/// Six people holding the seven roles as a small company would: the
/// general manager is also a manager, the responsible manager another.
fn organised() -> CompanyFacts {
    let people: Vec<PersonFact> = (0..6).map(|_| handler(None, None)).collect();
    let id = |i: usize| people.get(i).unwrap().user;
    let roles = vec![
        designation(id(0), CompanyRole::Executive, false),
        designation(id(1), CompanyRole::GeneralManager, false),
        designation(id(1), CompanyRole::Manager, false),
        designation(id(2), CompanyRole::Manager, false),
        designation(id(2), CompanyRole::ResponsibleManager, false),
        designation(id(3), CompanyRole::SystemAdmin, false),
        designation(id(4), CompanyRole::SystemStaff, false),
        designation(id(5), CompanyRole::Audit, true),
    ];
    let mut f = facts(people);
    f.roles = roles;
    f
}

#[test]
fn roles_need_every_required_role_apart_and_an_outside_auditor() {
    let f = organised();
    let s = of(&run(&f, NOW, None), "5-2-3").clone();
    assert_eq!((s.status, s.reason), (Status::Met, Reason::RolesDesignated));

    // The system staff are optional.
    let mut g = f.clone();
    g.roles.retain(|d| d.role != CompanyRole::SystemStaff);
    assert_eq!(of(&run(&g, NOW, None), "5-2-3").status, Status::Met);

    // A missing role is named.
    let mut g = f.clone();
    g.roles.retain(|d| d.role != CompanyRole::SystemAdmin);
    let s = of(&run(&g, NOW, None), "5-2-3").clone();
    assert_eq!((s.status, s.reason), (Status::NotMet, Reason::RolesMissing));
    assert_eq!(s.causes.len(), 1);
    assert_eq!(
        (s.causes[0].kind, s.causes[0].id.as_str()),
        (CauseKind::Role, "system-admin")
    );

    // A holder whose account is no longer active holds nothing.
    let mut g = f.clone();
    let admin = g
        .roles
        .iter()
        .find(|d| d.role == CompanyRole::SystemAdmin)
        .unwrap()
        .user;
    g.people
        .iter_mut()
        .filter(|p| p.user == admin)
        .for_each(|p| p.active = false);
    assert_eq!(
        of(&run(&g, NOW, None), "5-2-3").reason,
        Reason::RolesMissing
    );

    // A combination the standard forbids names the person.
    let mut g = f.clone();
    let executive = g.roles.first().unwrap().user;
    g.roles
        .push(designation(executive, CompanyRole::Audit, true));
    let s = of(&run(&g, NOW, None), "5-2-3").clone();
    assert_eq!(
        (s.status, s.reason),
        (Status::NotMet, Reason::RolesCombined)
    );
    assert_eq!(s.causes.len(), 1);
    assert_eq!(s.causes[0].id, executive.to_string());

    // Every audit member from inside the unit audited.
    let mut g = f;
    for d in g.roles.iter_mut() {
        d.outside_audited_unit = false;
    }
    let s = of(&run(&g, NOW, None), "5-2-3").clone();
    assert_eq!(
        (s.status, s.reason),
        (Status::NotMet, Reason::AuditNotIndependent)
    );
}

fn person_strategy() -> impl Strategy<Value = PersonFact> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::option::of(0usize..3),
        prop::option::of(0i64..800),
        0u32..2,
        any::<bool>(),
        prop::option::of(0i64..800),
    )
        .prop_map(
            |(active, handler, roster, trained_ago, passkeys, consented, one_topic_ago)| {
                let last = trained_ago.map(|ago| plus_days(day("2026-12-07"), -ago));
                let mut topics = all_topics(last);
                // One topic covered earlier (or never) than the others.
                if let Some((_, on)) = topics.last_mut() {
                    match one_topic_ago {
                        Some(ago) => *on = (*on).min(plus_days(day("2026-12-07"), -ago)),
                        None => {
                            topics.pop();
                        }
                    }
                }
                PersonFact {
                    user: UserId::random(),
                    active,
                    handler,
                    roster: roster.and_then(|i| RosterStatus::ALL.get(i).copied()),
                    last_trained_on: last,
                    topics_trained_on: topics,
                    passkeys,
                    consented,
                }
            },
        )
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Met | Status::Attested | Status::NotApplicable => 0,
        Status::DueSoon => 1,
        Status::Overdue => 2,
        Status::NotMet => 3,
    }
}

proptest! {
    /// Time only makes a periodic duty worse: a later day never turns the
    /// training requirement from overdue back to met, and a handler
    /// trained within the year keeps it out of overdue.
    #[test]
    fn training_only_gets_worse_as_days_pass(
        people in prop::collection::vec(person_strategy(), 0..8),
        later in 0i64..400,
    ) {
        let f = facts(people);
        let a = run(&f, "2026-12-07", None);
        let later_day = plus_days(day("2026-12-07"), later).to_string();
        let b = run(&f, &later_day, None);
        let (sa, sb) = (of(&a, "7-1"), of(&b, "7-1"));
        if sa.status != Status::NotApplicable {
            prop_assert!(rank(sb.status) >= rank(sa.status), "{sa:?} then {sb:?}");
        }
        let handlers: Vec<_> = f.people.iter().filter(|p| p.active && p.handler).collect();
        // Current: every handler trained within the year on each of the
        // seven topics.
        let all_current = !handlers.is_empty() && handlers.iter().all(|p| {
            TrainingTopic::ALL.iter().all(|topic| {
                p.topics_trained_on.iter().any(|(t, d)| {
                    t == topic && plus_days(*d, TRAINING_VALID_DAYS) >= day("2026-12-07")
                })
            })
        });
        prop_assert_eq!(all_current, matches!(sa.status, Status::Met | Status::DueSoon));
        // Every status that is not met names the records that cause it.
        for s in a.statuses.iter().chain(b.statuses.iter()) {
            if matches!(s.status, Status::DueSoon | Status::Overdue)
                || (s.status == Status::NotMet && s.reason != Reason::NotAttested
                    && s.reason != Reason::LogNeverVerified)
            {
                prop_assert!(!s.causes.is_empty(), "{s:?}");
            }
        }
    }

    /// The roster rule is met exactly when every active handler is confirmed.
    #[test]
    fn roster_met_iff_every_active_handler_confirmed(
        people in prop::collection::vec(person_strategy(), 0..8),
    ) {
        let f = facts(people);
        let e = run(&f, NOW, None);
        let handlers: Vec<_> = f.people.iter().filter(|p| p.active && p.handler).collect();
        let s = of(&e, "5-2-1");
        if handlers.is_empty() {
            prop_assert_eq!(s.status, Status::NotApplicable);
        } else {
            let all = handlers.iter().all(|p| p.roster == Some(RosterStatus::Confirmed));
            prop_assert_eq!(s.status == Status::Met, all);
        }
    }
}
