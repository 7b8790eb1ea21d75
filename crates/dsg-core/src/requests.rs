//! Requests a company files and the agency approves: terminal registration
//! and removal (端末登録・撤去申請) and removable-media registration and
//! removal (可搬記憶媒体登録・撤去申請). Both run on one machine of the
//! workflow engine, [`ApprovalRequest`]: the company's protected-system
//! administrator files, the agency approves, returns or rejects (never the
//! requester), the company files again after a return or withdraws. What an
//! approval does (a certificate issued, a terminal revoked, a medium listed
//! or closed) is the kind's own and happens in the approval's transaction.

use unicode_normalization::UnicodeNormalization;

use crate::entities::string_enum;
use crate::workflow::{Holder, Party, Requester, Step, Workflow};
use crate::{DomainError, Duty, UserId};

string_enum!(
    /// Where a request the agency approves stands.
    ApprovalState {
        /// Filed; waits for the agency's decision.
        Submitted => "submitted",
        /// The agency asked for more material; waits for the company.
        Returned => "returned",
        /// Approved, and what it asked for done.
        Approved => "approved",
        /// The agency rejected it.
        Rejected => "rejected",
        /// The company withdrew it.
        Withdrawn => "withdrawn",
    }
);

string_enum!(
    /// What a party does to a request the agency approves.
    ApprovalAction {
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

impl ApprovalAction {
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

    /// Whether it decides the request (nobody decides their own).
    pub fn decides(self) -> bool {
        matches!(self, Self::Approve | Self::Return | Self::Reject)
    }

    /// Whether it must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Return | Self::Reject)
    }
}

/// The machine of a request the agency approves.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalRequest;

const AGENCY_DECIDES: (Party, Holder, Requester) =
    (Party::Agency, Holder::Operator, Requester::Excluded);
const COMPANY_ADMIN: (Party, Holder, Requester) = (
    Party::Company,
    Holder::Duty(Duty::SecurityAdmin),
    Requester::Allowed,
);

fn to(
    next: ApprovalState,
    (party, holder, requester): (Party, Holder, Requester),
) -> Option<Step<ApprovalState>> {
    Some(Step {
        next,
        party,
        holder,
        requester,
    })
}

impl Workflow for ApprovalRequest {
    type State = ApprovalState;
    type Action = ApprovalAction;

    const STATES: &'static [ApprovalState] = ApprovalState::ALL;
    const ACTIONS: &'static [ApprovalAction] = ApprovalAction::ALL;

    fn step(state: ApprovalState, action: ApprovalAction) -> Option<Step<ApprovalState>> {
        use ApprovalAction as A;
        use ApprovalState as S;
        match (state, action) {
            (S::Submitted, A::Approve) => to(S::Approved, AGENCY_DECIDES),
            (S::Submitted, A::Return) => to(S::Returned, AGENCY_DECIDES),
            (S::Submitted, A::Reject) => to(S::Rejected, AGENCY_DECIDES),
            (S::Returned, A::Resubmit) => to(S::Submitted, COMPANY_ADMIN),
            (S::Submitted | S::Returned, A::Withdraw) => to(S::Withdrawn, COMPANY_ADMIN),
            (S::Submitted, A::Resubmit)
            | (S::Returned, A::Approve | A::Return | A::Reject)
            | (S::Approved | S::Rejected | S::Withdrawn, _) => None,
        }
    }

    fn waits_for(state: ApprovalState) -> Option<(Party, Holder)> {
        match state {
            ApprovalState::Submitted => Some((AGENCY_DECIDES.0, AGENCY_DECIDES.1)),
            ApprovalState::Returned => Some((COMPANY_ADMIN.0, COMPANY_ADMIN.1)),
            ApprovalState::Approved | ApprovalState::Rejected | ApprovalState::Withdrawn => None,
        }
    }

    fn is_final(state: ApprovalState) -> bool {
        matches!(
            state,
            ApprovalState::Approved | ApprovalState::Rejected | ApprovalState::Withdrawn
        )
    }
}

string_enum!(
    /// Whether a request brings something in or takes it out.
    Operation {
        /// Register a terminal or a medium.
        Register => "register",
        /// Remove one that is registered.
        Remove => "remove",
    }
);

fn field(name: &'static str, raw: &str, max: usize) -> Result<String, DomainError> {
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

/// A terminal registration or removal request as the company fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalRequestForm {
    /// Register a new terminal or remove a registered one.
    pub operation: Operation,
    /// Its serial number (registration).
    pub serial: String,
    /// The site it stands at (registration).
    pub site: String,
    /// Its model, to the agency's specification (registration).
    pub model: String,
    /// The terminal's certificate signing request, PEM (registration).
    pub csr_pem: String,
    /// The registered terminal to remove (removal).
    pub terminal_id: String,
    /// Why (required for a removal).
    pub reason: String,
}

const CSR_BEGIN: &str = "-----BEGIN CERTIFICATE REQUEST-----";
const CSR_END: &str = "-----END CERTIFICATE REQUEST-----";

impl TerminalRequestForm {
    /// The form with its texts trimmed and checked for its operation; the
    /// fields the other operation uses are emptied.
    pub fn validate(&self) -> Result<Self, DomainError> {
        match self.operation {
            Operation::Register => {
                let csr = self.csr_pem.trim();
                if !(csr.starts_with(CSR_BEGIN) && csr.ends_with(CSR_END)) || csr.len() > 16_384 {
                    return Err(DomainError::invalid(
                        "csr_pem",
                        "a PEM certificate signing request",
                    ));
                }
                Ok(Self {
                    operation: self.operation,
                    serial: field("serial", &self.serial, 100)?,
                    site: field("site", &self.site, 200)?,
                    model: field("model", &self.model, 200)?,
                    csr_pem: csr.to_owned(),
                    terminal_id: String::new(),
                    reason: optional("reason", &self.reason)?,
                })
            }
            Operation::Remove => Ok(Self {
                operation: self.operation,
                serial: String::new(),
                site: String::new(),
                model: String::new(),
                csr_pem: String::new(),
                terminal_id: field("terminal_id", &self.terminal_id, 64)?,
                reason: field("reason", &self.reason, 2000)?,
            }),
        }
    }
}

fn optional(name: &'static str, raw: &str) -> Result<String, DomainError> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        field(name, raw, 2000)
    }
}

