//! `[alerts]`: the analysis rules that watch the audit log, their
//! thresholds and severities, and the optional webhook (see
//! `app/alerts/`). Every rule has its own section, e.g.
//! `DSG_ALERTS__FAILED_LOGINS_ACCOUNT__THRESHOLD=3`.

use dsg_crypto::SecretString;
use std::path::PathBuf;

use dsg_core::AlertSeverity;
use serde::Deserialize;

use super::ConfigError;

/// A counting rule's settings, whatever the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    /// Whether the rule runs.
    pub enabled: bool,
    /// Matching entries within the window that raise the alert.
    pub threshold: u32,
    /// The window, in minutes.
    pub window_minutes: u32,
    /// The alert's severity.
    pub severity: AlertSeverity,
}

/// A rule that fires on every matching entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EveryEntry {
    /// Whether the rule runs.
    pub enabled: bool,
    /// The alert's severity.
    pub severity: AlertSeverity,
}

/// One section type per rule, so that a section naming only some keys
/// keeps that rule's own defaults for the others.
macro_rules! threshold_rule {
    ($(#[$doc:meta])* $name:ident, $threshold:expr, $window:expr, $severity:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// Whether the rule runs.
            pub enabled: bool,
            /// Matching entries within the window that raise the alert.
            pub threshold: u32,
            /// The window, in minutes.
            pub window_minutes: u32,
            /// The alert's severity.
            pub severity: AlertSeverity,
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    enabled: true,
                    threshold: $threshold,
                    window_minutes: $window,
                    severity: AlertSeverity::$severity,
                }
            }
        }

        impl $name {
            /// The settings in the form the rules read.
            pub fn settings(&self) -> Threshold {
                Threshold {
                    enabled: self.enabled,
                    threshold: self.threshold,
                    window_minutes: self.window_minutes,
                    severity: self.severity,
                }
            }
        }
    };
}

macro_rules! every_entry_rule {
    ($(#[$doc:meta])* $name:ident, $severity:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// Whether the rule runs.
            pub enabled: bool,
            /// The alert's severity.
            pub severity: AlertSeverity,
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    enabled: true,
                    severity: AlertSeverity::$severity,
                }
            }
        }

        impl $name {
            /// The settings in the form the rules read.
            pub fn settings(&self) -> EveryEntry {
                EveryEntry {
                    enabled: self.enabled,
                    severity: self.severity,
                }
            }
        }
    };
}

threshold_rule!(
    /// Failed login steps of one account (password or second factor).
    FailedLoginsAccount, 5, 10, Medium
);
threshold_rule!(
    /// Failed or rate-limited login steps from one source address, whatever
    /// the account (password spraying).
    FailedLoginsSource, 20, 10, High
);
threshold_rule!(
    /// Successful downloads by one user.
    DownloadBurst, 100, 10, High
);
every_entry_rule!(
    /// An account was locked after repeated failures.
    LockoutRule, Medium
);
every_entry_rule!(
    /// An attempt from a quarantined, revoked, unknown or missing terminal:
    /// a refused TLS handshake, a session presented from another terminal,
    /// a signed-in user's request refused by `registered-terminal-for-data`.
    TerminalRule, High
);
every_entry_rule!(
    /// A change of privileges or policy: handler designation and removal,
    /// duties, policy approval and rollback, an approved authenticator
    /// reset, an account re-enabled or unlocked, an operator account created.
    PrivilegeChangeRule, Low
);
every_entry_rule!(
    /// A sign-in with a recovery code.
    RecoveryCodeRule, High
);
every_entry_rule!(
    /// A stored file version failed its integrity check (on download or in
    /// a scrub): one alert per damaged version.
    IntegrityRule, High
);

