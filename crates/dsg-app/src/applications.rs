//! Applications (申請) between the agency and the companies, on the
//! workflow engine of dsg-core (`workflow.rs`): software installation
//! requests against the agency's versioned software lists, and the inbox
//! of what waits for the caller.
//!
//! Every step is decided twice, each on its own ground: the policy point
//! decides whether this person may act on this application at all
//! (company isolation, nobody decides what they filed; the deciding policy
//! goes into the audit entry), and the engine whether the step exists in
//! the state the application is in and belongs to the caller's party. A
//! step commits with its timeline line and exactly one audit entry.

use dsg_core::software::{
    screen, SoftwareAction, SoftwareEntry, SoftwareForm, SoftwareLists, SoftwareRequest,
    SoftwareState,
};
use dsg_core::workflow::{waits_for_actor, Workflow};
use dsg_core::{
    ApplicationId, AuditAction, AuditObject, CalendarDate, CompanyId, CompanyKind, DomainError,
    Outcome, UserId, WorkingCalendar,
};
use dsg_policy::{Action, ApplicationFacts, CompanyFacts, Resource};
use dsg_store::{
    ApplicationRow, ApplicationStepRow, SoftwareListVersionRow, SoftwareRequestRow, Transition,
};

use crate::admin::parse_id;
use crate::application_path::{actor_on, step_reason, Kind};
use crate::{App, AppError, Caller, RequestMeta};

/// Working days the agency has to decide a software request, counted from
/// the day it is filed (or filed again): the operating guide names none;
/// five is one working week.
pub const DECISION_WORKING_DAYS: u32 = 5;

/// Most applications a list or an inbox shows.
pub(crate) const LIST_LIMIT: i64 = 500;

/// A software request as its readers see it.
#[derive(Debug, Clone)]
pub struct SoftwareRequestView {
    /// The application and its form.
    pub row: SoftwareRequestRow,
    /// Its state.
    pub state: SoftwareState,
    /// Pre-installed and not approved (yet): the software must not be
    /// started (承認が下りるまでは起動・使用等を行わないこと).
    pub do_not_start: bool,
    /// Past its due date and still waiting.
    pub overdue: bool,
    /// The steps the caller may take now (the engine's and the policy
    /// point's answer together).
    pub actions: Vec<SoftwareAction>,
}

/// A software request with its timeline.
#[derive(Debug, Clone)]
pub struct SoftwareRequestDetail {
    /// The request.
    pub request: SoftwareRequestView,
    /// Every step taken, oldest first.
    pub steps: Vec<ApplicationStepRow>,
}

/// The software lists in force and their history.
#[derive(Debug, Clone)]
pub struct SoftwareListsView {
    /// The version in force (0: none put in force yet).
    pub version: i64,
    /// Its entries.
    pub lists: SoftwareLists,
    /// Every version, newest first.
    pub history: Vec<SoftwareListVersionRow>,
    /// Whether the caller may put a new version in force.
    pub may_change: bool,
}

/// The software lists as an operator submits them.
#[derive(Debug, Clone)]
pub struct NewSoftwareLists {
    /// The version they were edited from: a change made since is not
    /// overwritten.
    pub based_on: i64,
    /// The whitelist.
    pub allowed: Vec<SoftwareEntry>,
    /// The blacklist.
    pub denied: Vec<SoftwareEntry>,
    /// Why.
    pub note: String,
}

fn checked_entries(entries: &[SoftwareEntry]) -> Result<Vec<SoftwareEntry>, AppError> {
    let mut out: Vec<SoftwareEntry> = entries
        .iter()
        .map(SoftwareEntry::validate)
        .collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    if out.len() > 2_000 {
        return Err(AppError::Invalid("at most 2000 entries per list".into()));
    }
    Ok(out)
}

pub(crate) fn reason_text(raw: &str, required: bool) -> Result<String, AppError> {
    let text = raw.trim();
    if required && text.is_empty() {
        return Err(AppError::Invalid(
            "reason: a return or a rejection says why".into(),
        ));
    }
    if text.chars().count() > 2_000
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::Invalid(
            "reason: at most 2000 characters, no control characters".into(),
        ));
    }
    Ok(text.to_owned())
}

/// The software request kind of the one application path.
pub(crate) struct Software;

impl Kind for Software {
    type Machine = SoftwareRequest;
    type Row = SoftwareRequestRow;

    fn application(row: &SoftwareRequestRow) -> &ApplicationRow {
        &row.application
    }
    fn parse_state(raw: &str) -> Result<SoftwareState, DomainError> {
        SoftwareState::parse(raw)
    }
    fn action_name(action: SoftwareAction) -> &'static str {
        action.as_str()
    }
    fn policy_action(action: SoftwareAction) -> Action {
        match action {
            SoftwareAction::Approve | SoftwareAction::Return | SoftwareAction::Reject => {
                Action::ApplicationDecide
            }
            SoftwareAction::Resubmit | SoftwareAction::Withdraw => Action::ApplicationAct,
        }
    }
}

