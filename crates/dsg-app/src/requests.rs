//! Terminal requests (端末登録・撤去申請) and removable-media requests
//! (可搬記憶媒体登録・撤去申請) on the one application path: filed by a
//! company's protected-system administrator, approved by the agency (never
//! by the requester). An approved terminal registration registers the
//! terminal and issues its certificate from the request's CSR; an approved
//! removal revokes it and opens the disposal of its data; an approved media
//! registration lists the medium, a removal closes it with its reason. The
//! effect commits in the approval's transaction with its one audit entry.

use dsg_core::requests::{
    ApprovalAction, ApprovalRequest, ApprovalState, MediaForm, Operation, TerminalRequestForm,
};
use dsg_core::{
    ApplicationId, AuditAction, AuditObject, CompanyId, CompanyKind, DomainError, Outcome,
    Terminal, TerminalId, TerminalStatus, TerminalText,
};
use dsg_pki::TerminalSubject;
use dsg_policy::{Action, CompanyFacts, Resource};
use dsg_store::{
    ApplicationRow, ApplicationStepRow, MediaRequestRow, MediumRow, RequestEffect,
    TerminalRequestRow, Transition,
};

use crate::admin::parse_id;
use crate::application_path::{step_reason, ActionOf, Kind};
use crate::applications::{reason_text, DECISION_WORKING_DAYS};
use crate::{App, AppError, Caller, RequestMeta, SessionUser};

/// A terminal or media request as its readers see it.
#[derive(Debug, Clone)]
pub struct RequestView<R> {
    /// The application and its form.
    pub row: R,
    /// Its state.
    pub state: ApprovalState,
    /// Past its due date and still waiting.
    pub overdue: bool,
    /// The steps the caller may take now.
    pub actions: Vec<ApprovalAction>,
    /// Every step taken, oldest first (empty in lists).
    pub steps: Vec<ApplicationStepRow>,
}

/// A terminal request as its readers see it.
pub type TerminalRequestView = RequestView<TerminalRequestRow>;
/// A media request as its readers see it.
pub type MediaRequestView = RequestView<MediaRequestRow>;

/// The terminal request kind.
pub(crate) struct TerminalKind;
/// The removable-media request kind.
pub(crate) struct MediaKind;

fn decide_or_act(action: ApprovalAction) -> Action {
    if action.decides() {
        Action::ApplicationDecide
    } else {
        Action::ApplicationAct
    }
}

impl Kind for TerminalKind {
    type Machine = ApprovalRequest;
    type Row = TerminalRequestRow;

    fn application(row: &TerminalRequestRow) -> &ApplicationRow {
        &row.application
    }
    fn parse_state(raw: &str) -> Result<ApprovalState, DomainError> {
        ApprovalState::parse(raw)
    }
    fn action_name(action: ApprovalAction) -> &'static str {
        action.as_str()
    }
    fn policy_action(action: ApprovalAction) -> Action {
        decide_or_act(action)
    }
}

impl Kind for MediaKind {
    type Machine = ApprovalRequest;
    type Row = MediaRequestRow;

    fn application(row: &MediaRequestRow) -> &ApplicationRow {
        &row.application
    }
    fn parse_state(raw: &str) -> Result<ApprovalState, DomainError> {
        ApprovalState::parse(raw)
    }
    fn action_name(action: ApprovalAction) -> &'static str {
        action.as_str()
    }
    fn policy_action(action: ApprovalAction) -> Action {
        decide_or_act(action)
    }
}

impl App {
    fn request_view<K>(&self, caller: &Caller, row: K::Row) -> RequestView<K::Row>
    where
        K: Kind<Machine = ApprovalRequest>,
    {
        let state =
            ApprovalState::parse(&K::application(&row).state).unwrap_or(ApprovalState::Withdrawn);
        RequestView {
            overdue: self.overdue::<K>(K::application(&row), state),
            actions: self.offered::<K>(caller, &row, state),
            state,
            steps: Vec::new(),
            row,
        }
    }

    /// Decides whether the caller may file for `company` (the caller's own
    /// when `None`), recorded when refused; the company filed for.
    pub(crate) async fn authorize_filing(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: Option<&str>,
    ) -> Result<(Box<SessionUser>, crate::Decided, dsg_core::Company), AppError> {
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
        Ok((user, decided, company))
    }

    /// A new application of `kind`, waiting for the agency.
    pub(crate) fn new_request(
        &self,
        kind: &str,
        company: CompanyId,
        user: &SessionUser,
    ) -> ApplicationRow {
        let now = self.now();
        ApplicationRow {
            id: ApplicationId::random().to_string(),
            kind: kind.into(),
            company_id: company,
            requested_by: user.user.id,
            state: ApprovalState::Submitted.as_str().into(),
            reason: "awaiting_agency".into(),
            submitted_at: now,
            due_on: Some(
                self.due_after_working_days(DECISION_WORKING_DAYS)
                    .to_string(),
            ),
            updated_at: now,
            closed_at: None,
        }
    }

