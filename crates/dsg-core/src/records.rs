//! The records the standard asks a contractor to keep on its people, as far
//! as the policy point relies on them: the handler roster (取扱者名簿), which
//! the agency must confirm before a handler touches protected information,
//! and the security training records (教育記録), at least once a year.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::entities::string_enum;
use crate::{CalendarDate, DomainError};

string_enum!(
    /// Where a person stands on their company's handler roster.
    RosterStatus {
        /// Entered (or changed) by the company; the agency has not confirmed
        /// it yet. Not enough to reach protected data.
        Submitted => "submitted",
        /// Confirmed by the agency (防衛省による確認).
        Confirmed => "confirmed",
        /// Taken off the roster (left, or changed duties).
        Removed => "removed",
    }
);

string_enum!(
    /// Why a training was held (the standard's occasions).
    TrainingCourse {
        /// The yearly training every handler takes.
        Annual => "annual",
        /// On being newly designated a handler.
        Designation => "designation",
        /// After a change of duties or of the system.
        Change => "change",
        /// Role-specific training (managers, system administrators).
        Role => "role",
    }
);

/// Longest roster or training text field, in characters.
pub const MAX_RECORD_TEXT_CHARS: usize = 100;
/// Longest training notes (topics, instructor), in characters.
pub const MAX_TRAINING_NOTES_CHARS: usize = 1000;

/// Checks one free-text field of a record: trimmed, 1–`max` characters, no
/// control or bidirectional formatting characters.
pub(crate) fn record_text(
    field: &'static str,
    raw: &str,
    max: usize,
) -> Result<String, DomainError> {
    // NFC, as for names elsewhere: the same name typed on two systems (a
    // voiced kana composed or as a base and a combining mark) is stored,
    // compared and exported the same.
    let text: String = raw.trim().nfc().collect();
    let text = text.as_str();
    if text.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(DomainError::invalid(field, "too long"));
    }
    if text.chars().any(|c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }) {
        return Err(DomainError::invalid(
            field,
            "contains a control or bidirectional formatting character",
        ));
    }
    Ok(text.to_owned())
}

/// One person's line on the handler roster: what the standard asks the
/// company to submit (name, date of birth, department, position,
/// nationality) and the date of their signed confidentiality undertaking.
/// Kept sealed (encrypted) at rest; only the company's security
/// administrator and the agency read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterDetails {
    /// Full name (氏名).
    pub full_name: String,
    /// Date of birth (生年月日), `YYYY-MM-DD`.
    pub birth_date: String,
    /// Department (所属).
    pub department: String,
    /// Position (役職).
    pub position: String,
    /// Nationality (国籍).
    pub nationality: String,
    /// When the confidentiality undertaking (誓約書) was signed, `YYYY-MM-DD`.
    pub undertaking_date: String,
}

impl RosterDetails {
    /// Checks every field and returns the normalised entry (trimmed texts,
    /// canonical dates). Dates may not be after `today`.
    pub fn validate(&self, today: CalendarDate) -> Result<Self, DomainError> {
        let birth = CalendarDate::parse("birth_date", &self.birth_date)?;
        let undertaking = CalendarDate::parse("undertaking_date", &self.undertaking_date)?;
        if birth >= today {
            return Err(DomainError::invalid("birth_date", "must be in the past"));
        }
        if undertaking > today {
            return Err(DomainError::invalid(
                "undertaking_date",
                "must not be in the future",
            ));
        }
        if undertaking < birth {
            return Err(DomainError::invalid(
                "undertaking_date",
                "must be after the date of birth",
            ));
        }
        let one_line = |field, raw: &str| {
            let text = record_text(field, raw, MAX_RECORD_TEXT_CHARS)?;
            if text.contains('\n') {
                return Err(DomainError::invalid(field, "must be one line"));
            }
            Ok(text)
        };
        Ok(Self {
            full_name: one_line("full_name", &self.full_name)?,
            birth_date: birth.to_string(),
            department: one_line("department", &self.department)?,
            position: one_line("position", &self.position)?,
            nationality: one_line("nationality", &self.nationality)?,
            undertaking_date: undertaking.to_string(),
        })
    }
}

/// What a training record says beyond its date and course: the topics
/// covered and who gave it. Sealed at rest like the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingNotes {
    /// The topics covered (the standard lists seven) and anything else worth
    /// keeping, free text.
    pub topics: String,
    /// Who gave the training.
    pub instructor: String,
}

