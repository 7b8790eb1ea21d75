//! The compliance view's domain: the catalogue of the standard's
//! requirements (第4–第14 item by item, and the guideline items the gateway
//! gives evidence for), shipped as versioned data (`catalogue.toml`), and
//! the evidence rules that turn a company's facts into a status per
//! requirement (`rules.rs`). Pure: the facts are gathered by the store, the
//! rules only read them.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::entities::string_enum;
use crate::DomainError;

mod rules;

pub use rules::{
    evaluate, AttestationFact, Cause, CauseKind, CompanyEvaluation, CompanyFacts,
    DisposalCandidateFact, DisposalFact, GatewayFacts, PersonFact, Reason, RequirementStatus,
    RoleFact, Status, DISPOSAL_CANDIDATE_DAYS, DISPOSAL_CHECK_DAYS, DUE_SOON_DAYS,
    LOG_VERIFIED_WITHIN_MS, TRAINING_VALID_DAYS,
};

/// The catalogue as shipped with this build.
const CATALOGUE_TOML: &str = include_str!("catalogue.toml");

string_enum!(
    /// How a requirement is evidenced: a rule the gateway evaluates over its
    /// own records, or an attestation by a named person for what it cannot
    /// see.
    Rule {
        /// 第5-2(1): every active handler has a confirmed roster line.
        RosterConfirmed => "roster-confirmed",
        /// 第7-1: every active handler trained within the year.
        TrainingYearly => "training-yearly",
        /// Guideline ch. 6: every active account has a passkey (user
        /// verification is required at every passkey sign-in).
        PasskeyUv => "passkey-uv",
        /// Guideline ch. 9: the audit log verified within 24 hours.
        AuditLogVerified => "audit-log-verified",
        /// 第6-6: every disposal checked by another person; no file left
        /// marked for disposal too long.
        DisposalChecked => "disposal-checked",
        /// 第5-2(2): protected-system users' written consent. Bound to the
        /// consent records once they exist; attested until then.
        UserConsent => "user-consent",
        /// 第5-2(3): the company's roles and their separation of duties.
        /// Bound to the role records once they exist; attested until then.
        RoleSeparation => "role-separation",
        /// Nothing the gateway can see: a named person attests it.
        Attestation => "attestation",
    }
);

string_enum!(
    /// A column of the agency's table: a chapter of the standard, or of the
    /// system-security guideline (`G6`, `G9`).
    Chapter {
        /// 第4 情報セキュリティ基本方針等.
        S4 => "4",
        /// 第5 組織のセキュリティ.
        S5 => "5",
        /// 第6 保護すべき情報の管理.
        S6 => "6",
        /// 第7 教育及び訓練.
        S7 => "7",
        /// 第8 物理的及び環境的セキュリティ.
        S8 => "8",
        /// 第9 保護システムについての管理策.
        S9 => "9",
        /// 第10 事故等への対応.
        S10 => "10",
        /// 第11 事故等発生時の対応.
        S11 => "11",
        /// 第12 リスク査定.
        S12 => "12",
        /// 第13 セキュリティ監査.
        S13 => "13",
        /// 第14 防衛省による監査.
        S14 => "14",
        /// The system-security guideline, chapter 6 (identification and
        /// authentication).
        G6 => "G6",
        /// The system-security guideline, chapter 9 (system logs).
        G9 => "G9",
    }
);

impl Chapter {
    /// The chapter's short heading, Japanese.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::S4 => "第4 基本方針等",
            Self::S5 => "第5 組織",
            Self::S6 => "第6 情報の管理",
            Self::S7 => "第7 教育",
            Self::S8 => "第8 物理的",
            Self::S9 => "第9 保護システム",
            Self::S10 => "第10 事故への備え",
            Self::S11 => "第11 事故対応",
            Self::S12 => "第12 リスク査定",
            Self::S13 => "第13 監査",
            Self::S14 => "第14 防衛省監査",
            Self::G6 => "指針6 識別・認証",
            Self::G9 => "指針9 ログ",
        }
    }

    /// The chapter's short heading, English.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::S4 => "4 Policies",
            Self::S5 => "5 Organisation",
            Self::S6 => "6 Protected information",
            Self::S7 => "7 Training",
            Self::S8 => "8 Physical",
            Self::S9 => "9 Protected systems",
            Self::S10 => "10 Incident readiness",
            Self::S11 => "11 Incidents",
            Self::S12 => "12 Risk assessment",
            Self::S13 => "13 Security audit",
            Self::S14 => "14 Ministry audit",
            Self::G6 => "G6 Authentication",
            Self::G9 => "G9 System logs",
        }
    }
}

