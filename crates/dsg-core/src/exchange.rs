//! The two ways protected information travels through a compartment: the
//! agency provides (仕様書, 図面 for the work), the company submits
//! (成果物, test data). The direction is a fact of who put the file there,
//! never something a person declares. And its end: disposal, recorded by
//! who performed it and confirmed by another person.

use crate::entities::string_enum;
use crate::{CompanyKind, DomainError};

string_enum!(
    /// Which way a file travelled.
    FileDirection {
        /// From the agency to the company (提供).
        Provided => "provided",
        /// From the company to the agency (提出).
        Submitted => "submitted",
    }
);

impl FileDirection {
    /// The direction of a file put in a compartment by someone of a company
    /// of `kind`: the agency's staff provide, the contractor's submit.
    pub fn of_uploader(kind: CompanyKind) -> Self {
        match kind {
            CompanyKind::Agency => Self::Provided,
            CompanyKind::Contractor => Self::Submitted,
        }
    }
}

string_enum!(
    /// What becomes of a provided file when the contract ends (第6-7).
    EndInstruction {
        /// Returned to the agency (返却).
        Return => "return",
        /// Destroyed, with a disposal record (廃棄).
        Destroy => "destroy",
    }
);

impl EndInstruction {
    /// Whether a file of `direction` may carry this instruction: only
    /// provided files. What the company submits is the agency's to keep; it
    /// is not handed back to the company at the end.
    pub fn check_for(self, direction: FileDirection) -> Result<(), DomainError> {
        match direction {
            FileDirection::Provided => Ok(()),
            FileDirection::Submitted => Err(DomainError::refused(
                "only a provided file carries an instruction for the contract's end",
            )),
        }
    }
}

string_enum!(
    /// How protected information was disposed of (第6-6).
    DisposalMethod {
        /// Deleted, with its data key destroyed (crypto-shredding): what
        /// disposes of a file in a compartment.
        CryptoShred => "crypto_shred",
        /// Paper shredded (裁断).
        Shredding => "shredding",
        /// Media or equipment physically destroyed (物理的破壊).
        PhysicalDestruction => "physical_destruction",
        /// Media wiped for re-use, with a check that nothing is recoverable.
        Wipe => "wipe",
    }
);

impl DisposalMethod {
    /// Whether a file version kept in a compartment can be disposed of
    /// this way: only by destroying its key (the gateway holds no paper
    /// and no medium of its own to shred).
    pub fn check_for_stored_file(self) -> Result<(), DomainError> {
        match self {
            Self::CryptoShred => Ok(()),
            Self::Shredding | Self::PhysicalDestruction | Self::Wipe => Err(DomainError::refused(
                "a stored file is disposed of by destroying its key",
            )),
        }
    }
}

/// Where a disposal was carried out (処分場所): a short line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisposalPlace(String);

impl DisposalPlace {
    /// The longest place accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a place: not blank, at most [`Self::MAX_CHARS`] characters,
    /// no control characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let text = raw.trim();
        if text.is_empty()
            || text.chars().count() > Self::MAX_CHARS
            || text.chars().any(char::is_control)
        {
            return Err(DomainError::invalid(
                "place",
                "at most 200 characters, no control characters",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The place as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `checker` may confirm a disposal `performer` carried out: never
/// the same person (第6-6: 処分者とは別の確認者). The policy point decides
/// it too (`disposal-checker-not-performer`); this is the rule as data.
pub fn check_disposal_checker<T: PartialEq>(performer: &T, checker: &T) -> Result<(), DomainError> {
    if performer == checker {
        return Err(DomainError::refused(
            "the checker of a disposal must be another person than who performed it",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_direction_follows_the_uploaders_side() {
        assert_eq!(
            FileDirection::of_uploader(CompanyKind::Agency),
            FileDirection::Provided
        );
        assert_eq!(
            FileDirection::of_uploader(CompanyKind::Contractor),
            FileDirection::Submitted
        );
    }

    #[test]
    fn only_provided_files_carry_an_end_instruction() {
        for instruction in [EndInstruction::Return, EndInstruction::Destroy] {
            assert!(instruction.check_for(FileDirection::Provided).is_ok());
            assert!(instruction.check_for(FileDirection::Submitted).is_err());
        }
    }

    #[test]
    fn a_stored_file_is_disposed_of_only_by_crypto_shredding() {
        assert!(DisposalMethod::CryptoShred.check_for_stored_file().is_ok());
        for other in [
            DisposalMethod::Shredding,
            DisposalMethod::PhysicalDestruction,
            DisposalMethod::Wipe,
        ] {
            assert!(other.check_for_stored_file().is_err());
        }
    }

    #[test]
    fn places_are_short_plain_lines() {
        assert_eq!(
            DisposalPlace::parse(" 本社 第2保管室 ").unwrap().as_str(),
            "本社 第2保管室"
        );
        assert!(DisposalPlace::parse("").is_err());
        assert!(DisposalPlace::parse("  ").is_err());
        assert!(DisposalPlace::parse("a\nb").is_err());
        assert!(DisposalPlace::parse("a\u{0}b").is_err());
        assert!(DisposalPlace::parse(&"あ".repeat(201)).is_err());
        assert!(DisposalPlace::parse(&"あ".repeat(200)).is_ok());
    }

    #[test]
    fn nobody_checks_their_own_disposal() {
        assert!(check_disposal_checker(&1, &1).is_err());
        assert!(check_disposal_checker(&1, &2).is_ok());
    }

    #[test]
    fn stored_names_never_change() {
        assert_eq!(FileDirection::Provided.as_str(), "provided");
        assert_eq!(FileDirection::Submitted.as_str(), "submitted");
        assert_eq!(
            EndInstruction::parse("return").ok(),
            Some(EndInstruction::Return)
        );
        assert_eq!(
            EndInstruction::parse("destroy").ok(),
            Some(EndInstruction::Destroy)
        );
        assert!(EndInstruction::parse("keep").is_err());
        assert_eq!(
            DisposalMethod::parse("crypto_shred").ok(),
            Some(DisposalMethod::CryptoShred)
        );
    }
}