/// Successful access to protected data outside the allowed hours or days,
/// in the deployment's time zone (`zero_trust.utc_offset_minutes`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OffHoursRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// `"HH-HH"`: from the first hour (inclusive) to the second (exclusive),
    /// 00 to 24; `"22-06"` wraps past midnight, `"00-24"` is the whole day.
    pub allowed_hours: String,
    /// ISO weekdays data may be reached on (1 = Monday … 7 = Sunday).
    /// Public holidays are not known to the gateway.
    pub allowed_weekdays: Vec<u8>,
    /// The alert's severity.
    pub severity: AlertSeverity,
}

impl Default for OffHoursRule {
    fn default() -> Self {
        Self {
            enabled: true,
            allowed_hours: "07-21".to_owned(),
            allowed_weekdays: vec![1, 2, 3, 4, 5],
            severity: AlertSeverity::Medium,
        }
    }
}

/// Allowed hours as parsed from `"HH-HH"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourRange {
    /// First allowed hour (0-23).
    pub start: u8,
    /// First hour no longer allowed (1-24); below `start` it wraps.
    pub end: u8,
}

impl HourRange {
    /// Parses `"07-21"`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let refuse = || {
            ConfigError(format!(
                "alerts.off_hours.allowed_hours ({text}) must be \"HH-HH\" with hours 00 to 24 \
                 and two different hours"
            ))
        };
        let (a, b) = text.trim().split_once('-').ok_or_else(refuse)?;
        let start: u8 = a.trim().parse().map_err(|_| refuse())?;
        let end: u8 = b.trim().parse().map_err(|_| refuse())?;
        if start > 23 || end > 24 || start == end {
            return Err(refuse());
        }
        Ok(Self { start, end })
    }

    /// Whether `hour` (0-23) is allowed.
    pub fn contains(self, hour: u8) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&hour)
        } else {
            hour >= self.start || hour < self.end
        }
    }
}

/// The analysis rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Whether the gateway watches the log at all.
    pub enabled: bool,
    /// Where each new alert is POSTed as JSON (`{id, rule, severity, key,
    /// first_at, entry_count, link}`). `https://`, or `http://` to a
    /// loopback address. Failures are logged, never retried.
    pub webhook_url: Option<String>,
    /// PEM file of the CA(s) the webhook's server certificate must chain
    /// to, instead of the system's roots (an agency-internal CA).
    pub webhook_ca: Option<PathBuf>,
    /// Shared secret the webhook's receiver checks each POST with: the
    /// gateway sends `X-Dsg-Timestamp` (Unix seconds) and `X-Dsg-Signature:
    /// sha256=<hex HMAC-SHA-256 of "<timestamp>.<body>">`. At least 32
    /// characters; give it as `DSG_ALERTS__WEBHOOK_SECRET_FILE`.
    pub webhook_secret: Option<SecretString>,
    /// Failed logins per account.
    pub failed_logins_account: FailedLoginsAccount,
    /// Failed logins per source address.
    pub failed_logins_source: FailedLoginsSource,
    /// Account lockouts.
    pub lockout: LockoutRule,
    /// Download bursts per user.
    pub download_burst: DownloadBurst,
    /// Data access outside the allowed hours.
    pub off_hours: OffHoursRule,
    /// Attempts from quarantined or unregistered terminals.
    pub terminal: TerminalRule,
    /// Privilege and policy changes.
    pub privilege_change: PrivilegeChangeRule,
    /// Recovery code use.
    pub recovery_code: RecoveryCodeRule,
    /// Damaged stored files.
    pub integrity: IntegrityRule,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            webhook_url: None,
            webhook_ca: None,
            webhook_secret: None,
            failed_logins_account: FailedLoginsAccount::default(),
            failed_logins_source: FailedLoginsSource::default(),
            lockout: LockoutRule::default(),
            download_burst: DownloadBurst::default(),
            off_hours: OffHoursRule::default(),
            terminal: TerminalRule::default(),
            privilege_change: PrivilegeChangeRule::default(),
            recovery_code: RecoveryCodeRule::default(),
            integrity: IntegrityRule::default(),
        }
    }
}

/// Shortest webhook secret accepted.
const MIN_WEBHOOK_SECRET_CHARS: usize = 32;

