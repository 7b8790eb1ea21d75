//! `[audit]`: the tamper-evident log's checkpoints and the copies the
//! forwarder makes outside the operator's reach (`[audit.publish]`,
//! `[audit.siem]`; see `dsg-workers` `forwarder.rs`).

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;

/// The tamper-evident audit log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Least time between two signed checkpoints, in seconds (a checkpoint
    /// is only written when the log grew). 0, the default, signs one after
    /// every batch the sequencer adds: entries newer than the last
    /// checkpoint are what an insider can cut unnoticed after a crash, so
    /// that window is kept to one sequencer step. Signing costs tens of
    /// microseconds; see `bench/README.md`.
    pub checkpoint_seconds: u64,
    /// How long entries keep their content, in days (at least
    /// [`MIN_RETENTION_DAYS`]). Afterwards the content is dropped, the leaf
    /// stays, and the expiry is itself an entry.
    pub retention_days: u32,
    /// Where signed checkpoints are published (off unless a directory is
    /// set).
    pub publish: AuditPublishConfig,
    /// A SIEM that receives every sequenced entry (off when absent).
    pub siem: Option<SiemConfig>,
    /// How often, in seconds, the running gateway proves its stored log
    /// against every checkpoint it signed (in the database and the
    /// publication directory) again, as it does at start; on a
    /// contradiction it stops signing and raises the `log_consistency`
    /// alert. 0 checks only at start.
    pub consistency_check_seconds: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            checkpoint_seconds: 0,
            retention_days: 1827,
            publish: AuditPublishConfig::default(),
            siem: None,
            consistency_check_seconds: 3600,
        }
    }
}

/// Publication of signed checkpoints as files, e.g. on a mount the operator
/// cannot rewrite (a WORM share, another organisation's file drop).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditPublishConfig {
    /// Directory that receives `checkpoint-<tree size, 20 digits>.json` for
    /// every new checkpoint. It must exist when the gateway starts.
    pub checkpoint_dir: Option<PathBuf>,
}

/// A SIEM that receives the audit entries as RFC 5424 syslog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiemConfig {
    /// `host:port` (`[v6 address]:port` for IPv6); resolved at every
    /// (re)connection.
    pub address: String,
    /// `tcp` (default; RFC 6587 octet counting) or `udp` (RFC 5426, one
    /// message per datagram; losses go unnoticed).
    #[serde(default)]
    pub transport: SiemTransport,
    /// `syslog` (default; RFC 5424 with the entry as structured data) or
    /// `cef` (the CEF line as the MSG of an RFC 5424 line).
    #[serde(default)]
    pub format: SiemFormat,
    /// HOSTNAME of the syslog header. Default: the machine's host name.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Also send every signed checkpoint as a syslog line.
    #[serde(default = "yes")]
    pub checkpoints: bool,
}

fn yes() -> bool {
    true
}

/// How syslog lines travel to the SIEM.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SiemTransport {
    /// TCP with octet-counting framing (RFC 6587 §3.4.1): `LEN SP MSG`.
    /// The default: only TCP notices a collector that is gone.
    #[default]
    Tcp,
    /// One message per UDP datagram (RFC 5426).
    Udp,
}

/// What the syslog lines carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SiemFormat {
    /// RFC 5424 with the entry as structured data (`dsg@32473`).
    #[default]
    Syslog,
    /// ArcSight CEF inside an RFC 5424 header.
    Cef,
}

/// The shortest retention the gateway accepts: one year. Nothing, not even
/// the configuration, makes the log forget sooner.
pub(super) use dsg_audit::MIN_RETENTION_DAYS;

impl AuditConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.retention_days < MIN_RETENTION_DAYS {
            return Err(ConfigError(format!(
                "audit.retention_days must be at least {MIN_RETENTION_DAYS} (one year)"
            )));
        }
        if self
            .publish
            .checkpoint_dir
            .as_ref()
            .is_some_and(|d| d.as_os_str().is_empty())
        {
            return Err(ConfigError(
                "audit.publish.checkpoint_dir must not be empty".into(),
            ));
        }
        let Some(siem) = &self.siem else {
            return Ok(());
        };
        if !valid_host_port(&siem.address) {
            return Err(ConfigError(format!(
                "audit.siem.address ({}) must be host:port (an IPv6 address in brackets)",
                siem.address
            )));
        }
        // RFC 5424 HOSTNAME: 1 to 255 printable US-ASCII characters, no
        // spaces. Refused rather than silently cleaned, so what the SIEM
        // shows is what was configured.
        if let Some(host) = &siem.hostname {
            if host.is_empty() || host.len() > 255 || !host.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConfigError(
                    "audit.siem.hostname must be 1 to 255 printable ASCII characters without \
                     spaces"
                        .into(),
                ));
            }
        }
        Ok(())
    }
}

