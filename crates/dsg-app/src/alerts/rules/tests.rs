//! Tests of the alert rules: thresholds, windows and off-hours periods.

use super::*;
use crate::config::Config;

/// 2026-06-03 (a Wednesday) 10:00 JST, in UTC ms.
const WEDNESDAY_10_JST: i64 = 1_780_448_400_000;
const HOUR_MS: i64 = 3_600_000;
const ALICE: &str = "0190a000-0000-7000-8000-00000000a11c";
const BOB: &str = "0190a000-0000-7000-8000-000000000b0b";
const ADDR: &str = "198.51.100.23";

fn rules_with(env: &[(&str, &str)]) -> Rules {
    let pairs = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    let config = Config::load(None, pairs).unwrap();
    Rules::new(&config.alerts, config.zero_trust.utc_offset_minutes).unwrap()
}

fn rules() -> Rules {
    rules_with(&[])
}

fn entry(n: i64, action: &str, outcome: &str, actor: Option<&str>) -> StoredAuditEvent {
    StoredAuditEvent {
        id: format!("e{n:04}"),
        occurred_at: WEDNESDAY_10_JST + n * 1000,
        request_id: format!("r{n}"),
        actor_user_id: actor.map(str::to_owned),
        source_addr: Some(ADDR.to_owned()),
        terminal_id: None,
        action: action.to_owned(),
        object_type: "user".to_owned(),
        object_id: actor.map(str::to_owned),
        outcome: outcome.to_owned(),
        reason: String::new(),
        decision_digest: None,
        company_id: None,
    }
}

fn with(mut e: StoredAuditEvent, f: impl FnOnce(&mut StoredAuditEvent)) -> StoredAuditEvent {
    f(&mut e);
    e
}

/// The rules whose pattern `e` matches (a counting rule still counts
/// before it fires; see [`replay`]).
fn fired(rules: &Rules, e: &StoredAuditEvent) -> Vec<Rule> {
    rules.candidates(e).iter().map(|c| c.rule).collect()
}

/// Runs a sequence through the counting logic as the watcher does
/// (window = earlier unlinked entries; linked ones leave it) and
/// returns, per entry, which rules fired and on how many entries.
fn replay(rules: &Rules, entries: &[StoredAuditEvent]) -> Vec<(usize, Rule, usize)> {
    let mut linked: Vec<(Rule, String, String)> = Vec::new();
    let mut active: Vec<(Rule, String)> = Vec::new();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        for c in rules.candidates(e) {
            let window: Vec<StoredAuditEvent> = entries[..=i]
                .iter()
                .filter(|w| !linked.iter().any(|(r, _, id)| *r == c.rule && *id == w.id))
                .cloned()
                .collect();
            let facts = WindowFacts {
                active_alert: active.contains(&(c.rule, c.key.clone())),
                window: &window,
            };
            if let Some(ids) = decide(rules, &c, e, &facts) {
                out.push((i, c.rule, ids.len()));
                active.push((c.rule, c.key.clone()));
                linked.extend(ids.into_iter().map(|(id, _)| (c.rule, c.key.clone(), id)));
            }
        }
    }
    out
}

#[test]
fn failed_logins_of_one_account_fire_at_the_threshold_and_then_attach() {
    let r = rules();
    let mut day: Vec<StoredAuditEvent> = (0..5)
        .map(|n| entry(n, "auth.login", "failure", Some(ALICE)))
        .collect();
    day.push(entry(5, "auth.second_factor", "failure", Some(ALICE)));
    let out = replay(&r, &day);
    let account: Vec<_> = out
        .iter()
        .filter(|o| o.1 == Rule::FailedLoginsAccount)
        .collect();
    // The fifth failure opens the alert with all five; the sixth attaches.
    assert_eq!(
        account,
        [
            &(4, Rule::FailedLoginsAccount, 5),
            &(5, Rule::FailedLoginsAccount, 1)
        ]
    );
    // Per source it takes twenty.
    assert!(out.iter().all(|o| o.1 != Rule::FailedLoginsSource));
}

