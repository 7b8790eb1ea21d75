//! The help desk (ヘルプデスク) on the one application path: a company's
//! users file tickets for their company, the desk (the agency's operators,
//! a service provider assigned to the ticket) answers and resolves them,
//! the company replies, reopens or closes. Each step's message is its
//! thread line. The service levels are set on filing by priority, in
//! working hours of working days. A ticket links to a compartment file by
//! id only, and the link is shown only to those the policy point lets read
//! that file.

use dsg_core::helpdesk::{
    may_reopen, service_due, Clock, Ticket, TicketAction, TicketForm, TicketState, MAX_MESSAGE,
};
use dsg_core::{
    ApplicationId, AuditAction, AuditObject, CalendarDate, CompanyId, CompanyKind, CompartmentId,
    DomainError, FileId, Outcome, WorkingCalendar,
};
use dsg_policy::{Action, CompanyFacts, FileFacts, Resource};
use dsg_store::{ApplicationRow, ApplicationStepRow, TicketMarks, TicketRow, Transition};

use crate::admin::parse_id;
use crate::application_path::{Kind, Planned};
use crate::applications::LIST_LIMIT;
use crate::{App, AppError, Caller, RequestMeta};

/// A ticket as its readers see it.
#[derive(Debug, Clone)]
pub struct TicketView {
    /// The ticket with its form and clocks.
    pub row: TicketRow,
    /// Its state.
    pub state: TicketState,
    /// The first answer came late, or is late now.
    pub first_response_overdue: bool,
    /// The resolution came late, or is late now.
    pub resolution_overdue: bool,
    /// The steps the caller may take now.
    pub actions: Vec<TicketAction>,
    /// The thread, oldest first (empty in lists).
    pub steps: Vec<ApplicationStepRow>,
    /// The linked compartment file, when the caller may read it.
    pub linked_file: Option<(CompartmentId, FileId)>,
}

/// What the company files.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// The form.
    pub form: TicketForm,
    /// A compartment file to point the desk to (`compartment`, `file`).
    pub linked_file: Option<(String, String)>,
}

/// The ticket kind.
pub(crate) struct TicketKind;

impl Kind for TicketKind {
    type Machine = Ticket;
    type Row = TicketRow;

    fn application(row: &TicketRow) -> &ApplicationRow {
        &row.application
    }
    fn provider(row: &TicketRow) -> Option<CompanyId> {
        row.provider_id
    }
    fn parse_state(raw: &str) -> Result<TicketState, DomainError> {
        TicketState::parse(raw)
    }
    fn action_name(action: TicketAction) -> &'static str {
        action.as_str()
    }
    fn policy_action(_: TicketAction) -> Action {
        Action::TicketAct
    }
}

impl App {
    fn utc_offset(&self) -> i32 {
        self.inner.config.zero_trust.utc_offset_minutes
    }

    fn ticket_view(&self, caller: &Caller, row: TicketRow) -> TicketView {
        let state = TicketState::parse(&row.application.state).unwrap_or(TicketState::Closed);
        let now = self.now();
        let first = Clock {
            due_ms: row.first_response_due_at,
            met_ms: row.first_response_at,
        };
        let resolution = Clock {
            due_ms: row.resolution_due_at,
            met_ms: row.resolved_at.or(row.application.closed_at),
        };
        TicketView {
            first_response_overdue: first.overdue(now),
            resolution_overdue: resolution.overdue(now),
            actions: self.offered::<TicketKind>(caller, &row, state),
            linked_file: None,
            state,
            steps: Vec::new(),
            row,
        }
    }

    /// The file a ticket links to as the policy sees it, `None` when it is
    /// gone.
    async fn linked_resource(
        &self,
        compartment: CompartmentId,
        file: FileId,
    ) -> Result<Option<Resource>, AppError> {
        let Some(c) = self.inner.org.compartment(&compartment.to_string()).await? else {
            return Ok(None);
        };
        let Some(stored) = self.inner.files.file(c.id, file).await? else {
            return Ok(None);
        };
        let facts = super::contract_end::compartment_facts(&c, self.today());
        Ok(Some(if self.policy().engine.decides_files() {
            Resource::File(FileFacts {
                id: file,
                compartment: facts,
                status: stored.status,
            })
        } else {
            Resource::Compartment(facts)
        }))
    }

