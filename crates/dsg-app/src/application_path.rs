//! The one path every application kind takes (software, membership,
//! terminal, media …): the caller as the engine sees them, the decision
//! at the policy point on the application a request names (a missing one
//! decided like a forbidden one), the steps a page may offer, and a step
//! decided twice (policy point, then engine) before the kind writes it with
//! its timeline line and its one audit entry. A kind supplies its row, its
//! machine and how its actions map onto the policy's; the rest is here.

use dsg_core::workflow::{actions_for, transition, Actor, Party, Workflow};
use dsg_core::{
    ApplicationId, AuditAction, AuditObject, AuditRecord, CompanyId, CompanyKind, DomainError,
    Outcome, UserId,
};
use dsg_policy::{Action, ApplicationFacts, Resource};
use dsg_store::ApplicationRow;

use crate::admin::parse_id;
use crate::{App, AppError, Caller, Decided, RequestMeta, SessionUser};

/// The policy id of the rule that nobody decides what they filed.
pub(crate) const NO_SELF_DECISION: &str = "no-self-decided-applications";

/// The application as the policy sees it, with the service provider
/// assigned to it (a membership's).
pub(crate) fn facts_with(row: &ApplicationRow, provider: Option<CompanyId>) -> ApplicationFacts {
    ApplicationFacts {
        id: row.id.clone(),
        company: row.company_id,
        // Only contractors' applications are filed (the policy allows no
        // other company as the resource of application.file).
        company_kind: CompanyKind::Contractor,
        requested_by: row.requested_by,
        provider,
    }
}

/// The state of kind `K`.
pub(crate) type StateOf<K> = <<K as Kind>::Machine as Workflow>::State;
/// An action of kind `K`.
pub(crate) type ActionOf<K> = <<K as Kind>::Machine as Workflow>::Action;

/// An application kind: its stored row, its machine, and the names the
/// engine's states and actions are stored and recorded under.
pub(crate) trait Kind {
    /// The machine it runs on.
    type Machine: Workflow;
    /// The application with its form, as stored.
    type Row: Clone;

    /// The application part of a row.
    fn application(row: &Self::Row) -> &ApplicationRow;
    /// The service provider assigned to it, if the kind has one.
    fn provider(_row: &Self::Row) -> Option<CompanyId> {
        None
    }
    /// A stored state.
    fn parse_state(raw: &str) -> Result<StateOf<Self>, DomainError>;
    /// An action's stable name.
    fn action_name(action: ActionOf<Self>) -> &'static str;
    /// The policy action that decides `action`.
    fn policy_action(action: ActionOf<Self>) -> Action;
    /// Whether a refused `user` may learn the application exists (its
    /// company's people; others are answered `not_found`).
    fn sees(user: &SessionUser, row: &Self::Row) -> bool {
        Self::application(row).company_id == user.facts.company
    }
}

/// The caller as the engine sees them on an application of `company`
/// with `provider` assigned.
pub(crate) fn actor_on(
    user: &SessionUser,
    application: &ApplicationRow,
    provider: Option<CompanyId>,
) -> Actor {
    let party = match user.facts.company_kind {
        CompanyKind::Agency => Some(Party::Agency),
        CompanyKind::Contractor if user.facts.company == application.company_id => {
            Some(Party::Company)
        }
        CompanyKind::Contractor if provider == Some(user.facts.company) => Some(Party::Provider),
        CompanyKind::Contractor => None,
    };
    Actor {
        party,
        role: user.facts.role,
        duties: user.facts.duties.clone(),
        is_requester: user.user.id == application.requested_by,
    }
}

/// The application as the policy sees it.
pub(crate) fn facts_of<K: Kind>(row: &K::Row) -> ApplicationFacts {
    facts_with(K::application(row), K::provider(row))
}

/// A step decided by both the policy point and the engine, ready for the
/// kind to write.
pub(crate) struct Planned<K: Kind> {
    /// The state it was decided in.
    pub(crate) from: StateOf<K>,
    /// The state after it.
    pub(crate) next: StateOf<K>,
    /// The entry it commits with.
    pub(crate) record: AuditRecord,
    /// The entry of its failure (a conflict), recorded instead.
    pub(crate) failed: AuditRecord,
    /// The acting person.
    pub(crate) user: Box<SessionUser>,
}

impl<K: Kind> Planned<K> {
    /// Whether the state after it is final.
    pub(crate) fn closes(&self) -> bool {
        K::Machine::is_final(self.next)
    }
}

impl App {
    /// Whether an application in `state` is past its due date and still
    /// waits.
    pub(crate) fn overdue<K: Kind>(&self, application: &ApplicationRow, state: StateOf<K>) -> bool {
        let today = self.today().to_string();
        !K::Machine::is_final(state)
            && application
                .due_on
                .as_deref()
                .is_some_and(|due| today.as_str() > due)
    }