impl App {
    pub(crate) fn due_after_working_days(&self, n: u32) -> CalendarDate {
        WorkingCalendar::new().add_working_days(self.today(), n)
    }

    fn software_view(&self, caller: &Caller, row: SoftwareRequestRow) -> SoftwareRequestView {
        let state = SoftwareState::parse(&row.application.state).unwrap_or(SoftwareState::Refused);
        SoftwareRequestView {
            do_not_start: row.form.preinstalled && state != SoftwareState::Approved,
            overdue: self.overdue::<Software>(&row.application, state),
            actions: self.offered::<Software>(caller, &row, state),
            state,
            row,
        }
    }

    /// Files a software request for `company` (the caller's own when
    /// `None`; an agency operator names the company it files for). It is
    /// screened on filing: online installation or updates and blacklisted
    /// software are refused with that reason, whitelisted software is
    /// recorded without approval, anything else (pre-installed software
    /// always) waits for the agency, due in [`DECISION_WORKING_DAYS`].
    pub async fn file_software_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: Option<&str>,
        form: &SoftwareForm,
    ) -> Result<SoftwareRequestView, AppError> {
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
        let (list_version, lists) = self.inner.applications.software_lists().await?;
        let screening = screen(&form, &lists);
        let state = screening.state();
        let now = self.now();
        let id = ApplicationId::random().to_string();
        let row = SoftwareRequestRow {
            application: ApplicationRow {
                id: id.clone(),
                kind: "software".into(),
                company_id: company.id,
                requested_by: user.user.id,
                state: state.as_str().into(),
                reason: screening.reason().into(),
                submitted_at: now,
                due_on: (state == SoftwareState::Submitted).then(|| {
                    self.due_after_working_days(DECISION_WORKING_DAYS)
                        .to_string()
                }),
                updated_at: now,
                closed_at: SoftwareRequest::is_final(state).then_some(now),
            },
            form,
            list_version,
        };
        let mut record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationFile,
            AuditObject::Application(id),
            Outcome::Success,
            &decided,
        );
        record.reason = format!("{} screening={}", record.reason, screening.reason());
        self.inner
            .applications
            .file_software_request(&row, &record)
            .await?;
        Ok(self.software_view(caller, row))
    }

    /// One software request with its timeline; the read is recorded.
    pub async fn software_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
    ) -> Result<SoftwareRequestDetail, AppError> {
        let id = Self::application_id(id)?;
        let row = self
            .inner
            .applications
            .software_request(&id.to_string())
            .await?;
        let (row, _, decided) = self
            .application_subject::<Software>(
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
        Ok(SoftwareRequestDetail {
            request: self.software_view(caller, row),
            steps,
        })
    }

    /// Takes a step on a software request: the agency approves, returns
    /// or rejects it (a return or rejection says why), the company files
    /// it again after a return or withdraws it. Decided on the state it was
    /// read in; someone else's step in between is a conflict.
    pub async fn act_on_software_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        action: SoftwareAction,
        reason: &str,
    ) -> Result<SoftwareRequestView, AppError> {
        let audit_action = action.audited_as();
        let id = Self::application_id(id)?;
        let row = self
            .inner
            .applications
            .software_request(&id.to_string())
            .await?;
        let (row, user, decided) = self
            .application_subject::<Software>(
                meta,
                caller,
                id,
                row,
                (Software::policy_action(action), audit_action),
            )
            .await?;
        let reason = reason_text(
            reason,
            matches!(action, SoftwareAction::Return | SoftwareAction::Reject),
        )?;
        let app_id = row.application.id.clone();
        let plan = self
            .plan_step::<Software>(
                meta,
                caller,
                (&row, user, &decided),
                (action, audit_action),
                false,
            )
            .await?;
        let due_on = (plan.next == SoftwareState::Submitted).then(|| {
            self.due_after_working_days(DECISION_WORKING_DAYS)
                .to_string()
        });
        let moved = self
            .inner
            .applications
            .transition_application(
                &Transition {
                    id: &app_id,
                    from: plan.from.as_str(),
                    action: action.as_str(),
                    to: plan.next.as_str(),
                    actor: plan.user.user.id,
                    reason: &step_reason(reason, action.as_str()),
                    due_on: due_on.as_deref(),
                    closes: plan.closes(),
                },
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
            .software_request(&app_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(self.software_view(caller, row))
    }

    /// The software requests the caller may read: the agency's readers see
    /// every company's, a company's administrator their company's. Asked
    /// of the policy point on a request of the caller's scope first: who may
    /// read none is refused (recorded); the read is recorded.
    pub async fn software_requests(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<SoftwareRequestView>, AppError> {
        let rows = self.readable_requests(meta, caller, false).await?;
        Ok(rows
            .into_iter()
            .map(|row| self.software_view(caller, row))
            .collect())
    }

    /// What waits for the caller: open applications that wait for the
    /// caller's party and duty (the engine's owner of the state) and on
    /// which the policy point lets them take a step, those due first, with
    /// an overdue mark.
    pub async fn inbox(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<SoftwareRequestView>, AppError> {
        // Someone who may read no application has nothing waiting: answered
        // empty, not refused (nor recorded as a denial: looking at one's
        // inbox is no attempt on anything).
        let (_, probe) = Self::read_scope(caller);
        if matches!(caller, Caller::User(_))
            && !self.decide(caller, Action::ApplicationRead, probe).allowed
        {
            return Ok(Vec::new());
        }
        // The anonymous are refused (and recorded) here.
        let rows = self.readable_requests(meta, caller, true).await?;
        let Caller::User(user) = caller else {
            return Err(AppError::Unauthenticated);
        };
        Ok(rows
            .into_iter()
            .filter(|row| {
                SoftwareState::parse(&row.application.state).is_ok_and(|state| {
                    waits_for_actor::<SoftwareRequest>(
                        state,
                        &actor_on(user, &row.application, None),
                    )
                })
            })
            .map(|row| self.software_view(caller, row))
            .filter(|view| !view.actions.is_empty())
            .collect())
    }

    /// Whether the caller may file an application for their own company
    /// (the form a page offers).
    pub fn may_file_application(&self, caller: &Caller) -> bool {
        match caller {
            Caller::User(u) => self.permits(
                caller,
                Action::ApplicationFile,
                Resource::Company(CompanyFacts {
                    id: u.facts.company,
                    kind: u.facts.company_kind,
                }),
            ),
            Caller::Anonymous => false,
        }
    }

    /// Whether the caller may read any application of their scope.
    pub fn may_read_applications(&self, caller: &Caller) -> bool {
        let (_, probe) = Self::read_scope(caller);
        matches!(caller, Caller::User(_)) && self.permits(caller, Action::ApplicationRead, probe)
    }

    /// The companies whose applications the caller's lists draw from (all
    /// for the agency, else their own), and the stand-in application of
    /// that scope, filed by someone else, that decides whether they may
    /// read any.
    pub(crate) fn read_scope(caller: &Caller) -> (Option<CompanyId>, Resource) {
        let (scope, probe_company) = match caller {
            Caller::User(u) if u.facts.company_kind == CompanyKind::Agency => {
                (None, CompanyId::random())
            }
            Caller::User(u) => (Some(u.facts.company), u.facts.company),
            Caller::Anonymous => (Some(CompanyId::random()), CompanyId::random()),
        };
        let probe = Resource::Application(ApplicationFacts {
            id: "scope".into(),
            company: probe_company,
            company_kind: CompanyKind::Contractor,
            requested_by: UserId::random(),
            provider: None,
        });
        (scope, probe)
    }

    async fn readable_requests(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        open_only: bool,
    ) -> Result<Vec<SoftwareRequestRow>, AppError> {
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
            .software_requests(scope, open_only, LIST_LIMIT)
            .await?;
        let rows = self.readable::<Software>(caller, rows);
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationView,
            object,
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(rows)
    }

    /// The software lists in force and their history; the read is recorded.
    pub async fn software_lists(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<SoftwareListsView, AppError> {
        let (_, decided) = self
            .authorize_on_gateway(
                meta,
                caller,
                Action::SoftwareListRead,
                AuditAction::SoftwareListView,
            )
            .await?;
        let (version, lists) = self.inner.applications.software_lists().await?;
        let history = self.inner.applications.software_list_versions().await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::SoftwareListView,
            AuditObject::SoftwareList(Some(version)),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(SoftwareListsView {
            version,
            lists,
            history,
            may_change: self.permits(caller, Action::SoftwareListManage, Resource::Gateway),
        })
    }

    /// Puts a new version of the software lists in force (the whole of
    /// both lists). Software on both lists is refused: the blacklist would
    /// silently win. Returns the new version.
    pub async fn change_software_lists(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        new: &NewSoftwareLists,
    ) -> Result<i64, AppError> {
        let (user, decided) = self
            .authorize_admin(
                meta,
                caller,
                Action::SoftwareListManage,
                AuditAction::SoftwareListChange,
            )
            .await?;
        let lists = SoftwareLists {
            allowed: checked_entries(&new.allowed)?,
            denied: checked_entries(&new.denied)?,
        };
        if lists.allowed.iter().any(|a| lists.denied.contains(a)) {
            return Err(AppError::Invalid(
                "an entry is on both the whitelist and the blacklist".into(),
            ));
        }
        let note = reason_text(&new.note, true).map_err(|_| {
            AppError::Invalid("note: why the lists change (at most 2000 characters)".into())
        })?;
        let version = new.based_on.saturating_add(1);
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::SoftwareListChange,
            AuditObject::SoftwareList(Some(version)),
            Outcome::Success,
            &decided,
        );
        self.inner
            .applications
            .put_software_lists(
                &SoftwareListVersionRow {
                    version,
                    changed_by: user.id,
                    changed_at: self.now(),
                    note,
                },
                &lists,
                &record,
            )
            .await?;
        Ok(version)
    }
}
