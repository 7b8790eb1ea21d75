//! Shared test helpers.
#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "each test binary uses a different subset; test helpers may fail loudly"
)]

use std::time::Duration as StdDuration;

use dsg_pki::{TerminalCa, TerminalSubject};
use rustls::pki_types::UnixTime;
use time::{Duration, OffsetDateTime};

/// Certificates are issued and checked at the machine's time here: the
/// handshakes run against rustls, which reads the real clock too.
#[allow(
    clippy::disallowed_methods,
    reason = "rustls checks validity against the real clock in these handshakes"
)]
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub(crate) fn unix(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(StdDuration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap(),
    ))
}

/// A CA valid from ten years ago to ten years ahead.
pub(crate) fn ca(name: &str) -> TerminalCa {
    let n = now();
    TerminalCa::generate(name, n - Duration::days(3650), n + Duration::days(3650)).unwrap()
}

pub(crate) fn subject() -> TerminalSubject {
    TerminalSubject {
        terminal_id: "0191d0c4-7e7a-7b1e-9c3a-2f4b5d6e7f80".into(),
        company_id: "company-42".into(),
        label: "Workstation Lab 3".into(),
    }
}

/// One year, starting an hour ago.
pub(crate) fn validity() -> (OffsetDateTime, OffsetDateTime) {
    let n = now();
    (n - Duration::hours(1), n + Duration::days(365))
}
