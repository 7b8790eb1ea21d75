//! Change requests after membership (変更申請): a layout change, a move, a
//! site's closure, a new company name or new contacts. The company's
//! protected-system administrator files; the agency completes, returns it
//! for more material, requires a new site check first, or rejects it (never
//! the requester); the company files again after a return or withdraws.
//! What a completion does is the change's own: a closure revokes the site's
//! terminals and opens the disposal of their data, a new name renames the
//! company; both in the completion's transaction. (`ChangeRequest` names the
//! two-person policy changes; this is `MembershipChange`.)

use unicode_normalization::UnicodeNormalization;

use crate::entities::string_enum;
use crate::workflow::{Holder, Party, Requester, Step, Workflow};
use crate::{DomainError, Duty};

string_enum!(
    /// What a change request changes.
    ChangeKind {
        /// The handling facility's layout (レイアウト変更).
        Layout => "layout",
        /// The site moves to another address (移転).
        Move => "move",
        /// The site closes (拠点閉鎖): its terminals are revoked.
        Closure => "closure",
        /// The company's registered name (社名変更).
        CompanyName => "company_name",
        /// The company's contacts (連絡先変更).
        Contacts => "contacts",
    }
);

string_enum!(
    /// Where a change request stands.
    ChangeState {
        /// Filed; waits for the agency.
        Submitted => "submitted",
        /// The agency asked for more material; waits for the company.
        Returned => "returned",
        /// The agency requires a new site check before it decides.
        SiteCheck => "site_check",
        /// Completed, and what it changes done.
        Completed => "completed",
        /// The agency rejected it.
        Rejected => "rejected",
        /// The company withdrew it.
        Withdrawn => "withdrawn",
    }
);

string_enum!(
    /// What a party does to a change request.
    ChangeAction {
        /// The agency completes it (and the change takes effect).
        Complete => "complete",
        /// The agency asks the company for more material.
        Return => "return",
        /// The agency requires a new site check first.
        RequireSiteCheck => "require_site_check",
        /// The agency records the site check passed.
        PassSiteCheck => "pass_site_check",
        /// The agency rejects it.
        Reject => "reject",
        /// The company files it again after a return.
        Resubmit => "resubmit",
        /// The company withdraws it.
        Withdraw => "withdraw",
    }
);

impl ChangeAction {
    /// The audit action a transition by this action is recorded as.
    pub fn audited_as(self) -> crate::AuditAction {
        use crate::AuditAction as A;
        match self {
            // As a membership's site check: the agency's decisions, told
            // apart by the `step=` of their entries.
            Self::Complete | Self::PassSiteCheck => A::ApplicationApprove,
            Self::Return | Self::RequireSiteCheck => A::ApplicationReturn,
            Self::Reject => A::ApplicationReject,
            Self::Resubmit => A::ApplicationResubmit,
            Self::Withdraw => A::ApplicationWithdraw,
        }
    }

    /// Whether it decides the request (the agency's; nobody decides their
    /// own).
    pub fn decides(self) -> bool {
        !matches!(self, Self::Resubmit | Self::Withdraw)
    }

    /// Whether it must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Return | Self::Reject | Self::RequireSiteCheck)
    }
}

/// The machine of a change request.
#[derive(Debug, Clone, Copy)]
pub struct MembershipChange;

const AGENCY_DECIDES: (Party, Holder, Requester) =
    (Party::Agency, Holder::Operator, Requester::Excluded);
const COMPANY_ADMIN: (Party, Holder, Requester) = (
    Party::Company,
    Holder::Duty(Duty::SecurityAdmin),
    Requester::Allowed,
);

fn to(
    next: ChangeState,
    (party, holder, requester): (Party, Holder, Requester),
) -> Option<Step<ChangeState>> {
    Some(Step {
        next,
        party,
        holder,
        requester,
    })
}

impl Workflow for MembershipChange {
    type State = ChangeState;
    type Action = ChangeAction;

    const STATES: &'static [ChangeState] = ChangeState::ALL;
    const ACTIONS: &'static [ChangeAction] = ChangeAction::ALL;

    fn step(state: ChangeState, action: ChangeAction) -> Option<Step<ChangeState>> {
        use ChangeAction as A;
        use ChangeState as S;
        match (state, action) {
            (S::Submitted, A::Complete) => to(S::Completed, AGENCY_DECIDES),
            (S::Submitted | S::SiteCheck, A::Return) => to(S::Returned, AGENCY_DECIDES),
            (S::Submitted, A::RequireSiteCheck) => to(S::SiteCheck, AGENCY_DECIDES),
            (S::SiteCheck, A::PassSiteCheck) => to(S::Submitted, AGENCY_DECIDES),
            (S::Submitted | S::SiteCheck, A::Reject) => to(S::Rejected, AGENCY_DECIDES),
            (S::Returned, A::Resubmit) => to(S::Submitted, COMPANY_ADMIN),
            (S::Submitted | S::Returned | S::SiteCheck, A::Withdraw) => {
                to(S::Withdrawn, COMPANY_ADMIN)
            }
            (S::Submitted, A::PassSiteCheck | A::Resubmit)
            | (S::SiteCheck, A::Complete | A::RequireSiteCheck | A::Resubmit)
            | (
                S::Returned,
                A::Complete | A::Return | A::RequireSiteCheck | A::PassSiteCheck | A::Reject,
            )
            | (S::Completed | S::Rejected | S::Withdrawn, _) => None,
        }
    }

