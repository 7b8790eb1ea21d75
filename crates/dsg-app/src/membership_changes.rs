//! Change requests after membership (変更申請) on the one application path:
//! filed by a company's protected-system administrator, decided by the
//! agency (never by the requester), which may ask for more material or
//! require a new site check first. Completing a closure revokes the site's
//! terminals (their connections closed) and opens the disposal of each
//! one's data; completing a new name renames the company, decided as
//! `company.rename` for the completing operator and recorded as such; both
//! in the completion's transaction.

use dsg_core::membership_change::{
    ChangeAction, ChangeKind, ChangeState, MembershipChange, MembershipChangeForm,
};
use dsg_core::{AuditAction, AuditObject, DomainError, Outcome};
use dsg_policy::Action;
use dsg_store::{
    ApplicationRow, ApplicationStepRow, ChangeEffect, MembershipChangeRow, Transition,
};

use crate::application_path::{step_reason, Kind};
use crate::applications::{reason_text, DECISION_WORKING_DAYS, LIST_LIMIT};
use crate::{App, AppError, Caller, RequestMeta};

/// A change request as its readers see it.
#[derive(Debug, Clone)]
pub struct MembershipChangeView {
    /// The application and its form.
    pub row: MembershipChangeRow,
    /// Its state.
    pub state: ChangeState,
    /// Past its due date and still waiting.
    pub overdue: bool,
    /// The steps the caller may take now.
    pub actions: Vec<ChangeAction>,
    /// Every step taken, oldest first (empty in lists).
    pub steps: Vec<ApplicationStepRow>,
}

/// The change request kind.
pub(crate) struct ChangeKindPath;

impl Kind for ChangeKindPath {
    type Machine = MembershipChange;
    type Row = MembershipChangeRow;

    fn application(row: &MembershipChangeRow) -> &ApplicationRow {
        &row.application
    }
    fn parse_state(raw: &str) -> Result<ChangeState, DomainError> {
        ChangeState::parse(raw)
    }
    fn action_name(action: ChangeAction) -> &'static str {
        action.as_str()
    }
    fn policy_action(action: ChangeAction) -> Action {
        if action.decides() {
            Action::ApplicationDecide
        } else {
            Action::ApplicationAct
        }
    }
}

impl App {
    fn change_view(&self, caller: &Caller, row: MembershipChangeRow) -> MembershipChangeView {
        let state = ChangeState::parse(&row.application.state).unwrap_or(ChangeState::Withdrawn);
        MembershipChangeView {
            overdue: self.overdue::<ChangeKindPath>(&row.application, state),
            actions: self.offered::<ChangeKindPath>(caller, &row, state),
            state,
            steps: Vec::new(),
            row,
        }
    }

    /// Files a change request for `company` (the caller's own when `None`).
    /// Waits for the agency, due in [`DECISION_WORKING_DAYS`].
    pub async fn file_membership_change(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: Option<&str>,
        form: &MembershipChangeForm,
    ) -> Result<MembershipChangeView, AppError> {
        let (user, decided, company) = self.authorize_filing(meta, caller, company).await?;
        let form = form.validate()?;
        let row = MembershipChangeRow {
            application: self.new_request("change", company.id, &user),
            form,
            disposals: Vec::new(),
        };
        let record = Self::filed_record(meta, caller, &row.application.id, "change", &decided);
        self.inner
            .applications
            .file_membership_change(&row, &record)
            .await?;
        Ok(self.change_view(caller, row))
    }