    /// The steps the caller may take on `row` now: the engine's and the
    /// policy point's answer together.
    pub(crate) fn offered<K: Kind>(
        &self,
        caller: &Caller,
        row: &K::Row,
        state: StateOf<K>,
    ) -> Vec<ActionOf<K>> {
        match caller {
            Caller::User(user) => actions_for::<K::Machine>(
                state,
                &actor_on(user, K::application(row), K::provider(row)),
            )
            .into_iter()
            .filter(|a| {
                self.permits(
                    caller,
                    K::policy_action(*a),
                    Resource::Application(facts_of::<K>(row)),
                )
            })
            .collect(),
            Caller::Anonymous => Vec::new(),
        }
    }

    /// Rows the caller may read, of those a list query returned.
    pub(crate) fn readable<K: Kind>(&self, caller: &Caller, rows: Vec<K::Row>) -> Vec<K::Row> {
        rows.into_iter()
            .filter(|row| {
                self.decide(
                    caller,
                    Action::ApplicationRead,
                    Resource::Application(facts_of::<K>(row)),
                )
                .allowed
            })
            .collect()
    }

    /// Decides `action` on the application `id` names, `row` as loaded
    /// (`None`: nothing by that id, decided on a stand-in of no company so
    /// a missing one takes the path of a forbidden one). Recorded when
    /// refused: `self_approval` when the caller filed it, `not_found` to
    /// whom may not learn it exists.
    pub(crate) async fn application_subject<K: Kind>(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: ApplicationId,
        row: Option<K::Row>,
        (action, audit_action): (Action, AuditAction),
    ) -> Result<(K::Row, Box<SessionUser>, Decided), AppError> {
        let resource = Resource::Application(match &row {
            Some(row) => facts_of::<K>(row),
            None => ApplicationFacts {
                id: id.to_string(),
                company: CompanyId::random(),
                company_kind: CompanyKind::Contractor,
                requested_by: UserId::random(),
                provider: None,
            },
        });
        crate::recorded_pair(action, audit_action);
        let decision = self.decide(caller, action, resource.clone());
        if let (Caller::User(user), true, Some(row)) = (caller, decision.allowed, &row) {
            return Ok((row.clone(), user.clone(), decision));
        }
        if decision.allowed {
            return Err(AppError::NotFound);
        }
        let step_up = self.step_up_would_allow(caller, action, resource);
        let record = Self::audit_decided(
            meta,
            caller,
            audit_action,
            AuditObject::Application(id.to_string()),
            Outcome::Denied,
            &decision,
        );
        self.record(&record).await?;
        let own = decision.policies.iter().any(|p| p == NO_SELF_DECISION);
        Err(match caller {
            Caller::Anonymous => AppError::Unauthenticated,
            Caller::User(_) if own => AppError::SelfApproval,
            Caller::User(_) if step_up => AppError::StepUpRequired,
            Caller::User(u) if row.as_ref().is_some_and(|r| K::sees(u, r)) => AppError::Forbidden,
            Caller::User(_) => AppError::NotFound,
        })
    }

    /// Parses an application id of a request path.
    pub(crate) fn application_id(raw: &str) -> Result<ApplicationId, AppError> {
        parse_id(raw, "application")
    }

    /// Decides `action` on `row` with the engine, after the policy point
    /// allowed it (`decided`): the step must exist in the row's state and
    /// belong to the caller. A refusal is recorded. Returns the step with
    /// the entry it commits with (`step=` and the action appended when
    /// `tagged`).
    pub(crate) async fn plan_step<K: Kind>(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (row, user, decided): (&K::Row, Box<SessionUser>, &Decided),
        (action, audit_action): (ActionOf<K>, AuditAction),
        tagged: bool,
    ) -> Result<Planned<K>, AppError> {
        let application = K::application(row);
        let object = AuditObject::Application(application.id.clone());
        let failed = |why: String| {
            crate::policies::with_decision(
                Self::audit(
                    meta,
                    caller,
                    audit_action,
                    object.clone(),
                    Outcome::Failure,
                    why,
                ),
                decided,
            )
        };
        let from = K::parse_state(&application.state)?;
        let next = match transition::<K::Machine>(
            from,
            action,
            &actor_on(&user, application, K::provider(row)),
        ) {
            Ok(next) => next,
            Err(refused) => {
                self.record(&failed(format!("refused: {refused}"))).await?;
                return Err(refused.into());
            }
        };
        let mut record = Self::audit_decided(
            meta,
            caller,
            audit_action,
            object.clone(),
            Outcome::Success,
            decided,
        );
        if tagged {
            record.reason = format!("{} step={}", record.reason, K::action_name(action));
        }
        Ok(Planned {
            from,
            next,
            record,
            failed: failed("conflict".into()),
            user,
        })
    }

    /// What a step that found the application moved on answers: its
    /// failure recorded, a conflict.
    pub(crate) async fn moved_on(&self, failed: &AuditRecord) -> AppError {
        match self.record(failed).await {
            Ok(()) => AppError::Conflict("application changed since it was read"),
            Err(e) => e,
        }
    }
}

/// The reason a step's timeline line carries: the given one, or the
/// action's name.
pub(crate) fn step_reason(reason: String, action: &'static str) -> String {
    if reason.is_empty() {
        action.to_owned()
    } else {
        reason
    }
}
