//! Membership applications (加入申請): a company asks to join the DSG, and
//! the agency, the service provider and the company take the seven steps of
//! the agency's membership guide (加入要領 §3) on the workflow engine:
//!
//! ① the application (the agency accepts it and assigns the provider);
//! ② the agency's site check, with deficiencies remedied by the company and
//!    checked again, or a recent ministry audit result accepted instead;
//! ③ the provider's line survey, ④ line works, ⑤ router installation;
//! ⑥ terminal setup by the provider, then the company's connection test;
//! ⑦ the agency's final check, with its own remediation loop, ending in the
//!    membership-completion notice (加入完了通知書).
//!
//! "Membership" rather than "enrolment": enrolment is an account's first
//! sign-in setup.

use unicode_normalization::UnicodeNormalization;

use crate::entities::string_enum;
use crate::workflow::{Holder, Party, Requester, Step, Workflow};
use crate::{DomainError, Duty};

string_enum!(
    /// Where a membership application stands.
    MembershipState {
        /// ① Filed; waits for the agency to accept it (and assign the
        /// service provider) or reject it.
        Submitted => "submitted",
        /// ② Waits for the agency's site check (現地確認), or its acceptance
        /// of a recent ministry audit result instead.
        SiteCheck => "site_check",
        /// ② Deficiencies found; waits for the company's remediation.
        Remediation => "remediation",
        /// ③ Waits for the provider's line survey (回線敷設のための現場調査).
        LineSurvey => "line_survey",
        /// ④ Waits for the provider's line works (回線敷設工事).
        LineWorks => "line_works",
        /// ⑤ Waits for the provider's router installation (通信ルータの設置).
        RouterInstallation => "router_installation",
        /// ⑥ Waits for the provider's terminal setup and account issue.
        TerminalSetup => "terminal_setup",
        /// ⑥ Waits for the company's connection test from every terminal,
        /// after which it asks for the final check.
        ConnectionTest => "connection_test",
        /// ⑦ Waits for the agency's final site check (最終現地確認).
        FinalCheck => "final_check",
        /// ⑦ Deficiencies found at the final check; waits for the company.
        FinalRemediation => "final_remediation",
        /// Done: the membership-completion notice is issued.
        Completed => "completed",
        /// The agency rejected the application.
        Rejected => "rejected",
        /// The company withdrew it.
        Withdrawn => "withdrawn",
    }
);

string_enum!(
    /// What a party does to a membership application.
    MembershipAction {
        /// ① The agency accepts the application (and assigns the provider).
        Accept => "accept",
        /// ① The agency rejects it.
        Reject => "reject",
        /// ②⑦ The agency's check passed.
        PassCheck => "pass_check",
        /// ②⑦ The agency's check found deficiencies to remedy.
        FindDeficiencies => "find_deficiencies",
        /// ② The agency accepts a recent ministry audit result instead of a
        /// site check (加入要領 §3② その他(2)).
        AcceptAuditResult => "accept_audit_result",
        /// ②⑦ The company reports the deficiencies remedied: checked again.
        ReportRemediation => "report_remediation",
        /// ③ The provider completed the line survey.
        CompleteSurvey => "complete_survey",
        /// ④ The provider completed the line works.
        CompleteLineWorks => "complete_line_works",
        /// ⑤ The provider installed the router.
        CompleteRouter => "complete_router",
        /// ⑥ The provider set the terminals up and issued the accounts.
        CompleteTerminalSetup => "complete_terminal_setup",
        /// ⑥ The company tested the connection from every terminal and asks
        /// for the final check.
        RequestFinalCheck => "request_final_check",
        /// The company withdraws the application.
        Withdraw => "withdraw",
    }
);

impl MembershipAction {
    /// The audit action a transition by this action is recorded as.
    pub fn audited_as(self) -> crate::AuditAction {
        use crate::AuditAction as A;
        match self {
            Self::Accept | Self::PassCheck | Self::AcceptAuditResult => A::ApplicationApprove,
            Self::FindDeficiencies => A::ApplicationReturn,
            Self::Reject => A::ApplicationReject,
            Self::ReportRemediation => A::ApplicationResubmit,
            Self::Withdraw => A::ApplicationWithdraw,
            Self::CompleteSurvey
            | Self::CompleteLineWorks
            | Self::CompleteRouter
            | Self::CompleteTerminalSetup
            | Self::RequestFinalCheck => A::ApplicationStep,
        }
    }

