//! The text parsers of dsg-core that read request input: names, ids,
//! dates, stable enum names, terminal texts, and the JSON bodies of roster
//! lines, training notes and posture reports.
//!
//! None may panic; every accepted value must be a fixed point (parsing its
//! text form again gives the same value), since the stored form is the
//! parsed one.
#![no_main]

use std::str::FromStr;

use arbitrary::Arbitrary;
use dsg_core::{
    AccountState, AccountStatus, AlertSeverity, AlertStatus, CalendarDate, CompanyId, CompanyKind,
    CompartmentId, ContractId, ContractNumber, Duty, FileId, FileName, FileStatus, MfaMethod,
    PostureReport, Role, RosterDetails, RosterStatus, TerminalId, TerminalStatus, TerminalText,
    TrainingCourse, TrainingNotes, TrainingRecordId, UserId, Username,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Input<'a> {
    Text(&'a str),
    Posture {
        os: String,
        os_version: String,
        disk_encrypted: bool,
        firewall_enabled: bool,
        antivirus_signatures_at: Option<i64>,
        patched_at: Option<i64>,
        now_ms: i64,
    },
    Today(i64, &'a str),
}

macro_rules! fixed_point {
    ($parse:expr, $show:expr, $text:expr) => {
        if let Ok(value) = $parse($text) {
            let shown = $show(&value);
            let shown: &str = shown.as_ref();
            let again = $parse(shown).expect("a parsed value must parse again");
            assert_eq!(value, again);
        }
    };
}

macro_rules! ids {
    ($text:expr, $($id:ty),+) => {
        $(fixed_point!(<$id>::from_str, |v: &$id| v.to_string(), $text);)+
    };
}

macro_rules! enums {
    ($text:expr, $($e:ty),+) => {
        $(fixed_point!(<$e>::parse, |v: &$e| v.as_str(), $text);)+
    };
}

fn text(s: &str) {
    fixed_point!(FileName::parse, |v: &FileName| v.as_str().to_owned(), s);
    fixed_point!(Username::parse, |v: &Username| v.as_str().to_owned(), s);
    fixed_point!(
        ContractNumber::parse,
        |v: &ContractNumber| v.as_str().to_owned(),
        s
    );
    fixed_point!(
        |t| TerminalText::parse("name", t),
        |v: &TerminalText| v.as_str().to_owned(),
        s
    );
    fixed_point!(
        |t| CalendarDate::parse("date", t),
        |v: &CalendarDate| v.to_string(),
        s
    );
    if let Ok(date) = CalendarDate::parse("date", s) {
        // Start of the day and back: the same date, in any time zone a
        // person can be in.
        assert_eq!(CalendarDate::of_unix_ms(date.start_unix_ms()), date);
        let _ = date.start_unix_ms_at(14 * 60);
        let _ = date.start_unix_ms_at(-12 * 60);
    }
    ids!(
        s,
        CompanyId,
        UserId,
        ContractId,
        CompartmentId,
        FileId,
        TerminalId,
        TrainingRecordId
    );
    enums!(
        s,
        CompanyKind,
        Role,
        Duty,
        AccountStatus,
        FileStatus,
        AccountState,
        MfaMethod,
        RosterStatus,
        TrainingCourse,
        TerminalStatus,
        AlertSeverity,
        AlertStatus
    );
    // Request bodies.
    if let Ok(notes) = serde_json::from_str::<TrainingNotes>(s) {
        if let Ok(clean) = notes.validate() {
            assert_eq!(clean.validate().as_ref(), Ok(&clean));
        }
    }
    if let Ok(report) = serde_json::from_str::<PostureReport>(s) {
        let _ = report.validate();
        let _ = report.compliant(0);
        let _ = report.compliant(i64::MAX);
        let _ = report.compliant(i64::MIN);
    }
}

fuzz_target!(|input: Input<'_>| match input {
    Input::Text(s) => text(s),
    Input::Posture {
        os,
        os_version,
        disk_encrypted,
        firewall_enabled,
        antivirus_signatures_at,
        patched_at,
        now_ms,
    } => {
        let report = PostureReport {
            os,
            os_version,
            disk_encrypted,
            firewall_enabled,
            antivirus_signatures_at,
            patched_at,
        };
        let _ = report.validate();
        if report.compliant(now_ms) {
            // Compliant means both dates are reported, not in the future
            // and at most 45 days old.
            for at in [report.antivirus_signatures_at, report.patched_at] {
                let at = at.expect("a compliant report has both dates");
                assert!(at <= now_ms);
                assert!(i128::from(now_ms) - i128::from(at) <= 45 * 86_400_000);
            }
        }
    }
    Input::Today(today_ms, body) => {
        let today = CalendarDate::of_unix_ms(today_ms);
        if let Ok(details) = serde_json::from_str::<RosterDetails>(body) {
            if let Ok(clean) = details.validate(today) {
                assert_eq!(clean.validate(today).as_ref(), Ok(&clean));
            }
        }
    }
});