string_enum!(
    /// The type of a removable medium.
    MediaType {
        /// USB memory.
        UsbMemory => "usb_memory",
        /// An external disk.
        ExternalDisk => "external_disk",
        /// An optical disc (CD, DVD, BD).
        OpticalDisc => "optical_disc",
        /// A memory card.
        MemoryCard => "memory_card",
    }
);

/// Most people a medium may be used by: the standard keeps the users of a
/// medium few.
pub const MAX_MEDIA_USERS: usize = 50;

/// A removable-media registration or removal request as the company fills
/// it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaForm {
    /// Register a medium in the media list or remove one from it.
    pub operation: Operation,
    /// The medium's id (its label, the company's management number).
    pub media_id: String,
    /// Its type (registration).
    pub media_type: Option<MediaType>,
    /// Its capacity in megabytes (registration).
    pub capacity_mb: i64,
    /// What it is used for (registration).
    pub purpose: String,
    /// Who may use it (registration): people of the same company.
    pub permitted_users: Vec<UserId>,
    /// Why (required for a removal).
    pub reason: String,
}

impl MediaForm {
    /// The form with its texts trimmed and checked for its operation. That
    /// the permitted users are the company's people is checked where the
    /// people are known.
    pub fn validate(&self) -> Result<Self, DomainError> {
        let media_id = field("media_id", &self.media_id, 100)?;
        match self.operation {
            Operation::Register => {
                let media_type = self
                    .media_type
                    .ok_or(DomainError::invalid("media_type", "must be given"))?;
                if !(1..=100_000_000).contains(&self.capacity_mb) {
                    return Err(DomainError::invalid(
                        "capacity_mb",
                        "between 1 and 100000000",
                    ));
                }
                let mut users = self.permitted_users.clone();
                users.sort_by_key(ToString::to_string);
                users.dedup();
                if users.is_empty() || users.len() > MAX_MEDIA_USERS {
                    return Err(DomainError::invalid(
                        "permitted_users",
                        "one to fifty people of the company",
                    ));
                }
                Ok(Self {
                    operation: self.operation,
                    media_id,
                    media_type: Some(media_type),
                    capacity_mb: self.capacity_mb,
                    purpose: field("purpose", &self.purpose, 2000)?,
                    permitted_users: users,
                    reason: optional("reason", &self.reason)?,
                })
            }
            Operation::Remove => Ok(Self {
                operation: self.operation,
                media_id,
                media_type: None,
                capacity_mb: 0,
                purpose: String::new(),
                permitted_users: Vec::new(),
                reason: field("reason", &self.reason, 2000)?,
            }),
        }
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
        check_declarations::<ApprovalRequest>();
        assert_eq!(
            ApprovalRequest::waits_for(ApprovalState::Submitted),
            Some((Party::Agency, Holder::Operator))
        );
    }

