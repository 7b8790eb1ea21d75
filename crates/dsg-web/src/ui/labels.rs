//! What people read for the domain's codes: every stored state, role and
//! outcome has a label in both languages, so a page never shows `member`,
//! `quarantined` or `denied` in the Japanese UI. The code stays in the
//! page as a `data-` attribute where tests and scripts need it.

use dsg_core::{
    AccountState, AccountStatus, CompanyKind, MfaMethod, Outcome, Role, TerminalStatus,
};

use super::Lang;

/// A code's label in the chosen language.
pub trait Label: Copy {
    /// Japanese and English.
    fn texts(self) -> (&'static str, &'static str);

    /// In `lang`.
    fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = self.texts();
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

impl Label for Role {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Operator => ("運用管理者", "Operator"),
            Self::Member => ("利用者", "Member"),
        }
    }
}

impl Label for CompanyKind {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Agency => ("防衛省（発注機関）", "Agency"),
            Self::Contractor => ("契約企業", "Contractor"),
        }
    }
}

impl Label for AccountStatus {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Active => ("有効", "Active"),
            Self::Disabled => ("無効", "Disabled"),
            Self::Locked => ("ロック中", "Locked"),
        }
    }
}

impl Label for AccountState {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Pending => ("初回設定待ち", "Pending enrolment"),
            Self::Active => ("有効", "Active"),
            Self::Locked => ("ロック中", "Locked"),
            Self::Disabled => ("無効", "Disabled"),
            Self::Expired => ("有効期限切れ", "Expired"),
        }
    }
}

impl Label for TerminalStatus {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Active => ("利用中", "Active"),
            Self::Quarantined => ("隔離中", "Quarantined"),
            Self::Revoked => ("登録取消済み", "Revoked"),
        }
    }
}

impl Label for MfaMethod {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::None => ("パスワードのみ", "Password only"),
            Self::Webauthn => ("生体認証（パスキー）", "Biometric (passkey)"),
            Self::Totp => ("ワンタイムコード", "One-time code"),
            Self::Recovery => ("リカバリーコード", "Recovery code"),
        }
    }
}

impl Label for Outcome {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Success => ("成功", "Success"),
            Self::Denied => ("拒否", "Denied"),
            Self::Failure => ("失敗", "Failed"),
        }
    }
}

/// The label of a stored outcome name (audit entries carry it as text);
/// an unknown name shows as it is.
pub fn outcome_label(name: &str, lang: Lang) -> String {
    [Outcome::Success, Outcome::Denied, Outcome::Failure]
        .into_iter()
        .find(|o| o.as_str() == name)
        .map_or_else(|| name.to_owned(), |o| o.label(lang).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every label differs between the languages and within its set, so a
    /// copied line cannot hide a missing translation.
    #[test]
    fn labels_are_distinct_and_translated() {
        fn check<L: Label>(all: &[L]) {
            let mut seen = std::collections::HashSet::new();
            for l in all {
                let (ja, en) = l.texts();
                assert_ne!(ja, en);
                assert!(!ja.is_ascii(), "{en} has no Japanese label");
                assert!(seen.insert(ja), "{ja} twice");
            }
        }
        check(&[Role::Operator, Role::Member]);
        check(&[CompanyKind::Agency, CompanyKind::Contractor]);
        check(&[
            AccountStatus::Active,
            AccountStatus::Disabled,
            AccountStatus::Locked,
        ]);
        check(&[
            AccountState::Pending,
            AccountState::Active,
            AccountState::Locked,
            AccountState::Disabled,
            AccountState::Expired,
        ]);
        check(&[
            TerminalStatus::Active,
            TerminalStatus::Quarantined,
            TerminalStatus::Revoked,
        ]);
        check(&[
            MfaMethod::None,
            MfaMethod::Webauthn,
            MfaMethod::Totp,
            MfaMethod::Recovery,
        ]);
        check(&[Outcome::Success, Outcome::Denied, Outcome::Failure]);
        assert_eq!(outcome_label("denied", Lang::Ja), "拒否");
        assert_eq!(outcome_label("odd", Lang::En), "odd");
    }
}
