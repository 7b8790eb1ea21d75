//! Audit entries formatted for a SIEM: syslog (RFC 5424) and ArcSight CEF,
//! as Wazuh, Splunk and QRadar ingest them. Entries carry ids, never names
//! or roster data, so these lines leak nothing a SIEM operator may not see.

use std::fmt::Write as _;

use crate::SignedCheckpoint;

/// One audit entry, as exported.
#[derive(Debug, Clone, Copy)]
pub struct SiemEvent<'a> {
    /// Entry id (UUIDv7).
    pub id: &'a str,
    /// Time, Unix milliseconds.
    pub occurred_at_ms: i64,
    /// Request id.
    pub request_id: &'a str,
    /// Acting user id.
    pub actor: Option<&'a str>,
    /// Client address.
    pub source: Option<&'a str>,
    /// Registered terminal id.
    pub terminal: Option<&'a str>,
    /// Stable action name, e.g. `file.download`.
    pub action: &'a str,
    /// Kind of object.
    pub object_type: &'a str,
    /// Object id.
    pub object_id: Option<&'a str>,
    /// `success`, `denied` or `failure`.
    pub outcome: &'a str,
    /// Deciding policies or error code.
    pub reason: &'a str,
}

/// The structured-data id of dsg's syslog parameters. 32473 is the private
/// enterprise number reserved for documentation (RFC 5612); a deployment
/// with its own number can rewrite it in the collector.
pub const SYSLOG_SD_ID: &str = "dsg@32473";
/// Facility 13, "log audit" (RFC 5424 §6.2.1).
const FACILITY_LOG_AUDIT: u8 = 13;

fn rfc3339_ms(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| "-".to_owned())
}

/// Syslog severity: notice for successes, warning for denials and failures.
fn syslog_severity(outcome: &str) -> u8 {
    if outcome == "success" {
        5
    } else {
        4
    }
}

/// RFC 5424 PARAM-VALUE escaping: `"`, `\` and `]` get a backslash.
fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A header field: printable US-ASCII without spaces, at most `max`
/// characters, or `-` (RFC 5424 §6).
fn header_field(value: &str, max: usize) -> String {
    let cleaned: String = value
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if cleaned.is_empty() {
        "-".to_owned()
    } else {
        cleaned
    }
}

/// One RFC 5424 line (without trailing newline) for `event`, sent by
/// `hostname` as `app_name`.
pub fn to_syslog(event: &SiemEvent<'_>, hostname: &str, app_name: &str) -> String {
    let pri = FACILITY_LOG_AUDIT * 8 + syslog_severity(event.outcome);
    let mut line = format!(
        "<{pri}>1 {} {} {} - {} [{SYSLOG_SD_ID}",
        rfc3339_ms(event.occurred_at_ms),
        header_field(hostname, 255),
        header_field(app_name, 48),
        header_field(event.action, 32),
    );
    let params = [
        ("id", Some(event.id)),
        ("requestId", Some(event.request_id)),
        ("actor", event.actor),
        ("src", event.source),
        ("terminal", event.terminal),
        ("action", Some(event.action)),
        ("objectType", Some(event.object_type)),
        ("objectId", event.object_id),
        ("outcome", Some(event.outcome)),
        ("reason", Some(event.reason)),
    ];
    for (name, value) in params {
        if let Some(value) = value {
            let _ = write!(line, " {name}=\"{}\"", sd_escape(value));
        }
    }
    let _ = write!(line, "] {} {}", event.action, event.outcome);
    line
}

