//! What people read for the domain's codes: every stored state, role and
//! outcome has a label in both languages, so a page never shows `member`,
//! `quarantined` or `denied` in the Japanese UI. The code stays in the
//! page as a `data-` attribute where tests and scripts need it.

use dsg_core::{
    AccountState, AccountStatus, AuditAction, CompanyKind, MfaMethod, Outcome, Role, TerminalStatus,
};

use super::layout::{badge, Tone};
use super::{Lang, Text};

/// A code's label in the chosen language.
pub(super) trait Label: Copy {
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

impl Label for AuditAction {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Login => ("ログイン", "Log in"),
            Self::Logout => ("ログアウト", "Log out"),
            Self::Unauthenticated => ("未認証のアクセス", "Unauthenticated request"),
            Self::CompanyCreate => ("企業の登録", "Company registered"),
            Self::UserCreate => ("アカウントの登録", "Account registered"),
            Self::ContractCreate => ("契約の登録", "Contract registered"),
            Self::CompartmentOpen => ("区画の開設", "Compartment opened"),
            Self::HandlerDesignate => ("取扱者の指定", "Handler designated"),
            Self::HandlerRemove => ("取扱者の指定解除", "Handler designation removed"),
            Self::AdminView => ("管理画面の閲覧", "Administration viewed"),
            Self::FileList => ("ファイル一覧の閲覧", "Files listed"),
            Self::FileUpload => ("ファイルのアップロード", "File uploaded"),
            Self::FileVersionUpload => ("新しい版のアップロード", "New version uploaded"),
            Self::FileVersions => ("版の一覧の閲覧", "Versions listed"),
            Self::FileDownload => ("ファイルのダウンロード", "File downloaded"),
            Self::FileDelete => ("ファイルの削除", "File deleted"),
            Self::GatewayStart => ("ゲートウェイの起動", "Gateway started"),
            Self::Bootstrap => ("初期設定", "Gateway bootstrapped"),
            Self::EnrolmentIssue => ("初回設定リンクの発行", "Enrolment link issued"),
            Self::PasswordSet => ("パスワードの設定", "Password set"),
            Self::SecondFactor => ("第二要素の認証", "Second factor"),
            Self::StepUp => ("再認証", "Step-up authentication"),
            Self::AuthenticatorAdd => ("認証器の追加", "Authenticator added"),
            Self::AuthenticatorRemove => ("認証器の削除", "Authenticator removed"),
            Self::RecoveryCodesIssue => ("リカバリーコードの発行", "Recovery codes issued"),
            Self::RecoveryCodeUse => ("リカバリーコードの使用", "Recovery code used"),
            Self::SessionRevoke => ("セッションの終了", "Session ended"),
            Self::AccountLockout => ("アカウントのロック", "Account locked"),
            Self::AccountUnlock => ("ロックの解除", "Account unlocked"),
            Self::AccountDisable => ("アカウントの無効化", "Account disabled"),
            Self::AccountEnable => ("アカウントの有効化", "Account enabled"),
            Self::AuthenticatorResetRequest => {
                ("認証器リセットの申請", "Authenticator reset requested")
            }
            Self::AuthenticatorResetApprove => {
                ("認証器リセットの承認", "Authenticator reset approved")
            }
            Self::TerminalRegister => ("端末の登録", "Terminal registered"),
            Self::TerminalCertificateIssue => ("端末証明書の発行", "Terminal certificate issued"),
            Self::TerminalQuarantine => ("端末の隔離", "Terminal quarantined"),
            Self::TerminalRelease => ("端末の隔離解除", "Terminal released"),
            Self::TerminalRevoke => ("端末の登録取消", "Terminal revoked"),
            Self::ConnectionRefused => ("接続の拒否", "Connection refused"),
            Self::SessionTerminalMismatch => (
                "セッションと端末の不一致",
                "Session used from another terminal",
            ),
            Self::AccessReview => ("アクセス権の確認", "Access reviewed"),
            Self::PolicyPropose => ("ポリシーの提案", "Policy proposed"),
            Self::PolicyApprove => ("ポリシーの承認", "Policy approved"),
            Self::PolicyReject => ("ポリシーの却下", "Policy rejected"),
            Self::PolicyRollback => ("ポリシーの差し戻し", "Policy rolled back"),
            Self::DutyGrant => ("職務の付与", "Duty granted"),
            Self::DutyRevoke => ("職務の解除", "Duty revoked"),
            Self::AuditRead => ("監査ログの閲覧", "Audit log read"),
            Self::AuditExtract => ("監査ログ抜粋の出力", "Audit extract downloaded"),
            Self::CompanyLogHead => ("企業別ログの先頭記録", "Company log head"),
            Self::AuditExpire => ("監査記録の保存期間満了", "Audit content expired"),
            Self::TerminalPostureReport => ("端末の状態報告", "Terminal posture reported"),
            Self::AlertView => ("アラートの閲覧", "Alerts viewed"),
            Self::AlertAcknowledge => ("アラートの確認", "Alert acknowledged"),
            Self::AlertClose => ("アラートの完了", "Alert closed"),
            Self::RosterSubmit => ("名簿への記載", "Roster line entered"),
            Self::RosterConfirm => ("名簿の確認", "Roster line confirmed"),
            Self::RosterRemove => ("名簿からの削除", "Taken off the roster"),
            Self::TrainingRecord => ("教育の記録", "Training recorded"),
            Self::RecordsView => ("記録の閲覧", "Records viewed"),
            Self::RecordsExport => ("記録の出力", "Records exported"),
            Self::RequestFault => ("要求処理中の障害", "Request fault"),
            Self::FileIntegrityFailure => ("ファイルの完全性異常", "File integrity failure"),
            Self::AuditConsistencyFailure => ("監査ログの整合性異常", "Audit log inconsistency"),
            Self::StorageScrub => ("保存データの検査", "Storage scrubbed"),
            Self::FileNamesSeal => ("ファイル名の暗号化", "File names sealed"),
            Self::ApplicationFile => ("申請の提出", "Application filed"),
            Self::ApplicationView => ("申請の閲覧", "Applications viewed"),
            Self::ApplicationApprove => ("申請の承認", "Application approved"),
            Self::ApplicationReturn => ("申請の差し戻し", "Application returned"),
            Self::ApplicationReject => ("申請の却下", "Application rejected"),
            Self::ApplicationResubmit => ("申請の再提出", "Application resubmitted"),
            Self::ApplicationWithdraw => ("申請の取り下げ", "Application withdrawn"),
            Self::SoftwareListView => ("ソフトウェアリストの閲覧", "Software lists viewed"),
            Self::SoftwareListChange => ("ソフトウェアリストの改定", "Software lists changed"),
            Self::ParticipantDesignate => ("官側参加者の指定", "Agency participant designated"),
            Self::ParticipantRemove => (
                "官側参加者の指定解除",
                "Agency participant designation removed",
            ),
            Self::DisposalView => ("廃棄待ちファイルの閲覧", "Files awaiting disposal viewed"),
            Self::DisposalRecord => ("廃棄の記録", "Disposal recorded"),
            Self::DisposalConfirm => (
                "廃棄の確認（鍵の破棄）",
                "Disposal confirmed (key destroyed)",
            ),
            Self::ApplicationStep => ("申請の手続完了", "Application step completed"),
            Self::ApplicationScheduleAdjust => {
                ("申請スケジュールの調整", "Application schedule adjusted")
            }
            Self::ComplianceView => ("遵守状況の閲覧", "Compliance view read"),
            Self::ComplianceSnapshot => ("遵守状況の日次記録", "Daily compliance snapshot"),
            Self::ComplianceAttest => ("要求事項の証跡の登録", "Requirement attested"),
            Self::ConsentRecord => ("保護システム利用の同意の記録", "Consent recorded"),
            Self::ConsentWithdraw => ("保護システム利用の同意の取消", "Consent withdrawn"),
            Self::RoleDesignate => ("役割の指定", "Role designated"),
            Self::RoleRevoke => ("役割の指定の解除", "Role withdrawn"),
            Self::CompanyRename => ("企業名の変更", "Company renamed"),
            Self::LedgerView => ("目録の閲覧", "Inventory viewed"),
            Self::LedgerEntry => ("目録への記入", "Inventory entry made"),
            Self::LedgerPermit => ("持出し・送付の許可", "Carrying out or sending permitted"),
            Self::LedgerCheck => ("返却・廃棄の確認", "Return or disposal checked"),
            Self::BackupCreate => ("バックアップの取得", "Backup taken"),
            Self::BackupRestoreTest => ("バックアップの復元試験", "Backup restore tested"),
            Self::TicketFile => ("問合せの登録", "Ticket filed"),
            Self::TicketView => ("問合せの閲覧", "Ticket viewed"),
            Self::TicketStep => ("問合せの対応", "Ticket step taken"),
            Self::ContractEndView => ("契約終了の閲覧", "Contract end viewed"),
            Self::KeepingRequest => ("保管延長の申請", "Extension of keeping requested"),
            Self::KeepingApprove => ("保管延長の承認", "Extension of keeping approved"),
            Self::KeepingRefuse => ("保管延長の却下", "Extension of keeping refused"),
            Self::CompartmentCloseProposal => ("区画閉鎖の提案", "Compartment closing proposed"),
            Self::CompartmentClose => (
                "区画の閉鎖（鍵の破棄）",
                "Compartment closed (key destroyed)",
            ),
            Self::AccountExpire => (
                "契約終了によるアカウント失効",
                "Account expired with its contract",
            ),
        }
    }
}