#[test]
fn normal_logins_and_scattered_typos_raise_nothing() {
    let r = rules();
    let mut day = Vec::new();
    for n in 0..30 {
        day.push(entry(n * 2, "auth.login", "success", Some(ALICE)));
        day.push(entry(
            n * 2 + 1,
            "auth.second_factor",
            "success",
            Some(ALICE),
        ));
    }
    // Four typos in ten minutes, then a fifth eleven minutes after the first.
    for (n, minutes) in [(100, 0), (101, 2), (102, 4), (103, 6), (104, 11)] {
        day.push(with(entry(n, "auth.login", "failure", Some(BOB)), |e| {
            e.occurred_at = WEDNESDAY_10_JST + minutes * 60_000
        }));
    }
    day.sort_by_key(|e| e.occurred_at);
    assert_eq!(replay(&r, &day), []);
}

#[test]
fn failed_logins_from_one_source_fire_whatever_the_account() {
    let r = rules_with(&[("DSG_ALERTS__FAILED_LOGINS_SOURCE__THRESHOLD", "3")]);
    let spray = [
        entry(0, "auth.login", "failure", Some(ALICE)),
        entry(1, "auth.login", "failure", Some(BOB)),
        entry(2, "auth.login", "failure", None),
    ];
    let out = replay(&r, &spray);
    assert_eq!(out, [(2, Rule::FailedLoginsSource, 3)]);
    let c = &r.candidates(&spray[2])[0];
    assert_eq!((c.key.as_str(), c.kind), (ADDR, KeyKind::Source));
    // A rate-limited attempt counts; successes from the address do not.
    let limited = entry(3, "auth.login", "denied", None);
    assert_eq!(fired(&r, &limited), [Rule::FailedLoginsSource]);
    let busy_office: Vec<_> = (0..10)
        .map(|n| entry(n, "auth.login", "success", Some(ALICE)))
        .collect();
    assert_eq!(replay(&r, &busy_office), []);
}

#[test]
fn a_lockout_fires_at_once_for_its_account() {
    let r = rules();
    let lockout = with(entry(0, "account.lockout", "success", None), |e| {
        e.object_id = Some(BOB.to_owned())
    });
    let c = r.candidates(&lockout);
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].rule, c[0].key.as_str()), (Rule::Lockout, BOB));
    assert_eq!(c[0].severity, AlertSeverity::Medium);
    assert_eq!(
        fired(&r, &entry(1, "account.unlock", "success", Some(BOB))),
        [Rule::PrivilegeChange]
    );
    assert_eq!(fired(&r, &entry(2, "auth.login", "success", Some(BOB))), []);
}

#[test]
fn a_download_burst_fires_and_a_working_day_does_not() {
    let r = rules_with(&[("DSG_ALERTS__DOWNLOAD_BURST__THRESHOLD", "10")]);
    let burst: Vec<_> = (0..12)
        .map(|n| entry(n, "file.download", "success", Some(ALICE)))
        .collect();
    let out = replay(&r, &burst);
    assert_eq!(out[0], (9, Rule::DownloadBurst, 10));
    assert_eq!(out.len(), 3, "the 11th and 12th attach: {out:?}");
    // Ten downloads spread over the day, denied ones, and other users.
    let day: Vec<_> = (0..10)
        .map(|n| {
            with(entry(n, "file.download", "success", Some(ALICE)), |e| {
                e.occurred_at = WEDNESDAY_10_JST + n * 20 * 60_000
            })
        })
        .chain((20..30).map(|n| entry(n, "file.download", "denied", Some(ALICE))))
        .chain((30..39).map(|n| entry(n, "file.download", "success", Some(BOB))))
        .collect();
    assert_eq!(replay(&r, &day), []);
}