    /// Whether the action decides the application (the agency's, never the
    /// requester's: `application.decide`), rather than a party's step of
    /// its own work (`application.act`).
    pub fn decides(self) -> bool {
        matches!(
            self,
            Self::Accept
                | Self::Reject
                | Self::PassCheck
                | Self::FindDeficiencies
                | Self::AcceptAuditResult
        )
    }

    /// Whether the action must say why (a rejection, deficiencies).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Reject | Self::FindDeficiencies)
    }
}

/// The membership application type of the workflow engine.
#[derive(Debug, Clone, Copy)]
pub struct MembershipApplication;

type Who = (Party, Holder, Requester);

const AGENCY_DECIDES: Who = (Party::Agency, Holder::Operator, Requester::Excluded);
const COMPANY_ADMIN: Who = (
    Party::Company,
    Holder::Duty(Duty::SecurityAdmin),
    Requester::Allowed,
);
const PROVIDER_SURVEY: Who = (
    Party::Provider,
    Holder::Duty(Duty::SiteSurvey),
    Requester::Allowed,
);
const PROVIDER_SETUP: Who = (
    Party::Provider,
    Holder::Duty(Duty::TerminalSetup),
    Requester::Allowed,
);

fn to(next: MembershipState, (party, holder, requester): Who) -> Option<Step<MembershipState>> {
    Some(Step {
        next,
        party,
        holder,
        requester,
    })
}

/// The owner of each open state (whose inbox shows it).
fn owner(state: MembershipState) -> Option<Who> {
    use MembershipState as S;
    match state {
        S::Submitted | S::SiteCheck | S::FinalCheck => Some(AGENCY_DECIDES),
        S::Remediation | S::ConnectionTest | S::FinalRemediation => Some(COMPANY_ADMIN),
        S::LineSurvey | S::LineWorks | S::RouterInstallation => Some(PROVIDER_SURVEY),
        S::TerminalSetup => Some(PROVIDER_SETUP),
        S::Completed | S::Rejected | S::Withdrawn => None,
    }
}

impl Workflow for MembershipApplication {
    type State = MembershipState;
    type Action = MembershipAction;

