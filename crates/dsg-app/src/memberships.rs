//! Membership applications (加入申請) on the workflow engine: filed by a
//! company's protected-system administrator, scheduled to completion in
//! working days on filing, taken step by step by the agency, the service
//! provider assigned to it and the company, and ended by a numbered
//! membership-completion notice (加入完了通知書).
//!
//! As for every application, a step is decided twice: by the policy point
//! (company isolation, the provider only on what is assigned to it, nobody
//! decides what they filed) and by the engine (the step exists in this
//! state and belongs to the caller's party and duty). A step commits with
//! its timeline line and exactly one audit entry.

use dsg_core::membership::{
    MembershipAction, MembershipApplication, MembershipForm, MembershipState, MembershipStep,
};
use dsg_core::membership_schedule::{self, ScheduledStep};
use dsg_core::workflow::{waits_for_actor, Party, Workflow};
use dsg_core::{
    ApplicationId, AuditAction, AuditObject, CalendarDate, CompanyId, CompanyKind, DomainError,
    Duty, Outcome, UserId, WorkingCalendar,
};
use dsg_policy::{Action, ApplicationFacts, CompanyFacts, Resource};
use dsg_store::{
    ApplicationRow, ApplicationStepRow, MembershipEffects, MembershipRow, NoticeRow,
    ScheduleLineRow, Transition,
};

use crate::admin::parse_id;
use crate::application_path::{actor_on, facts_of, step_reason, Kind};
use crate::applications::{reason_text, LIST_LIMIT};
use crate::{App, AppError, Caller, RequestMeta, SessionUser};

/// A membership application as its readers see it.
#[derive(Debug, Clone)]
pub struct MembershipView {
    /// The application, its form and its provider.
    pub row: MembershipRow,
    /// Its state.
    pub state: MembershipState,
    /// Past its due date and still waiting.
    pub overdue: bool,
    /// The steps the caller may take now (the engine's and the policy
    /// point's answer together).
    pub actions: Vec<MembershipAction>,
    /// Whether the caller may adjust the schedule.
    pub may_adjust: bool,
}

/// One line of the schedule as shown.
#[derive(Debug, Clone)]
pub struct ScheduleLine {
    /// The step (①–⑦).
    pub step: MembershipStep,
    /// Its owner.
    pub owner: Party,
    /// When it is due.
    pub due_on: String,
    /// Whether the agency set this date (not as generated).
    pub adjusted: bool,
}

/// A membership-completion notice (加入完了通知書).
#[derive(Debug, Clone)]
pub struct MembershipNotice {
    /// Its number (`YYYY-NNNN`).
    pub number: String,
    /// The day it was issued, in the deployment's time zone.
    pub issued_on: String,
    /// The membership it completes.
    pub membership: MembershipRow,
}

/// A membership with its schedule, timeline and notice.
#[derive(Debug, Clone)]
pub struct MembershipDetail {
    /// The application.
    pub membership: MembershipView,
    /// Its schedule to completion, ①–⑦.
    pub schedule: Vec<ScheduleLine>,
    /// Whether ④–⑦ are planned within one month, as the guide asks.
    pub works_within_a_month: bool,
    /// Every step taken, oldest first.
    pub steps: Vec<ApplicationStepRow>,
    /// The completion notice, once issued.
    pub notice: Option<MembershipNotice>,
}

fn provider_staff(user: &SessionUser) -> bool {
    user.facts.duties.contains(&Duty::SiteSurvey)
        || user.facts.duties.contains(&Duty::TerminalSetup)
}

/// The membership kind of the one application path.
pub(crate) struct Membership;

impl Kind for Membership {
    type Machine = MembershipApplication;
    type Row = MembershipRow;