/// Longest window a counting rule may have: one day.
const MAX_WINDOW_MINUTES: u32 = 24 * 60;
/// Highest threshold: a window's entries are read at once to link them.
pub const MAX_THRESHOLD: u32 = 10_000;

impl AlertsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (name, t) in [
            (
                "failed_logins_account",
                self.failed_logins_account.settings(),
            ),
            ("failed_logins_source", self.failed_logins_source.settings()),
            ("download_burst", self.download_burst.settings()),
        ] {
            if !(1..=MAX_THRESHOLD).contains(&t.threshold)
                || !(1..=MAX_WINDOW_MINUTES).contains(&t.window_minutes)
            {
                return Err(ConfigError(format!(
                    "alerts.{name}: threshold must be 1 to {MAX_THRESHOLD} and window_minutes \
                     1 to {MAX_WINDOW_MINUTES}"
                )));
            }
        }
        HourRange::parse(&self.off_hours.allowed_hours)?;
        let days = &self.off_hours.allowed_weekdays;
        if days.iter().any(|d| !(1..=7).contains(d)) {
            return Err(ConfigError(
                "alerts.off_hours.allowed_weekdays are 1 (Monday) to 7 (Sunday)".into(),
            ));
        }
        if let Some(url) = &self.webhook_url {
            webhook_url(url)?;
        }
        if self
            .webhook_ca
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty() || self.webhook_url.is_none())
        {
            return Err(ConfigError(
                "alerts.webhook_ca needs alerts.webhook_url and a file name".into(),
            ));
        }
        if let Some(secret) = &self.webhook_secret {
            if self.webhook_url.is_none() {
                return Err(ConfigError(
                    "alerts.webhook_secret needs alerts.webhook_url".into(),
                ));
            }
            if secret.expose().chars().count() < MIN_WEBHOOK_SECRET_CHARS {
                return Err(ConfigError(format!(
                    "alerts.webhook_secret must be at least {MIN_WEBHOOK_SECRET_CHARS} characters \
                     (e.g. 64 hex digits from a random generator)"
                )));
            }
        }
        Ok(())
    }
}