    const STATES: &'static [MembershipState] = &[
        MembershipState::Submitted,
        MembershipState::SiteCheck,
        MembershipState::Remediation,
        MembershipState::LineSurvey,
        MembershipState::LineWorks,
        MembershipState::RouterInstallation,
        MembershipState::TerminalSetup,
        MembershipState::ConnectionTest,
        MembershipState::FinalCheck,
        MembershipState::FinalRemediation,
        MembershipState::Completed,
        MembershipState::Rejected,
        MembershipState::Withdrawn,
    ];
    const ACTIONS: &'static [MembershipAction] = &[
        MembershipAction::Accept,
        MembershipAction::Reject,
        MembershipAction::PassCheck,
        MembershipAction::FindDeficiencies,
        MembershipAction::AcceptAuditResult,
        MembershipAction::ReportRemediation,
        MembershipAction::CompleteSurvey,
        MembershipAction::CompleteLineWorks,
        MembershipAction::CompleteRouter,
        MembershipAction::CompleteTerminalSetup,
        MembershipAction::RequestFinalCheck,
        MembershipAction::Withdraw,
    ];

    fn step(state: MembershipState, action: MembershipAction) -> Option<Step<MembershipState>> {
        use MembershipAction as A;
        use MembershipState as S;
        if Self::is_final(state) {
            return None;
        }
        match (state, action) {
            (S::Submitted, A::Accept) => to(S::SiteCheck, AGENCY_DECIDES),
            (S::Submitted, A::Reject) => to(S::Rejected, AGENCY_DECIDES),
            (S::SiteCheck, A::PassCheck | A::AcceptAuditResult) => {
                to(S::LineSurvey, AGENCY_DECIDES)
            }
            (S::SiteCheck, A::FindDeficiencies) => to(S::Remediation, AGENCY_DECIDES),
            (S::Remediation, A::ReportRemediation) => to(S::SiteCheck, COMPANY_ADMIN),
            (S::LineSurvey, A::CompleteSurvey) => to(S::LineWorks, PROVIDER_SURVEY),
            (S::LineWorks, A::CompleteLineWorks) => to(S::RouterInstallation, PROVIDER_SURVEY),
            (S::RouterInstallation, A::CompleteRouter) => to(S::TerminalSetup, PROVIDER_SURVEY),
            (S::TerminalSetup, A::CompleteTerminalSetup) => to(S::ConnectionTest, PROVIDER_SETUP),
            (S::ConnectionTest, A::RequestFinalCheck) => to(S::FinalCheck, COMPANY_ADMIN),
            (S::FinalCheck, A::PassCheck) => to(S::Completed, AGENCY_DECIDES),
            (S::FinalCheck, A::FindDeficiencies) => to(S::FinalRemediation, AGENCY_DECIDES),
            (S::FinalRemediation, A::ReportRemediation) => to(S::FinalCheck, COMPANY_ADMIN),
            // The company may withdraw until the final check is passed.
            (_, A::Withdraw) => to(S::Withdrawn, COMPANY_ADMIN),
            _ => None,
        }
    }

    fn waits_for(state: MembershipState) -> Option<(Party, Holder)> {
        owner(state).map(|(party, holder, _)| (party, holder))
    }

    fn is_final(state: MembershipState) -> bool {
        matches!(
            state,
            MembershipState::Completed | MembershipState::Rejected | MembershipState::Withdrawn
        )
    }
}

string_enum!(
    /// The seven steps of the membership guide, as the schedule lists them.
    MembershipStep {
        /// ① 加入申請書の提出 (and its review).
        Application => "application",
        /// ② 利用端末設置場所の現地確認.
        SiteCheck => "site_check",
        /// ③ 回線敷設のための現場調査.
        LineSurvey => "line_survey",
        /// ④ 回線敷設工事.
        LineWorks => "line_works",
        /// ⑤ 通信ルータの設置.
        RouterInstallation => "router_installation",
        /// ⑥ 端末セットアップ、接続テスト.
        TerminalSetup => "terminal_setup",
        /// ⑦ 最終現地確認.
        FinalCheck => "final_check",
    }
);

impl MembershipStep {
    /// 1 to 7 (①–⑦).
    pub fn number(self) -> u8 {
        match self {
            Self::Application => 1,
            Self::SiteCheck => 2,
            Self::LineSurvey => 3,
            Self::LineWorks => 4,
            Self::RouterInstallation => 5,
            Self::TerminalSetup => 6,
            Self::FinalCheck => 7,
        }
    }

    /// The party that owns the step: the agency reviews and checks, the
    /// provider surveys, builds and sets up (⑥ ends with the company's
    /// connection test, but the setup is the provider's).
    pub fn owner(self) -> Party {
        match self {
            Self::Application | Self::SiteCheck | Self::FinalCheck => Party::Agency,
            Self::LineSurvey | Self::LineWorks | Self::RouterInstallation | Self::TerminalSetup => {
                Party::Provider
            }
        }
    }

    /// Typical working days the step takes, from the guide and the
    /// agency's briefing: the application and its review about a month
    /// (20), the site check three weeks including scheduling (15), the line
    /// survey three weeks (15); ④–⑦ are planned within one month (加入要領:
    /// 同一月内), 18 working days together. ①–⑦ then take about 68 working
    /// days, some three and a half months: the guide's "3–4か月".
    pub fn typical_working_days(self) -> u32 {
        match self {
            Self::Application => 20,
            Self::SiteCheck => 15,
            Self::LineSurvey => 15,
            Self::LineWorks => 7,
            Self::RouterInstallation => 3,
            Self::TerminalSetup => 5,
            Self::FinalCheck => 3,
        }
    }
}

