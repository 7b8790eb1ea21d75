//! Software installation requests (ソフトウェアインストール申請) and the
//! agency's software lists (ホワイトリスト / ブラックリスト): what a company
//! asks for, how it is screened on filing, and the machine it then runs on.
//!
//! The rules, from the agency's operating guide: software that needs an
//! online installation or online updates is never approved (security);
//! blacklisted software is refused; software pre-installed on the terminal
//! needs approval too and must not be started until then; whitelisted
//! software needs no approval, but its installation is recorded; anything
//! else waits for the agency, which approves it, returns it for more
//! material, or rejects it.

use unicode_normalization::UnicodeNormalization;

use crate::entities::string_enum;
use crate::workflow::{Holder, Party, Requester, Step, Workflow};
use crate::{DomainError, Duty};

string_enum!(
    /// Where a software request stands.
    SoftwareState {
        /// Filed; waits for the agency's decision.
        Submitted => "submitted",
        /// The agency asked for more material; waits for the company.
        Returned => "returned",
        /// The agency approved it: it may be installed (or started).
        Approved => "approved",
        /// The agency rejected it.
        Rejected => "rejected",
        /// Refused on filing by rule (online installation or updates,
        /// blacklisted); nobody decides it.
        Refused => "refused",
        /// Whitelisted: needs no approval; its installation is recorded.
        Recorded => "recorded",
        /// The company withdrew it.
        Withdrawn => "withdrawn",
    }
);

string_enum!(
    /// What a party does to a software request once filed.
    SoftwareAction {
        /// The agency approves it.
        Approve => "approve",
        /// The agency returns it for more material.
        Return => "return",
        /// The agency rejects it.
        Reject => "reject",
        /// The company files it again after a return.
        Resubmit => "resubmit",
        /// The company withdraws it.
        Withdraw => "withdraw",
    }
);

impl SoftwareAction {
    /// The audit action a transition by this action is recorded as.
    pub fn audited_as(self) -> crate::AuditAction {
        use crate::AuditAction as A;
        match self {
            Self::Approve => A::ApplicationApprove,
            Self::Return => A::ApplicationReturn,
            Self::Reject => A::ApplicationReject,
            Self::Resubmit => A::ApplicationResubmit,
            Self::Withdraw => A::ApplicationWithdraw,
        }
    }
}

/// The software request type of the workflow engine.
#[derive(Debug, Clone, Copy)]
pub struct SoftwareRequest;

const AGENCY_DECIDES: (Party, Holder, Requester) =
    (Party::Agency, Holder::Operator, Requester::Excluded);
const COMPANY_ADMIN: (Party, Holder, Requester) = (
    Party::Company,
    Holder::Duty(Duty::SecurityAdmin),
    Requester::Allowed,
);

fn to(
    next: SoftwareState,
    (party, holder, requester): (Party, Holder, Requester),
) -> Option<Step<SoftwareState>> {
    Some(Step {
        next,
        party,
        holder,
        requester,
    })
}

impl Workflow for SoftwareRequest {
    type State = SoftwareState;
    type Action = SoftwareAction;

    const STATES: &'static [SoftwareState] = &[
        SoftwareState::Submitted,
        SoftwareState::Returned,
        SoftwareState::Approved,
        SoftwareState::Rejected,
        SoftwareState::Refused,
        SoftwareState::Recorded,
        SoftwareState::Withdrawn,
    ];
    const ACTIONS: &'static [SoftwareAction] = &[
        SoftwareAction::Approve,
        SoftwareAction::Return,
        SoftwareAction::Reject,
        SoftwareAction::Resubmit,
        SoftwareAction::Withdraw,
    ];

    fn step(state: SoftwareState, action: SoftwareAction) -> Option<Step<SoftwareState>> {
        use SoftwareAction as A;
        use SoftwareState as S;
        match (state, action) {
            (S::Submitted, A::Approve) => to(S::Approved, AGENCY_DECIDES),
            (S::Submitted, A::Return) => to(S::Returned, AGENCY_DECIDES),
            (S::Submitted, A::Reject) => to(S::Rejected, AGENCY_DECIDES),
            (S::Returned, A::Resubmit) => to(S::Submitted, COMPANY_ADMIN),
            (S::Submitted | S::Returned, A::Withdraw) => to(S::Withdrawn, COMPANY_ADMIN),
            (S::Submitted, A::Resubmit)
            | (S::Returned, A::Approve | A::Return | A::Reject)
            | (
                S::Approved | S::Rejected | S::Refused | S::Recorded | S::Withdrawn,
                A::Approve | A::Return | A::Reject | A::Resubmit | A::Withdraw,
            ) => None,
        }
    }

    fn waits_for(state: SoftwareState) -> Option<(Party, Holder)> {
        match state {
            SoftwareState::Submitted => Some((AGENCY_DECIDES.0, AGENCY_DECIDES.1)),
            SoftwareState::Returned => Some((COMPANY_ADMIN.0, COMPANY_ADMIN.1)),
            SoftwareState::Approved
            | SoftwareState::Rejected
            | SoftwareState::Refused
            | SoftwareState::Recorded
            | SoftwareState::Withdrawn => None,
        }
    }

    fn is_final(state: SoftwareState) -> bool {
        matches!(
            state,
            SoftwareState::Approved
                | SoftwareState::Rejected
                | SoftwareState::Refused
                | SoftwareState::Recorded
                | SoftwareState::Withdrawn
        )
    }
}