    /// Whether `caller` may read the file a ticket links to: asked of the
    /// same policy point as a download; nothing is opened or copied.
    async fn may_read_linked(
        &self,
        caller: &Caller,
        (compartment, file): (CompartmentId, FileId),
    ) -> Result<bool, AppError> {
        Ok(match self.linked_resource(compartment, file).await? {
            Some(resource) => self.decide(caller, Action::FileRead, resource).allowed,
            None => false,
        })
    }

    /// Files a ticket for `company` (the caller's own when `None`; the desk
    /// names one). Its service levels run from now by priority. A linked
    /// file must be one the filer may read (else the link is refused as
    /// if the file did not exist).
    pub async fn file_ticket(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: Option<&str>,
        ticket: &NewTicket,
    ) -> Result<TicketView, AppError> {
        let company_id: CompanyId = match (company, caller) {
            (Some(raw), _) => parse_id(raw, "company_id")?,
            (None, Caller::User(u)) => u.facts.company,
            (None, Caller::Anonymous) => CompanyId::random(),
        };
        let found = self.inner.org.company(company_id).await?;
        let resource = Resource::Company(CompanyFacts {
            id: company_id,
            kind: found.as_ref().map_or(CompanyKind::Contractor, |c| c.kind),
        });
        let (user, decided) = self
            .authorize_named(
                meta,
                caller,
                (Action::TicketFile, resource),
                found.as_ref().map(|c| c.id),
                AuditAction::TicketFile,
                AuditObject::Company(Some(company_id)),
            )
            .await?;
        let company = found.ok_or(AppError::NotFound)?;
        let form = ticket.form.validate()?;
        let linked_file = match &ticket.linked_file {
            None => None,
            Some((c, f)) => {
                let link: (CompartmentId, FileId) =
                    (parse_id(c, "compartment_id")?, parse_id(f, "file_id")?);
                if !self.may_read_linked(caller, link).await? {
                    return Err(AppError::Invalid(
                        "linked_file: a compartment file you may read".into(),
                    ));
                }
                Some(link)
            }
        };
        let now = self.now();
        let (first_due, resolution_due) = service_due(
            &WorkingCalendar::new(),
            now,
            form.priority,
            self.utc_offset(),
        );
        let row = TicketRow {
            application: ApplicationRow {
                id: ApplicationId::random().to_string(),
                kind: "ticket".into(),
                company_id: company.id,
                requested_by: user.user.id,
                state: TicketState::Open.as_str().into(),
                reason: "awaiting_desk".into(),
                submitted_at: now,
                due_on: Some(self.local_date(resolution_due).to_string()),
                updated_at: now,
                closed_at: None,
            },
            form,
            provider_id: None,
            linked_file,
            first_response_due_at: first_due,
            resolution_due_at: resolution_due,
            first_response_at: None,
            resolved_at: None,
        };
        let mut record = Self::audit_decided(
            meta,
            caller,
            AuditAction::TicketFile,
            AuditObject::Application(row.application.id.clone()),
            Outcome::Success,
            &decided,
        );
        record.reason = format!(
            "{} category={};priority={}",
            record.reason,
            row.form.category.as_str(),
            row.form.priority.as_str()
        );
        self.inner.applications.file_ticket(&row, &record).await?;
        let mut view = self.ticket_view(caller, row);
        view.linked_file = linked_file;
        Ok(view)
    }

    /// The local date of a Unix time, in the deployment's time zone.
    fn local_date(&self, ms: i64) -> CalendarDate {
        CalendarDate::of_unix_ms(ms + i64::from(self.utc_offset()) * 60_000)
    }

    /// The tickets the caller may read, newest first: their company's, or
    /// every company's for the desk. The read is recorded.
    pub async fn tickets(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        open_only: bool,
    ) -> Result<Vec<TicketView>, AppError> {
        let Caller::User(user) = caller else {
            return Err(AppError::Unauthenticated);
        };
        let scope = match user.facts.company_kind {
            CompanyKind::Agency => None,
            CompanyKind::Contractor => Some(user.facts.company),
        };
        let probe = Resource::Company(CompanyFacts {
            id: user.facts.company,
            kind: user.facts.company_kind,
        });
        let object = AuditObject::Company(Some(user.facts.company));
        // Reading the list needs no more than filing for one's company
        // (any user of a contractor; the desk).
        let (_, decided) = self
            .authorize_on(
                meta,
                caller,
                (Action::TicketFile, probe),
                AuditAction::TicketView,
                object.clone(),
            )
            .await?;
        let rows = self
            .inner
            .applications
            .tickets(scope, open_only, LIST_LIMIT)
            .await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::TicketView,
            object,
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(self
            .readable_tickets(caller, rows)
            .into_iter()
            .map(|row| self.ticket_view(caller, row))
            .collect())
    }