    fn waits_for(state: ChangeState) -> Option<(Party, Holder)> {
        match state {
            ChangeState::Submitted | ChangeState::SiteCheck => {
                Some((AGENCY_DECIDES.0, AGENCY_DECIDES.1))
            }
            ChangeState::Returned => Some((COMPANY_ADMIN.0, COMPANY_ADMIN.1)),
            ChangeState::Completed | ChangeState::Rejected | ChangeState::Withdrawn => None,
        }
    }

    fn is_final(state: ChangeState) -> bool {
        matches!(
            state,
            ChangeState::Completed | ChangeState::Rejected | ChangeState::Withdrawn
        )
    }
}

/// A change request as the company fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChangeForm {
    /// What it changes.
    pub change: ChangeKind,
    /// The site concerned (layout, move, closure): for a closure, the site
    /// its terminals are registered at.
    pub site: String,
    /// The company's new name (company name).
    pub new_name: String,
    /// What changes and why: the new layout, address or contacts.
    pub details: String,
}

fn text(name: &'static str, raw: &str, max: usize) -> Result<String, DomainError> {
    let text: String = raw.nfc().collect::<String>().trim().to_owned();
    if text.is_empty() {
        return Err(DomainError::invalid(name, "must not be empty"));
    }
    if text.chars().count() > max
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::invalid(
            name,
            "too long or holds control characters",
        ));
    }
    Ok(text)
}

impl MembershipChangeForm {
    /// The form with its texts trimmed and checked for its kind; the fields
    /// the kind does not use are emptied.
    pub fn validate(&self) -> Result<Self, DomainError> {
        let details = text("details", &self.details, 4000)?;
        let (site, new_name) = match self.change {
            ChangeKind::Layout | ChangeKind::Move | ChangeKind::Closure => {
                (text("site", &self.site, 200)?, String::new())
            }
            ChangeKind::CompanyName => (String::new(), text("new_name", &self.new_name, 200)?),
            ChangeKind::Contacts => (String::new(), String::new()),
        };
        Ok(Self {
            change: self.change,
            site,
            new_name,
            details,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::workflow::properties::{actor, check_declarations, check_run};
    use crate::workflow::{transition, Actor};
    use crate::Role;

    #[test]
    fn the_declarations_agree() {
        check_declarations::<MembershipChange>();
        assert_eq!(
            MembershipChange::waits_for(ChangeState::SiteCheck),
            Some((Party::Agency, Holder::Operator))
        );
    }

    #[test]
    fn the_requester_never_completes_and_a_site_check_comes_first() {
        let operator = Actor {
            party: Some(Party::Agency),
            role: Role::Operator,
            duties: Vec::new(),
            is_requester: true,
        };
        assert!(transition::<MembershipChange>(
            ChangeState::Submitted,
            ChangeAction::Complete,
            &operator
        )
        .is_err());
        let other = Actor {
            is_requester: false,
            ..operator
        };
        assert!(transition::<MembershipChange>(
            ChangeState::SiteCheck,
            ChangeAction::Complete,
            &other
        )
        .is_err());
        assert_eq!(
            transition::<MembershipChange>(
                ChangeState::SiteCheck,
                ChangeAction::PassSiteCheck,
                &other
            )
            .ok(),
            Some(ChangeState::Submitted)
        );
    }

    #[test]
    fn each_kind_keeps_its_own_fields() {
        let mut form = MembershipChangeForm {
            change: ChangeKind::Closure,
            site: String::new(),
            new_name: "無視される".into(),
            details: " 第二工場を閉鎖 ".into(),
        };
        assert!(form.validate().is_err());
        form.site = "第二工場".into();
        let valid = form.validate().ok();
        assert_eq!(valid.as_ref().map(|f| f.new_name.as_str()), Some(""));
        assert_eq!(
            valid.as_ref().map(|f| f.details.as_str()),
            Some("第二工場を閉鎖")
        );
        form.change = ChangeKind::CompanyName;
        form.new_name = String::new();
        assert!(form.validate().is_err());
        form.new_name = "新社名株式会社".into();
        assert!(form.validate().is_ok_and(|f| f.site.is_empty()));
    }

    proptest! {
        #[test]
        fn no_sequence_leaves_the_machine(
            moves in proptest::collection::vec((any::<usize>(), actor()), 0..24),
        ) {
            let visited = check_run::<MembershipChange>(ChangeState::Submitted, &moves)?;
            let last = visited.last().copied().unwrap_or(ChangeState::Submitted);
            for action in ChangeAction::ALL {
                if MembershipChange::is_final(last) {
                    prop_assert!(MembershipChange::step(last, *action).is_none());
                }
            }
        }
    }
}