string_enum!(
    /// How software is installed or updated.
    Delivery {
        /// From media the company holds (offline).
        Offline => "offline",
        /// Over the internet.
        Online => "online",
        /// Not at all (updates only: none are applied).
        None => "none",
    }
);

/// A software request as the company fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareForm {
    /// Product name.
    pub product: String,
    /// Version.
    pub version: String,
    /// Vendor.
    pub vendor: String,
    /// What it is needed for.
    pub purpose: String,
    /// How it is installed (offline or online).
    pub installation: Delivery,
    /// How it is updated (offline, online or not at all).
    pub updates: Delivery,
    /// Whether it came pre-installed on the terminal.
    pub preinstalled: bool,
}

fn field(name: &'static str, raw: &str, max: usize) -> Result<String, DomainError> {
    let text: String = raw.nfc().collect::<String>().trim().to_owned();
    if text.is_empty() {
        return Err(DomainError::invalid(name, "must not be empty"));
    }
    if text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            name,
            "too long or holds control characters",
        ));
    }
    Ok(text)
}

impl SoftwareForm {
    /// The form with its texts trimmed and checked.
    pub fn validate(&self) -> Result<Self, DomainError> {
        if self.installation == Delivery::None {
            return Err(DomainError::invalid("installation", "offline or online"));
        }
        Ok(Self {
            product: field("product", &self.product, 200)?,
            version: field("version", &self.version, 100)?,
            vendor: field("vendor", &self.vendor, 200)?,
            purpose: field("purpose", &self.purpose, 2000)?,
            installation: self.installation,
            updates: self.updates,
            preinstalled: self.preinstalled,
        })
    }
}

/// One line of a software list: a product of a vendor, in one version or
/// (empty version) in every version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SoftwareEntry {
    /// Product name.
    pub product: String,
    /// Vendor.
    pub vendor: String,
    /// One version, or empty for all.
    pub version: String,
}

/// Names compared as people mean them: NFKC (full-width and half-width
/// alike), case and surrounding space ignored.
fn folded(text: &str) -> String {
    text.nfkc().collect::<String>().trim().to_lowercase()
}

impl SoftwareEntry {
    /// The entry with its texts trimmed and checked (the version may be
    /// empty).
    pub fn validate(&self) -> Result<Self, DomainError> {
        let version = self.version.nfc().collect::<String>().trim().to_owned();
        if version.chars().count() > 100 || version.chars().any(char::is_control) {
            return Err(DomainError::invalid("version", "too long"));
        }
        Ok(Self {
            product: field("product", &self.product, 200)?,
            vendor: field("vendor", &self.vendor, 200)?,
            version,
        })
    }

    /// Whether the entry names this form's software.
    pub fn matches(&self, form: &SoftwareForm) -> bool {
        folded(&self.product) == folded(&form.product)
            && folded(&self.vendor) == folded(&form.vendor)
            && (self.version.trim().is_empty() || folded(&self.version) == folded(&form.version))
    }
}

/// The agency's lists, as of one version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoftwareLists {
    /// Software that may be installed and run (ホワイトリスト).
    pub allowed: Vec<SoftwareEntry>,
    /// Software that must not be installed or run (ブラックリスト).
    pub denied: Vec<SoftwareEntry>,
}

/// What filing a request leads to, before anyone decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screening {
    /// Refused by rule, with the reason's stable code.
    Refused(&'static str),
    /// Whitelisted: recorded without approval.
    Recorded,
    /// Waits for the agency's decision.
    NeedsApproval,
}

impl Screening {
    /// The state a request screened so starts in.
    pub fn state(self) -> SoftwareState {
        match self {
            Self::Refused(_) => SoftwareState::Refused,
            Self::Recorded => SoftwareState::Recorded,
            Self::NeedsApproval => SoftwareState::Submitted,
        }
    }

    /// The reason recorded with it.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Refused(code) => code,
            Self::Recorded => "whitelisted",
            Self::NeedsApproval => "awaiting_agency",
        }
    }
}

/// Refusal: the software needs an online installation.
pub const ONLINE_INSTALLATION: &str = "online_installation";
/// Refusal: the software needs online updates.
pub const ONLINE_UPDATES: &str = "online_updates";
/// Refusal: the software is on the blacklist.
pub const BLACKLISTED: &str = "blacklisted";