/// The webhook URL, checked: `https://`, or `http://` to a loopback
/// address (alerts name accounts and addresses; they do not cross a
/// network in clear).
pub fn webhook_url(text: &str) -> Result<url::Url, ConfigError> {
    let refuse = |why: &str| ConfigError(format!("alerts.webhook_url ({text}): {why}"));
    let url = url::Url::parse(text).map_err(|e| refuse(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("credentials do not belong in the URL"));
    }
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => Ok(url),
        ("http", Some(url::Host::Ipv4(ip))) if ip.is_loopback() => Ok(url),
        ("http", Some(url::Host::Ipv6(ip))) if ip.is_loopback() => Ok(url),
        ("http", Some(url::Host::Domain("localhost"))) => Ok(url),
        _ => Err(refuse(
            "must be https:// (http:// only to a loopback address)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rules_keep_their_own_defaults_and_are_checked() {
        let c = Config::load(None, []).unwrap().alerts;
        assert!(c.enabled && c.webhook_url.is_none());
        assert_eq!(c.failed_logins_account.settings().threshold, 5);
        assert_eq!(c.failed_logins_source.settings().threshold, 20);
        assert_eq!(c.download_burst.settings().threshold, 100);
        assert_eq!(c.recovery_code.settings().severity, AlertSeverity::High);
        // One key of a section leaves the others at that rule's defaults.
        let c = Config::load(
            None,
            env(&[
                ("DSG_ALERTS__FAILED_LOGINS_SOURCE__THRESHOLD", "3"),
                ("DSG_ALERTS__LOCKOUT__SEVERITY", "high"),
                ("DSG_ALERTS__OFF_HOURS__ALLOWED_HOURS", "22-06"),
                ("DSG_ALERTS__OFF_HOURS__ALLOWED_WEEKDAYS", "[6, 7]"),
                ("DSG_ALERTS__WEBHOOK_URL", "http://127.0.0.1:9000/hook"),
            ]),
        )
        .unwrap()
        .alerts;
        let source = c.failed_logins_source.settings();
        assert_eq!((source.threshold, source.window_minutes), (3, 10));
        assert_eq!(source.severity, AlertSeverity::High);
        assert_eq!(c.lockout.settings().severity, AlertSeverity::High);
        assert_eq!(c.off_hours.allowed_weekdays, [6, 7]);
        for pairs in [
            vec![("DSG_ALERTS__DOWNLOAD_BURST__THRESHOLD", "0")],
            vec![("DSG_ALERTS__DOWNLOAD_BURST__WINDOW_MINUTES", "0")],
            vec![("DSG_ALERTS__DOWNLOAD_BURST__WINDOW_MINUTES", "1441")],
            vec![("DSG_ALERTS__DOWNLOAD_BURST__LIMIT", "3")],
            vec![("DSG_ALERTS__LOCKOUT__SEVERITY", "urgent")],
            vec![("DSG_ALERTS__LOCKOUT__THRESHOLD", "3")],
            vec![("DSG_ALERTS__OFF_HOURS__ALLOWED_HOURS", "7-25")],
            vec![("DSG_ALERTS__OFF_HOURS__ALLOWED_HOURS", "09-09")],
            vec![("DSG_ALERTS__OFF_HOURS__ALLOWED_HOURS", "nine to five")],
            vec![("DSG_ALERTS__OFF_HOURS__ALLOWED_WEEKDAYS", "[0]")],
            vec![("DSG_ALERTS__WEBHOOK_URL", "http://soc.example/hook")],
            vec![("DSG_ALERTS__WEBHOOK_URL", "https://u:p@soc.example/hook")],
            vec![("DSG_ALERTS__WEBHOOK_URL", "ftp://soc.example/")],
            vec![("DSG_ALERTS__WEBHOOK_CA", "/etc/dsg/soc-ca.pem")],
            vec![("DSG_ALERTS__WEBHOOK_SECRET", LONG_SECRET)],
            vec![
                ("DSG_ALERTS__WEBHOOK_URL", "http://127.0.0.1:9000/hook"),
                ("DSG_ALERTS__WEBHOOK_SECRET", "too short"),
            ],
            vec![("DSG_ALERTS__NO_SUCH_RULE__ENABLED", "true")],
        ] {
            assert!(Config::load(None, env(&pairs)).is_err(), "{pairs:?}");
        }
    }

    const LONG_SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_webhook_secret_comes_from_a_file_and_never_shows() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hook-secret");
        std::fs::write(&file, format!("{LONG_SECRET}\n")).unwrap();
        let c = Config::load(
            None,
            env(&[
                ("DSG_ALERTS__WEBHOOK_URL", "http://127.0.0.1:9000/hook"),
                ("DSG_ALERTS__WEBHOOK_SECRET_FILE", file.to_str().unwrap()),
            ]),
        )
        .unwrap()
        .alerts;
        let secret = c.webhook_secret.as_ref().unwrap();
        assert_eq!(secret.expose(), LONG_SECRET);
        assert!(!format!("{c:?}").contains(LONG_SECRET));
    }

    #[test]
    fn the_example_file_states_the_defaults() {
        let example =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dsg.example.toml");
        let c = Config::load(Some(&example), []).unwrap();
        assert_eq!(c.alerts, AlertsConfig::default());
    }

    #[test]
    fn allowed_hours_wrap_past_midnight() {
        let day = HourRange::parse("07-21").unwrap();
        assert!(day.contains(7) && day.contains(20));
        assert!(!day.contains(21) && !day.contains(6) && !day.contains(0));
        let night = HourRange::parse("22-06").unwrap();
        assert!(night.contains(23) && night.contains(0) && night.contains(5));
        assert!(!night.contains(6) && !night.contains(12) && !night.contains(21));
        let all = HourRange::parse("00-24").unwrap();
        assert!((0..24).all(|h| all.contains(h)));
    }
}
