//! The analysis rules, as pure functions of audit entries: which rules an
//! entry matches and under which key ([`Rules::candidates`]), and whether a
//! match fires given what the log holds around it ([`decide`]). No IO: the
//! watcher (`watcher.rs`) fetches the window and stores the alerts, so every
//! rule is tested here on its pattern and on normal use.

use dsg_store::StoredAuditEvent;

use crate::config::{AlertsConfig, ConfigError, HourRange};
use dsg_core::AlertSeverity;

/// The rules, each with a stable name (stored with its alerts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Repeated failed login steps of one account.
    FailedLoginsAccount,
    /// Repeated failed or rate-limited login steps from one source address.
    FailedLoginsSource,
    /// An account was locked.
    Lockout,
    /// Many downloads by one user in a short time.
    DownloadBurst,
    /// Protected data reached outside the allowed hours or days.
    OffHours,
    /// An attempt from a quarantined, revoked, unknown or missing terminal.
    Terminal,
    /// A change of privileges or policy.
    PrivilegeChange,
    /// A sign-in with a recovery code.
    RecoveryCode,
    /// A stored file version failed its integrity check.
    Integrity,
    /// The stored log contradicts a signed checkpoint.
    LogConsistency,
}

impl Rule {
    /// Every rule, in the order the UI lists them.
    pub const ALL: [Rule; 10] = [
        Self::FailedLoginsAccount,
        Self::FailedLoginsSource,
        Self::Lockout,
        Self::DownloadBurst,
        Self::OffHours,
        Self::Terminal,
        Self::PrivilegeChange,
        Self::RecoveryCode,
        Self::Integrity,
        Self::LogConsistency,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FailedLoginsAccount => "failed_logins_account",
            Self::FailedLoginsSource => "failed_logins_source",
            Self::Lockout => "lockout",
            Self::DownloadBurst => "download_burst",
            Self::OffHours => "off_hours",
            Self::Terminal => "terminal",
            Self::PrivilegeChange => "privilege_change",
            Self::RecoveryCode => "recovery_code",
            Self::Integrity => "integrity",
            Self::LogConsistency => "log_consistency",
        }
    }

    /// The rule of a stable name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// What an alert's key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A user id (the actor, or the account concerned).
    User,
    /// A client address.
    Source,
    /// The object of the entry (a damaged file version, `<file>@<version>`).
    /// Stored as `source`: the `alerts` table admits only `user` and
    /// `source`, and the damaged version is where the event comes from.
    Object,
}

impl KeyKind {
    /// The stable name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Source | Self::Object => "source",
        }
    }
}

/// A counting rule's window: `threshold` matching entries of `actions`
/// under the same key within `window_ms` up to the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Entries that raise the alert.
    pub threshold: u32,
    /// Length (ms).
    pub window_ms: i64,
    /// The actions the rule counts (the same twice for one), for the query.
    pub actions: [&'static str; 2],
}

/// A rule an entry matched, with the key its alert would have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The rule.
    pub rule: Rule,
    /// A user id or a client address.
    pub key: String,
    /// Which of the two.
    pub kind: KeyKind,
    /// The alert's severity.
    pub severity: AlertSeverity,
    /// For a counting rule, what it counts; `None` fires on every match.
    pub window: Option<Window>,
    /// For a rule with periods (off hours), the start of the entry's
    /// period: the alert of that period takes the entry, even closed.
    pub period_from: Option<i64>,
}

/// What the log holds around an entry, for one counting candidate.
#[derive(Debug, Clone, Copy)]
pub struct WindowFacts<'a> {
    /// Whether an alert of this rule and key is still open (or
    /// acknowledged): then every match attaches to it.
    pub active_alert: bool,
    /// Entries under the key within the window, of the rule's actions, not
    /// yet linked to an alert of the rule (the store's pre-filter; the
    /// rule's own pattern is applied here).
    pub window: &'a [StoredAuditEvent],
}

/// Login steps: the password, and the second factor.
const LOGIN_STEPS: [&str; 2] = ["auth.login", "auth.second_factor"];
/// Actions that change who may do what.
const PRIVILEGE_ACTIONS: [&str; 12] = [
    "handler.designate",
    "handler.remove",
    "roster.confirm",
    "roster.remove",
    "training.record",
    "duty.grant",
    "duty.revoke",
    "policy.approve",
    "policy.rollback",
    "account.reset.approve",
    "account.enable",
    "account.unlock",
];
/// The policy that refuses data from anything but an active terminal of
/// one's own company.
const TERMINAL_POLICY: &str = "registered-terminal-for-data";
/// The key of the `log_consistency` alert: there is one log.
pub const LOG_KEY: &str = "audit-log";
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;
/// How far back an off-hours period is looked for its start.
const PERIOD_SEARCH_HOURS: i64 = 8 * 24;

/// The rules as configured. Built once when the watcher starts.
#[derive(Debug, Clone)]
pub struct Rules {
    config: AlertsConfig,
    hours: HourRange,
    utc_offset_minutes: i32,
}