/// The families of actions a search may ask for (`auth.` and so on), each
/// with its label; a family is the part of an action's name before its
/// first dot.
pub(super) const ACTION_FAMILIES: [(&str, &str, &str); 33] = [
    ("auth.", "認証", "Authentication"),
    ("account.", "アカウント管理", "Account management"),
    ("file.", "ファイル", "Files"),
    ("handler.", "取扱者", "Handlers"),
    ("terminal.", "端末", "Terminals"),
    ("connection.", "接続", "Connections"),
    ("policy.", "ポリシー", "Policies"),
    ("duty.", "職務", "Duties"),
    ("audit.", "監査ログ", "Audit log"),
    ("alert.", "アラート", "Alerts"),
    ("roster.", "取扱者名簿", "Roster"),
    ("training.", "教育", "Training"),
    ("records.", "記録", "Records"),
    ("company.", "企業", "Companies"),
    ("user.", "アカウント登録", "Accounts"),
    ("contract.", "契約", "Contracts"),
    ("compartment.", "区画", "Compartments"),
    ("gateway.", "ゲートウェイ", "Gateway"),
    ("storage.", "保存データ", "Storage"),
    ("request.", "要求処理", "Requests"),
    ("access.", "アクセス権の確認", "Access reviews"),
    ("admin.", "管理画面", "Administration"),
    ("application.", "申請", "Applications"),
    ("software_list.", "ソフトウェアリスト", "Software lists"),
    ("participant.", "官側参加者", "Agency participants"),
    ("disposal.", "廃棄", "Disposal"),
    ("compliance.", "遵守状況", "Compliance"),
    ("consent.", "保護システム利用の同意", "System-use consent"),
    ("role.", "役割の指定", "Company roles"),
    ("ledger.", "目録", "Inventory"),
    ("backup.", "バックアップ", "Backups"),
    ("ticket.", "問合せ", "Help desk"),
    ("contract_end.", "契約の終了", "Contract end"),
];