    fn readable_tickets(&self, caller: &Caller, rows: Vec<TicketRow>) -> Vec<TicketRow> {
        rows.into_iter()
            .filter(|row| {
                self.decide(
                    caller,
                    Action::TicketRead,
                    Resource::Application(crate::application_path::facts_of::<TicketKind>(row)),
                )
                .allowed
            })
            .collect()
    }

    /// One ticket with its thread; the link to a file shown only to whom
    /// may read that file. The read is recorded.
    pub async fn ticket(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
    ) -> Result<TicketView, AppError> {
        let id = Self::application_id(id)?;
        let row = self.inner.applications.ticket(&id.to_string()).await?;
        let (row, _, decided) = self
            .application_subject::<TicketKind>(
                meta,
                caller,
                id,
                row,
                (Action::TicketRead, AuditAction::TicketView),
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
            AuditAction::TicketView,
            AuditObject::Application(row.application.id.clone()),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        let link = match row.linked_file {
            Some(link) if self.may_read_linked(caller, link).await? => Some(link),
            _ => None,
        };
        let mut view = self.ticket_view(caller, row);
        view.steps = steps;
        view.linked_file = link;
        Ok(view)
    }

    /// Takes a step on a ticket with its message (required for an answer,
    /// a request for information and a reply). Reopening is refused once
    /// [`dsg_core::helpdesk::REOPEN_WORKING_DAYS`] have passed since the
    /// resolution.
    pub async fn act_on_ticket(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        action: TicketAction,
        message: &str,
    ) -> Result<TicketView, AppError> {
        let app_id = Self::application_id(id)?;
        let row = self.inner.applications.ticket(&app_id.to_string()).await?;
        let (row, user, decided) = self
            .application_subject::<TicketKind>(
                meta,
                caller,
                app_id,
                row,
                (Action::TicketAct, AuditAction::TicketStep),
            )
            .await?;
        let message = if action.needs_message() || !message.trim().is_empty() {
            dsg_core::helpdesk::ticket_text("message", message, MAX_MESSAGE)?
        } else {
            action.as_str().to_owned()
        };
        let planned: Planned<TicketKind> = self
            .plan_step::<TicketKind>(
                meta,
                caller,
                (&row, user, &decided),
                (action, AuditAction::TicketStep),
                true,
            )
            .await?;
        if action == TicketAction::Reopen {
            let resolved = row.resolved_at.unwrap_or(row.application.updated_at);
            if !may_reopen(
                &WorkingCalendar::new(),
                self.local_date(resolved),
                self.today(),
            ) {
                self.record(&planned.failed).await?;
                return Err(AppError::Refused(
                    "a resolved ticket is reopened within five working days".into(),
                ));
            }
        }
        self.write_ticket_step(&row, &planned, action, &message)
            .await?;
        let row = self
            .inner
            .applications
            .ticket(&app_id.to_string())
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(self.ticket_view(caller, row))
    }

    async fn write_ticket_step(
        &self,
        row: &TicketRow,
        planned: &Planned<TicketKind>,
        action: TicketAction,
        message: &str,
    ) -> Result<(), AppError> {
        let now = self.now();
        let resolved_at = match planned.next {
            TicketState::Resolved => Some(now),
            TicketState::Closed => Some(row.resolved_at.unwrap_or(now)),
            TicketState::Open | TicketState::Answered | TicketState::WaitingOnRequester => None,
        };
        let due_on =
            (!planned.closes()).then(|| self.local_date(row.resolution_due_at).to_string());
        let transition = Transition {
            id: &row.application.id,
            from: planned.from.as_str(),
            action: action.as_str(),
            to: planned.next.as_str(),
            actor: planned.user.user.id,
            reason: message,
            due_on: due_on.as_deref(),
            closes: planned.closes(),
        };
        let marks = TicketMarks {
            desk_acted: action.by_desk(),
            resolved_at,
        };
        if !self
            .inner
            .applications
            .transition_ticket(&transition, marks, now, &planned.record)
            .await?
        {
            return Err(self.moved_on(&planned.failed).await);
        }
        Ok(())
    }
}