/// Screens a (validated) request against the lists. The online rule comes
/// first: it holds whatever the lists say. Pre-installed software is never
/// recorded without approval, even whitelisted: it is already on the
/// terminal and must stay unused until the agency has looked at it.
pub fn screen(form: &SoftwareForm, lists: &SoftwareLists) -> Screening {
    if form.installation == Delivery::Online {
        return Screening::Refused(ONLINE_INSTALLATION);
    }
    if form.updates == Delivery::Online {
        return Screening::Refused(ONLINE_UPDATES);
    }
    if lists.denied.iter().any(|e| e.matches(form)) {
        return Screening::Refused(BLACKLISTED);
    }
    if !form.preinstalled && lists.allowed.iter().any(|e| e.matches(form)) {
        return Screening::Recorded;
    }
    Screening::NeedsApproval
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::workflow::properties::{actor, check_declarations, check_run};
    use crate::workflow::{transition, Actor};
    use crate::Role;

    fn form() -> SoftwareForm {
        SoftwareForm {
            product: "CAD Viewer".into(),
            version: "3.1".into(),
            vendor: "Example Soft".into(),
            purpose: "drawings".into(),
            installation: Delivery::Offline,
            updates: Delivery::Offline,
            preinstalled: false,
        }
    }

    fn entry(product: &str, vendor: &str, version: &str) -> SoftwareEntry {
        SoftwareEntry {
            product: product.into(),
            vendor: vendor.into(),
            version: version.into(),
        }
    }

    #[test]
    fn the_declarations_agree() {
        check_declarations::<SoftwareRequest>();
        assert_eq!(
            SoftwareRequest::waits_for(SoftwareState::Submitted),
            Some((Party::Agency, Holder::Operator))
        );
        assert_eq!(
            SoftwareRequest::waits_for(SoftwareState::Returned),
            Some((Party::Company, Holder::Duty(Duty::SecurityAdmin)))
        );
    }

    #[test]
    fn online_software_is_refused_whatever_the_lists_say() {
        let lists = SoftwareLists {
            allowed: vec![entry("CAD Viewer", "Example Soft", "")],
            denied: vec![],
        };
        let mut online = form();
        online.updates = Delivery::Online;
        assert_eq!(screen(&online, &lists), Screening::Refused(ONLINE_UPDATES));
        online.installation = Delivery::Online;
        assert_eq!(
            screen(&online, &lists),
            Screening::Refused(ONLINE_INSTALLATION)
        );
        assert_eq!(screen(&form(), &lists), Screening::Recorded);
    }

    #[test]
    fn lists_match_names_as_people_mean_them() {
        let lists = SoftwareLists {
            allowed: vec![],
            denied: vec![entry("ｃａｄ viewer ", "EXAMPLE SOFT", "3.1")],
        };
        assert_eq!(screen(&form(), &lists), Screening::Refused(BLACKLISTED));
        let mut other = form();
        other.version = "3.2".into();
        assert_eq!(screen(&other, &lists), Screening::NeedsApproval);
    }

    #[test]
    fn preinstalled_software_always_waits_for_approval() {
        let lists = SoftwareLists {
            allowed: vec![entry("CAD Viewer", "Example Soft", "")],
            denied: vec![],
        };
        let mut pre = form();
        pre.preinstalled = true;
        assert_eq!(screen(&pre, &lists), Screening::NeedsApproval);
    }

    #[test]
    fn the_requester_never_decides_their_own_request() {
        let own = Actor {
            party: Some(Party::Agency),
            role: Role::Operator,
            duties: vec![],
            is_requester: true,
        };
        assert!(transition::<SoftwareRequest>(
            SoftwareState::Submitted,
            SoftwareAction::Approve,
            &own
        )
        .is_err());
        let other = Actor {
            is_requester: false,
            ..own
        };
        assert_eq!(
            transition::<SoftwareRequest>(
                SoftwareState::Submitted,
                SoftwareAction::Approve,
                &other
            ),
            Ok(SoftwareState::Approved)
        );
    }

    fn start() -> impl Strategy<Value = SoftwareState> {
        proptest::sample::select(SoftwareRequest::STATES.to_vec())
    }

    proptest! {
        /// No sequence of actions by anyone leaves the machine's declared
        /// steps, and a final state accepts nothing.
        #[test]
        fn random_runs_stay_on_the_machine(
            start in start(),
            moves in proptest::collection::vec((0usize..16, actor()), 0..24),
        ) {
            let visited = check_run::<SoftwareRequest>(start, &moves)?;
            if let Some(last) = visited.last() {
                if SoftwareRequest::is_final(*last) {
                    for action in SoftwareRequest::ACTIONS {
                        for party in Party::ALL {
                            let anyone = Actor {
                                party: Some(party),
                                role: Role::Operator,
                                duties: vec![Duty::SecurityAdmin, Duty::Auditor],
                                is_requester: false,
                            };
                            prop_assert!(transition::<SoftwareRequest>(*last, *action, &anyone).is_err());
                        }
                    }
                }
            }
        }
    }
}
