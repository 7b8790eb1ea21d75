//! Registered terminals: the devices from which protected data may be
//! reached. Each holds a client certificate issued by the gateway's terminal
//! CA; the gateway finds the terminal of a request by that certificate's
//! fingerprint on every request.

use crate::entities::string_enum;
use crate::{CompanyId, DomainError, TerminalId, UserId};

string_enum!(
    /// Whether a terminal may be used.
    TerminalStatus {
        /// Registered and in use.
        Active => "active",
        /// Isolated by an operator (e.g. suspected infection); reversible.
        Quarantined => "quarantined",
        /// Withdrawn for good (lost, disposed of, replaced).
        Revoked => "revoked",
    }
);

impl TerminalStatus {
    /// Whether an operator may move a terminal from `self` to `next`.
    /// Revocation is final; quarantine can be lifted.
    pub fn may_become(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Active, Self::Quarantined)
                | (Self::Quarantined, Self::Active)
                | (Self::Active | Self::Quarantined, Self::Revoked)
        )
    }
}

/// A registered terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminal {
    /// Its id (also in its certificate: `urn:dsg:terminal:<id>`).
    pub id: TerminalId,
    /// The company it belongs to.
    pub company_id: CompanyId,
    /// Its asset name (e.g. "設計部 PC-07").
    pub name: TerminalText,
    /// Where it is kept (事業所, room).
    pub site: TerminalText,
    /// The hardware serial number.
    pub serial: TerminalText,
    /// Active, quarantined or revoked.
    pub status: TerminalStatus,
    /// Why the status was last changed (free text from the operator).
    pub status_reason: String,
    /// When the status last changed (Unix ms).
    pub status_changed_at: i64,
    /// SHA-256 (lowercase hex) of the certificate in force, if one was issued.
    pub cert_fingerprint: Option<String>,
    /// The certificate's serial number (hex).
    pub cert_serial: Option<String>,
    /// End of the certificate's validity (Unix ms).
    pub cert_not_after: Option<i64>,
    /// When it was registered (Unix ms).
    pub registered_at: i64,
    /// The operator who registered it.
    pub registered_by: Option<UserId>,
    /// The last request seen from it (Unix ms).
    pub last_seen_at: Option<i64>,
    /// The last posture report (Unix ms), sent by the terminal itself.
    pub posture_reported_at: Option<i64>,
    /// Whether that report met [`PostureReport::compliant`].
    pub posture_compliant: Option<bool>,
}

/// Longest signature age a compliant terminal may report: one week.
pub const MAX_SIGNATURE_AGE_DAYS: i64 = 7;
/// Longest time since the last operating-system update: 45 days (a
/// monthly patch cycle with two weeks' grace).
pub const MAX_PATCH_AGE_DAYS: i64 = 45;
/// Longest operating-system name or version, in characters.
pub const MAX_POSTURE_TEXT_CHARS: usize = 100;

/// What a terminal reports about itself (端末の状態): the measures the
/// standard asks of a terminal that handles protected information
/// (encrypted storage, a firewall, current malware signatures, current
/// updates).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostureReport {
    /// Operating system, e.g. "Windows 11 Pro".
    pub os: String,
    /// Its version or build.
    pub os_version: String,
    /// Whether the system disk is encrypted (BitLocker, FileVault, LUKS).
    pub disk_encrypted: bool,
    /// Whether the host firewall is on.
    pub firewall_enabled: bool,
    /// When the malware signatures were last updated (Unix ms).
    pub antivirus_signatures_at: Option<i64>,
    /// When operating-system updates were last installed (Unix ms).
    pub patched_at: Option<i64>,
}

impl PostureReport {
    /// Checks the texts (bounded, no control characters).
    pub fn validate(&self) -> Result<(), DomainError> {
        for (field, value) in [("os", &self.os), ("os_version", &self.os_version)] {
            if value.chars().count() > MAX_POSTURE_TEXT_CHARS || value.chars().any(char::is_control)
            {
                return Err(DomainError::invalid(
                    field,
                    "at most 100 characters, no control characters",
                ));
            }
        }
        Ok(())
    }

