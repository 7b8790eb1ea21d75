//! Requests that name an object by id answer alike whether the id names
//! something the caller may not act on or nothing at all, so no caller
//! learns which ids exist beyond their own company's.
//!
//! The one way to do it: look the object up, decide on it or, for an id
//! that names nothing, on a stand-in belonging to no company (one lookup,
//! one policy decision, one audit entry either way), then answer a refusal
//! with [`App::authorize_named`]'s uniform error.

use dsg_core::{AccountState, AuditAction, AuditObject, CompanyId, CompanyKind, Role, UserId};
use dsg_policy::{Action, Resource, UserFacts};

use super::{App, AppError, Caller, Decided, RequestMeta, SessionUser};

/// The person a missing user id is decided on as: a disabled contractor
/// member of a company nobody belongs to, whom no policy lets anyone act on.
pub(super) fn missing_user(id: UserId) -> UserFacts {
    UserFacts {
        id,
        company: CompanyId::random(),
        company_kind: CompanyKind::Contractor,
        role: Role::Member,
        state: AccountState::Disabled,
        handler_of: Vec::new(),
        participant_of: Vec::new(),
        duties: Vec::new(),
        roster: None,
        training_age_secs: None,
        designation_trained_for: Vec::new(),
        consented: false,
        company_roles: Vec::new(),
    }
}

impl App {
    /// Decides `action` on `resource`, the object a request names (or its
    /// stand-in), owned by `owner` (`None` for a stand-in). A refusal is
    /// recorded and answered `unauthenticated` for the anonymous whatever
    /// the id, `step_up_required` where a fresh re-authentication would
    /// allow it, `forbidden` when the object belongs to the caller's own
    /// company (they know it exists), and `not_found` otherwise — the
    /// answer an id naming nothing gets too.
    pub(super) async fn authorize_named(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (action, resource): (Action, Resource),
        owner: Option<CompanyId>,
        audit_action: AuditAction,
        object: AuditObject,
    ) -> Result<(Box<SessionUser>, Decided), AppError> {
        self.authorize_on(meta, caller, (action, resource), audit_action, object)
            .await
            .map_err(|e| match (e, caller) {
                (AppError::Forbidden, Caller::User(u)) if owner != Some(u.facts.company) => {
                    AppError::NotFound
                }
                (e, _) => e,
            })
    }
}