impl TrainingNotes {
    /// Checks the texts and returns them trimmed.
    pub fn validate(&self) -> Result<Self, DomainError> {
        // Browsers send a textarea's line breaks as CRLF.
        let topics = self.topics.replace("\r\n", "\n");
        Ok(Self {
            topics: record_text("topics", &topics, MAX_TRAINING_NOTES_CHARS)?,
            instructor: record_text("instructor", &self.instructor, MAX_RECORD_TEXT_CHARS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CalendarDate {
        CalendarDate::parse("today", "2026-11-29").unwrap()
    }

    fn details() -> RosterDetails {
        RosterDetails {
            full_name: " 田中 太郎 ".into(),
            birth_date: "1980-04-01".into(),
            department: "設計部".into(),
            position: "主任".into(),
            nationality: "日本".into(),
            undertaking_date: "2026-04-01".into(),
        }
    }

    #[test]
    fn record_texts_are_stored_composed() {
        let mut decomposed = details();
        // か + combining voiced mark (U+3099), as some systems send が.
        decomposed.full_name = "\u{304b}\u{3099}くと".into();
        let valid = decomposed.validate(today()).unwrap();
        assert_eq!(valid.full_name, "\u{304c}くと");
        let notes = TrainingNotes {
            topics: "か\u{3099}".into(),
            instructor: "x".into(),
        };
        assert_eq!(notes.validate().unwrap().topics, "が");
    }

    #[test]
    fn dates_round_trip_through_unix_time() {
        let date = CalendarDate::parse("d", "2026-11-29").unwrap();
        assert_eq!(date.to_string(), "2026-11-29");
        assert_eq!(date.start_unix_ms(), 1_795_910_400_000);
        // 2026-11-29T00:00+09:00 is 2026-11-28T15:00Z.
        assert_eq!(date.start_unix_ms_at(540), 1_795_910_400_000 - 32_400_000);
        assert_eq!(date.start_unix_ms_at(0), date.start_unix_ms());
        assert_eq!(date.start_unix_ms_at(-300), 1_795_910_400_000 + 18_000_000);
        assert_eq!(
            CalendarDate::of_unix_ms(1_795_910_400_000 + 86_399_999),
            date
        );
        assert_eq!(CalendarDate::of_unix_ms(0).to_string(), "1970-01-01");
        assert!(CalendarDate::parse("d", "2026-02-30").is_err());
        assert!(CalendarDate::parse("d", "1899-12-31").is_err());
        assert!(CalendarDate::parse("d", "29/11/2026").is_err());
    }

    #[test]
    fn roster_details_are_checked_and_trimmed() {
        let ok = details().validate(today()).unwrap();
        assert_eq!(ok.full_name, "田中 太郎");
        for broken in [
            RosterDetails {
                birth_date: "2027-01-01".into(),
                ..details()
            },
            RosterDetails {
                undertaking_date: "2026-11-30".into(),
                ..details()
            },
            RosterDetails {
                undertaking_date: "1979-01-01".into(),
                ..details()
            },
            RosterDetails {
                full_name: "  ".into(),
                ..details()
            },
            RosterDetails {
                department: "a\nb".into(),
                ..details()
            },
            RosterDetails {
                position: "x".repeat(101),
                ..details()
            },
            RosterDetails {
                nationality: "a\u{202e}b".into(),
                ..details()
            },
        ] {
            assert!(broken.validate(today()).is_err(), "{broken:?}");
        }
    }

    #[test]
    fn training_notes_are_checked() {
        let notes = TrainingNotes {
            topics: "1. 重要性\n2. 必要最小限".into(),
            instructor: "保護システム管理者".into(),
        };
        assert!(notes.validate().is_ok());
        let crlf = TrainingNotes {
            topics: "1. 重要性\r\n2. 必要最小限".into(),
            ..notes.clone()
        };
        assert_eq!(crlf.validate().unwrap().topics, "1. 重要性\n2. 必要最小限");
        assert!(TrainingNotes {
            topics: "a\rb".into(),
            ..notes.clone()
        }
        .validate()
        .is_err());
        assert!(TrainingNotes {
            instructor: String::new(),
            ..notes.clone()
        }
        .validate()
        .is_err());
        assert!(TrainingNotes {
            topics: "x".repeat(1001),
            ..notes
        }
        .validate()
        .is_err());
    }
}