#[test]
fn data_access_outside_the_allowed_hours_fires_in_local_time() {
    let r = rules();
    // 10:00 JST on a Wednesday: allowed. 22:00 JST: not. Saturday: not.
    // (A list rather than a download: a download also matches the
    // burst rule's pattern, which counts before it fires.)
    let office = entry(0, "file.list", "success", Some(ALICE));
    assert_eq!(fired(&r, &office), []);
    let late = with(office.clone(), |e| e.occurred_at += 12 * HOUR_MS);
    assert_eq!(fired(&r, &late), [Rule::OffHours]);
    let saturday = with(office.clone(), |e| e.occurred_at += 3 * 24 * HOUR_MS);
    assert_eq!(fired(&r, &saturday), [Rule::OffHours]);
    // Only successful data access: a late login or a denied list is not it.
    assert_eq!(
        fired(&r, &with(late.clone(), |e| e.action = "auth.login".into())),
        []
    );
    assert_eq!(
        fired(&r, &with(late.clone(), |e| e.outcome = "denied".into())),
        []
    );
    // 07:00-21:00 is in JST (540): 22:00 UTC on Tuesday is 07:00 Wednesday.
    assert_eq!(local_hour_weekday(WEDNESDAY_10_JST, 540), (10, 3));
    assert_eq!(
        local_hour_weekday(WEDNESDAY_10_JST - 3 * HOUR_MS, 540),
        (7, 3)
    );
    assert_eq!(local_hour_weekday(WEDNESDAY_10_JST, 0), (1, 3));
    // Night shift configured: 22:00 is allowed, 10:00 is not.
    let night = rules_with(&[
        ("DSG_ALERTS__OFF_HOURS__ALLOWED_HOURS", "20-08"),
        ("DSG_ALERTS__OFF_HOURS__ALLOWED_WEEKDAYS", "[1,2,3,4,5,6,7]"),
    ]);
    assert_eq!(fired(&night, &late), []);
    assert_eq!(fired(&night, &office), [Rule::OffHours]);
}

#[test]
fn off_hours_entries_of_one_night_or_weekend_share_their_period() {
    let r = rules();
    let period = |ms: i64| {
        let e = with(entry(0, "file.list", "success", Some(ALICE)), |e| {
            e.occurred_at = ms
        });
        let c = r.candidates(&e);
        assert_eq!(c.len(), 1, "{c:?}");
        c[0].period_from.unwrap()
    };
    // Wednesday 21:00 JST (allowed 07-21) is where the night starts:
    // 21:30, 23:59 and Thursday 05:00 JST belong to it.
    let evening = WEDNESDAY_10_JST + 11 * HOUR_MS;
    assert_eq!(period(evening + HOUR_MS / 2), evening);
    assert_eq!(period(evening + 3 * HOUR_MS - 1), evening);
    assert_eq!(period(evening + 8 * HOUR_MS), evening);
    // The next night is another period.
    assert_eq!(period(evening + 24 * HOUR_MS + 1), evening + 24 * HOUR_MS);
    // Friday 21:00 to Monday 07:00 JST is one weekend.
    let friday_evening = evening + 2 * 24 * HOUR_MS;
    assert_eq!(period(friday_evening + 40 * HOUR_MS), friday_evening);
    assert_eq!(period(friday_evening + 57 * HOUR_MS), friday_evening);
    // No allowed hour at all: one period a local day.
    let never = rules_with(&[("DSG_ALERTS__OFF_HOURS__ALLOWED_WEEKDAYS", "[]")]);
    let midnight_jst = WEDNESDAY_10_JST - 10 * HOUR_MS;
    assert_eq!(never.off_hours_period_from(WEDNESDAY_10_JST), midnight_jst);
    // Other rules have no period.
    let download = entry(1, "file.download", "success", Some(ALICE));
    assert!(r
        .candidates(&download)
        .iter()
        .all(|c| c.rule == Rule::OffHours || c.period_from.is_none()));
}

#[test]
fn attempts_from_unusable_terminals_fire_and_allowed_requests_do_not() {
    let r = rules();
    let refused = with(entry(0, "connection.refused", "denied", None), |e| {
        e.reason = "certificate-unknown-issuer".into()
    });
    let c = r.candidates(&refused);
    assert_eq!((c[0].rule, c[0].kind), (Rule::Terminal, KeyKind::Source));
    let mismatch = entry(1, "auth.session.terminal_mismatch", "denied", Some(ALICE));
    assert_eq!(fired(&r, &mismatch), [Rule::Terminal]);
    let no_terminal = with(entry(2, "file.list", "denied", Some(ALICE)), |e| {
        e.reason = "registered-terminal-for-data,phishing-resistant-for-data".into()
    });
    let c = r.candidates(&no_terminal);
    assert_eq!((c[0].rule, c[0].key.as_str()), (Rule::Terminal, ALICE));
    // Denied for another reason (not a handler), allowed from a good
    // terminal, or an anonymous probe: no terminal alert.
    let not_handler = with(no_terminal.clone(), |e| e.reason = "default-deny".into());
    assert_eq!(fired(&r, &not_handler), []);
    let allowed = with(entry(3, "file.list", "success", Some(ALICE)), |e| {
        e.reason = "handler-reads-own-compartment".into()
    });
    assert_eq!(fired(&r, &allowed), []);
    let anonymous = with(no_terminal.clone(), |e| e.actor_user_id = None);
    assert_eq!(fired(&r, &anonymous), []);
    // A policy id that merely contains the name is not it.
    let lookalike = with(no_terminal, |e| {
        e.reason = "not-registered-terminal-for-data-x".into()
    });
    assert_eq!(fired(&r, &lookalike), []);
}

