//! Plain-language reasons for a refusal, for callers entitled to know the
//! resource exists. Everyone else gets the uniform not-found answer.

use dsg_core::{RosterStatus, TerminalId, TerminalStatus};
use dsg_policy::{
    Action, Decision, DeviceFacts, PostureFacts, Resource, SessionFacts, TerminalFacts,
};

use super::{App, Caller, Device};

/// Why a request was refused, in words the user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialReason {
    /// The connection presented no terminal certificate.
    TerminalRequired,
    /// The certificate names no registered terminal (e.g. replaced).
    TerminalUnregistered,
    /// The terminal is quarantined.
    TerminalQuarantined,
    /// The terminal's registration was revoked.
    TerminalRevoked,
    /// The terminal belongs to another company.
    TerminalOtherCompany,
    /// The terminal's posture report is missing, failed the measures or is
    /// too old.
    TerminalPosture,
    /// The person's line on their company's handler roster is missing, not
    /// yet confirmed by the agency, or removed.
    RosterUnconfirmed,
    /// The person's security training is missing or too old.
    TrainingLapsed,
    /// No training on designation is recorded for this contract since the
    /// person was designated to it.
    DesignationTrainingMissing,
    /// No written consent as a protected-system user (第5-2(2)ア) is
    /// recorded for the person, or it was withdrawn.
    ConsentMissing,
    /// Another rule of the agency's policy (hours, network…).
    Policy,
    /// The terminal certificate a TLS-terminating proxy passed on failed
    /// the terminal CA's checks (other issuer, expired, not a terminal's).
    CertificateRefused,
    /// The contract has ended: its compartment is read-only.
    ContractEnded,
    /// The compartment is closed: its key is destroyed.
    CompartmentClosed,
}

impl DenialReason {
    /// The stable error code.
    pub fn code(self) -> &'static str {
        match self {
            Self::TerminalRequired => "terminal_required",
            Self::TerminalUnregistered => "terminal_unregistered",
            Self::TerminalQuarantined => "terminal_quarantined",
            Self::TerminalRevoked => "terminal_revoked",
            Self::TerminalOtherCompany => "terminal_other_company",
            Self::TerminalPosture => "terminal_posture",
            Self::RosterUnconfirmed => "roster_unconfirmed",
            Self::TrainingLapsed => "training_lapsed",
            Self::DesignationTrainingMissing => "designation_training_missing",
            Self::ConsentMissing => "consent_missing",
            Self::Policy => "policy_denied",
            Self::CertificateRefused => "certificate_refused",
            Self::ContractEnded => "contract_ended",
            Self::CompartmentClosed => "compartment_closed",
        }
    }

    /// The sentence shown to the user, in Japanese or English.
    pub fn text(self, japanese: bool) -> &'static str {
        match (self, japanese) {
            (Self::TerminalRequired, true) => {
                "この区画には、所属会社の登録済み端末からのみアクセスできます。端末のクライアント証明書を使って接続してください。"
            }
            (Self::TerminalRequired, false) => {
                "This compartment is only reachable from a registered terminal of your company. Connect with your terminal's client certificate."
            }
            (Self::TerminalUnregistered, true) => {
                "提示された証明書は、登録済みの端末のものではありません（再発行済みの可能性があります）。情報システム管理室に連絡してください。"
            }
            (Self::TerminalUnregistered, false) => {
                "The certificate presented does not belong to a registered terminal (it may have been replaced). Contact the gateway operators."
            }
            (Self::TerminalQuarantined, true) => {
                "この端末は隔離されています。情報システム管理室に連絡してください。"
            }
            (Self::TerminalQuarantined, false) => {
                "This terminal is quarantined. Contact the gateway operators."
            }
            (Self::TerminalRevoked, true) => "この端末の登録は取り消されています。",
            (Self::TerminalRevoked, false) => "This terminal's registration has been revoked.",
            (Self::TerminalOtherCompany, true) => {
                "この端末は別の会社の登録端末です。所属会社の登録済み端末を使用してください。"
            }
            (Self::TerminalOtherCompany, false) => {
                "This terminal is registered to another company. Use a registered terminal of your own company."
            }
            (Self::TerminalPosture, true) => {
                "この端末の状態報告（ディスク暗号化・ファイアウォール・定義ファイル・更新プログラム）が基準を満たしていないか、古くなっています。端末の状態を整えて報告し直してください。"
            }
            (Self::TerminalPosture, false) => {
                "This terminal's posture report (disk encryption, firewall, malware signatures, updates) is missing, out of date or does not meet the measures. Bring the terminal up to date and report again."
            }
            (Self::RosterUnconfirmed, true) => {
                "取扱者名簿への記載が防衛省側でまだ確認されていない（または名簿から外れている）ため、保護すべき情報にはアクセスできません。所属会社の保護システム管理者に確認してください。"
            }
            (Self::RosterUnconfirmed, false) => {
                "Your line on your company's handler roster has not been confirmed by the agency (or you were taken off the roster), so protected information is not reachable. Ask your company's protected-system administrator."
            }
            (Self::TrainingLapsed, true) => {
                "情報セキュリティ教育の受講記録がないか、期限が切れています。教育を受講し、所属会社の保護システム管理者に記録してもらってください。"
            }
            (Self::TrainingLapsed, false) => {
                "Your security training is not recorded or has lapsed. Take the training and have your company's protected-system administrator record it."
            }
            (Self::DesignationTrainingMissing, true) => {
                "この契約の取扱者に指定された後の教育（指定時の教育）の受講記録がないため、この契約の保護すべき情報にはアクセスできません。教育を受講し、所属会社の保護システム管理者に記録してもらってください。"
            }
            (Self::DesignationTrainingMissing, false) => {
                "No training on designation is recorded for you since you were designated a handler of this contract, so its protected information is not reachable. Take the training and have your company's protected-system administrator record it."
            }
            (Self::ConsentMissing, true) => {
                "保護システム利用の同意（保護システムであること、利用が監視・記録・監査されること、法的責任）が記録されていないため、保護すべき情報にはアクセスできません。同意書に署名し、所属会社の保護システム管理者に記録してもらってください。"
            }
            (Self::ConsentMissing, false) => {
                "Your written consent as a protected-system user (a protected system; use monitored, logged and audited; legal liability) is not recorded, so protected information is not reachable. Sign the consent and have your company's protected-system administrator record it."
            }
            (Self::Policy, true) => {
                "機関のアクセスポリシー（時間帯・接続元など）により、現在はアクセスできません。"
            }
            (Self::Policy, false) => {
                "The agency's access policy (hours, network, …) does not allow this access now."
            }
            (Self::CertificateRefused, true) => {
                "提示された端末証明書を受け付けられません（発行元が異なるか、有効期限切れです）。情報システム管理室に連絡してください。"
            }
            (Self::CertificateRefused, false) => {
                "The terminal certificate presented was not accepted (another issuer, or expired). Contact the gateway operators."
            }
            (Self::ContractEnded, true) => {
                "契約期間が終了したため、この区画は読み取り専用です。アップロードや新しい版の登録はできません。"
            }
            (Self::ContractEnded, false) => {
                "The contract has ended, so this compartment is read-only: no uploads or new versions."
            }
            (Self::CompartmentClosed, true) => {
                "この区画は閉鎖され、区画の鍵は破棄されています。内容にはアクセスできません。"
            }
            (Self::CompartmentClosed, false) => {
                "This compartment is closed and its key destroyed: its contents are no longer reachable."
            }
        }
    }

    /// The reason for a denial, from the policies that decided it and the
    /// device of the request.
    fn of(decision: &Decision, caller: &Caller) -> Self {
        let has = |id: &str| decision.policies.iter().any(|p| p == id);
        // Nothing the caller can change: said first.
        if has("compartment-closed") {
            return Self::CompartmentClosed;
        }
        if has("contract-ended-read-only") {
            return Self::ContractEnded;
        }
        if has("registered-terminal-for-data") {
            let Caller::User(user) = caller else {
                return Self::TerminalRequired;
            };
            return match &user.device {
                Device::None => Self::TerminalRequired,
                Device::Unregistered { .. } => Self::TerminalUnregistered,
                Device::Terminal(t, _) => match t.status {
                    TerminalStatus::Quarantined => Self::TerminalQuarantined,
                    TerminalStatus::Revoked => Self::TerminalRevoked,
                    TerminalStatus::Active if t.company_id != user.facts.company => {
                        Self::TerminalOtherCompany
                    }
                    TerminalStatus::Active => Self::Policy,
                },
            };
        }
        if has("handler-on-confirmed-roster") {
            return Self::RosterUnconfirmed;
        }
        if has("handler-training-current") {
            return Self::TrainingLapsed;
        }
        if has("handler-trained-on-designation") {
            return Self::DesignationTrainingMissing;
        }
        if has("terminal-posture-for-data") {
            return Self::TerminalPosture;
        }
        if has("system-user-consented") {
            return Self::ConsentMissing;
        }
        Self::Policy
    }
}