    /// Whether the terminal meets the measures at `now_ms`: encrypted disk,
    /// firewall on, signatures at most a week old, updates at most 45 days
    /// old. A date in the future counts as not reported.
    pub fn compliant(&self, now_ms: i64) -> bool {
        const DAY_MS: i64 = 86_400_000;
        // The dates come from the terminal: `now_ms - at` must not wrap
        // (with overflow checks off, a report dated `i64::MIN` would wrap to
        // a negative age and pass as fresh; with them on, it would panic).
        // An age too large for an i64 saturates and is simply too old.
        let recent = |at: Option<i64>, days: i64| {
            at.is_some_and(|at| at <= now_ms && now_ms.saturating_sub(at) <= days * DAY_MS)
        };
        self.disk_encrypted
            && self.firewall_enabled
            && recent(self.antivirus_signatures_at, MAX_SIGNATURE_AGE_DAYS)
            && recent(self.patched_at, MAX_PATCH_AGE_DAYS)
    }
}

/// The longest terminal name, site or serial, in characters.
pub const MAX_TERMINAL_TEXT_CHARS: usize = 64;

/// A terminal's name, site or serial: trimmed, 1–64 characters, no control
/// or bidirectional formatting characters (it ends up in a certificate
/// subject and in CSV exports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalText(String);

impl TerminalText {
    /// Validates `raw` as the field `field`.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, DomainError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(DomainError::invalid(field, "must not be empty"));
        }
        if text.chars().count() > MAX_TERMINAL_TEXT_CHARS {
            return Err(DomainError::invalid(field, "longer than 64 characters"));
        }
        if text.chars().any(|c| {
            c.is_control()
                || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        }) {
            return Err(DomainError::invalid(
                field,
                "contains a control or bidirectional formatting character",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TerminalText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_is_final_and_quarantine_reversible() {
        use TerminalStatus::*;
        assert!(Active.may_become(Quarantined));
        assert!(Quarantined.may_become(Active));
        assert!(Quarantined.may_become(Revoked));
        assert!(Active.may_become(Revoked));
        assert!(!Revoked.may_become(Active));
        assert!(!Revoked.may_become(Quarantined));
        assert!(!Active.may_become(Active));
    }

    #[test]
    fn absurdly_old_posture_dates_are_not_recent() {
        // Found by the `core_parse` fuzz target (in seconds, on the old
        // code): `now - i64::MIN` overflowed, wrapping to a negative age
        // (compliant) in release builds.
        let report = |at: i64| PostureReport {
            os: "Windows 11 Pro".into(),
            os_version: "24H2".into(),
            disk_encrypted: true,
            firewall_enabled: true,
            antivirus_signatures_at: Some(at),
            patched_at: Some(at),
        };
        let now = 1_780_000_000_000;
        assert!(report(now - 1000).compliant(now));
        for at in [i64::MIN, i64::MIN + 1, -now, now - 8 * 86_400_000] {
            assert!(!report(at).compliant(now), "{at}");
        }
        assert!(!report(i64::MIN).compliant(i64::MAX));
        assert!(!report(0).compliant(i64::MAX));
        assert!(!report(i64::MAX).compliant(now));
    }

    #[test]
    fn terminal_text_is_checked() {
        assert_eq!(
            TerminalText::parse("name", "  PC-07 ").unwrap().as_str(),
            "PC-07"
        );
        assert!(TerminalText::parse("name", " ").is_err());
        assert!(TerminalText::parse("name", &"x".repeat(65)).is_err());
        assert!(TerminalText::parse("name", "a\u{202e}b").is_err());
        assert!(TerminalText::parse("name", "a\nb").is_err());
    }
}