impl MembershipState {
    /// The step an application in this state is at (`None` when final).
    pub fn step(self) -> Option<MembershipStep> {
        use MembershipState as S;
        match self {
            S::Submitted => Some(MembershipStep::Application),
            S::SiteCheck | S::Remediation => Some(MembershipStep::SiteCheck),
            S::LineSurvey => Some(MembershipStep::LineSurvey),
            S::LineWorks => Some(MembershipStep::LineWorks),
            S::RouterInstallation => Some(MembershipStep::RouterInstallation),
            S::TerminalSetup | S::ConnectionTest => Some(MembershipStep::TerminalSetup),
            S::FinalCheck | S::FinalRemediation => Some(MembershipStep::FinalCheck),
            S::Completed | S::Rejected | S::Withdrawn => None,
        }
    }
}

/// The 47 prefectures (都道府県): a site is in Japan when it names one.
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// A membership application as the company's protected-system
/// administrator fills it in: the company and its site, the four
/// requirements (加入の要件) each answered with its evidence, the latest
/// ministry audit result if the company holds one, and a schedule wish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipForm {
    /// The company's name as it should appear on the notice.
    pub company_name: String,
    /// The company's address (head office).
    pub company_address: String,
    /// The site (拠点) name.
    pub site_name: String,
    /// The site's prefecture: one of [`PREFECTURES`] (requirement 4).
    pub site_prefecture: String,
    /// The rest of the site's address.
    pub site_address: String,
    /// Contact: name, department, telephone.
    pub contact: String,
    /// Requirement 1 (実績等): contracts with the special clause the company
    /// expects to perform.
    pub contracts_evidence: String,
    /// Requirement 2 (設備): a handling facility meeting chapter 8 of the
    /// standard.
    pub facility_evidence: String,
    /// Requirement 3 (機器): equipment to the agency's specification, free
    /// of implanted changes.
    pub equipment_evidence: String,
    /// Requirement 4 (拠点地域): the site is in Japan.
    pub location_evidence: String,
    /// The latest ministry audit result (監査結果通知書) the company holds:
    /// its number, date and issuer; empty when none.
    pub audit_result: String,
    /// A free-text wish about the schedule (スケジュールに関する要望).
    pub schedule_wish: String,
}

fn text(name: &'static str, raw: &str, max: usize, required: bool) -> Result<String, DomainError> {
    let value: String = raw.nfc().collect::<String>().trim().to_owned();
    if required && value.is_empty() {
        return Err(DomainError::invalid(name, "must not be empty"));
    }
    if value.chars().count() > max
        || value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::invalid(
            name,
            "too long or holds control characters",
        ));
    }
    Ok(value)
}

impl MembershipForm {
    /// The form with its texts trimmed and checked: every requirement
    /// answered with evidence, the site in a Japanese prefecture.
    pub fn validate(&self) -> Result<Self, DomainError> {
        let site_prefecture = text("site_prefecture", &self.site_prefecture, 10, true)?;
        if !PREFECTURES.contains(&site_prefecture.as_str()) {
            return Err(DomainError::invalid(
                "site_prefecture",
                "the site must be in Japan (one of the 47 prefectures)",
            ));
        }
        Ok(Self {
            company_name: text("company_name", &self.company_name, 200, true)?,
            company_address: text("company_address", &self.company_address, 500, true)?,
            site_name: text("site_name", &self.site_name, 200, true)?,
            site_prefecture,
            site_address: text("site_address", &self.site_address, 500, true)?,
            contact: text("contact", &self.contact, 500, true)?,
            contracts_evidence: text("contracts_evidence", &self.contracts_evidence, 4000, true)?,
            facility_evidence: text("facility_evidence", &self.facility_evidence, 4000, true)?,
            equipment_evidence: text("equipment_evidence", &self.equipment_evidence, 4000, true)?,
            location_evidence: text("location_evidence", &self.location_evidence, 4000, true)?,
            audit_result: text("audit_result", &self.audit_result, 1000, false)?,
            schedule_wish: text("schedule_wish", &self.schedule_wish, 2000, false)?,
        })
    }
}

#[cfg(test)]
#[path = "membership_tests.rs"]
mod tests;