/// One requirement of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Stable id (`5-2-1`: 第5, item 2, sub-item (1); `G6-1`: guideline).
    pub id: String,
    /// The chapter it belongs to.
    pub chapter: Chapter,
    /// Short summary, Japanese.
    pub ja: String,
    /// Short summary, English.
    pub en: String,
    /// How it is evidenced.
    pub rule: Rule,
}

/// The catalogue: its version and its requirements, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// Recorded with each evaluation and snapshot.
    pub version: String,
    /// Every requirement, in the standard's order.
    pub requirements: Vec<Requirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    version: String,
    requirement: Vec<RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    chapter: String,
    ja: String,
    en: String,
    rule: String,
}

impl Catalogue {
    /// Parses a catalogue: every chapter and rule known, ids unique and
    /// well-formed, summaries present.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let raw: RawCatalogue = toml::from_str(text)
            .map_err(|_| DomainError::invalid("catalogue", "not a valid catalogue document"))?;
        if raw.version.trim().is_empty() {
            return Err(DomainError::invalid("catalogue", "no version"));
        }
        let mut requirements: Vec<Requirement> = Vec::with_capacity(raw.requirement.len());
        for r in raw.requirement {
            let chapter = Chapter::parse(&r.chapter)?;
            if !r.id.starts_with(&format!("{}-", chapter.as_str()))
                || !r.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(DomainError::invalid(
                    "catalogue",
                    "an id must start with its chapter",
                ));
            }
            if requirements.iter().any(|q| q.id == r.id) {
                return Err(DomainError::invalid("catalogue", "duplicate id"));
            }
            if r.ja.trim().is_empty() || r.en.trim().is_empty() {
                return Err(DomainError::invalid("catalogue", "empty summary"));
            }
            requirements.push(Requirement {
                id: r.id,
                chapter,
                ja: r.ja,
                en: r.en,
                rule: Rule::parse(&r.rule)?,
            });
        }
        Ok(Self {
            version: raw.version,
            requirements,
        })
    }

    /// The catalogue shipped with this build, parsed once.
    pub fn shipped() -> Result<&'static Self, DomainError> {
        static SHIPPED: OnceLock<Result<Catalogue, DomainError>> = OnceLock::new();
        SHIPPED
            .get_or_init(|| Self::parse(CATALOGUE_TOML))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The requirement with this id.
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The catalogue with no requirement (the benchmark's baseline).
    pub fn empty(version: &str) -> Self {
        Self {
            version: version.to_owned(),
            requirements: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_parses_with_unique_ids() {
        let c = Catalogue::shipped().unwrap();
        assert!(!c.version.is_empty());
        let mut ids: Vec<&str> = c.requirements.iter().map(|r| r.id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "ids are unique");
        // Every chapter of the standard (第4–第14) and both guideline
        // chapters have at least one item.
        for chapter in Chapter::ALL {
            assert!(
                c.requirements.iter().any(|r| r.chapter == *chapter),
                "{chapter:?}"
            );
        }
        // The rules the gateway evaluates itself are bound where the
        // issue names them.
        for (id, rule) in [
            ("5-2-1", Rule::RosterConfirmed),
            ("5-2-2", Rule::UserConsent),
            ("5-2-3", Rule::RoleSeparation),
            ("6-6", Rule::DisposalChecked),
            ("7-1", Rule::TrainingYearly),
            ("G6-1", Rule::PasskeyUv),
            ("G9-1", Rule::AuditLogVerified),
        ] {
            assert_eq!(c.requirement(id).map(|r| r.rule), Some(rule), "{id}");
        }
    }

    #[test]
    fn a_broken_catalogue_is_refused() {
        let one = |id: &str, chapter: &str, rule: &str| {
            format!(
                "[[requirement]]\nid = \"{id}\"\nchapter = \"{chapter}\"\nja = \"あ\"\nen = \"a\"\nrule = \"{rule}\"\n"
            )
        };
        let ok = format!("version = \"1\"\n{}", one("4-1", "4", "attestation"));
        assert!(Catalogue::parse(&ok).is_ok());
        for broken in [
            format!(
                "version = \"1\"\n{}{}",
                one("4-1", "4", "attestation"),
                one("4-1", "4", "attestation")
            ),
            format!("version = \"1\"\n{}", one("5-1", "4", "attestation")),
            format!("version = \"1\"\n{}", one("4-1", "15", "attestation")),
            format!("version = \"1\"\n{}", one("4-1", "4", "magic")),
            format!("version = \"\"\n{}", one("4-1", "4", "attestation")),
            format!("version = \"1\"\n{}", one("4-1 <b>", "4", "attestation")),
            "version = \"1\"\nrequirement = []\nextra = 1\n".to_owned(),
        ] {
            assert!(Catalogue::parse(&broken).is_err(), "{broken}");
        }
    }
}
