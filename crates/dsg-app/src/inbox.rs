//! One inbox (受信箱) for everyone: every open application of every kind
//! that waits for the caller, read in one query. Whether one waits for
//! them is the engine's owner of its state (`waits_for`) and the policy
//! point's offers together, the same answers its page's buttons come from;
//! nothing here decides on its own.

use dsg_core::helpdesk::{Ticket, TicketAction, TicketState};
use dsg_core::membership::{MembershipAction, MembershipApplication, MembershipState};
use dsg_core::membership_change::{ChangeAction, ChangeState, MembershipChange};
use dsg_core::requests::{ApprovalAction, ApprovalRequest, ApprovalState};
use dsg_core::software::{SoftwareAction, SoftwareRequest, SoftwareState};
use dsg_core::workflow::{actions_for, waits_for_actor, Workflow};
use dsg_core::{CompanyKind, DomainError, Duty};
use dsg_policy::{Action, ApplicationFacts, Resource};
use dsg_store::OpenApplicationRow;

use crate::application_path::{actor_on, facts_with};
use crate::applications::LIST_LIMIT;
use crate::{App, AppError, Caller, RequestMeta, SessionUser};

/// One application waiting for the caller.
#[derive(Debug, Clone)]
pub struct InboxItem {
    /// The application, its company's name and its provider.
    pub row: OpenApplicationRow,
    /// Past its due date.
    pub overdue: bool,
    /// The steps the caller may take on it now.
    pub actions: Vec<&'static str>,
}

/// How one kind's machine is asked about a row.
struct Machine<W: Workflow> {
    parse: fn(&str) -> Result<W::State, DomainError>,
    policy: fn(W::Action) -> Action,
    name: fn(W::Action) -> &'static str,
}

fn by_decision(decides: bool) -> Action {
    if decides {
        Action::ApplicationDecide
    } else {
        Action::ApplicationAct
    }
}

impl App {
    /// The steps `user` may take on `row` if it waits for them, `None`
    /// when it does not (or they may take none).
    fn waiting_steps<W: Workflow>(
        &self,
        caller: &Caller,
        user: &SessionUser,
        row: &OpenApplicationRow,
        machine: &Machine<W>,
    ) -> Option<Vec<&'static str>> {
        let state = (machine.parse)(&row.application.state).ok()?;
        let actor = actor_on(user, &row.application, row.provider_id);
        if !waits_for_actor::<W>(state, &actor) {
            return None;
        }
        let facts: ApplicationFacts = facts_with(&row.application, row.provider_id);
        let actions: Vec<&'static str> = actions_for::<W>(state, &actor)
            .into_iter()
            .filter(|a| {
                self.permits(
                    caller,
                    (machine.policy)(*a),
                    Resource::Application(facts.clone()),
                )
            })
            .map(machine.name)
            .collect();
        (!actions.is_empty()).then_some(actions)
    }

    /// Everything that waits for the caller, of every kind, due first: one
    /// query over the open applications of the caller's scope (every
    /// company's for the agency, those assigned to their organisation for
    /// the service provider's staff, else their company's), each kept when
    /// the engine says it waits for them and the policy point lets them
    /// take a step. Empty (and not recorded) for someone who may read no
    /// application; the read is recorded otherwise.
    pub async fn inbox_items(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<InboxItem>, AppError> {
        let Caller::User(user) = caller else {
            return Err(AppError::Unauthenticated);
        };
        let (company, provider, probe) = Self::membership_scope(caller);
        if !self
            .decide(caller, Action::ApplicationRead, probe.clone())
            .allowed
        {
            return Ok(Vec::new());
        }
        let provider_only = provider.is_some()
            && !user.facts.duties.contains(&Duty::SecurityAdmin)
            && user.facts.company_kind == CompanyKind::Contractor;
        let object = dsg_core::AuditObject::Company(company);
        let (_, decided) = self
            .authorize_on(
                meta,
                caller,
                (Action::ApplicationRead, probe),
                dsg_core::AuditAction::ApplicationView,
                object.clone(),
            )
            .await?;
        let rows = self
            .inner
            .applications
            .open_applications(company, provider.filter(|_| provider_only), LIST_LIMIT)
            .await?;
        let record = Self::audit_decided(
            meta,
            caller,
            dsg_core::AuditAction::ApplicationView,
            object,
            dsg_core::Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        let software = Machine::<SoftwareRequest> {
            parse: SoftwareState::parse,
            policy: |a| {
                by_decision(!matches!(
                    a,
                    SoftwareAction::Resubmit | SoftwareAction::Withdraw
                ))
            },
            name: SoftwareAction::as_str,
        };
        let membership = Machine::<MembershipApplication> {
            parse: MembershipState::parse,
            policy: |a| by_decision(a.decides()),
            name: MembershipAction::as_str,
        };
        let approval = Machine::<ApprovalRequest> {
            parse: ApprovalState::parse,
            policy: |a| by_decision(a.decides()),
            name: ApprovalAction::as_str,
        };
        let change = Machine::<MembershipChange> {
            parse: ChangeState::parse,
            policy: |a| by_decision(a.decides()),
            name: ChangeAction::as_str,
        };
        let ticket = Machine::<Ticket> {
            parse: TicketState::parse,
            policy: |_| Action::TicketAct,
            name: TicketAction::as_str,
        };
        let today = self.today().to_string();
        Ok(rows
            .into_iter()
            .filter(|row| {
                let read = if row.application.kind == "ticket" {
                    Action::TicketRead
                } else {
                    Action::ApplicationRead
                };
                self.decide(
                    caller,
                    read,
                    Resource::Application(facts_with(&row.application, row.provider_id)),
                )
                .allowed
            })
            .filter_map(|row| {
                let actions = match row.application.kind.as_str() {
                    "software" => self.waiting_steps(caller, user, &row, &software),
                    "membership" => self.waiting_steps(caller, user, &row, &membership),
                    "terminal" | "media" => self.waiting_steps(caller, user, &row, &approval),
                    "change" => self.waiting_steps(caller, user, &row, &change),
                    "ticket" => self.waiting_steps(caller, user, &row, &ticket),
                    _ => None,
                }?;
                let overdue = row
                    .application
                    .due_on
                    .as_deref()
                    .is_some_and(|due| today.as_str() > due);
                Some(InboxItem {
                    row,
                    overdue,
                    actions,
                })
            })
            .collect())
    }
}