    pub(crate) fn filed_record(
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        kind: &str,
        decided: &crate::Decided,
    ) -> dsg_core::AuditRecord {
        let mut record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationFile,
            AuditObject::Application(id.to_owned()),
            Outcome::Success,
            decided,
        );
        record.reason = format!("{} kind={kind}", record.reason);
        record
    }

    /// Files a terminal registration or removal request for `company` (the
    /// caller's own when `None`). A removal names a terminal of that
    /// company that is not revoked. Waits for the agency, due in
    /// [`DECISION_WORKING_DAYS`].
    pub async fn file_terminal_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: Option<&str>,
        form: &TerminalRequestForm,
    ) -> Result<TerminalRequestView, AppError> {
        let (user, decided, company) = self.authorize_filing(meta, caller, company).await?;
        let form = form.validate()?;
        let terminal_id = match form.operation {
            Operation::Register => None,
            Operation::Remove => {
                let id: TerminalId = parse_id(&form.terminal_id, "terminal_id")?;
                let terminal = self.inner.terminals.terminal(id).await?;
                if !terminal.is_some_and(|t| {
                    t.company_id == company.id && t.status != TerminalStatus::Revoked
                }) {
                    return Err(AppError::Invalid(
                        "terminal_id: a registered terminal of the company".into(),
                    ));
                }
                Some(id.to_string())
            }
        };
        let row = TerminalRequestRow {
            application: self.new_request("terminal", company.id, &user),
            form,
            terminal_id,
            cert_serial: None,
            certificate_pem: None,
        };
        let record = Self::filed_record(meta, caller, &row.application.id, "terminal", &decided);
        self.inner
            .applications
            .file_terminal_request(&row, &record)
            .await?;
        Ok(self.request_view::<TerminalKind>(caller, row))
    }

    /// Files a removable-media registration or removal request for
    /// `company` (the caller's own when `None`). A registration's permitted
    /// users are people of that company.
    pub async fn file_media_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: Option<&str>,
        form: &MediaForm,
    ) -> Result<MediaRequestView, AppError> {
        let (user, decided, company) = self.authorize_filing(meta, caller, company).await?;
        let form = form.validate()?;
        if form.operation == Operation::Register {
            let people = self.inner.org.users_of_company(company.id).await?;
            if !form
                .permitted_users
                .iter()
                .all(|u| people.iter().any(|p| p.id == *u))
            {
                return Err(AppError::Invalid(
                    "permitted_users: people of the same company".into(),
                ));
            }
        }
        let row = MediaRequestRow {
            application: self.new_request("media", company.id, &user),
            form,
        };
        let record = Self::filed_record(meta, caller, &row.application.id, "media", &decided);
        self.inner
            .applications
            .file_media_request(&row, &record)
            .await?;
        Ok(self.request_view::<MediaKind>(caller, row))
    }

    /// One terminal request with its timeline; the read is recorded.
    pub async fn terminal_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
    ) -> Result<TerminalRequestView, AppError> {
        let id = Self::application_id(id)?;
        let row = self
            .inner
            .applications
            .terminal_request(&id.to_string())
            .await?;
        self.request_detail::<TerminalKind>(meta, caller, id, row)
            .await
    }

    /// One media request with its timeline; the read is recorded.
    pub async fn media_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
    ) -> Result<MediaRequestView, AppError> {
        let id = Self::application_id(id)?;
        let row = self
            .inner
            .applications
            .media_request(&id.to_string())
            .await?;
        self.request_detail::<MediaKind>(meta, caller, id, row)
            .await
    }

    async fn request_detail<K>(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: ApplicationId,
        row: Option<K::Row>,
    ) -> Result<RequestView<K::Row>, AppError>
    where
        K: Kind<Machine = ApprovalRequest>,
    {
        let (row, _, decided) = self
            .application_subject::<K>(
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
            .application_steps(&K::application(&row).id)
            .await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationView,
            AuditObject::Application(K::application(&row).id.clone()),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        let mut view = self.request_view::<K>(caller, row);
        view.steps = steps;
        Ok(view)
    }

    /// Takes a step on a terminal request. Approving a registration issues
    /// the terminal's certificate from its CSR and registers it; approving
    /// a removal revokes the terminal (its connections closed) and opens
    /// the disposal of its data.
    pub async fn act_on_terminal_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        action: ApprovalAction,
        reason: &str,
    ) -> Result<TerminalRequestView, AppError> {
        let app_id = Self::application_id(id)?;
        let row = self
            .inner
            .applications
            .terminal_request(&app_id.to_string())
            .await?;
        let mut closing = None;
        let effect = |row: &TerminalRequestRow, user: &SessionUser| {
            if action != ApprovalAction::Approve {
                return Ok(RequestEffect::None);
            }
            self.terminal_effect(row, user)
        };
        let moved = self
            .take_request_step::<TerminalKind>(
                meta,
                caller,
                (app_id, row),
                (action, reason),
                effect,
            )
            .await?;
        if let RequestEffect::RevokeTerminal { terminal, .. } = moved {
            closing = self.inner.terminals.terminal(terminal).await?;
        }
        if let Some(fingerprint) = closing.and_then(|t| t.cert_fingerprint) {
            self.inner.connections.close(&fingerprint);
        }
        let row = self
            .inner
            .applications
            .terminal_request(&app_id.to_string())
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(self.request_view::<TerminalKind>(caller, row))
    }

    fn terminal_effect(
        &self,
        row: &TerminalRequestRow,
        user: &SessionUser,
    ) -> Result<RequestEffect, AppError> {
        let f = &row.form;
        let company = row.application.company_id;
        if f.operation == Operation::Remove {
            let terminal: TerminalId = parse_id(&f.terminal_id, "terminal_id")?;
            return Ok(RequestEffect::RevokeTerminal {
                terminal,
                company,
                reason: format!("removal request {}", row.application.id),
            });
        }
        let id = TerminalId::random();
        let name = TerminalText::parse("name", &format!("{} {}", f.model, f.serial))?;
        let subject = TerminalSubject {
            terminal_id: id.to_string(),
            company_id: company.to_string(),
            label: name.as_str().to_owned(),
        };
        let (cert, _) = self.issue(&subject, Some(&f.csr_pem))?;
        let now = self.now();
        Ok(RequestEffect::RegisterTerminal(
            Box::new(Terminal {
                id,
                company_id: company,
                name,
                site: TerminalText::parse("site", &f.site)?,
                serial: TerminalText::parse("serial", &f.serial)?,
                status: TerminalStatus::Active,
                status_reason: String::new(),
                status_changed_at: now,
                cert_fingerprint: Some(cert.fingerprint.clone()),
                cert_serial: Some(cert.serial_hex.clone()),
                cert_not_after: Some(cert.not_after.unix_timestamp() * 1000),
                registered_at: now,
                registered_by: Some(user.user.id),
                last_seen_at: None,
                posture_reported_at: None,
                posture_compliant: None,
            }),
            cert.cert_pem,
        ))
    }

    /// Takes a step on a media request. Approving a registration lists the
    /// medium in the company's media list; approving a removal closes it
    /// with the request's reason.
    pub async fn act_on_media_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        action: ApprovalAction,
        reason: &str,
    ) -> Result<MediaRequestView, AppError> {
        let app_id = Self::application_id(id)?;
        let row = self
            .inner
            .applications
            .media_request(&app_id.to_string())
            .await?;
        let effect = |row: &MediaRequestRow, _: &SessionUser| {
            Ok(match (action, row.form.operation) {
                (ApprovalAction::Approve, Operation::Register) => {
                    RequestEffect::ListMedium(row.application.company_id)
                }
                (ApprovalAction::Approve, Operation::Remove) => {
                    RequestEffect::CloseMedium(row.application.company_id)
                }
                _ => RequestEffect::None,
            })
        };
        self.take_request_step::<MediaKind>(meta, caller, (app_id, row), (action, reason), effect)
            .await?;
        let row = self
            .inner
            .applications
            .media_request(&app_id.to_string())
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(self.request_view::<MediaKind>(caller, row))
    }

    /// The one step path of a request the agency approves: decided by the
    /// policy point and the engine, its effect worked out only once both
    /// allow it, written with its timeline line and one audit entry.
    /// Returns the effect applied.
    async fn take_request_step<K>(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (id, row): (ApplicationId, Option<K::Row>),
        (action, reason): (ActionOf<K>, &str),
        effect: impl FnOnce(&K::Row, &SessionUser) -> Result<RequestEffect, AppError>,
    ) -> Result<RequestEffect, AppError>
    where
        K: Kind<Machine = ApprovalRequest>,
    {
        let audit_action = action.audited_as();
        let (row, user, decided) = self
            .application_subject::<K>(
                meta,
                caller,
                id,
                row,
                (K::policy_action(action), audit_action),
            )
            .await?;
        let reason = reason_text(reason, action.needs_reason())?;
        let plan = self
            .plan_step::<K>(
                meta,
                caller,
                (&row, user, &decided),
                (action, audit_action),
                true,
            )
            .await?;
        let effect = effect(&row, &plan.user)?;
        let due_on = (plan.next == ApprovalState::Submitted).then(|| {
            self.due_after_working_days(DECISION_WORKING_DAYS)
                .to_string()
        });
        let moved = self
            .inner
            .applications
            .transition_request(
                &Transition {
                    id: &K::application(&row).id,
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
        if !moved {
            return Err(self.moved_on(&plan.failed).await);
        }
        Ok(effect)
    }

    /// The media list (可搬記憶媒体一覧): the agency's readers see every
    /// company's, a company's administrator their company's. Decided and
    /// recorded like a list of applications.
    pub async fn removable_media(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<MediumRow>, AppError> {
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
        let media = self.inner.applications.removable_media(scope).await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ApplicationView,
            object,
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(media)
    }
}