/// CEF header escaping: `\` and `|`; line breaks become spaces.
fn cef_header(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// CEF extension escaping: `\`, `=` and line breaks.
fn cef_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('=', "\\=")
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

/// CEF severity (0–10): denials 7, failures 5, successes 3.
fn cef_severity(outcome: &str) -> u8 {
    match outcome {
        "denied" => 7,
        "failure" => 5,
        _ => 3,
    }
}

/// One CEF line for `event`; `version` is the dsg release.
pub fn to_cef(event: &SiemEvent<'_>, version: &str) -> String {
    let mut line = format!(
        "CEF:0|dsg|Defense Security Gateway|{}|{}|{}|{}|",
        cef_header(version),
        cef_header(event.action),
        cef_header(&format!("{} {}", event.action, event.outcome)),
        cef_severity(event.outcome),
    );
    let mut ext = vec![
        ("rt", event.occurred_at_ms.to_string()),
        ("externalId", event.id.to_owned()),
        ("act", event.action.to_owned()),
        ("outcome", event.outcome.to_owned()),
        ("reason", event.reason.to_owned()),
        ("cs1Label", "requestId".to_owned()),
        ("cs1", event.request_id.to_owned()),
        ("cs2Label", "objectType".to_owned()),
        ("cs2", event.object_type.to_owned()),
    ];
    if let Some(actor) = event.actor {
        ext.push(("suid", actor.to_owned()));
    }
    if let Some(source) = event.source {
        ext.push(("src", source.to_owned()));
    }
    if let Some(terminal) = event.terminal {
        ext.push(("cs4Label", "terminal".to_owned()));
        ext.push(("cs4", terminal.to_owned()));
    }
    if let Some(object) = event.object_id {
        ext.push(("cs3Label", "objectId".to_owned()));
        ext.push(("cs3", object.to_owned()));
    }
    let parts: Vec<String> = ext
        .iter()
        .map(|(k, v)| format!("{k}={}", cef_value(v)))
        .collect();
    line.push_str(&parts.join(" "));
    line
}

/// The structured-data id of a checkpoint's parameters (see
/// [`SYSLOG_SD_ID`] for the enterprise number).
pub const CHECKPOINT_SD_ID: &str = "dsgCheckpoint@32473";

/// One RFC 5424 line carrying the CEF line of `event` as its MSG (no
/// structured data; MSGID is the action). Collectors such as Wazuh, QRadar
/// and ArcSight take CEF inside syslog, and the header gives the line a
/// time, host and priority like every other line the gateway sends.
pub fn to_cef_syslog(
    event: &SiemEvent<'_>,
    hostname: &str,
    app_name: &str,
    version: &str,
) -> String {
    let pri = FACILITY_LOG_AUDIT * 8 + syslog_severity(event.outcome);
    format!(
        "<{pri}>1 {} {} {} - {} - {}",
        rfc3339_ms(event.occurred_at_ms),
        header_field(hostname, 255),
        header_field(app_name, 48),
        header_field(event.action, 32),
        to_cef(event, version),
    )
}

/// One RFC 5424 line (severity notice, MSGID `checkpoint`) carrying a
/// signed checkpoint as structured data: `logId`, `treeSize`, `root`,
/// `timestamp` (Unix ms), `retentionDays` (version 2 checkpoints only) and
/// `signature` (hex DER), exactly the fields [`crate::Checkpoint::to_bytes`]
/// signs, so a SIEM holding the published public key can verify every head
/// it received.
pub fn checkpoint_to_syslog(signed: &SignedCheckpoint, hostname: &str, app_name: &str) -> String {
    let c = &signed.checkpoint;
    let retention = c
        .retention_days
        .map(|days| format!(" retentionDays=\"{days}\""))
        .unwrap_or_default();
    format!(
        "<{}>1 {} {} {} - checkpoint [{CHECKPOINT_SD_ID} logId=\"{}\" treeSize=\"{}\" \
         root=\"{}\" timestamp=\"{}\"{retention} signature=\"{}\"] checkpoint {}",
        FACILITY_LOG_AUDIT * 8 + 5,
        rfc3339_ms(c.timestamp_ms),
        header_field(hostname, 255),
        header_field(app_name, 48),
        sd_escape(&c.log_id),
        c.tree_size,
        hex::encode(c.root),
        c.timestamp_ms,
        hex::encode(&signed.signature),
        c.tree_size,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event<'a>(outcome: &'a str, reason: &'a str) -> SiemEvent<'a> {
        SiemEvent {
            id: "0190a8c0-0000-7000-8000-000000000001",
            occurred_at_ms: 1_795_000_000_123,
            request_id: "req-1",
            actor: Some("user-1"),
            source: Some("192.0.2.7"),
            terminal: Some("terminal-3"),
            action: "file.download",
            object_type: "file",
            object_id: Some("file-9@2"),
            outcome,
            reason,
        }
    }

    #[test]
    fn syslog_lines_follow_rfc5424() {
        let line = to_syslog(
            &event("success", "handler-need-to-know"),
            "gw.example",
            "dsg",
        );
        assert_eq!(
            line,
            "<109>1 2026-11-18T11:06:40.123Z gw.example dsg - file.download [dsg@32473 \
             id=\"0190a8c0-0000-7000-8000-000000000001\" requestId=\"req-1\" actor=\"user-1\" \
             src=\"192.0.2.7\" terminal=\"terminal-3\" action=\"file.download\" objectType=\"file\" objectId=\"file-9@2\" \
             outcome=\"success\" reason=\"handler-need-to-know\"] file.download success"
        );
        let denied = to_syslog(&event("denied", "default-deny"), "host with space", "");
        assert!(
            denied.starts_with("<108>1 2026-11-18T11:06:40.123Z hostwithspace - - file.download ")
        );
    }

    #[test]
    fn syslog_parameters_are_escaped() {
        let line = to_syslog(&event("failure", "a\"b]c\\d"), "h", "dsg");
        assert!(line.contains(r#"reason="a\"b\]c\\d""#), "{line}");
    }

    #[test]
    fn cef_inside_syslog_has_an_rfc5424_header() {
        let line = to_cef_syslog(
            &event("denied", "default-deny"),
            "gw.example",
            "dsg",
            "0.1.0",
        );
        assert!(
            line.starts_with(
                "<108>1 2026-11-18T11:06:40.123Z gw.example dsg - file.download - \
                 CEF:0|dsg|Defense Security Gateway|0.1.0|file.download|"
            ),
            "{line}"
        );
        assert!(line.contains("externalId=0190a8c0-0000-7000-8000-000000000001"));
    }

    #[test]
    fn checkpoint_lines_carry_what_was_signed() {
        let signed = SignedCheckpoint {
            checkpoint: crate::Checkpoint::new("dsg-k1", 42, [0xab; 32], 1_795_000_000_123)
                .unwrap(),
            signature: vec![0x30, 0x01],
        };
        let line = checkpoint_to_syslog(&signed, "gw.example", "dsg");
        assert_eq!(
            line,
            format!(
                "<109>1 2026-11-18T11:06:40.123Z gw.example dsg - checkpoint \
                 [dsgCheckpoint@32473 logId=\"dsg-k1\" treeSize=\"42\" root=\"{}\" \
                 timestamp=\"1795000000123\" signature=\"3001\"] checkpoint 42",
                "ab".repeat(32)
            )
        );
        // A version 2 checkpoint also signs its retention period.
        let v2 = SignedCheckpoint {
            checkpoint: signed.checkpoint.clone().with_retention(400),
            signature: vec![0x30, 0x01],
        };
        assert!(checkpoint_to_syslog(&v2, "gw.example", "dsg")
            .contains("timestamp=\"1795000000123\" retentionDays=\"400\" signature="));
    }

    #[test]
    fn cef_lines_are_escaped_and_complete() {
        let line = to_cef(&event("denied", "x=y|z\nw"), "0.1.0");
        assert!(line.starts_with("CEF:0|dsg|Defense Security Gateway|0.1.0|file.download|file.download denied|7|rt=1795000000123 "), "{line}");
        assert!(line.contains(r"reason=x\=y|z\nw"), "{line}");
        for key in [
            "externalId=0190a8c0",
            "suid=user-1",
            "src=192.0.2.7",
            "cs1=req-1",
            "cs3=file-9@2",
            "outcome=denied",
        ] {
            assert!(line.contains(key), "{key} missing in {line}");
        }
        let anonymous = SiemEvent {
            actor: None,
            source: None,
            terminal: None,
            object_id: None,
            ..event("success", "")
        };
        let line = to_cef(&anonymous, "1|2");
        assert!(
            line.contains("|1\\|2|")
                && !line.contains("suid=")
                && !line.contains("cs3=")
                && !line.contains("cs4="),
            "{line}"
        );
    }
}