    #[test]
    fn the_requester_never_approves() {
        let operator = Actor {
            party: Some(Party::Agency),
            role: Role::Operator,
            duties: Vec::new(),
            is_requester: true,
        };
        assert!(transition::<ApprovalRequest>(
            ApprovalState::Submitted,
            ApprovalAction::Approve,
            &operator
        )
        .is_err());
        let other = Actor {
            is_requester: false,
            ..operator
        };
        assert_eq!(
            transition::<ApprovalRequest>(
                ApprovalState::Submitted,
                ApprovalAction::Approve,
                &other
            )
            .ok(),
            Some(ApprovalState::Approved)
        );
    }

    #[test]
    fn a_registration_needs_a_csr_and_a_removal_a_reason() {
        let mut form = TerminalRequestForm {
            operation: Operation::Register,
            serial: " SN-1 ".into(),
            site: "本社".into(),
            model: "DSG-T1".into(),
            csr_pem: "not a csr".into(),
            terminal_id: String::new(),
            reason: String::new(),
        };
        assert!(form.validate().is_err());
        form.csr_pem = format!("{CSR_BEGIN}\nAAAA\n{CSR_END}\n");
        assert_eq!(form.validate().map(|f| f.serial).ok(), Some("SN-1".into()));
        form.operation = Operation::Remove;
        form.terminal_id = "t".into();
        assert!(form.validate().is_err());
        form.reason = "故障".into();
        assert!(form.validate().is_ok_and(|f| f.csr_pem.is_empty()));
    }

    #[test]
    fn a_medium_names_its_users() {
        let mut form = MediaForm {
            operation: Operation::Register,
            media_id: "USB-001".into(),
            media_type: Some(MediaType::UsbMemory),
            capacity_mb: 32_000,
            purpose: "図面の搬入".into(),
            permitted_users: Vec::new(),
            reason: String::new(),
        };
        assert!(form.validate().is_err());
        let user = UserId::random();
        form.permitted_users = vec![user, user];
        assert_eq!(
            form.validate().map(|f| f.permitted_users).ok(),
            Some(vec![user])
        );
        form.capacity_mb = 0;
        assert!(form.validate().is_err());
    }

    proptest! {
        #[test]
        fn no_sequence_leaves_the_machine(
            moves in proptest::collection::vec((any::<usize>(), actor()), 0..24),
        ) {
            let visited = check_run::<ApprovalRequest>(ApprovalState::Submitted, &moves)?;
            let last = visited.last().copied().unwrap_or(ApprovalState::Submitted);
            for action in ApprovalAction::ALL {
                if ApprovalRequest::is_final(last) {
                    prop_assert!(ApprovalRequest::step(last, *action).is_none());
                }
            }
        }
    }
}
