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
mod tests;
