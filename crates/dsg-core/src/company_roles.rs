//! The company's security roles (第5-2(3)) and its protected-system users'
//! written consent (第5-2(2)ア). Which combinations of roles one person may
//! hold, and who designates whom, are rules of the policy point (Cedar,
//! `company-role-separation` and its neighbours); here are the records'
//! shapes and their checks.

use serde::{Deserialize, Serialize};

use crate::entities::string_enum;
use crate::records::record_text;
use crate::{CalendarDate, DomainError};

string_enum!(
    /// A security role of a contractor, designated by its executive.
    CompanyRole {
        /// 経営者等: final authority; designates the roles below.
        Executive => "executive",
        /// 総括者: overall responsibility for protected information.
        GeneralManager => "general-manager",
        /// 管理者: responsible for given information and assets (one
        /// designation per asset).
        Manager => "manager",
        /// 管理責任者: physical security of the handling facilities (the
        /// facility manager), chosen from the managers by the general
        /// manager (第8-1(1)).
        ResponsibleManager => "responsible-manager",
        /// 保護システム管理者: runs the protected system.
        SystemAdmin => "system-admin",
        /// 保護システム担当者: assists the system administrator.
        SystemStaff => "system-staff",
        /// 監査部門: a member of the internal audit department.
        Audit => "audit",
    }
);

impl CompanyRole {
    /// The roles a company under the special clause must have designated
    /// (第5-2(2)イ, 第5-2(3), 第8-1(1), 第13). The system staff only assist
    /// the administrator (第5-2(2)イ(イ)), so a company may have none.
    pub const REQUIRED: &'static [CompanyRole] = &[
        CompanyRole::Executive,
        CompanyRole::GeneralManager,
        CompanyRole::Manager,
        CompanyRole::ResponsibleManager,
        CompanyRole::SystemAdmin,
        CompanyRole::Audit,
    ];

    /// Whether one person may hold all of `held` at once (第5-2(3)エ: one
    /// person one role, except general manager with manager; a responsible
    /// manager is one of the managers, 第8-1(1)). The policy point refuses
    /// a designation that would break this (`company-role-separation`);
    /// the compliance view checks the records against the same rule, so a
    /// designation made before the rule, or imported, still shows.
    pub fn may_be_held_together(held: &[CompanyRole]) -> bool {
        use CompanyRole::{GeneralManager, Manager, ResponsibleManager};
        let has = |r: CompanyRole| held.contains(&r);
        if has(ResponsibleManager) && !has(Manager) {
            return false;
        }
        let within = |allowed: &[CompanyRole]| held.iter().all(|r| allowed.contains(r));
        held.windows(2).all(|w| matches!(w, [a, b] if a == b))
            || within(&[GeneralManager, Manager])
            || within(&[Manager, ResponsibleManager])
    }
}

/// Longest role text (unit, asset), in characters.
pub const MAX_ROLE_TEXT_CHARS: usize = 100;

/// What a designation says beyond the role: the person's unit (所属), the
/// information or asset a manager is responsible for, and the unit an
/// audit member audits. Sealed at rest like the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDetails {
    /// The person's organisational unit.
    pub unit: String,
    /// For a manager: the protected information or asset they answer for.
    #[serde(default)]
    pub asset: Option<String>,
    /// For an audit member: the unit audited.
    #[serde(default)]
    pub audited_unit: Option<String>,
}

impl RoleDetails {
    /// Checks the texts for `role` and returns them normalised: a manager
    /// names an asset, an audit member the unit audited, and no other role
    /// carries either.
    pub fn validate(&self, role: CompanyRole) -> Result<Self, DomainError> {
        let one_line = |field, raw: &str| {
            let text = record_text(field, raw, MAX_ROLE_TEXT_CHARS)?;
            if text.contains('\n') {
                return Err(DomainError::invalid(field, "must be one line"));
            }
            Ok(text)
        };
        let optional = |field, raw: &Option<String>| {
            raw.as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| one_line(field, t))
                .transpose()
        };
        let asset = optional("asset", &self.asset)?;
        let audited_unit = optional("audited_unit", &self.audited_unit)?;
        match (role, asset.is_some(), audited_unit.is_some()) {
            (CompanyRole::Manager, false, _) => {
                return Err(DomainError::invalid(
                    "asset",
                    "a manager answers for an asset",
                ))
            }
            (CompanyRole::Audit, _, false) => {
                return Err(DomainError::invalid(
                    "audited_unit",
                    "an audit member names the unit audited",
                ))
            }
            (CompanyRole::Manager, _, true) | (CompanyRole::Audit, true, _) => {
                return Err(DomainError::invalid(
                    "role",
                    "field does not apply to the role",
                ))
            }
            (r, a, u) if r != CompanyRole::Manager && r != CompanyRole::Audit && (a || u) => {
                return Err(DomainError::invalid(
                    "role",
                    "field does not apply to the role",
                ))
            }
            _ => {}
        }
        Ok(Self {
            unit: one_line("unit", &self.unit)?,
            asset,
            audited_unit,
        })
    }

    /// Whether an audit member comes from outside the unit they audit (the
    /// standard asks for at least one such member, 第13). Units compare
    /// case-insensitively on their normalised text.
    pub fn outside_audited_unit(&self) -> bool {
        self.audited_unit
            .as_deref()
            .is_some_and(|audited| audited.to_lowercase() != self.unit.to_lowercase())
    }
}