#[test]
fn privilege_and_policy_changes_fire_and_routine_administration_does_not() {
    let r = rules();
    for action in PRIVILEGE_ACTIONS {
        assert_eq!(
            fired(&r, &entry(0, action, "success", Some(BOB))),
            [Rule::PrivilegeChange],
            "{action}"
        );
        assert_eq!(
            fired(&r, &entry(0, action, "denied", Some(BOB))),
            [],
            "{action} denied"
        );
    }
    let operator = with(entry(1, "user.create", "success", Some(BOB)), |e| {
        e.reason = "agency-operator-administers;enrolment-link-issued;role=operator".into()
    });
    assert_eq!(fired(&r, &operator), [Rule::PrivilegeChange]);
    let member = with(operator.clone(), |e| {
        e.reason = e.reason.replace("operator", "member")
    });
    assert_eq!(fired(&r, &member), []);
    for routine in [
        "company.create",
        "contract.create",
        "terminal.register",
        "policy.propose",
        "admin.view",
    ] {
        assert_eq!(
            fired(&r, &entry(2, routine, "success", Some(BOB))),
            [],
            "{routine}"
        );
    }
    let c = &r.candidates(&entry(3, "duty.grant", "success", Some(BOB)))[0];
    assert_eq!((c.key.as_str(), c.severity), (BOB, AlertSeverity::Low));
}

#[test]
fn a_recovery_code_sign_in_fires() {
    let r = rules();
    let used = entry(0, "auth.recovery_code.use", "success", Some(ALICE));
    let c = r.candidates(&used);
    assert_eq!(
        (c[0].rule, c[0].key.as_str(), c[0].severity),
        (Rule::RecoveryCode, ALICE, AlertSeverity::High)
    );
    assert_eq!(
        fired(
            &r,
            &entry(1, "auth.recovery_codes.issue", "success", Some(ALICE))
        ),
        []
    );
    assert_eq!(
        fired(&r, &entry(2, "auth.second_factor", "success", Some(ALICE))),
        []
    );
}

#[test]
fn disabled_rules_and_a_re_run_fire_nothing() {
    let off = rules_with(&[
        ("DSG_ALERTS__RECOVERY_CODE__ENABLED", "false"),
        ("DSG_ALERTS__FAILED_LOGINS_ACCOUNT__ENABLED", "false"),
    ]);
    assert_eq!(
        fired(
            &off,
            &entry(0, "auth.recovery_code.use", "success", Some(ALICE))
        ),
        []
    );
    assert_eq!(
        fired(&off, &entry(1, "auth.login", "failure", Some(ALICE))),
        [Rule::FailedLoginsSource]
    );
    let none = rules_with(&[("DSG_ALERTS__ENABLED", "false")]);
    assert_eq!(
        fired(&none, &entry(2, "account.lockout", "success", Some(ALICE))),
        []
    );
    // The entry already linked (not in the unlinked window): nothing.
    let r = rules_with(&[("DSG_ALERTS__FAILED_LOGINS_ACCOUNT__THRESHOLD", "1")]);
    let e = entry(3, "auth.login", "failure", Some(ALICE));
    let c = &r.candidates(&e)[0];
    let empty = WindowFacts {
        active_alert: false,
        window: &[],
    };
    assert_eq!(decide(&r, c, &e, &empty), None);
    let fresh = [e.clone()];
    let facts = WindowFacts {
        active_alert: false,
        window: &fresh,
    };
    assert_eq!(
        decide(&r, c, &e, &facts),
        Some(vec![(e.id.clone(), e.occurred_at)])
    );
    assert_eq!(Rule::parse("download_burst"), Some(Rule::DownloadBurst));
    assert!(Rule::ALL
        .iter()
        .all(|r| Rule::parse(r.as_str()) == Some(*r)));
}
