//! What a page may offer a person: the policy point that decides an action,
//! asked without acting. Nothing is recorded, since nothing is accessed;
//! when the person presses the button, the use case decides again and
//! records. The UI shows a link or a button only when this says yes, so it
//! never re-implements a rule of the policy and cannot drift from it.

use dsg_core::{CompanyId, CompanyKind, UserId};
use dsg_policy::{Action, ChangeRequestFacts, CompanyFacts, Resource, UserFacts};
use uuid::Uuid;

use super::{App, Caller};

/// The pages of the header's navigation a person may open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Navigation {
    /// The administrative registers (`/admin`).
    pub admin: bool,
    /// The audit log (`/audit`): the whole of it, or the own company's.
    pub audit_log: bool,
    /// The alerts of the log's analysis rules (`/alerts`).
    pub alerts: bool,
    /// The handler roster and training records (`/records`).
    pub records: bool,
    /// The policy register (`/admin/policies`).
    pub policies: bool,
    /// Who can reach what (`/admin/access`).
    pub access_review: bool,
    /// Applications and the inbox (`/applications`).
    pub applications: bool,
    /// Membership applications (`/memberships`), the service provider's
    /// staff included.
    pub memberships: bool,
}

/// A contractor company that is not the caller's, for questions asked
/// before any particular company is chosen ("may this person read a
/// contractor's records at all?"). The policy sees only its kind and that
/// it is nobody's own company.
fn some_contractor() -> Resource {
    Resource::Company(CompanyFacts {
        id: CompanyId::from_uuid(Uuid::nil()),
        kind: CompanyKind::Contractor,
    })
}

impl App {
    /// Whether `caller` may take `action` on `resource`, now or right after
    /// a step-up (a button for it is worth showing: pressing it asks for
    /// the step-up first).
    pub fn permits(&self, caller: &Caller, action: Action, resource: Resource) -> bool {
        self.decide(caller, action, resource.clone()).allowed
            || self.step_up_would_allow(caller, action, resource)
    }

    /// The navigation the header shows this caller.
    pub fn navigation(&self, caller: &Caller) -> Navigation {
        let Caller::User(user) = caller else {
            return Navigation::default();
        };
        let own = Resource::Company(CompanyFacts {
            id: user.facts.company,
            kind: user.facts.company_kind,
        });
        let on_gateway = |action| self.permits(caller, action, Resource::Gateway);
        Navigation {
            admin: on_gateway(Action::AdminRead),
            audit_log: on_gateway(Action::AuditRead)
                || self.permits(caller, Action::AuditRead, own.clone()),
            alerts: on_gateway(Action::AlertRead),
            records: self.permits(caller, Action::RecordsRead, own)
                || self.permits(caller, Action::RecordsRead, some_contractor()),
            policies: on_gateway(Action::PolicyRead),
            access_review: on_gateway(Action::AccessReview),
            applications: self.may_file_application(caller) || self.may_read_applications(caller),
            memberships: self.may_file_application(caller) || self.may_read_memberships(caller),
        }
    }

    /// Whether `caller` may acknowledge and close alerts.
    pub fn may_manage_alerts(&self, caller: &Caller) -> bool {
        self.permits(caller, Action::AlertManage, Resource::Gateway)
    }

    /// Whether `caller` may approve or reject the proposal `version`, made
    /// by `proposed_by` (nobody approves their own).
    pub fn may_decide_policy(&self, caller: &Caller, version: i64, proposed_by: UserId) -> bool {
        self.permits(
            caller,
            Action::PolicyApprove,
            Resource::ChangeRequest(ChangeRequestFacts {
                id: format!("policy-v{version}"),
                requested_by: proposed_by,
            }),
        )
    }

    /// Whether `caller` may take `action` on the records of the person
    /// `target` (enter a roster line, remove it, record a training).
    pub fn may_keep_records_of(&self, caller: &Caller, action: Action, target: &UserFacts) -> bool {
        self.permits(caller, action, Resource::Account(target.clone()))
    }

    /// Whether `caller` may confirm the roster line of `user` in its
    /// version `submitted_at`, submitted by `submitted_by` (the agency,
    /// someone other than the submitter).
    pub fn may_confirm_roster(
        &self,
        caller: &Caller,
        user: UserId,
        submitted_at: i64,
        submitted_by: UserId,
    ) -> bool {
        self.permits(
            caller,
            Action::RosterConfirm,
            Resource::ChangeRequest(ChangeRequestFacts {
                id: format!("roster:{user}:{submitted_at}"),
                requested_by: submitted_by,
            }),
        )
    }
}