impl App {
    /// For a denied request: the reason to tell the caller, if they are
    /// entitled to know the resource — that is, if the same request, in the
    /// same session (same factors), would be allowed from an active terminal
    /// of their own company right after a step-up, with their roster line
    /// confirmed, their training current, their consent as a protected-system
    /// user recorded and their training on designation recorded for every
    /// contract they handle. Otherwise `None` (the uniform
    /// answer): a session that proved only a password learns nothing, nor
    /// does anyone who is not a handler of the contract.
    pub(super) fn entitled_denial(
        &self,
        caller: &Caller,
        action: Action,
        resource: Resource,
        decision: &Decision,
    ) -> Option<DenialReason> {
        let Caller::User(user) = caller else {
            return None;
        };
        let ideal_session = SessionFacts {
            step_up_fresh: true,
            ..self.session_facts(caller)
        };
        let ideal_device = DeviceFacts::Terminal(TerminalFacts {
            id: TerminalId::random(),
            company: user.facts.company,
            company_kind: user.facts.company_kind,
            status: TerminalStatus::Active,
            site: String::new(),
            posture: Some(PostureFacts {
                age_secs: 0,
                compliant: true,
            }),
        });
        let mut ideal_user = user.clone();
        ideal_user.facts.roster = Some(RosterStatus::Confirmed);
        ideal_user.facts.training_age_secs = Some(0);
        ideal_user.facts.consented = true;
        ideal_user.facts.designation_trained_for = ideal_user
            .facts
            .handler_of
            .iter()
            .chain(&ideal_user.facts.participant_of)
            .copied()
            .collect();
        let ideal_caller = Caller::User(ideal_user);
        // Within the contract period: whoever could act then learns that
        // the contract's end is what stops them.
        let resource = within_period(resource);
        self.decide_with(&ideal_caller, action, resource, ideal_session, ideal_device)
            .allowed
            .then(|| DenialReason::of(decision, caller))
    }
}

/// `resource` as it was within its contract's period.
fn within_period(resource: Resource) -> Resource {
    let active = dsg_core::CompartmentPhase::Active;
    match resource {
        Resource::Compartment(mut c) => {
            c.phase = active;
            Resource::Compartment(c)
        }
        Resource::File(mut f) => {
            f.compartment.phase = active;
            Resource::File(f)
        }
        other => other,
    }
}