    fn application(row: &MembershipRow) -> &ApplicationRow {
        &row.application
    }
    fn provider(row: &MembershipRow) -> Option<CompanyId> {
        row.provider_id
    }
    fn parse_state(raw: &str) -> Result<MembershipState, DomainError> {
        MembershipState::parse(raw)
    }
    fn action_name(action: MembershipAction) -> &'static str {
        action.as_str()
    }
    fn policy_action(action: MembershipAction) -> Action {
        if action.decides() {
            Action::ApplicationDecide
        } else {
            Action::ApplicationAct
        }
    }
    /// Who may see it (its company, its provider, the agency) learns it is
    /// refused; anyone else that there is nothing.
    fn sees(u: &SessionUser, r: &MembershipRow) -> bool {
        r.application.company_id == u.facts.company
            || (r.provider_id == Some(u.facts.company) && provider_staff(u))
            || u.facts.company_kind == CompanyKind::Agency
    }
}

fn facts(row: &MembershipRow) -> ApplicationFacts {
    facts_of::<Membership>(row)
}

/// The stored lines in the order of the steps (two may share a day).
fn schedule_of(lines: &[ScheduleLineRow]) -> Vec<ScheduledStep> {
    let mut steps: Vec<ScheduledStep> = lines
        .iter()
        .filter_map(|l| {
            let step = MembershipStep::parse(&l.step).ok()?;
            Some(ScheduledStep {
                step,
                owner: step.owner(),
                due_on: CalendarDate::parse("due_on", &l.due_on).ok()?,
            })
        })
        .collect();
    steps.sort_by_key(|s| s.step.number());
    steps
}

fn due_of(lines: &[ScheduleLineRow], state: MembershipState) -> Option<String> {
    let step = state.step()?;
    lines
        .iter()
        .find(|l| l.step == step.as_str())
        .map(|l| l.due_on.clone())
}

impl App {
    fn membership_view(&self, caller: &Caller, row: MembershipRow) -> MembershipView {
        let state =
            MembershipState::parse(&row.application.state).unwrap_or(MembershipState::Withdrawn);
        let overdue = self.overdue::<Membership>(&row.application, state);
        let (actions, may_adjust) = match caller {
            Caller::User(user) => (
                self.offered::<Membership>(caller, &row, state),
                !MembershipApplication::is_final(state)
                    && user.facts.company_kind == CompanyKind::Agency
                    && self.permits(
                        caller,
                        Action::ApplicationDecide,
                        Resource::Application(facts(&row)),
                    ),
            ),
            Caller::Anonymous => (Vec::new(), false),
        };
        MembershipView {
            state,
            overdue,
            actions,
            may_adjust,
            row,
        }
    }

    async fn membership_subject(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        decision: (Action, AuditAction),
    ) -> Result<(MembershipRow, Box<SessionUser>, crate::Decided), AppError> {
        let id: ApplicationId = Self::application_id(id)?;
        let row = self.inner.applications.membership(&id.to_string()).await?;
        self.application_subject::<Membership>(meta, caller, id, row, decision)
            .await
    }