/// `host:port` with a non-zero port; an IPv6 host in brackets.
fn valid_host_port(address: &str) -> bool {
    let Some((host, port)) = address.rsplit_once(':') else {
        return false;
    };
    let port_ok = port.parse::<u16>().is_ok_and(|p| p != 0);
    let host_ok = match host.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok()),
        None => {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        }
    };
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn audit_forwarding_is_off_by_default_and_checked_when_on() {
        let c = Config::load(None, []).unwrap();
        assert!(c.audit.publish.checkpoint_dir.is_none());
        assert!(c.audit.siem.is_none());
        let c = Config::load(
            None,
            env(&[
                ("DSG_AUDIT__PUBLISH__CHECKPOINT_DIR", "/mnt/worm/dsg"),
                ("DSG_AUDIT__SIEM__ADDRESS", "siem.example:6514"),
            ]),
        )
        .unwrap();
        assert_eq!(
            c.audit.publish.checkpoint_dir.as_deref(),
            Some(Path::new("/mnt/worm/dsg"))
        );
        let siem = c.audit.siem.unwrap();
        assert_eq!(siem.address, "siem.example:6514");
        assert_eq!(siem.transport, SiemTransport::Tcp);
        assert_eq!(siem.format, SiemFormat::Syslog);
        assert!(siem.checkpoints && siem.hostname.is_none());
        let c = Config::load(
            None,
            env(&[
                ("DSG_AUDIT__SIEM__ADDRESS", "[::1]:514"),
                ("DSG_AUDIT__SIEM__TRANSPORT", "udp"),
                ("DSG_AUDIT__SIEM__FORMAT", "cef"),
                ("DSG_AUDIT__SIEM__HOSTNAME", "gw-1.example"),
                ("DSG_AUDIT__SIEM__CHECKPOINTS", "false"),
            ]),
        )
        .unwrap();
        let siem = c.audit.siem.unwrap();
        assert_eq!(siem.transport, SiemTransport::Udp);
        assert_eq!(siem.format, SiemFormat::Cef);
        assert_eq!(siem.hostname.as_deref(), Some("gw-1.example"));
        assert!(!siem.checkpoints);
        // No address, a bad address or port, an unknown transport or
        // format, a hostname with a space, an unknown key: refused.
        for pairs in [
            vec![("DSG_AUDIT__SIEM__TRANSPORT", "udp")],
            vec![("DSG_AUDIT__SIEM__ADDRESS", "siem.example")],
            vec![("DSG_AUDIT__SIEM__ADDRESS", "siem.example:0")],
            vec![("DSG_AUDIT__SIEM__ADDRESS", "::1:514")],
            vec![("DSG_AUDIT__SIEM__ADDRESS", "a b:514")],
            vec![
                ("DSG_AUDIT__SIEM__ADDRESS", "siem:514"),
                ("DSG_AUDIT__SIEM__TRANSPORT", "tls"),
            ],
            vec![
                ("DSG_AUDIT__SIEM__ADDRESS", "siem:514"),
                ("DSG_AUDIT__SIEM__FORMAT", "leef"),
            ],
            vec![
                ("DSG_AUDIT__SIEM__ADDRESS", "siem:514"),
                ("DSG_AUDIT__SIEM__HOSTNAME", "gw 1"),
            ],
            vec![
                ("DSG_AUDIT__SIEM__ADDRESS", "siem:514"),
                ("DSG_AUDIT__SIEM__PORT", "514"),
            ],
            vec![("DSG_AUDIT__PUBLISH__CHECKPOINT_DIR", "")],
            vec![("DSG_AUDIT__PUBLISH__DIR", "/tmp")],
        ] {
            assert!(Config::load(None, env(&pairs)).is_err(), "{pairs:?}");
        }
    }
}