/// The hour (0-23) and ISO weekday (1 = Monday) of `ms` at `offset`
/// minutes from UTC, as the policy context computes them.
pub fn local_hour_weekday(ms: i64, offset_minutes: i32) -> (u8, u8) {
    let local = ms.saturating_add(i64::from(offset_minutes) * MINUTE_MS);
    let hour = local.rem_euclid(DAY_MS) / 3_600_000;
    // 1970-01-01 was a Thursday (weekday 4).
    let weekday = (local.div_euclid(DAY_MS) + 3).rem_euclid(7) + 1;
    (
        u8::try_from(hour).unwrap_or(0),
        u8::try_from(weekday).unwrap_or(1),
    )
}

fn window(threshold: u32, minutes: u32, actions: [&'static str; 2]) -> Option<Window> {
    Some(Window {
        threshold,
        window_ms: i64::from(minutes) * MINUTE_MS,
        actions,
    })
}

fn user(id: &Option<String>) -> Option<(String, KeyKind)> {
    id.as_ref()
        .filter(|v| !v.is_empty())
        .map(|v| (v.clone(), KeyKind::User))
}

fn source(addr: &Option<String>) -> Option<(String, KeyKind)> {
    addr.as_ref()
        .filter(|v| !v.is_empty())
        .map(|v| (v.clone(), KeyKind::Source))
}

impl Rules {
    /// The rules of `config`, with local time at `utc_offset_minutes`.
    pub fn new(config: &AlertsConfig, utc_offset_minutes: i32) -> Result<Self, ConfigError> {
        Ok(Self {
            hours: HourRange::parse(&config.off_hours.allowed_hours)?,
            config: config.clone(),
            utc_offset_minutes,
        })
    }

    /// Whether `e` fits `rule`'s pattern, and under which key. The one
    /// statement of each pattern: the watcher's window is filtered with it
    /// too, so what is counted and what fires never disagree.
    pub fn key_of(&self, rule: Rule, e: &StoredAuditEvent) -> Option<(String, KeyKind)> {
        let (action, outcome) = (e.action.as_str(), e.outcome.as_str());
        let success = outcome == "success";
        match rule {
            Rule::FailedLoginsAccount => (LOGIN_STEPS.contains(&action) && outcome == "failure")
                .then(|| user(&e.actor_user_id))
                .flatten(),
            // A refused login step, or one the rate limit stopped.
            Rule::FailedLoginsSource => (LOGIN_STEPS.contains(&action)
                && (outcome == "failure" || outcome == "denied"))
                .then(|| source(&e.source_addr))
                .flatten(),
            Rule::Lockout => (action == "account.lockout")
                .then(|| user(&e.object_id).or_else(|| user(&e.actor_user_id)))
                .flatten(),
            Rule::DownloadBurst => (action == "file.download" && success)
                .then(|| user(&e.actor_user_id))
                .flatten(),
            Rule::OffHours => {
                let data = action.starts_with("file.") || action == "compartment.view";
                if !(data && success) {
                    return None;
                }
                (!self.allowed_at(e.occurred_at))
                    .then(|| user(&e.actor_user_id))
                    .flatten()
            }
            Rule::Terminal => match action {
                "connection.refused" => source(&e.source_addr),
                "auth.session.terminal_mismatch" => {
                    user(&e.actor_user_id).or_else(|| source(&e.source_addr))
                }
                // A signed-in user refused for want of a usable terminal.
                // Anonymous probes are refused by the same rule among
                // others; they are not attempts from a terminal.
                _ if outcome == "denied"
                    && e.reason.split([',', ';']).any(|p| p == TERMINAL_POLICY) =>
                {
                    user(&e.actor_user_id)
                }
                _ => None,
            },
            Rule::PrivilegeChange => {
                let operator_created =
                    action == "user.create" && e.reason.split(';').any(|p| p == "role=operator");
                (success && (PRIVILEGE_ACTIONS.contains(&action) || operator_created))
                    .then(|| user(&e.actor_user_id).or_else(|| source(&e.source_addr)))
                    .flatten()
            }
            Rule::RecoveryCode => (action == "auth.recovery_code.use" && success)
                .then(|| user(&e.actor_user_id).or_else(|| user(&e.object_id)))
                .flatten(),
            // Keyed by the version, whoever met the damage (a download, a
            // scrub): further findings on it attach to its open alert.
            Rule::Integrity => (action == "file.integrity_failure")
                .then(|| {
                    e.object_id
                        .as_ref()
                        .filter(|v| !v.is_empty())
                        .map(|v| (v.clone(), KeyKind::Object))
                })
                .flatten(),
            // One alert for the log, whatever the finding.
            Rule::LogConsistency => (action == "audit.consistency_failure")
                .then(|| (LOG_KEY.to_owned(), KeyKind::Object)),
        }
    }

    /// Whether data may be reached at `ms` without an off-hours alert.
    fn allowed_at(&self, ms: i64) -> bool {
        let (hour, weekday) = local_hour_weekday(ms, self.utc_offset_minutes);
        self.hours.contains(hour) && self.config.off_hours.allowed_weekdays.contains(&weekday)
    }

    /// The start of the off-hours period `ms` falls in: the end of the
    /// last allowed hour before it (a night, a weekend). With no allowed
    /// hour in the last week, the start of that week's local day: one
    /// alert a day, not one a request.
    pub fn off_hours_period_from(&self, ms: i64) -> i64 {
        let hour_start = ms - ms.rem_euclid(HOUR_MS);
        (1..=PERIOD_SEARCH_HOURS)
            .map(|k| hour_start - k * HOUR_MS)
            .find(|&h| self.allowed_at(h))
            .map(|h| h + HOUR_MS)
            .unwrap_or_else(|| {
                let offset = i64::from(self.utc_offset_minutes) * MINUTE_MS;
                let local = ms.saturating_add(offset);
                local - local.rem_euclid(DAY_MS) - offset
            })
    }

    /// Every enabled rule `e` matches, with its alert key.
    pub fn candidates(&self, e: &StoredAuditEvent) -> Vec<Candidate> {
        if !self.config.enabled {
            return Vec::new();
        }
        let c = &self.config;
        Rule::ALL
            .into_iter()
            .filter_map(|rule| {
                let (enabled, severity, counted) = match rule {
                    Rule::FailedLoginsAccount => {
                        let t = c.failed_logins_account.settings();
                        let w = window(t.threshold, t.window_minutes, LOGIN_STEPS);
                        (t.enabled, t.severity, w)
                    }
                    Rule::FailedLoginsSource => {
                        let t = c.failed_logins_source.settings();
                        let w = window(t.threshold, t.window_minutes, LOGIN_STEPS);
                        (t.enabled, t.severity, w)
                    }
                    Rule::DownloadBurst => {
                        let t = c.download_burst.settings();
                        let w = window(
                            t.threshold,
                            t.window_minutes,
                            ["file.download", "file.download"],
                        );
                        (t.enabled, t.severity, w)
                    }
                    Rule::Lockout => (c.lockout.enabled, c.lockout.severity, None),
                    Rule::OffHours => (c.off_hours.enabled, c.off_hours.severity, None),
                    Rule::Terminal => (c.terminal.enabled, c.terminal.severity, None),
                    Rule::PrivilegeChange => (
                        c.privilege_change.enabled,
                        c.privilege_change.severity,
                        None,
                    ),
                    Rule::RecoveryCode => (c.recovery_code.enabled, c.recovery_code.severity, None),
                    Rule::Integrity => (c.integrity.enabled, c.integrity.severity, None),
                    // Never off, always high: a log that contradicts its own
                    // signatures is the event the log exists to reveal.
                    Rule::LogConsistency => (true, AlertSeverity::High, None),
                };
                if !enabled {
                    return None;
                }
                let (key, kind) = self.key_of(rule, e)?;
                let period_from =
                    (rule == Rule::OffHours).then(|| self.off_hours_period_from(e.occurred_at));
                Some(Candidate {
                    rule,
                    key,
                    kind,
                    severity,
                    window: counted,
                    period_from,
                })
            })
            .collect()
    }
}

/// Whether `candidate` (matched by `entry`) fires, and on which entries:
/// `(event id, occurred_at)`, oldest first. A rule without a window fires
/// on the entry itself. A counting rule fires on the entry alone while an
/// alert of the same rule and key is active (it attaches), and otherwise on
/// every unlinked match in the window once there are `threshold` of them,
/// the entry included (so the alert links all the entries that made it).
pub fn decide(
    rules: &Rules,
    candidate: &Candidate,
    entry: &StoredAuditEvent,
    facts: &WindowFacts<'_>,
) -> Option<Vec<(String, i64)>> {
    let this = (entry.id.clone(), entry.occurred_at);
    let Some(window) = candidate.window else {
        return Some(vec![this]);
    };
    if facts.active_alert {
        return Some(vec![this]);
    }
    let matching: Vec<(String, i64)> = facts
        .window
        .iter()
        .filter(|e| {
            e.occurred_at > entry.occurred_at - window.window_ms
                && e.occurred_at <= entry.occurred_at
                && rules
                    .key_of(candidate.rule, e)
                    .is_some_and(|(key, _)| key == candidate.key)
        })
        .map(|e| (e.id.clone(), e.occurred_at))
        .collect();
    // The entry itself must still be unlinked: a re-run after a crash
    // finds it already in an alert and fires nothing new.
    if !matching.iter().any(|(id, _)| *id == entry.id) {
        return None;
    }
    (matching.len() >= usize::try_from(window.threshold).unwrap_or(usize::MAX)).then_some(matching)
}

#[cfg(test)]
mod tests {
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
}