/// A protected-system user's written consent (保護システム利用の同意書):
/// the three items the standard lists, each acknowledged, and the day it
/// was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemUseConsent {
    /// The day the written consent was signed, `YYYY-MM-DD`.
    pub signed_on: String,
    /// (ア) the system logged on to is a protected system.
    pub protected_system: bool,
    /// (イ) its use is monitored at all times, logged and audited.
    pub monitored: bool,
    /// (ウ) misuse may bring legal liability.
    pub liability: bool,
}

impl SystemUseConsent {
    /// Checks that all three items were consented to, on a day not after
    /// `today`, and returns the consent with its date canonical.
    pub fn validate(&self, today: CalendarDate) -> Result<Self, DomainError> {
        if !(self.protected_system && self.monitored && self.liability) {
            return Err(DomainError::invalid(
                "consent",
                "all three items must be consented to",
            ));
        }
        let signed = CalendarDate::parse("signed_on", &self.signed_on)?;
        if signed > today {
            return Err(DomainError::invalid(
                "signed_on",
                "must not be in the future",
            ));
        }
        Ok(Self {
            signed_on: signed.to_string(),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CalendarDate {
        CalendarDate::parse("today", "2026-11-29").unwrap()
    }

    #[test]
    fn roles_round_trip_by_name() {
        for &role in CompanyRole::ALL {
            assert_eq!(CompanyRole::parse(role.as_str()).unwrap(), role);
        }
        assert!(CompanyRole::parse("handler").is_err());
    }

    #[test]
    fn only_the_standard_s_combinations_are_held_together() {
        use CompanyRole::*;
        for ok in [
            &[][..],
            &[Executive],
            &[Manager, Manager],
            &[GeneralManager, Manager],
            &[Manager, ResponsibleManager],
            &[Audit, Audit],
        ] {
            assert!(CompanyRole::may_be_held_together(ok), "{ok:?}");
        }
        for forbidden in [
            &[ResponsibleManager][..],
            &[GeneralManager, ResponsibleManager],
            &[GeneralManager, Manager, ResponsibleManager],
            &[Executive, Audit],
            &[SystemAdmin, SystemStaff],
            &[Manager, Audit],
        ] {
            assert!(
                !CompanyRole::may_be_held_together(forbidden),
                "{forbidden:?}"
            );
        }
        assert!(!CompanyRole::REQUIRED.contains(&SystemStaff));
    }

    #[test]
    fn role_details_fit_the_role() {
        let unit = |asset: Option<&str>, audited: Option<&str>| RoleDetails {
            unit: " 設計部 ".into(),
            asset: asset.map(Into::into),
            audited_unit: audited.map(Into::into),
        };
        let ok = unit(Some("設計図面"), None)
            .validate(CompanyRole::Manager)
            .unwrap();
        assert_eq!(ok.unit, "設計部");
        assert!(unit(None, None).validate(CompanyRole::Manager).is_err());
        assert!(unit(None, None).validate(CompanyRole::Audit).is_err());
        assert!(unit(Some("x"), None)
            .validate(CompanyRole::Executive)
            .is_err());
        assert!(unit(None, Some("x"))
            .validate(CompanyRole::SystemAdmin)
            .is_err());
        assert!(unit(Some("x"), Some("y"))
            .validate(CompanyRole::Audit)
            .is_err());
        assert!(unit(None, None)
            .validate(CompanyRole::GeneralManager)
            .is_ok());
        // Blank optional fields count as absent.
        assert!(unit(Some(" "), None)
            .validate(CompanyRole::Executive)
            .is_ok());
        assert!(RoleDetails {
            unit: "a\nb".into(),
            asset: None,
            audited_unit: None
        }
        .validate(CompanyRole::Executive)
        .is_err());
    }

    #[test]
    fn an_audit_member_is_outside_when_the_units_differ() {
        let member = |unit: &str, audited: &str| {
            RoleDetails {
                unit: unit.into(),
                asset: None,
                audited_unit: Some(audited.into()),
            }
            .validate(CompanyRole::Audit)
            .unwrap()
        };
        assert!(member("監査室", "設計部").outside_audited_unit());
        assert!(!member("設計部", " 設計部").outside_audited_unit());
        assert!(!member("Design", "design").outside_audited_unit());
        let executive = RoleDetails {
            unit: "本社".into(),
            asset: None,
            audited_unit: None,
        };
        assert!(!executive.outside_audited_unit());
    }

    #[test]
    fn consent_covers_all_three_items() {
        let consent = SystemUseConsent {
            signed_on: "2026-04-01".into(),
            protected_system: true,
            monitored: true,
            liability: true,
        };
        assert!(consent.validate(today()).is_ok());
        for broken in [
            SystemUseConsent {
                protected_system: false,
                ..consent.clone()
            },
            SystemUseConsent {
                monitored: false,
                ..consent.clone()
            },
            SystemUseConsent {
                liability: false,
                ..consent.clone()
            },
            SystemUseConsent {
                signed_on: "2026-11-30".into(),
                ..consent.clone()
            },
            SystemUseConsent {
                signed_on: "2026/04/01".into(),
                ..consent
            },
        ] {
            assert!(broken.validate(today()).is_err(), "{broken:?}");
        }
    }
}