    /// The change requests the caller may read, those due first; the read
    /// is recorded.
    pub async fn membership_changes(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<MembershipChangeView>, AppError> {
        let (scope, probe) = Self::read_scope(caller);
        let object = AuditObject::Company(scope);
        let (_, decided) = self
            .authorize_on(
                meta,
                caller,
                (Action::ApplicationRead, probe),
                AuditAction::ApplicationView,
                object.clone(),
            )
            .await?;
        let rows = self
            .inner
            .applications
            .membership_changes(scope, LIST_LIMIT)
            .await?;
        let rows = self.readable::<ChangeKindPath>(caller, rows);
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationView,
            object,
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(rows
            .into_iter()
            .map(|row| self.change_view(caller, row))
            .collect())
    }

    /// One change request with its timeline; the read is recorded.
    pub async fn membership_change(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
    ) -> Result<MembershipChangeView, AppError> {
        let id = Self::application_id(id)?;
        let row = self
            .inner
            .applications
            .membership_change(&id.to_string())
            .await?;
        let (row, _, decided) = self
            .application_subject::<ChangeKindPath>(
                meta,
                caller,
                id,
                row,
                (Action::ApplicationRead, AuditAction::ApplicationView),
            )
            .await?;
        let steps = self
            .inner
            .applications
            .application_steps(&row.application.id)
            .await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationView,
            AuditObject::Application(row.application.id.clone()),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        let mut view = self.change_view(caller, row);
        view.steps = steps;
        Ok(view)
    }

    /// Takes a step on a change request, decided by the policy point and
    /// the engine. Completing a closure or a new name applies it in the
    /// completion's transaction (a rename also needs `company.rename`).
    pub async fn act_on_membership_change(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        action: ChangeAction,
        reason: &str,
    ) -> Result<MembershipChangeView, AppError> {
        let app_id = Self::application_id(id)?;
        let row = self
            .inner
            .applications
            .membership_change(&app_id.to_string())
            .await?;
        let audit_action = action.audited_as();
        let (row, user, decided) = self
            .application_subject::<ChangeKindPath>(
                meta,
                caller,
                app_id,
                row,
                (ChangeKindPath::policy_action(action), audit_action),
            )
            .await?;
        let reason = reason_text(reason, action.needs_reason())?;
        let plan = self
            .plan_step::<ChangeKindPath>(
                meta,
                caller,
                (&row, user, &decided),
                (action, audit_action),
                true,
            )
            .await?;
        let company = row.application.company_id;
        let effect = match (plan.next, row.form.change) {
            (ChangeState::Completed, ChangeKind::Closure) => ChangeEffect::CloseSite {
                company,
                site: row.form.site.clone(),
                reason: format!("site closure {}", row.application.id),
            },
            (ChangeState::Completed, ChangeKind::CompanyName) => {
                let (_, rename) = self
                    .authorize_on_gateway(
                        meta,
                        caller,
                        Action::CompanyRename,
                        AuditAction::CompanyRename,
                    )
                    .await?;
                let mut record = Self::audit_decided(
                    meta,
                    caller,
                    AuditAction::CompanyRename,
                    AuditObject::Company(Some(company)),
                    Outcome::Success,
                    &rename,
                );
                record.reason = format!("{} change={}", record.reason, row.application.id);
                ChangeEffect::Rename {
                    company,
                    name: row.form.new_name.clone(),
                    record: Box::new(record),
                }
            }
            _ => ChangeEffect::None,
        };
        let due_on =
            matches!(plan.next, ChangeState::Submitted | ChangeState::SiteCheck).then(|| {
                self.due_after_working_days(DECISION_WORKING_DAYS)
                    .to_string()
            });
        let closed = self
            .inner
            .applications
            .transition_membership_change(
                &Transition {
                    id: &row.application.id,
                    from: plan.from.as_str(),
                    action: action.as_str(),
                    to: plan.next.as_str(),
                    actor: plan.user.user.id,
                    reason: &step_reason(reason, action.as_str()),
                    due_on: due_on.as_deref(),
                    closes: plan.closes(),
                },
                &effect,
                self.now(),
                &plan.record,
            )
            .await?;
        let Some(fingerprints) = closed else {
            return Err(self.moved_on(&plan.failed).await);
        };
        for fingerprint in &fingerprints {
            self.inner.connections.close(fingerprint);
        }
        let row = self
            .inner
            .applications
            .membership_change(&app_id.to_string())
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(self.change_view(caller, row))
    }
}
