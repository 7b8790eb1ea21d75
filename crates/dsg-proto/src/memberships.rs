//! Membership applications (加入申請).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::ApplicationStep;

/// Body of `POST /api/v1/applications/membership`: the company and its
/// site, the four requirements each answered with evidence, the latest
/// ministry audit result if any, and a schedule wish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMembership {
    /// The company filed for: an agency operator names it; a company's
    /// administrator leaves it out (their own).
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: Option<String>,
    /// The company's name as the notice shows it.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub company_name: String,
    /// The company's address.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub company_address: String,
    /// The site (拠点).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub site_name: String,
    /// The site's prefecture (requirement 4: the site is in Japan).
    #[schema(
        pattern = "^(?:北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県)$"
    )]
    pub site_prefecture: String,
    /// The rest of the site's address.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub site_address: String,
    /// Contact: name, department, telephone.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub contact: String,
    /// Requirement 1 (実績等): the special-clause contracts expected.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub contracts_evidence: String,
    /// Requirement 2 (設備): the handling facility (chapter 8 of the standard).
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub facility_evidence: String,
    /// Requirement 3 (機器): equipment to specification, free of implanted changes.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub equipment_evidence: String,
    /// Requirement 4 (拠点地域): the site is in Japan.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub location_evidence: String,
    /// The latest ministry audit-result notice held (number, date, issuer); empty when none.
    #[serde(default)]
    #[schema(
        max_length = 1000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub audit_result: String,
    /// A wish about the schedule.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub schedule_wish: String,
}

/// A membership application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    pub id: String,
    pub company_id: String,
    pub requested_by: String,
    /// The service provider assigned on acceptance.
    pub provider_id: Option<String>,
    /// `submitted`, `site_check`, `remediation`, `line_survey`,
    /// `line_works`, `router_installation`, `terminal_setup`,
    /// `connection_test`, `final_check`, `final_remediation`, `completed`,
    /// `rejected` or `withdrawn`.
    pub state: String,
    /// The step it is at (1–7), while open.
    pub step: Option<u8>,
    /// The latest step's reason.
    pub reason: String,
    pub submitted_at: i64,
    /// The day the current step is due (`YYYY-MM-DD`, JST), while open.
    pub due_on: Option<String>,
    /// Past its due date and still waiting.
    pub overdue: bool,
    pub closed_at: Option<i64>,
    pub company_name: String,
    pub company_address: String,
    pub site_name: String,
    pub site_prefecture: String,
    pub site_address: String,
    pub contact: String,
    pub contracts_evidence: String,
    pub facility_evidence: String,
    pub equipment_evidence: String,
    pub location_evidence: String,
    pub audit_result: String,
    pub schedule_wish: String,
    /// The steps the caller may take now.
    pub actions: Vec<String>,
    /// Whether the caller may adjust the schedule.
    pub may_adjust: bool,
}

/// One line of a membership's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScheduleLine {
    /// `application`, `site_check`, `line_survey`, `line_works`,
    /// `router_installation`, `terminal_setup` or `final_check`.
    pub step: String,
    /// 1–7 (①–⑦).
    pub number: u8,
    /// `agency`, `provider` or `company`.
    pub owner: String,
    /// `YYYY-MM-DD` (a working day, JST).
    pub due_on: String,
    /// Set by the agency rather than generated.
    pub adjusted: bool,
}

/// A membership-completion notice (加入完了通知書).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembershipNotice {
    /// `YYYY-NNNN`.
    pub number: String,
    /// `YYYY-MM-DD` (JST).
    pub issued_on: String,
    pub application_id: String,
    pub company_id: String,
    pub company_name: String,
    pub site_name: String,
    pub site_prefecture: String,
    pub site_address: String,
}

/// A membership with its schedule, timeline and notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembershipDetail {
    #[serde(flatten)]
    pub membership: Membership,
    pub schedule: Vec<ScheduleLine>,
    /// Whether ④–⑦ are planned within one month.
    pub works_within_a_month: bool,
    pub steps: Vec<ApplicationStep>,
    pub notice: Option<MembershipNotice>,
}

/// `GET /api/v1/applications/membership` and `GET /api/v1/inbox/memberships`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembershipList {
    pub memberships: Vec<Membership>,
}

/// Body of `POST /api/v1/applications/membership/{id}/{action}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipStepBody {
    /// Why; required for `reject` and `find_deficiencies` (the
    /// deficiencies). At most 2000 characters.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub reason: String,
    /// The service provider assigned; required for `accept`.
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub provider_id: Option<String>,
}

/// Body of `PUT /api/v1/applications/membership/{id}/schedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleAdjustment {
    /// The step moved.
    #[schema(
        pattern = "^(?:application|site_check|line_survey|line_works|router_installation|terminal_setup|final_check)$"
    )]
    pub step: String,
    /// Its new due date (`YYYY-MM-DD`, a working day).
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub due_on: String,
}