    /// Files a membership application for `company` (the caller's own when
    /// `None`; an agency operator names the company it files for, a form
    /// that came on paper). On filing, the schedule to completion is
    /// generated in working days from today (①–⑦ with their typical
    /// durations) and the application waits for the agency.
    pub async fn file_membership(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: Option<&str>,
        form: &MembershipForm,
    ) -> Result<MembershipDetail, AppError> {
        let company_id: CompanyId = match (company, caller) {
            (Some(raw), _) => parse_id(raw, "company_id")?,
            (None, Caller::User(u)) => u.facts.company,
            (None, Caller::Anonymous) => CompanyId::random(),
        };
        let company = self.inner.org.company(company_id).await?;
        let resource = Resource::Company(CompanyFacts {
            id: company_id,
            kind: company.as_ref().map_or(CompanyKind::Contractor, |c| c.kind),
        });
        let (user, decided) = self
            .authorize_named(
                meta,
                caller,
                (Action::ApplicationFile, resource),
                company.as_ref().map(|c| c.id),
                AuditAction::ApplicationFile,
                AuditObject::Company(Some(company_id)),
            )
            .await?;
        let company = company.ok_or(AppError::NotFound)?;
        let form = form.validate()?;
        let today = self.today();
        let schedule = membership_schedule::generate(today, &WorkingCalendar::new());
        let lines: Vec<ScheduleLineRow> = schedule
            .iter()
            .map(|s| ScheduleLineRow {
                step: s.step.as_str().into(),
                owner: s.owner.as_str().into(),
                due_on: s.due_on.to_string(),
                adjusted_by: None,
                adjusted_at: None,
            })
            .collect();
        let now = self.now();
        let id = ApplicationId::random().to_string();
        let state = MembershipState::Submitted;
        let row = MembershipRow {
            application: ApplicationRow {
                id: id.clone(),
                kind: "membership".into(),
                company_id: company.id,
                requested_by: user.user.id,
                state: state.as_str().into(),
                reason: "awaiting_agency".into(),
                submitted_at: now,
                due_on: due_of(&lines, state),
                updated_at: now,
                closed_at: None,
            },
            form,
            provider_id: None,
        };
        let mut record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationFile,
            AuditObject::Application(id.clone()),
            Outcome::Success,
            &decided,
        );
        record.reason = format!("{} kind=membership", record.reason);
        self.inner
            .applications
            .file_membership(&row, &lines, &record)
            .await?;
        Ok(MembershipDetail {
            membership: self.membership_view(caller, row),
            works_within_a_month: membership_schedule::works_within_a_month(&schedule),
            schedule: lines_view(&lines),
            steps: Vec::new(),
            notice: None,
        })
    }

    /// One membership with its schedule, timeline and notice; the read is
    /// recorded.
    pub async fn membership(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
    ) -> Result<MembershipDetail, AppError> {
        let (row, _, decided) = self
            .membership_subject(
                meta,
                caller,
                id,
                (Action::ApplicationRead, AuditAction::ApplicationView),
            )
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
        self.membership_detail(caller, row).await
    }

    async fn membership_detail(
        &self,
        caller: &Caller,
        row: MembershipRow,
    ) -> Result<MembershipDetail, AppError> {
        let id = row.application.id.clone();
        let lines = self.inner.applications.membership_schedule(&id).await?;
        let steps = self.inner.applications.application_steps(&id).await?;
        let notice = self
            .inner
            .applications
            .membership_notice(&id)
            .await?
            .map(|n| self.notice_of(n, row.clone()));
        Ok(MembershipDetail {
            works_within_a_month: membership_schedule::works_within_a_month(&schedule_of(&lines)),
            schedule: lines_view(&lines),
            membership: self.membership_view(caller, row),
            steps,
            notice,
        })
    }

    fn notice_of(&self, n: NoticeRow, membership: MembershipRow) -> MembershipNotice {
        let offset = i64::from(self.inner.config.zero_trust.utc_offset_minutes) * 60_000;
        MembershipNotice {
            number: format!("{}-{:04}", n.year, n.seq),
            issued_on: CalendarDate::of_unix_ms(n.issued_at + offset).to_string(),
            membership,
        }
    }

    /// Takes a step on a membership. Accepting it names the service
    /// provider (`provider`: a company other than the applicant); a
    /// rejection or deficiencies say why; the final check passed issues
    /// the numbered completion notice in the same transaction. The next
    /// step is due as the schedule says. Decided on the state it was read
    /// in; someone else's step in between is a conflict.
    pub async fn act_on_membership(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        action: MembershipAction,
        reason: &str,
        provider: Option<&str>,
    ) -> Result<MembershipDetail, AppError> {
        let audit_action = action.audited_as();
        let (row, user, decided) = self
            .membership_subject(
                meta,
                caller,
                id,
                (Membership::policy_action(action), audit_action),
            )
            .await?;
        let reason = reason_text(reason, action.needs_reason())?;
        let app_id = row.application.id.clone();
        let plan = self
            .plan_step::<Membership>(
                meta,
                caller,
                (&row, user, &decided),
                (action, audit_action),
                true,
            )
            .await?;
        let next = plan.next;
        let mut effects = MembershipEffects::default();
        if action == MembershipAction::Accept {
            let raw = provider.ok_or_else(|| {
                AppError::Invalid("provider_id: accepting names the service provider".into())
            })?;
            let provider_id: CompanyId = parse_id(raw, "provider_id")?;
            let company = self.inner.org.company(provider_id).await?;
            if !company.is_some_and(|c| {
                c.kind == CompanyKind::Contractor && c.id != row.application.company_id
            }) {
                return Err(AppError::Invalid(
                    "provider_id: the service provider is another organisation than the applicant"
                        .into(),
                ));
            }
            effects.assign_provider = Some(provider_id);
        }
        if next == MembershipState::Completed {
            effects.issue_notice = Some((i64::from(self.today().date().year()), plan.user.user.id));
        }
        let lines = self.inner.applications.membership_schedule(&app_id).await?;
        let due_on = due_of(&lines, next);
        let moved = self
            .inner
            .applications
            .transition_membership(
                &Transition {
                    id: &app_id,
                    from: plan.from.as_str(),
                    action: action.as_str(),
                    to: next.as_str(),
                    actor: plan.user.user.id,
                    reason: &step_reason(reason, action.as_str()),
                    due_on: due_on.as_deref(),
                    closes: plan.closes(),
                },
                &effects,
                self.now(),
                &plan.record,
            )
            .await?;
        if !moved {
            return Err(self.moved_on(&plan.failed).await);
        }
        let row = self
            .inner
            .applications
            .membership(&app_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.membership_detail(caller, row).await
    }

    /// The agency adjusts the schedule: `step` is due on `due_on` (a
    /// working day, not before the step ahead), and the steps after it
    /// follow with their typical durations. Decided like a decision on the
    /// application (the agency's operators, never on one they filed).
    pub async fn adjust_membership_schedule(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        step: &str,
        due_on: &str,
    ) -> Result<MembershipDetail, AppError> {
        let (row, user, decided) = self
            .membership_subject(
                meta,
                caller,
                id,
                (
                    Action::ApplicationDecide,
                    AuditAction::ApplicationScheduleAdjust,
                ),
            )
            .await?;
        let step = MembershipStep::parse(step)?;
        let due = CalendarDate::parse("due_on", due_on)?;
        let state = MembershipState::parse(&row.application.state)?;
        if MembershipApplication::is_final(state) {
            return Err(AppError::Invalid("the application is closed".into()));
        }
        let app_id = row.application.id.clone();
        let from = self.inner.applications.membership_schedule(&app_id).await?;
        let adjusted =
            membership_schedule::adjust(&schedule_of(&from), step, due, &WorkingCalendar::new())?;
        let now = self.now();
        let lines: Vec<ScheduleLineRow> = adjusted
            .iter()
            .map(|s| {
                let old = from.iter().find(|l| l.step == s.step.as_str());
                let moved = old.is_none_or(|l| l.due_on != s.due_on.to_string());
                ScheduleLineRow {
                    step: s.step.as_str().into(),
                    owner: s.owner.as_str().into(),
                    due_on: s.due_on.to_string(),
                    adjusted_by: if moved {
                        Some(user.user.id)
                    } else {
                        old.and_then(|l| l.adjusted_by)
                    },
                    adjusted_at: if moved {
                        Some(now)
                    } else {
                        old.and_then(|l| l.adjusted_at)
                    },
                }
            })
            .collect();
        let mut record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationScheduleAdjust,
            AuditObject::Application(app_id.clone()),
            Outcome::Success,
            &decided,
        );
        record.reason = format!("{} step={} due_on={due}", record.reason, step.as_str());
        let done = self
            .inner
            .applications
            .adjust_membership_schedule(
                &app_id,
                &from,
                &lines,
                due_of(&lines, state).as_deref(),
                now,
                &record,
            )
            .await?;
        if !done {
            return Err(AppError::Conflict("the schedule changed since it was read"));
        }
        let row = self
            .inner
            .applications
            .membership(&app_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.membership_detail(caller, row).await
    }

    /// The memberships the caller may read: the agency's readers every
    /// company's, a company's administrator their company's, the service
    /// provider's staff those assigned to their organisation. With
    /// `waiting`, only the open ones waiting for the caller (their inbox).
    /// The read is recorded.
    pub async fn memberships(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        waiting: bool,
    ) -> Result<Vec<MembershipView>, AppError> {
        let (company, provider, probe) = Self::membership_scope(caller);
        let object = AuditObject::Company(company);
        if waiting
            && matches!(caller, Caller::User(_))
            && !self
                .decide(caller, Action::ApplicationRead, probe.clone())
                .allowed
        {
            return Ok(Vec::new());
        }
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
            .memberships(company, provider, waiting, LIST_LIMIT)
            .await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationView,
            object,
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        let Caller::User(user) = caller else {
            return Err(AppError::Unauthenticated);
        };
        Ok(self
            .readable::<Membership>(caller, rows)
            .into_iter()
            .filter(|row| {
                !waiting
                    || MembershipState::parse(&row.application.state).is_ok_and(|state| {
                        waits_for_actor::<MembershipApplication>(
                            state,
                            &actor_on(user, &row.application, row.provider_id),
                        )
                    })
            })
            .map(|row| self.membership_view(caller, row))
            .filter(|view| !waiting || !view.actions.is_empty())
            .collect())
    }

    /// The company and provider a caller's lists draw from (none: all, for
    /// the agency), and the stand-in application of that scope that decides
    /// whether they may read any.
    pub(crate) fn membership_scope(
        caller: &Caller,
    ) -> (Option<CompanyId>, Option<CompanyId>, Resource) {
        let stand_in = |company: CompanyId, provider: Option<CompanyId>| {
            Resource::Application(ApplicationFacts {
                id: "scope".into(),
                company,
                company_kind: CompanyKind::Contractor,
                requested_by: UserId::random(),
                provider,
            })
        };
        match caller {
            Caller::User(u) if u.facts.company_kind == CompanyKind::Agency => {
                (None, None, stand_in(CompanyId::random(), None))
            }
            Caller::User(u)
                if provider_staff(u) && !u.facts.duties.contains(&Duty::SecurityAdmin) =>
            {
                (
                    None,
                    Some(u.facts.company),
                    stand_in(CompanyId::random(), Some(u.facts.company)),
                )
            }
            Caller::User(u) => (Some(u.facts.company), None, stand_in(u.facts.company, None)),
            Caller::Anonymous => (
                Some(CompanyId::random()),
                None,
                stand_in(CompanyId::random(), None),
            ),
        }
    }

    /// Whether the caller may read any membership of their scope (the
    /// provider's staff: those assigned to their organisation).
    pub fn may_read_memberships(&self, caller: &Caller) -> bool {
        let (_, _, probe) = Self::membership_scope(caller);
        matches!(caller, Caller::User(_)) && self.permits(caller, Action::ApplicationRead, probe)
    }

    /// The completion notice of a membership, for its print view; the read
    /// is recorded. Not found until it is issued.
    pub async fn membership_notice(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
    ) -> Result<MembershipNotice, AppError> {
        let detail = self.membership(meta, caller, id).await?;
        detail.notice.ok_or(AppError::NotFound)
    }
}

fn lines_view(lines: &[ScheduleLineRow]) -> Vec<ScheduleLine> {
    MembershipStep::ALL
        .iter()
        .filter_map(|step| {
            let line = lines.iter().find(|l| l.step == step.as_str())?;
            Some(ScheduleLine {
                step: *step,
                owner: step.owner(),
                due_on: line.due_on.clone(),
                adjusted: line.adjusted_by.is_some(),
            })
        })
        .collect()
}