/// The label of a stored action name; an unknown name shows as it is.
pub(super) fn action_label(name: &str, lang: Lang) -> String {
    AuditAction::parse(name).map_or_else(|| name.to_owned(), |a| a.label(lang).to_owned())
}

/// The label of a stored outcome name (audit entries carry it as text);
/// an unknown name shows as it is.
pub(super) fn outcome_label(name: &str, lang: Lang) -> String {
    [Outcome::Success, Outcome::Denied, Outcome::Failure]
        .into_iter()
        .find(|o| o.as_str() == name)
        .map_or_else(|| name.to_owned(), |o| o.label(lang).to_owned())
}

/// An audit outcome as a labelled badge.
pub(super) fn outcome_badge(name: &str, lang: Lang) -> maud::Markup {
    let tone = match name {
        "success" => Tone::Success,
        "denied" => Tone::Danger,
        "failure" => Tone::Warning,
        _ => Tone::Neutral,
    };
    badge(tone, &outcome_label(name, lang))
}

/// An account's state as a labelled badge.
pub(super) fn account_state_badge(state: AccountState, lang: Lang) -> maud::Markup {
    let tone = match state {
        AccountState::Active => Tone::Success,
        AccountState::Pending => Tone::Info,
        AccountState::Locked => Tone::Warning,
        AccountState::Disabled | AccountState::Expired => Tone::Danger,
    };
    badge(tone, state.label(lang))
}

/// A policy version's status (`active`, `proposed`, `retired`,
/// `rejected`) as a labelled badge; an unknown one shows as it is.
pub(super) fn policy_status_badge(status: &str, lang: Lang) -> maud::Markup {
    let (tone, text) = match status {
        "active" => (Tone::Success, Text::PolicyActive),
        "proposed" => (Tone::Info, Text::PolicyProposed),
        "retired" => (Tone::Neutral, Text::PolicyRetired),
        "rejected" => (Tone::Danger, Text::PolicyRejected),
        other => return badge(Tone::Neutral, other),
    };
    badge(tone, lang.t(text))
}

/// Where a policy version came from (`shipped`, `proposed`, `rollback`).
pub(super) fn policy_origin_label(origin: &str, lang: Lang) -> String {
    let text = match origin {
        "shipped" => Text::PolicyShipped,
        "proposed" => Text::PolicyByProposal,
        "rollback" => Text::PolicyByRollback,
        other => return other.to_owned(),
    };
    lang.t(text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action belongs to a family the search offers, and each family
    /// has an action (or it would offer a choice that finds nothing).
    #[test]
    fn every_action_has_a_family() {
        for a in AuditAction::ALL {
            assert!(
                ACTION_FAMILIES
                    .iter()
                    .any(|(f, ..)| a.as_str().starts_with(f)),
                "{} has no family",
                a.as_str()
            );
        }
        for (f, ..) in ACTION_FAMILIES {
            assert!(
                AuditAction::ALL.iter().any(|a| a.as_str().starts_with(f)),
                "{f}"
            );
        }
    }

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
        check(AuditAction::ALL);
        assert_eq!(outcome_label("denied", Lang::Ja), "拒否");
        assert_eq!(
            action_label("file.download", Lang::Ja),
            "ファイルのダウンロード"
        );
        assert_eq!(outcome_label("odd", Lang::En), "odd");
    }
}
